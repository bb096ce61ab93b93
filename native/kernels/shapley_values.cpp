// Shapley values of embedding games: normalise, the similarity GEMMs, then the exact walk or the
// permutation scan (shapley.h).
#include <vector>

#include "contrastive.h"
#include "loss_checks.h"
#include "gemm.h"
#include "shapley_internal.h"

namespace shapca {

Status shapley_values(float* phi, float* stderr, const float* players, const float* targets, int64_t k, int64_t n,
                      int64_t d, ShapleyMethod method, const ShapleyConfig& cfg, int64_t max_exact, bool normalize) {
  const char* what = "shapley_values";
  if (Status s = check_shapley_values_args(what, phi, players, targets, k, n, d, method, max_exact); s != Status::ok) {
    return s;
  }
  return shapley_detail::guarded(what, [&]() -> Status {
    const bool cosine = cfg.utility == ShapleyUtility::cosine_sum;
    std::vector<float> pn, tn, inv_p(k), inv_t(n);
    const float *p = players, *t = targets;
    if (normalize) {
      pn.resize(k * d), tn.resize(n * d);
      if (Status s = l2_normalize_forward(pn.data(), inv_p.data(), players, k, d, "players"); s != Status::ok) return s;
      if (Status s = l2_normalize_forward(tn.data(), inv_t.data(), targets, n, d, "targets"); s != Status::ok) return s;
      p = pn.data(), t = tn.data();
    }
    std::vector<float> sim(k * n), gram(cosine ? k * k : 0);
    Status s = sgemm(false, true, k, n, d, 1.0f, p, d, t, d, 0.0f, sim.data(), n, nullptr);
    if (s == Status::ok && cosine) s = sgemm(false, true, k, k, d, 1.0f, p, d, p, d, 0.0f, gram.data(), k, nullptr);
    if (s != Status::ok) return s;
    if (method == ShapleyMethod::exact) {
      return shapley_exact_forward(phi, sim.data(), gram.data(), k, n, cfg.utility, cfg.tau_u);
    }
    std::vector<int32_t> perms(static_cast<size_t>(std::max<int64_t>(cfg.permutations, 0) * k));
    s = shapley_permutations(perms.data(), k, cfg.permutations, cfg.antithetic, cfg.seed);
    if (s != Status::ok) return s;
    return shapley_permutation_forward(phi, stderr, sim.data(), gram.data(), perms.data(), k, n, cfg.permutations,
                                       cfg.antithetic, cfg.utility, cfg.tau_u);
  });
}

}  // namespace shapca
