// The Philox port, the permutation scan (forward, standard errors, backward), Shap-CA and
// InfoNCE against the CPU, and the device-side input checks.
#include <cmath>
#include <string>

#include "core/rng.h"
#include "cuda/contrastive.h"
#include "cuda/philox.cuh"
#include "cuda/shapley.h"
#include "harness.h"
#include "kernels/contrastive.h"
#include "kernels/gemm.h"
#include "kernels/shapley.h"

using namespace shapca;
using namespace shapca::cuda_test;

namespace {

const ShapleyUtility kUtilities[] = {ShapleyUtility::softmax_expectation, ShapleyUtility::cosine_sum,
                                     ShapleyUtility::mean};

// Unit players (k,d) and targets (n,d); s = P Tᵀ (k,n), g = P Pᵀ (k,k).
struct Games {
  std::vector<float> s, g;
};
Games make_games(int64_t k, int64_t n, int64_t d, uint64_t seed) {
  auto p = random_vector(k * d, seed), t = random_vector(n * d, seed + 1);
  std::vector<float> pn(p.size()), tn(t.size()), inv_p(k), inv_t(n);
  l2_normalize_forward(pn.data(), inv_p.data(), p.data(), k, d, "p");
  l2_normalize_forward(tn.data(), inv_t.data(), t.data(), n, d, "t");
  Games gm{std::vector<float>(k * n), std::vector<float>(k * k)};
  sgemm(false, true, k, n, d, 1.0f, pn.data(), d, tn.data(), d, 0.0f, gm.s.data(), n, nullptr);
  sgemm(false, true, k, k, d, 1.0f, pn.data(), d, pn.data(), d, 0.0f, gm.g.data(), k, nullptr);
  return gm;
}

std::string name(ShapleyUtility u, int64_t k, int64_t n, bool anti) {
  return std::string(shapley_utility_name(u)) + " k=" + std::to_string(k) + " n=" + std::to_string(n) +
         (anti ? " antithetic" : "");
}

}  // namespace

HOST_TEST("philox: the host build of the CUDA port draws core/rng's numbers and permutations") {
  for (uint64_t seed : {0ull, 1ull, 0x123456789abcdefull}) {
    for (uint64_t stream : {0ull, 7ull, 1ull << 40}) {
      CounterRng cpu(seed, stream);
      cuda::PhiloxStream port(seed, stream);
      bool same = true;
      for (int i = 0; i < 1000; ++i) same &= cpu.next_u32() == port.next_u32();
      for (uint32_t bound : {1u, 2u, 3u, 7u, 1000u, 0x80000001u, 0xffffffffu}) {
        for (int i = 0; i < 50; ++i) same &= cpu.next_below(bound) == port.next_below(bound);
      }
      CHECK(same);
    }
  }
  for (int64_t k : {1, 2, 5, 64, 257}) {
    for (bool anti : {false, true}) {
      const int64_t m = 6;
      std::vector<int32_t> want(m * k), got(m * k);
      CHECK(shapley_permutations(want.data(), k, m, anti, 42) == Status::ok);
      for (int64_t q = 0; q < (anti ? m / 2 : m); ++q) cuda::philox_permutation(got.data() + (anti ? 2 * q : q) * k, k, 42, q, anti);
      CHECK(got == want);
    }
  }
}

TEST("shapley: device permutations are the CPU's, bit for bit") {
  for (int64_t k : {1, 3, 64, 300}) {
    for (bool anti : {false, true}) {
      const int64_t m = 16;
      std::vector<int32_t> want(m * k);
      CHECK_OK(shapley_permutations(want.data(), k, m, anti, 7));
      cuda::DeviceBuffer<int32_t> d;
      CHECK_OK(d.allocate(m * k));
      CHECK_OK(cuda::shapley_permutations(d.data(), k, m, anti, 7));
      CHECK(DOWN(d) == want);
    }
  }
}

