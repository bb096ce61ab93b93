// Cross-entropy, mean pooling, the fusion gate and patch embedding against the CPU.
#include <string>

#include "cuda/heads.h"
#include "cuda/patch_embed.h"
#include "harness.h"
#include "kernels/cross_entropy.h"
#include "kernels/fusion.h"
#include "kernels/patch_embed.h"
#include "kernels/pooling.h"

using namespace shapca;
using namespace shapca::cuda_test;

TEST("cross_entropy: forward (ignored rows) and backward match the CPU; a bad target is out_of_range") {
  for (int64_t cols : {1, 23, 300}) {
    const int64_t rows = 37;
    auto logits = random_vector(rows * cols, cols, 5.0f), dloss = random_vector(rows, 2), d0 = random_vector(rows * cols, 3);
    std::vector<int32_t> targets(rows);
    for (int64_t r = 0; r < rows; ++r) targets[r] = r % 5 == 0 ? -1 : static_cast<int32_t>((r * 7) % cols);
    std::vector<float> loss(rows), probs(rows * cols), dl = d0;
    CHECK_OK(cross_entropy_forward(loss.data(), probs.data(), logits.data(), targets.data(), rows, cols));
    CHECK_OK(cross_entropy_backward(dl.data(), dloss.data(), probs.data(), targets.data(), rows, cols));
    auto d_logits = UP(logits), d_dloss = UP(dloss), d_dl = UP(d0);
    auto d_targets = UP(targets);
    cuda::DeviceBuffer<float> d_loss, d_probs;
    CHECK_OK(d_loss.allocate(rows));
    CHECK_OK(d_probs.allocate(rows * cols));
    CHECK_OK(cuda::cross_entropy_forward(d_loss.data(), d_probs.data(), d_logits.data(), d_targets.data(), rows, cols));
    CHECK_OK(cuda::cross_entropy_backward(d_dl.data(), d_dloss.data(), d_probs.data(), d_targets.data(), rows, cols));
    const std::string label = "cross_entropy cols=" + std::to_string(cols);
    CHECK_NMSE(DOWN(d_loss).data(), loss.data(), rows, 1e-11, label + " loss");
    CHECK_NMSE(DOWN(d_probs).data(), probs.data(), probs.size(), 1e-11, label + " probs");
    CHECK_NMSE(DOWN(d_dl).data(), dl.data(), dl.size(), 1e-11, label + " dlogits");
  }
  std::vector<int32_t> bad = {0, 1, 3};
  auto d_bad = UP(bad);
  auto x = UP(random_vector(9, 1));
  cuda::DeviceBuffer<float> l, p;
  CHECK_OK(l.allocate(3));
  CHECK_OK(p.allocate(9));
  CHECK_STATUS(cuda::cross_entropy_forward(l.data(), p.data(), x.data(), d_bad.data(), 3, 3), Status::out_of_range);
  CHECK(std::string(last_error()).find("targets[2] = 3") != std::string::npos);
}

TEST("mean_pool: forward and backward match the CPU (empty spans give 0); a negative weight is an error") {
  const int64_t b = 5, t = 17, c = 40;
  auto x = random_vector(b * t * c, 1), dout = random_vector(b * c, 2), d0 = random_vector(b * t * c, 3);
  std::vector<float> w(b * t, 0.0f);
  for (int64_t i = 0; i < b * t; ++i) w[i] = (i % 3 != 0 && i / t != 2) ? 1.0f : 0.0f;  // sample 2: empty span
  w[4] = 0.5f;
  std::vector<float> out(b * c), dx = d0;
  CHECK_OK(mean_pool_forward(out.data(), x.data(), w.data(), b, t, c));
  CHECK_OK(mean_pool_backward(dx.data(), dout.data(), w.data(), b, t, c));
  auto d_x = UP(x), d_w = UP(w), d_dout = UP(dout), d_dx = UP(d0);
  cuda::DeviceBuffer<float> d_out;
  CHECK_OK(d_out.allocate(b * c));
  CHECK_OK(cuda::mean_pool_forward(d_out.data(), d_x.data(), d_w.data(), b, t, c));
  CHECK_OK(cuda::mean_pool_backward(d_dx.data(), d_dout.data(), d_w.data(), b, t, c));
  CHECK_NMSE(DOWN(d_out).data(), out.data(), out.size(), 1e-12, "mean_pool out");
  CHECK_NMSE(DOWN(d_dx).data(), dx.data(), dx.size(), 1e-12, "mean_pool dx");
  w[7] = -1.0f;
  auto d_bad = UP(w);
  CHECK_STATUS(cuda::mean_pool_forward(d_out.data(), d_x.data(), d_bad.data(), b, t, c), Status::invalid_argument);
  CHECK(std::string(last_error()).find("w[7]") != std::string::npos);
}

