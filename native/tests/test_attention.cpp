#include <cmath>
#include <string>

#include "harness.h"
#include "kernels/attention.h"
#include "kernels/cross_attention.h"
#include "kernels/patch_embed.h"

using namespace shapca;
using namespace shapca::test;

namespace {

// Masked multi-head attention in double, straight from the definition.
std::vector<float> naive_attention(const std::vector<float>& qkv, const std::vector<uint8_t>& mask, int64_t b,
                                   int64_t t, int64_t c, int64_t nh) {
  const int64_t hs = c / nh;
  std::vector<float> out(b * t * c, 0.0f);
  for (int64_t bi = 0; bi < b; ++bi) {
    for (int64_t h = 0; h < nh; ++h) {
      for (int64_t i = 0; i < t; ++i) {
        std::vector<double> s(t, 0.0);
        double mx = -1e300, sum = 0.0;
        for (int64_t j = 0; j < t; ++j) {
          if (!mask[bi * t + j]) continue;
          for (int64_t d = 0; d < hs; ++d) {
            s[j] += static_cast<double>(qkv[(bi * t + i) * 3 * c + h * hs + d]) * qkv[(bi * t + j) * 3 * c + c + h * hs + d];
          }
          s[j] /= std::sqrt(static_cast<double>(hs));
          mx = std::max(mx, s[j]);
        }
        for (int64_t j = 0; j < t; ++j) sum += mask[bi * t + j] ? std::exp(s[j] - mx) : 0.0;
        for (int64_t d = 0; d < hs; ++d) {
          double acc = 0.0;
          for (int64_t j = 0; j < t; ++j) {
            if (mask[bi * t + j]) acc += std::exp(s[j] - mx) / sum * qkv[(bi * t + j) * 3 * c + 2 * c + h * hs + d];
          }
          out[(bi * t + i) * c + h * hs + d] = static_cast<float>(acc);
        }
      }
    }
  }
  return out;
}

// Cross-attention with strided q and k/v rows, in double, straight from the definition.
std::vector<float> naive_cross(const std::vector<float>& q, const std::vector<float>& kv, const std::vector<uint8_t>& mask,
                               const AttentionShape& s) {
  const int64_t hs = s.c / s.nh;
  std::vector<float> out(s.b * s.tq * s.c, 0.0f);
  for (int64_t bi = 0; bi < s.b; ++bi) {
    for (int64_t h = 0; h < s.nh; ++h) {
      for (int64_t i = 0; i < s.tq; ++i) {
        std::vector<double> w(s.tk, 0.0);
        double mx = -1e300, sum = 0.0;
        for (int64_t j = 0; j < s.tk; ++j) {
          if (!mask[bi * s.tk + j]) continue;
          for (int64_t d = 0; d < hs; ++d) {
            w[j] += static_cast<double>(q[(bi * s.tq + i) * s.ldq + h * hs + d]) * kv[(bi * s.tk + j) * s.ldkv + h * hs + d];
          }
          w[j] /= std::sqrt(static_cast<double>(hs));
          mx = std::max(mx, w[j]);
        }
        for (int64_t j = 0; j < s.tk; ++j) sum += mask[bi * s.tk + j] ? std::exp(w[j] - mx) : 0.0;
        for (int64_t d = 0; d < hs && sum > 0.0; ++d) {
          double acc = 0.0;
          for (int64_t j = 0; j < s.tk; ++j) {
            if (mask[bi * s.tk + j]) acc += std::exp(w[j] - mx) / sum * kv[(bi * s.tk + j) * s.ldkv + s.c + h * hs + d];
          }
          out[(bi * s.tq + i) * s.c + h * hs + d] = static_cast<float>(acc);
        }
      }
    }
  }
  return out;
}

}  // namespace

TEST("attention: forward matches the definition with padding, on every path") {
  const int64_t b = 3, t = 11, c = 24, nh = 3;
  auto qkv = random_vector(b * t * 3 * c, 41, 1.5f);
  std::vector<uint8_t> mask(b * t, 1);
  for (int64_t j = 7; j < t; ++j) mask[1 * t + j] = 0;  // sample 1 is padded after 7 tokens
  mask[2 * t + 0] = 0;
  auto expect = naive_attention(qkv, mask, b, t, c, nh);
  for_each_path([&](KernelPath path) {
    std::vector<float> out(b * t * c), att(b * nh * t * t);
    CHECK(attention_forward(out.data(), att.data(), qkv.data(), mask.data(), b, t, c, nh) == Status::ok);
    CHECK_CLOSE(out.data(), expect.data(), out.size(), 1e-5, 1e-4, std::string("attention ") + kernel_path_name(path));
    for (int64_t h = 0; h < nh; ++h) {
      for (int64_t i = 0; i < t; ++i) CHECK(att[((1 * nh + h) * t + i) * t + 9] == 0.0f);  // masked key
    }
  });
}

