#include "loss_checks.h"

#include <cmath>

namespace shapca {

Status check_loss_pair(const char* what, const double* loss, const float* players, const float* targets, int64_t k,
                       int64_t d, float temperature) {
  if (k < 1 || d < 1) {
    return fail(Status::invalid_argument, "%s: expected k >= 1 and d >= 1 but received k=%lld d=%lld", what,
                static_cast<long long>(k), static_cast<long long>(d));
  }
  if (loss == nullptr || players == nullptr || targets == nullptr) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  if (!(temperature > 0.0f) || !std::isfinite(temperature)) {
    return fail(Status::invalid_argument, "%s: expected temperature > 0 but received %g", what, temperature);
  }
  return Status::ok;
}

Status check_align_args(const char* what, const double* loss, const double* terms, const float* text,
                        const float* context, int64_t k, int64_t d, float lambda_ct, float lambda_ci) {
  if (loss == nullptr || terms == nullptr || text == nullptr || context == nullptr) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  if (k < 1 || d < 1) {
    return fail(Status::invalid_argument, "%s: expected k >= 1 and d >= 1 but received k=%lld d=%lld", what,
                static_cast<long long>(k), static_cast<long long>(d));
  }
  if (!std::isfinite(lambda_ct) || !std::isfinite(lambda_ci) || lambda_ct < 0.0f || lambda_ci < 0.0f) {
    return fail(Status::invalid_argument, "%s: expected finite lambda_ct, lambda_ci >= 0 but received %g and %g", what,
                lambda_ct, lambda_ci);
  }
  return Status::ok;
}

Status check_shapley_values_args(const char* what, const float* phi, const float* players, const float* targets,
                                 int64_t k, int64_t n, int64_t d, ShapleyMethod method, int64_t max_exact) {
  if (k < 1 || n < 1 || d < 1) {
    return fail(Status::invalid_argument, "%s: expected k, n, d >= 1 but received k=%lld n=%lld d=%lld", what,
                static_cast<long long>(k), static_cast<long long>(n), static_cast<long long>(d));
  }
  if (phi == nullptr || players == nullptr || targets == nullptr) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  if (method == ShapleyMethod::exact) {
    if (max_exact < 1 || max_exact > kShapleyExactMaxPlayers) {
      return fail(Status::out_of_range, "%s: expected the exact limit in [1, %lld] but received %lld", what,
                  static_cast<long long>(kShapleyExactMaxPlayers), static_cast<long long>(max_exact));
    }
    if (k > max_exact) {
      return fail(Status::out_of_range,
                  "%s: method 'exact' enumerates 2^k coalitions: expected k <= %lld but received k=%lld (raise the "
                  "limit up to %lld, or use method 'permutation')",
                  what, static_cast<long long>(max_exact), static_cast<long long>(k),
                  static_cast<long long>(kShapleyExactMaxPlayers));
    }
  }
  return Status::ok;
}

}  // namespace shapca
