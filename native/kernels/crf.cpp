#include "crf.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "rows.h"

namespace shapca {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

float log_sum_exp(const float* x, int64_t n) {
  float m = kNegInf;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  if (m == kNegInf) return kNegInf;
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(x[i] - m));
  return m + static_cast<float>(std::log(s));
}

Status check(const char* what, const int32_t* lengths, const int32_t* tags, const CrfParams& crf, int64_t batch,
             int64_t max_len) {
  if (batch < 0 || max_len < 0 || crf.num_tags < 1) {
    return fail(Status::invalid_argument, "%s: expected batch >= 0, max_len >= 0 and num_tags >= 1", what);
  }
  if (batch > 0 && (lengths == nullptr || crf.transitions == nullptr || crf.start == nullptr || crf.end == nullptr)) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  for (int64_t b = 0; b < batch; ++b) {
    if (lengths[b] < 0 || lengths[b] > max_len) {
      return fail(Status::out_of_range, "%s: expected lengths in [0, %lld] but lengths[%lld] = %d", what,
                  static_cast<long long>(max_len), static_cast<long long>(b), lengths[b]);
    }
    if (tags == nullptr) continue;
    for (int64_t t = 0; t < lengths[b]; ++t) {
      int32_t y = tags[b * max_len + t];
      if (y < 0 || y >= crf.num_tags) {
        return fail(Status::out_of_range, "%s: expected tags in [0, %lld) but tags[%lld][%lld] = %d", what,
                    static_cast<long long>(crf.num_tags), static_cast<long long>(b), static_cast<long long>(t), y);
      }
    }
  }
  return Status::ok;
}

// alpha[t,j] = log Σ over paths ending in j at t; returns log Z.
float forward_alphas(float* alpha, float* scratch, const float* em, int64_t n, const CrfParams& crf) {
  const int64_t L = crf.num_tags;
  for (int64_t j = 0; j < L; ++j) alpha[j] = crf.start[j] + em[j];
  for (int64_t t = 1; t < n; ++t) {
    for (int64_t j = 0; j < L; ++j) {
      for (int64_t i = 0; i < L; ++i) scratch[i] = alpha[(t - 1) * L + i] + crf.transitions[i * L + j];
      alpha[t * L + j] = log_sum_exp(scratch, L) + em[t * L + j];
    }
  }
  for (int64_t j = 0; j < L; ++j) scratch[j] = alpha[(n - 1) * L + j] + crf.end[j];
  return log_sum_exp(scratch, L);
}

// beta[t,i] = log Σ over path suffixes after t given tag i at t.
void backward_betas(float* beta, float* scratch, const float* em, int64_t n, const CrfParams& crf) {
  const int64_t L = crf.num_tags;
  for (int64_t i = 0; i < L; ++i) beta[(n - 1) * L + i] = crf.end[i];
  for (int64_t t = n - 2; t >= 0; --t) {
    for (int64_t i = 0; i < L; ++i) {
      for (int64_t j = 0; j < L; ++j) scratch[j] = crf.transitions[i * L + j] + em[(t + 1) * L + j] + beta[(t + 1) * L + j];
      beta[t * L + i] = log_sum_exp(scratch, L);
    }
  }
}

float gold_score(const float* em, const int32_t* tags, int64_t n, const CrfParams& crf) {
  const int64_t L = crf.num_tags;
  float s = crf.start[tags[0]] + crf.end[tags[n - 1]];
  for (int64_t t = 0; t < n; ++t) s += em[t * L + tags[t]];
  for (int64_t t = 1; t < n; ++t) s += crf.transitions[tags[t - 1] * L + tags[t]];
  return s;
}

}  // namespace

Status crf_forward(float* nll, const float* emissions, const int32_t* tags, const int32_t* lengths,
                   const CrfParams& crf, int64_t batch, int64_t max_len) {
  if (Status s = check("crf_forward", lengths, tags, crf, batch, max_len); s != Status::ok) return s;
  const int64_t L = crf.num_tags;
  return ThreadPool::global().parallel_for(batch, 4, [&](int64_t b0, int64_t b1) {
    std::vector<float> alpha(static_cast<size_t>(max_len * L)), scratch(static_cast<size_t>(L));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n = lengths[b];
      if (n == 0) {
        nll[b] = 0.0f;
        continue;
      }
      const float* em = emissions + b * max_len * L;
      const int32_t* y = tags + b * max_len;
      nll[b] = forward_alphas(alpha.data(), scratch.data(), em, n, crf) - gold_score(em, y, n, crf);
    }
  });
}