TEST("fusion_gate: forward and backward match the CPU, with and without images") {
  const int64_t b = 3, t = 11, c = 70;
  const size_t n = b * t * c;
  auto h = random_vector(n, 1), a = random_vector(n, 2), gp = random_vector(n, 3, 3.0f);
  auto lw = random_vector(c, 4), lb = random_vector(c, 5), dout = random_vector(n, 6);
  auto dh0 = random_vector(n, 7), da0 = random_vector(n, 8), dg0 = random_vector(n, 9);
  auto dw0 = random_vector(c, 10), db0 = random_vector(c, 11);
  std::vector<uint8_t> has_image = {1, 0, 1};
  std::vector<float> out(n), g(n), mean(b * t), rstd(b * t), dh = dh0, da = da0, dg = dg0, dw = dw0, db = db0;
  CHECK_OK(fusion_gate_forward(out.data(), g.data(), mean.data(), rstd.data(), h.data(), a.data(), gp.data(), lw.data(),
                               lb.data(), has_image.data(), b, t, c, 1e-5f));
  CHECK_OK(fusion_gate_backward(dh.data(), da.data(), dg.data(), dw.data(), db.data(), dout.data(), h.data(), a.data(),
                                g.data(), mean.data(), rstd.data(), lw.data(), has_image.data(), b, t, c));
  auto d_h = UP(h), d_a = UP(a), d_gp = UP(gp), d_lw = UP(lw), d_lb = UP(lb), d_dout = UP(dout);
  auto d_dh = UP(dh0), d_da = UP(da0), d_dg = UP(dg0), d_dw = UP(dw0), d_db = UP(db0);
  auto d_img = UP(has_image);
  cuda::DeviceBuffer<float> d_out, d_g, d_mean, d_rstd;
  CHECK_OK(d_out.allocate(n));
  CHECK_OK(d_g.allocate(n));
  CHECK_OK(d_mean.allocate(b * t));
  CHECK_OK(d_rstd.allocate(b * t));
  CHECK_OK(cuda::fusion_gate_forward(d_out.data(), d_g.data(), d_mean.data(), d_rstd.data(), d_h.data(), d_a.data(),
                                     d_gp.data(), d_lw.data(), d_lb.data(), d_img.data(), b, t, c, 1e-5f));
  CHECK_OK(cuda::fusion_gate_backward(d_dh.data(), d_da.data(), d_dg.data(), d_dw.data(), d_db.data(), d_dout.data(),
                                      d_h.data(), d_a.data(), d_g.data(), d_mean.data(), d_rstd.data(), d_lw.data(),
                                      d_img.data(), b, t, c));
  CHECK_NMSE(DOWN(d_out).data(), out.data(), n, 1e-11, "fusion out");
  CHECK_NMSE(DOWN(d_g).data(), g.data(), n, 1e-12, "fusion g");
  CHECK_NMSE(DOWN(d_rstd).data(), rstd.data(), b * t, 1e-11, "fusion rstd");
  CHECK_NMSE(DOWN(d_dh).data(), dh.data(), n, 1e-10, "fusion dh");
  CHECK_NMSE(DOWN(d_da).data(), da.data(), n, 1e-10, "fusion da");
  CHECK_NMSE(DOWN(d_dg).data(), dg.data(), n, 1e-10, "fusion dgate_pre");
  CHECK_NMSE(DOWN(d_dw).data(), dw.data(), c, 1e-10, "fusion dln_w");
  CHECK_NMSE(DOWN(d_db).data(), db.data(), c, 1e-10, "fusion dln_b");
}