TEST("shapley: permutation estimate and standard errors match the CPU for every utility") {
  const int64_t shapes[][2] = {{1, 3}, {5, 1}, {17, 33}, {64, 64}};
  for (ShapleyUtility u : kUtilities) {
    for (auto& sh : shapes) {
      for (bool anti : {false, true}) {
        const int64_t k = sh[0], n = sh[1], m = 8;
        Games gm = make_games(k, n, 24, k + n);
        std::vector<int32_t> perms(m * k);
        CHECK_OK(shapley_permutations(perms.data(), k, m, anti, 3));
        std::vector<float> phi(n * k), se(n * k);
        CHECK_OK(shapley_permutation_forward(phi.data(), se.data(), gm.s.data(), gm.g.data(), perms.data(), k, n, m, anti, u, 0.1f));
        auto ds = UP(gm.s), dg = UP(gm.g);
        auto dp = UP(perms);
        cuda::DeviceBuffer<float> dphi, dse;
        CHECK_OK(dphi.allocate(n * k));
        CHECK_OK(dse.allocate(n * k));
        CHECK_OK(cuda::shapley_permutation_forward(dphi.data(), dse.data(), ds.data(), dg.data(), dp.data(), k, n, m, anti, u, 0.1f));
        CHECK_NMSE(DOWN(dphi).data(), phi.data(), phi.size(), 1e-10, name(u, k, n, anti) + " phi");
        CHECK_NMSE(DOWN(dse).data(), se.data(), se.size(), 1e-8, name(u, k, n, anti) + " stderr");
      }
    }
  }
}

TEST("shapley: permutation backward (ds, and dg for cosine-sum) matches the CPU") {
  const int64_t shapes[][2] = {{1, 2}, {6, 9}, {33, 20}, {64, 64}};
  for (ShapleyUtility u : kUtilities) {
    for (auto& sh : shapes) {
      const int64_t k = sh[0], n = sh[1], m = 6;
      Games gm = make_games(k, n, 16, 2 * k + n);
      std::vector<int32_t> perms(m * k);
      CHECK_OK(shapley_permutations(perms.data(), k, m, true, 5));
      auto dphi = random_vector(n * k, 9), ds0 = random_vector(k * n, 10), dg0 = random_vector(k * k, 11);
      std::vector<float> ds = ds0, dg = dg0;
      CHECK_OK(shapley_permutation_backward(ds.data(), dg.data(), dphi.data(), gm.s.data(), gm.g.data(), perms.data(),
                                            k, n, m, u, 0.1f));
      auto d_s = UP(gm.s), d_g = UP(gm.g), d_dphi = UP(dphi), d_ds = UP(ds0), d_dg = UP(dg0);
      auto d_perms = UP(perms);
      CHECK_OK(cuda::shapley_permutation_backward(d_ds.data(), d_dg.data(), d_dphi.data(), d_s.data(), d_g.data(),
                                                  d_perms.data(), k, n, m, u, 0.1f));
      CHECK_NMSE(DOWN(d_ds).data(), ds.data(), ds.size(), 1e-10, name(u, k, n, true) + " ds");
      CHECK_NMSE(DOWN(d_dg).data(), dg.data(), dg.size(), 1e-10, name(u, k, n, true) + " dg");
    }
  }
}