Status crf_backward(float* demissions, float* dtransitions, float* dstart, float* dend, const float* dnll,
                    const float* emissions, const int32_t* tags, const int32_t* lengths, const CrfParams& crf,
                    int64_t batch, int64_t max_len) {
  if (Status s = check("crf_backward", lengths, tags, crf, batch, max_len); s != Status::ok) return s;
  const int64_t L = crf.num_tags;
  // Sequences run in parallel; the shared parameter gradients are summed per chunk, then in order.
  ThreadPool& pool = ThreadPool::global();
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(pool.threads(), batch));
  const int64_t pslots = L * L + 2 * L;
  std::vector<float> partial(static_cast<size_t>(chunks * pslots), 0.0f);
  Status st = pool.run(chunks, [&](int64_t k, int) {
    std::vector<float> alpha(static_cast<size_t>(max_len * L)), beta(static_cast<size_t>(max_len * L));
    std::vector<float> scratch(static_cast<size_t>(L));
    float* dA = partial.data() + k * pslots;
    float* ds = dA + L * L;
    float* de = ds + L;
    for (int64_t b = batch * k / chunks; b < batch * (k + 1) / chunks; ++b) {
      const int64_t n = lengths[b];
      const float g = dnll[b];
      if (n == 0 || g == 0.0f) continue;
      const float* em = emissions + b * max_len * L;
      const int32_t* y = tags + b * max_len;
      const float log_z = forward_alphas(alpha.data(), scratch.data(), em, n, crf);
      backward_betas(beta.data(), scratch.data(), em, n, crf);
      for (int64_t t = 0; t < n; ++t) {
        for (int64_t j = 0; j < L; ++j) {
          float p = std::exp(alpha[t * L + j] + beta[t * L + j] - log_z);
          float grad = g * (p - (y[t] == j ? 1.0f : 0.0f));
          if (demissions) demissions[(b * max_len + t) * L + j] += grad;
          if (t == 0) ds[j] += g * p;
          if (t == n - 1) de[j] += g * p;
        }
      }
      ds[y[0]] -= g;
      de[y[n - 1]] -= g;
      for (int64_t t = 1; t < n; ++t) {
        for (int64_t i = 0; i < L; ++i) {
          for (int64_t j = 0; j < L; ++j) {
            float lp = alpha[(t - 1) * L + i] + crf.transitions[i * L + j] + em[t * L + j] + beta[t * L + j] - log_z;
            dA[i * L + j] += g * std::exp(lp);
          }
        }
        dA[y[t - 1] * L + y[t]] -= g;
      }
    }
  });
  if (st != Status::ok) return st;
  for (int64_t k = 0; k < chunks; ++k) {
    const float* dA = partial.data() + k * pslots;
    for (int64_t i = 0; i < L * L; ++i) {
      if (dtransitions) dtransitions[i] += dA[i];
    }
    for (int64_t j = 0; j < L; ++j) {
      if (dstart) dstart[j] += dA[L * L + j];
      if (dend) dend[j] += dA[L * L + L + j];
    }
  }
  return Status::ok;
}