TEST("cross attention: forward matches the definition at sizes off the 12-row and 32-column blocks, with and without att") {
  // First shape: hs = 40, a full and an 8-column panel of values; Tk = 45, a full and a 13-key
  // panel (both at most 16: the half tile). Second: hs = 56 and Tk = 57, last panels of 24 and 25
  // (masked full tiles). Tq = 29 and 17: blocks of 12 and a short one; strided rows; batch 2
  // drops every key (with the mask; then without one).
  const AttentionShape shapes[] = {{3, 29, 45, 80, 2, 83, 165},  // k and v: the two halves of one 165-wide row
                                   {3, 17, 57, 112, 2, 115, 229}};
  for (const AttentionShape& s : shapes) {
    auto q = random_vector(s.b * s.tq * s.ldq, 51, 2.0f), kv = random_vector(s.b * s.tk * s.ldkv, 52, 2.0f);
    std::vector<uint8_t> mask(s.b * s.tk, 1);
    for (int64_t j = 30; j < s.tk; ++j) mask[j] = 0;
    mask[s.tk + 3] = 0;
    for (int64_t j = 0; j < s.tk; ++j) mask[2 * s.tk + j] = 0;
    // No mask at all: the AVX-512 score tiles then also keep each row's maximum for the softmax;
    // queries 8× larger put scores past e^88, so that a wrong maximum overflows or underflows.
    const std::vector<uint8_t> all_keys(mask.size(), 1);
    std::vector<float> q8 = q;
    for (float& v : q8) v *= 8.0f;
    for (bool masked : {true, false}) {
      const std::vector<float>& qs = masked ? q : q8;
      auto expect = naive_cross(qs, kv, masked ? mask : all_keys, s);
      const uint8_t* keys = masked ? mask.data() : nullptr;
      for_each_path([&](KernelPath path) {
        std::vector<float> out(s.b * s.tq * s.c, 7.0f), bare(out.size(), 7.0f), att(s.b * s.nh * s.tq * s.tk, 7.0f);
        CHECK(cross_attention_forward(out.data(), att.data(), qs.data(), kv.data(), kv.data() + s.c, keys, s) == Status::ok);
        CHECK(cross_attention_forward(bare.data(), nullptr, qs.data(), kv.data(), kv.data() + s.c, keys, s) == Status::ok);
        const std::string label = std::string("cross attention ") + kernel_path_name(path) + " tk=" + std::to_string(s.tk) +
                                  (masked ? " masked" : " no mask");
        CHECK_CLOSE(out.data(), expect.data(), out.size(), 1e-5, 1e-4, label);
        CHECK_CLOSE(bare.data(), expect.data(), bare.size(), 1e-5, 1e-4, label + " without att");
        for (int64_t r = 0; r < s.b * s.nh * s.tq; ++r) {  // each row of probabilities sums to 1 (0 when every key is dropped)
          double sum = 0.0;
          for (int64_t j = 0; j < s.tk; ++j) sum += att[r * s.tk + j];
          CHECK(std::fabs(sum - (masked && r >= 2 * s.nh * s.tq ? 0.0 : 1.0)) < 1e-5);
        }
      });
    }
  }
}

TEST("cross attention: scores all far below zero keep their differences") {
  // Key j is (1 + j/64)·u and every query −u: the scores run from −|u|²/√hs ≈ −2000 down, about 30
  // apart, so nearly all the weight is on key 0. A softmax shifted by anything above the true
  // maximum (0 from the padded lanes of the last key panel, say) would clamp every term to the
  // same e^-87 and return the mean of the values instead.
  const AttentionShape s{1, 13, 45, 40, 1, 40, 80};
  auto u = random_vector(s.c, 61, 10.0f);
  auto kv = random_vector(s.tk * s.ldkv, 62, 2.0f);
  std::vector<float> q(s.tq * s.ldq);
  for (int64_t i = 0; i < s.tq; ++i) {
    for (int64_t d = 0; d < s.c; ++d) q[i * s.ldq + d] = -u[d];
  }
  for (int64_t j = 0; j < s.tk; ++j) {
    for (int64_t d = 0; d < s.c; ++d) kv[j * s.ldkv + d] = (1.0f + static_cast<float>(j) / 64.0f) * u[d];
  }
  const auto expect = naive_cross(q, kv, std::vector<uint8_t>(s.tk, 1), s);
  for_each_path([&](KernelPath path) {
    std::vector<float> out(s.tq * s.c, 7.0f);
    CHECK(cross_attention_forward(out.data(), nullptr, q.data(), kv.data(), kv.data() + s.c, nullptr, s) == Status::ok);
    CHECK_CLOSE(out.data(), expect.data(), out.size(), 1e-5, 1e-4, std::string("far below zero ") + kernel_path_name(path));
  });
}