TEST("shapca_loss: loss, phi and both gradients match the CPU for every utility (and forward only)") {
  for (ShapleyUtility u : kUtilities) {
    for (int64_t k : {2, 9, 40}) {
      const int64_t d = 32;
      auto p = random_vector(k * d, 100 + k), t = random_vector(k * d, 200 + k);
      auto dp0 = random_vector(k * d, 300), dt0 = random_vector(k * d, 301);
      ShapleyConfig cfg;
      cfg.utility = u;
      cfg.permutations = 16;
      cfg.seed = 11;
      double loss = 0.0, loss_fwd = 0.0, gloss = 0.0, gloss_fwd = 0.0;
      std::vector<float> phi(k * k), dp = dp0, dt = dt0;
      CHECK_OK(shapca_loss(&loss, phi.data(), dp.data(), dt.data(), p.data(), t.data(), k, d, cfg, 0.07f, 0.5f));
      CHECK_OK(shapca_loss(&loss_fwd, nullptr, nullptr, nullptr, p.data(), t.data(), k, d, cfg, 0.07f));
      auto d_p = UP(p), d_t = UP(t), d_dp = UP(dp0), d_dt = UP(dt0);
      cuda::DeviceBuffer<float> d_phi;
      CHECK_OK(d_phi.allocate(k * k));
      CHECK_OK(cuda::shapca_loss(&gloss, d_phi.data(), d_dp.data(), d_dt.data(), d_p.data(), d_t.data(), k, d, cfg, 0.07f, 0.5f));
      CHECK_OK(cuda::shapca_loss(&gloss_fwd, nullptr, nullptr, nullptr, d_p.data(), d_t.data(), k, d, cfg, 0.07f));
      const std::string label = std::string(shapley_utility_name(u)) + " k=" + std::to_string(k);
      CHECK_MSG(std::fabs(gloss - loss) <= 1e-5 * (1.0 + std::fabs(loss)), label + ": loss " + std::to_string(gloss) + " vs " + std::to_string(loss));
      CHECK_MSG(std::fabs(gloss_fwd - loss_fwd) <= 1e-5 * (1.0 + std::fabs(loss_fwd)), label + ": forward-only loss");
      CHECK_NMSE(DOWN(d_phi).data(), phi.data(), phi.size(), 1e-9, label + " phi");
      CHECK_NMSE(DOWN(d_dp).data(), dp.data(), dp.size(), 1e-8, label + " dplayers");
      CHECK_NMSE(DOWN(d_dt).data(), dt.data(), dt.size(), 1e-8, label + " dtargets");
    }
  }
}

TEST("infonce_loss: loss, logits and gradients match the CPU") {
  for (int64_t k : {1, 7, 70}) {
    const int64_t d = 48;
    auto p = random_vector(k * d, 1 + k), t = random_vector(k * d, 2 + k), dp0 = random_vector(k * d, 3), dt0 = random_vector(k * d, 4);
    double loss = 0.0, gloss = 0.0;
    std::vector<float> logits(k * k), dp = dp0, dt = dt0;
    CHECK_OK(infonce_loss(&loss, logits.data(), dp.data(), dt.data(), p.data(), t.data(), k, d, 0.07f, 2.0f));
    auto d_p = UP(p), d_t = UP(t), d_dp = UP(dp0), d_dt = UP(dt0);
    cuda::DeviceBuffer<float> d_logits;
    CHECK_OK(d_logits.allocate(k * k));
    CHECK_OK(cuda::infonce_loss(&gloss, d_logits.data(), d_dp.data(), d_dt.data(), d_p.data(), d_t.data(), k, d, 0.07f, 2.0f));
    const std::string label = "infonce k=" + std::to_string(k);
    CHECK_MSG(std::fabs(gloss - loss) <= 1e-5 * (1.0 + std::fabs(loss)), label + " loss");
    CHECK_NMSE(DOWN(d_logits).data(), logits.data(), logits.size(), 1e-10, label + " logits");
    CHECK_NMSE(DOWN(d_dp).data(), dp.data(), dp.size(), 1e-9, label + " dplayers");
    CHECK_NMSE(DOWN(d_dt).data(), dt.data(), dt.size(), 1e-9, label + " dtargets");
  }
}