Status crf_viterbi(int32_t* best_tags, float* best_score, const float* emissions, const int32_t* lengths,
                   const CrfParams& crf, const uint8_t* allowed, const uint8_t* allowed_start,
                   const uint8_t* allowed_end, int64_t batch, int64_t max_len) {
  if (Status s = check("crf_viterbi", lengths, nullptr, crf, batch, max_len); s != Status::ok) return s;
  const int64_t L = crf.num_tags;
  return ThreadPool::global().parallel_for(batch, 4, [&](int64_t b0, int64_t b1) {
    std::vector<float> score(static_cast<size_t>(L)), next(static_cast<size_t>(L));
    std::vector<int32_t> back(static_cast<size_t>(max_len * L));
    for (int64_t b = b0; b < b1; ++b) {
      int32_t* out = best_tags + b * max_len;
      const int64_t n = lengths[b];
      for (int64_t t = n; t < max_len; ++t) out[t] = -1;
      if (n == 0) {
        if (best_score) best_score[b] = 0.0f;
        continue;
      }
      const float* em = emissions + b * max_len * L;
      for (int64_t j = 0; j < L; ++j) {
        score[j] = (allowed_start && !allowed_start[j]) ? kNegInf : crf.start[j] + em[j];
      }
      for (int64_t t = 1; t < n; ++t) {
        for (int64_t j = 0; j < L; ++j) {
          float best = kNegInf;
          int32_t arg = 0;
          for (int64_t i = 0; i < L; ++i) {
            if (allowed && !allowed[i * L + j]) continue;
            float s = score[i] + crf.transitions[i * L + j];
            if (s > best) {
              best = s;
              arg = static_cast<int32_t>(i);
            }
          }
          next[j] = best + em[t * L + j];
          back[t * L + j] = arg;
        }
        score.swap(next);
      }
      float best = kNegInf;
      int32_t arg = 0;
      for (int64_t j = 0; j < L; ++j) {
        if (allowed_end && !allowed_end[j]) continue;
        float s = score[j] + crf.end[j];
        if (s > best) {
          best = s;
          arg = static_cast<int32_t>(j);
        }
      }
      out[n - 1] = arg;
      for (int64_t t = n - 1; t > 0; --t) out[t - 1] = back[t * L + out[t]];
      if (best_score) best_score[b] = best;
    }
  });
}

Status crf_marginals(float* marginals, const float* emissions, const int32_t* lengths, const CrfParams& crf,
                     const uint8_t* allowed, const uint8_t* allowed_start, const uint8_t* allowed_end, int64_t batch,
                     int64_t max_len) {
  if (Status s = check("crf_marginals", lengths, nullptr, crf, batch, max_len); s != Status::ok) return s;
  const int64_t L = crf.num_tags;
  // The constraints as scores: a disallowed transition, start or end tag is −inf, so the forward and
  // backward recursions below run over the allowed paths only.
  std::vector<float> trans(crf.transitions, crf.transitions + L * L), start(crf.start, crf.start + L),
      end(crf.end, crf.end + L);
  for (int64_t i = 0; i < L * L; ++i) {
    if (allowed && !allowed[i]) trans[i] = kNegInf;
  }
  for (int64_t j = 0; j < L; ++j) {
    if (allowed_start && !allowed_start[j]) start[j] = kNegInf;
    if (allowed_end && !allowed_end[j]) end[j] = kNegInf;
  }
  const CrfParams masked{trans.data(), start.data(), end.data(), L};
  std::vector<uint8_t> no_path(static_cast<size_t>(batch), 0);
  Status st = ThreadPool::global().parallel_for(batch, 4, [&](int64_t b0, int64_t b1) {
    std::vector<float> alpha(static_cast<size_t>(max_len * L)), beta(static_cast<size_t>(max_len * L));
    std::vector<float> scratch(static_cast<size_t>(L));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n = lengths[b];
      float* out = marginals + b * max_len * L;
      std::fill(out + n * L, out + max_len * L, 0.0f);
      if (n == 0) continue;
      const float* em = emissions + b * max_len * L;
      const float log_z = forward_alphas(alpha.data(), scratch.data(), em, n, masked);
      if (!std::isfinite(log_z)) {
        no_path[static_cast<size_t>(b)] = 1;
        std::fill(out, out + n * L, 0.0f);
        continue;
      }
      backward_betas(beta.data(), scratch.data(), em, n, masked);
      for (int64_t t = 0; t < n * L; ++t) out[t] = std::exp(alpha[t] + beta[t] - log_z);
    }
  });
  if (st != Status::ok) return st;
  for (int64_t b = 0; b < batch; ++b) {
    if (no_path[static_cast<size_t>(b)]) {
      return fail(Status::out_of_range, "crf_marginals: no allowed tag path covers sequence %lld (length %d)",
                  static_cast<long long>(b), lengths[b]);
    }
  }
  return Status::ok;
}

}  // namespace shapca