TEST("attention: backward matches finite differences of the forward") {
  const int64_t b = 2, t = 5, c = 8, nh = 2;
  auto qkv = random_vector(b * t * 3 * c, 5, 1.0f);
  std::vector<uint8_t> mask(b * t, 1);
  mask[1 * t + 4] = 0;
  mask[1 * t + 3] = 0;
  auto probe = random_vector(b * t * c, 6);
  std::vector<float> out(b * t * c), att(b * nh * t * t), dqkv(qkv.size(), 0.0f);
  auto loss = [&](const std::vector<float>& x) {
    attention_forward(out.data(), att.data(), x.data(), mask.data(), b, t, c, nh);
    double l = 0.0;
    for (size_t i = 0; i < out.size(); ++i) l += static_cast<double>(probe[i]) * out[i];
    return l;
  };
  for_each_path([&](KernelPath path) {
    std::fill(dqkv.begin(), dqkv.end(), 0.0f);
    loss(qkv);
    CHECK(attention_backward(dqkv.data(), probe.data(), qkv.data(), att.data(), b, t, c, nh) == Status::ok);
    std::vector<float> numeric(qkv.size());
    auto x = qkv;
    const float h = 1e-2f;
    for (size_t i = 0; i < x.size(); ++i) {
      const float keep = x[i];
      x[i] = keep + h;
      const double up = loss(x);
      x[i] = keep - h;
      const double down = loss(x);
      x[i] = keep;
      numeric[i] = static_cast<float>((up - down) / (2.0 * h));
    }
    CHECK_CLOSE(dqkv.data(), numeric.data(), dqkv.size(), 2e-3, 2e-3,
                std::string("attention dqkv ") + kernel_path_name(path));
  });
}

TEST("attention: bad shapes are errors, not crashes") {
  float x = 0.0f;
  CHECK(attention_forward(&x, &x, &x, nullptr, 1, 1, 5, 2) == Status::invalid_argument);
  CHECK(std::string(last_error()).find("divisible") != std::string::npos);
  CHECK(attention_forward(nullptr, &x, &x, nullptr, 1, 1, 2, 2) == Status::invalid_argument);
}

TEST("patch_embed: forward is the strided convolution, backward matches finite differences") {
  const int64_t b = 2, ci = 2, h = 6, w = 9, p = 3, oc = 4, np = (h / p) * (w / p), k = ci * p * p;
  auto pixels = random_vector(b * ci * h * w, 8);
  auto weight = random_vector(oc * k, 9);
  auto bias = random_vector(oc, 10);
  std::vector<float> out(b * np * oc), patches(b * np * k);
  CHECK(patch_embed_forward(out.data(), patches.data(), pixels.data(), weight.data(), bias.data(), b, ci, h, w, p, oc) ==
        Status::ok);
  // direct convolution
  for (int64_t bi = 0; bi < b; ++bi) {
    for (int64_t gy = 0; gy < h / p; ++gy) {
      for (int64_t gx = 0; gx < w / p; ++gx) {
        for (int64_t o = 0; o < oc; ++o) {
          double acc = bias[o];
          for (int64_t c = 0; c < ci; ++c) {
            for (int64_t y = 0; y < p; ++y) {
              for (int64_t x = 0; x < p; ++x) {
                acc += static_cast<double>(weight[((o * ci + c) * p + y) * p + x]) *
                       pixels[((bi * ci + c) * h + gy * p + y) * w + gx * p + x];
              }
            }
          }
          const float got = out[(bi * np + gy * (w / p) + gx) * oc + o];
          CHECK(std::fabs(got - acc) <= 1e-5 + 1e-5 * std::fabs(acc));
        }
      }
    }
  }
  auto probe = random_vector(out.size(), 11);
  std::vector<float> dpix(pixels.size(), 0.0f), dw(weight.size(), 0.0f), db(oc, 0.0f);
  CHECK(patch_embed_backward(dpix.data(), dw.data(), db.data(), probe.data(), patches.data(), weight.data(), b, ci, h,
                             w, p, oc) == Status::ok);
  // linear in pixels: d/dpixel of Σ probe·out is exact with any step
  auto loss = [&](const std::vector<float>& px) {
    std::vector<float> o(out.size()), pt(patches.size());
    patch_embed_forward(o.data(), pt.data(), px.data(), weight.data(), bias.data(), b, ci, h, w, p, oc);
    double l = 0.0;
    for (size_t i = 0; i < o.size(); ++i) l += static_cast<double>(probe[i]) * o[i];
    return l;
  };
  std::vector<float> numeric(pixels.size());
  auto px = pixels;
  for (size_t i = 0; i < px.size(); ++i) {
    const float keep = px[i];
    px[i] = keep + 0.5f;
    const double up = loss(px);
    px[i] = keep - 0.5f;
    const double down = loss(px);
    px[i] = keep;
    numeric[i] = static_cast<float>(up - down);
  }
  CHECK_CLOSE(dpix.data(), numeric.data(), dpix.size(), 1e-4, 1e-4, "patch_embed dpixels");
  double db0 = 0.0;
  for (int64_t r = 0; r < b * np; ++r) db0 += probe[r * oc];
  CHECK(std::fabs(db[0] - db0) < 1e-4);
}