TEST("shapley: bad inputs fail with the CPU's status on the device checks") {
  const int64_t k = 4, n = 3, m = 2;
  Games gm = make_games(k, n, 8, 1);
  std::vector<int32_t> perms = {0, 1, 2, 3, 3, 2, 1, 1};  // row 1 repeats 1
  auto d_s = UP(gm.s), d_g = UP(gm.g);
  auto d_perms = UP(perms);
  cuda::DeviceBuffer<float> phi;
  CHECK_OK(phi.allocate(n * k));
  CHECK_STATUS(cuda::shapley_permutation_forward(phi.data(), nullptr, d_s.data(), d_g.data(), d_perms.data(), k, n, m,
                                                 false, ShapleyUtility::mean, 0.1f),
               Status::invalid_argument);
  CHECK(std::string(last_error()).find("row 1 of the permutations") != std::string::npos);
  perms = {0, 1, 2, 3, 3, 2, 1, 0};
  auto good_perms = UP(perms);
  auto nan_s = gm.s;
  nan_s[5] = NAN;
  auto d_nan = UP(nan_s);
  CHECK_STATUS(cuda::shapley_permutation_forward(phi.data(), nullptr, d_nan.data(), d_g.data(), good_perms.data(), k, n,
                                                 m, false, ShapleyUtility::mean, 0.1f),
               Status::non_finite);
  CHECK(std::string(last_error()).find("s[5]") != std::string::npos);
  CHECK_STATUS(cuda::shapley_permutation_forward(phi.data(), nullptr, d_s.data(), d_g.data(), good_perms.data(), k, n,
                                                 m, false, ShapleyUtility::softmax_expectation, 1e-4f),
               Status::out_of_range);
  auto zero_g = gm.g;
  zero_g[2 * k + 2] = 0.0f;
  auto d_zero_g = UP(zero_g);
  CHECK_STATUS(cuda::shapley_permutation_forward(phi.data(), nullptr, d_s.data(), d_zero_g.data(), good_perms.data(), k,
                                                 n, m, false, ShapleyUtility::cosine_sum, 0.1f),
               Status::invalid_argument);
  CHECK(std::string(last_error()).find("player 2") != std::string::npos);
  // a zero embedding row
  std::vector<float> p(k * 8, 1.0f), t(k * 8, 1.0f);
  std::fill(p.begin() + 8, p.begin() + 16, 0.0f);
  auto d_p = UP(p), d_t = UP(t);
  double loss = 0.0;
  CHECK_STATUS(cuda::shapca_loss(&loss, nullptr, nullptr, nullptr, d_p.data(), d_t.data(), k, 8, ShapleyConfig{}, 0.07f),
               Status::invalid_argument);
  CHECK(std::string(last_error()).find("players: row 1") != std::string::npos);
  // a NaN target row, and weights exp() cannot carry: the one check after the forward reports
  // them, and no gradient is written
  auto pr = random_vector(k * 8, 3), tr = random_vector(k * 8, 4);
  tr[3 * 8 + 2] = NAN;
  auto d_pr = UP(pr), d_tr = UP(tr), d_grad = UP(std::vector<float>(k * 8, 0.0f));
  CHECK_STATUS(cuda::infonce_loss(&loss, nullptr, d_grad.data(), nullptr, d_pr.data(), d_tr.data(), k, 8, 0.07f),
               Status::invalid_argument);
  CHECK(std::string(last_error()).find("targets: row 3") != std::string::npos);
  tr[3 * 8 + 2] = 0.5f;
  auto d_tr2 = UP(tr);
  ShapleyConfig sharp;
  sharp.tau_u = 1e-3f;
  CHECK_STATUS(cuda::shapca_loss(&loss, nullptr, d_grad.data(), nullptr, d_pr.data(), d_tr2.data(), k, 8, sharp, 0.07f),
               Status::out_of_range);
  CHECK(std::string(last_error()).find("underflow in game") != std::string::npos);
  std::vector<float> zeros(k * 8, 0.0f);
  CHECK_NMSE(DOWN(d_grad).data(), zeros.data(), zeros.size(), 0.0, "gradients untouched after a failed check");
}