TEST("patch_embed: forward and backward match the CPU (a border narrower than P is dropped)") {
  const int64_t b = 2, ci = 3, h = 35, w = 29, p = 8, oc = 24;
  const int64_t np = (h / p) * (w / p), k = ci * p * p;
  auto pixels = random_vector(b * ci * h * w, 1), weight = random_vector(oc * k, 2), bias = random_vector(oc, 3);
  auto dout = random_vector(b * np * oc, 4), dpx0 = random_vector(b * ci * h * w, 5), dw0 = random_vector(oc * k, 6),
       db0 = random_vector(oc, 7);
  std::vector<float> out(b * np * oc), patches(b * np * k), dpx = dpx0, dw = dw0, db = db0;
  CHECK_OK(patch_embed_forward(out.data(), patches.data(), pixels.data(), weight.data(), bias.data(), b, ci, h, w, p, oc));
  CHECK_OK(patch_embed_backward(dpx.data(), dw.data(), db.data(), dout.data(), patches.data(), weight.data(), b, ci, h, w, p, oc));
  auto d_px = UP(pixels), d_w = UP(weight), d_b = UP(bias), d_dout = UP(dout), d_dpx = UP(dpx0), d_dw = UP(dw0), d_db = UP(db0);
  cuda::DeviceBuffer<float> d_out, d_patches;
  CHECK_OK(d_out.allocate(out.size()));
  CHECK_OK(d_patches.allocate(patches.size()));
  CHECK_OK(cuda::patch_embed_forward(d_out.data(), d_patches.data(), d_px.data(), d_w.data(), d_b.data(), b, ci, h, w, p, oc));
  CHECK_OK(cuda::patch_embed_backward(d_dpx.data(), d_dw.data(), d_db.data(), d_dout.data(), d_patches.data(), d_w.data(),
                                      b, ci, h, w, p, oc));
  CHECK_NMSE(DOWN(d_patches).data(), patches.data(), patches.size(), 0.0, "patches");
  CHECK_NMSE(DOWN(d_out).data(), out.data(), out.size(), 1e-10, "patch_embed out");
  CHECK_NMSE(DOWN(d_dpx).data(), dpx.data(), dpx.size(), 1e-10, "patch_embed dpixels");
  CHECK_NMSE(DOWN(d_dw).data(), dw.data(), dw.size(), 1e-10, "patch_embed dweight");
  CHECK_NMSE(DOWN(d_db).data(), db.data(), db.size(), 1e-10, "patch_embed dbias");
}

HOST_TEST("heads, patch_embed: bad sizes and null buffers are errors") {
  float* fake = reinterpret_cast<float*>(64);
  CHECK_STATUS(cuda::cross_entropy_forward(fake, fake, fake, nullptr, 3, 4), Status::invalid_argument);
  CHECK_STATUS(cuda::mean_pool_forward(fake, fake, fake, -1, 2, 3), Status::invalid_argument);
  CHECK_STATUS(cuda::fusion_gate_forward(fake, fake, fake, fake, fake, fake, nullptr, fake, fake, nullptr, 1, 2, 3, 1e-5f),
               Status::invalid_argument);
  CHECK_STATUS(cuda::patch_embed_forward(fake, fake, fake, fake, nullptr, 1, 3, 16, 16, 0, 8), Status::invalid_argument);
}