HOST_TEST("shapley: argument errors before any device work") {
  CHECK_STATUS(cuda::shapley_permutations(nullptr, 4, 3, true, 0), Status::invalid_argument);
  CHECK_STATUS(cuda::shapley_permutations(nullptr, 0, 2, false, 0), Status::invalid_argument);
  float* fake = reinterpret_cast<float*>(64);
  CHECK_STATUS(cuda::shapley_permutation_forward(fake, nullptr, fake, fake, nullptr, 3, 2, 3, true,
                                                 ShapleyUtility::mean, 0.1f),
               Status::invalid_argument);
  CHECK_STATUS(cuda::shapley_permutation_backward(fake, nullptr, fake, fake, fake, nullptr, 3, 2, 2,
                                                  ShapleyUtility::cosine_sum, 0.1f),
               Status::invalid_argument);
  double loss = 0.0;
  CHECK_STATUS(cuda::shapca_loss(&loss, nullptr, nullptr, nullptr, fake, fake, 3, 4, ShapleyConfig{}, 0.0f),
               Status::invalid_argument);
  CHECK_STATUS(cuda::infonce_loss(&loss, nullptr, nullptr, nullptr, fake, nullptr, 3, 4, 0.07f), Status::invalid_argument);
}

TEST("shapley: exact values of the embedding games and of a table game match the CPU") {
  for (ShapleyUtility u : kUtilities) {
    for (int64_t k : {1, 3, 11, 13}) {
      for (int64_t n : {1, 5}) {
        Games gm = make_games(k, n, 12, 3 * k + n);
        std::vector<float> phi(n * k);
        CHECK_OK(shapley_exact_forward(phi.data(), gm.s.data(), gm.g.data(), k, n, u, 0.1f));
        auto d_s = UP(gm.s), d_g = UP(gm.g);
        cuda::DeviceBuffer<float> d_phi;
        CHECK_OK(d_phi.allocate(n * k));
        CHECK_OK(cuda::shapley_exact_forward(d_phi.data(), d_s.data(), d_g.data(), k, n, u, 0.1f));
        CHECK_NMSE(DOWN(d_phi).data(), phi.data(), phi.size(), 1e-11, name(u, k, n, false) + " exact");
      }
    }
  }
  for (int64_t k : {1, 4, 12, 21}) {  // 21: several stretches per walk
    const int64_t total = int64_t{1} << k;
    auto vf = random_vector(total, 40 + k);
    std::vector<double> values(vf.begin(), vf.end()), phi(k), got(k);
    CHECK_OK(shapley_exact_game(phi.data(), values.data(), k));
    cuda::DeviceBuffer<double> d_values, d_phi;
    CHECK_OK(d_values.upload(values.data(), values.size()));
    CHECK_OK(d_phi.allocate(k));
    CHECK_OK(cuda::shapley_exact_game(d_phi.data(), d_values.data(), k));
    CHECK_OK(d_phi.download(got.data(), k));
    // T − C of two long sums, in another order (and with FMA contraction on a GPU)
    for (int64_t i = 0; i < k; ++i) CHECK(std::fabs(got[i] - phi[i]) <= 1e-10 * (1.0 + std::fabs(phi[i])));
  }
  std::vector<double> bad(8, 0.0);
  bad[6] = NAN;
  cuda::DeviceBuffer<double> d_bad, d_out;
  CHECK_OK(d_bad.upload(bad.data(), bad.size()));
  CHECK_OK(d_out.allocate(3));
  CHECK_STATUS(cuda::shapley_exact_game(d_out.data(), d_bad.data(), 3), Status::non_finite);
  CHECK_STATUS(cuda::shapley_exact_game(d_out.data(), d_bad.data(), 26), Status::out_of_range);
}

TEST("align_loss: the four directions, terms and gradients match the CPU (missing images, no image)") {
  const int64_t k = 9, d = 20;
  auto text = random_vector(k * d, 1), ctx = random_vector(k * d, 2), img = random_vector(k * d, 3);
  std::vector<uint8_t> mask = {1, 1, 0, 1, 0, 1, 1, 1, 1};
  for (int objective = 0; objective < 2; ++objective) {
    for (bool with_image : {true, false}) {
      AlignConfig cfg;
      cfg.objective = objective == 0 ? AlignObjective::shapley : AlignObjective::infonce;
      cfg.shapley.permutations = 8;
      cfg.lambda_ci = 0.7f;
      double loss = 0.0, terms[4], gloss = 0.0, gterms[4];
      auto g0 = random_vector(k * d, 4);
      std::vector<float> dt = g0, dc = g0, di = g0;
      CHECK_OK(align_loss(&loss, terms, dt.data(), dc.data(), di.data(), text.data(), ctx.data(),
                          with_image ? img.data() : nullptr, mask.data(), k, d, cfg));
      auto d_text = UP(text), d_ctx = UP(ctx), d_img = UP(img), d_dt = UP(g0), d_dc = UP(g0), d_di = UP(g0);
      auto d_mask = UP(mask);
      CHECK_OK(cuda::align_loss(&gloss, gterms, d_dt.data(), d_dc.data(), d_di.data(), d_text.data(), d_ctx.data(),
                                with_image ? d_img.data() : nullptr, d_mask.data(), k, d, cfg));
      const std::string label = std::string(objective == 0 ? "shapley" : "infonce") + (with_image ? "" : " no image");
      CHECK_MSG(std::fabs(gloss - loss) <= 1e-5 * (1.0 + std::fabs(loss)), label + " loss");
      for (int i = 0; i < 4; ++i) CHECK_MSG(std::fabs(gterms[i] - terms[i]) <= 1e-5 * (1.0 + std::fabs(terms[i])), label + " term");
      CHECK_NMSE(DOWN(d_dt).data(), dt.data(), dt.size(), 1e-9, label + " dtext");
      CHECK_NMSE(DOWN(d_dc).data(), dc.data(), dc.size(), 1e-9, label + " dcontext");
      CHECK_NMSE(DOWN(d_di).data(), di.data(), di.size(), 1e-9, label + " dimage");
    }
  }
}

TEST("shapley_values: exact and permutation values from embeddings match the CPU") {
  const int64_t k = 7, n = 5, d = 16;
  auto p = random_vector(k * d, 1), t = random_vector(n * d, 2);
  auto d_p = UP(p), d_t = UP(t);
  for (ShapleyUtility u : kUtilities) {
    for (ShapleyMethod method : {ShapleyMethod::exact, ShapleyMethod::permutation}) {
      ShapleyConfig cfg;
      cfg.utility = u;
      cfg.permutations = 6;
      std::vector<float> phi(n * k), se(n * k);
      CHECK_OK(shapley_values(phi.data(), se.data(), p.data(), t.data(), k, n, d, method, cfg, 20, true));
      cuda::DeviceBuffer<float> d_phi, d_se;
      CHECK_OK(d_phi.allocate(n * k));
      CHECK_OK(d_se.allocate(n * k));
      CHECK_OK(cuda::shapley_values(d_phi.data(), d_se.data(), d_p.data(), d_t.data(), k, n, d, method, cfg, 20, true));
      const std::string label = std::string(shapley_utility_name(u)) + (method == ShapleyMethod::exact ? " exact" : " permutation");
      CHECK_NMSE(DOWN(d_phi).data(), phi.data(), phi.size(), 1e-10, label);
      if (method == ShapleyMethod::permutation) CHECK_NMSE(DOWN(d_se).data(), se.data(), se.size(), 1e-8, label + " stderr");
    }
  }
  cuda::DeviceBuffer<float> d_phi;
  CHECK_OK(d_phi.allocate(n * k));
  CHECK_STATUS(cuda::shapley_values(d_phi.data(), nullptr, d_p.data(), d_t.data(), k, n, d, ShapleyMethod::exact,
                                    ShapleyConfig{}, 5, true),
               Status::out_of_range);
}
