// CRF kernels (math in kernels/crf.h): the CPU's recursions with the tag loop spread over a
// warp's lanes; per-sequence work in device workspace (alpha, beta (B,T,L), back-pointers).
#include "crf.h"
#include "launch.cuh"
#include "workspace.h"

namespace shapca::cuda {

namespace {

constexpr int kWarps = kBlock / 32;

struct Crf {  // CrfParams on the device, with the sizes of one call
  const float *trans, *start, *end;
  int64_t L, max_len, batch;
};

// The CPU's log_sum_exp over x[i·stride] for i < n: float max, double sum.
template <typename X>
__device__ float log_sum_exp(int64_t n, X x) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; ++i) m = fmaxf(m, x(i));
  if (m == -INFINITY) return -INFINITY;
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += exp(static_cast<double>(x(i) - m));
  return m + static_cast<float>(log(s));
}

// alpha (n,L) of one sequence; returns log Z on every lane.
__device__ float forward_alphas(float* alpha, const float* em, int64_t n, const Crf& c, int lane) {
  const int64_t L = c.L;
  for (int64_t j = lane; j < L; j += 32) alpha[j] = c.start[j] + em[j];
  __syncwarp();
  for (int64_t t = 1; t < n; ++t) {
    for (int64_t j = lane; j < L; j += 32) {
      const float* prev = alpha + (t - 1) * L;
      alpha[t * L + j] = log_sum_exp(L, [&](int64_t i) { return prev[i] + c.trans[i * L + j]; }) + em[t * L + j];
    }
    __syncwarp();
  }
  const float* last = alpha + (n - 1) * L;
  return log_sum_exp(L, [&](int64_t j) { return last[j] + c.end[j]; });
}

__device__ void backward_betas(float* beta, const float* em, int64_t n, const Crf& c, int lane) {
  const int64_t L = c.L;
  for (int64_t i = lane; i < L; i += 32) beta[(n - 1) * L + i] = c.end[i];
  __syncwarp();
  for (int64_t t = n - 2; t >= 0; --t) {
    for (int64_t i = lane; i < L; i += 32) {
      const float* next = beta + (t + 1) * L;
      const float* e = em + (t + 1) * L;
      beta[t * L + i] = log_sum_exp(L, [&](int64_t j) { return c.trans[i * L + j] + e[j] + next[j]; });
    }
    __syncwarp();
  }
}

__device__ float gold_score(const float* em, const int32_t* y, int64_t n, const Crf& c) {
  float s = c.start[y[0]] + c.end[y[n - 1]];
  for (int64_t t = 0; t < n; ++t) s += em[t * c.L + y[t]];
  for (int64_t t = 1; t < n; ++t) s += c.trans[y[t - 1] * c.L + y[t]];
  return s;
}

#define FOR_SEQUENCES(b)                                                                            \
  const int lane = threadIdx.x & 31;                                                                \
  for (int64_t b = blockIdx.x * static_cast<int64_t>(kWarps) + (threadIdx.x >> 5); b < c.batch; \
       b += static_cast<int64_t>(gridDim.x) * kWarps)

__global__ void crf_forward_kernel(float* nll, float* alpha_ws, const float* emissions, const int32_t* tags,
                                   const int32_t* lengths, Crf c) {
  FOR_SEQUENCES(b) {
    const int64_t n = lengths[b];
    if (n == 0) {
      if (lane == 0) nll[b] = 0.0f;
      continue;
    }
    const float* em = emissions + b * c.max_len * c.L;
    const float log_z = forward_alphas(alpha_ws + b * c.max_len * c.L, em, n, c, lane);
    if (lane == 0) nll[b] = log_z - gold_score(em, tags + b * c.max_len, n, c);
  }
}

__global__ void crf_backward_kernel(float* demissions, float* dtrans, float* dstart, float* dend, const float* dnll,
                                    float* alpha_ws, float* beta_ws, const float* emissions, const int32_t* tags,
                                    const int32_t* lengths, Crf c) {
  const int64_t L = c.L;
  FOR_SEQUENCES(b) {
    const int64_t n = lengths[b];
    const float g = dnll[b];
    if (n == 0 || g == 0.0f) continue;
    const float* em = emissions + b * c.max_len * L;
    const int32_t* y = tags + b * c.max_len;
    float *alpha = alpha_ws + b * c.max_len * L, *beta = beta_ws + b * c.max_len * L;
    const float log_z = forward_alphas(alpha, em, n, c, lane);
    backward_betas(beta, em, n, c, lane);
    for (int64_t j = lane; j < L; j += 32) {
      for (int64_t t = 0; t < n; ++t) {
        const float p = expf(alpha[t * L + j] + beta[t * L + j] - log_z);
        if (demissions) demissions[(b * c.max_len + t) * L + j] += g * (p - (y[t] == j ? 1.0f : 0.0f));
        if (t == 0 && dstart) atomicAdd(dstart + j, g * p);
        if (t == n - 1 && dend) atomicAdd(dend + j, g * p);
      }
      if (dtrans) {
        for (int64_t i = 0; i < L; ++i) {
          float acc = 0.0f;
          for (int64_t t = 1; t < n; ++t) {
            acc += g * expf(alpha[(t - 1) * L + i] + c.trans[i * L + j] + em[t * L + j] + beta[t * L + j] - log_z);
          }
          atomicAdd(dtrans + i * L + j, acc);
        }
      }
    }
    if (lane == 0) {
      if (dstart) atomicAdd(dstart + y[0], -g);
      if (dend) atomicAdd(dend + y[n - 1], -g);
      for (int64_t t = 1; t < n && dtrans; ++t) atomicAdd(dtrans + y[t - 1] * L + y[t], -g);
    }
    __syncwarp();
  }
}

__global__ void crf_viterbi_kernel(int32_t* best_tags, float* best_score, float* score_ws, int32_t* back_ws,
                                   const float* emissions, const int32_t* lengths, Crf c, const uint8_t* allowed,
                                   const uint8_t* allowed_start, const uint8_t* allowed_end) {
  const int64_t L = c.L;
  FOR_SEQUENCES(b) {
    int32_t* out = best_tags + b * c.max_len;
    const int64_t n = lengths[b];
    for (int64_t t = n + lane; t < c.max_len; t += 32) out[t] = -1;
    if (n == 0) {
      if (lane == 0 && best_score) best_score[b] = 0.0f;
      continue;
    }
    const float* em = emissions + b * c.max_len * L;
    float* rows = score_ws + b * 2 * L;  // two rows: score and next, alternating
    int32_t* back = back_ws + b * c.max_len * L;
    for (int64_t j = lane; j < L; j += 32) rows[j] = (allowed_start && !allowed_start[j]) ? -INFINITY : c.start[j] + em[j];
    __syncwarp();
    for (int64_t t = 1; t < n; ++t) {
      const float* score = rows + ((t - 1) & 1) * L;
      float* next = rows + (t & 1) * L;
      for (int64_t j = lane; j < L; j += 32) {
        float best = -INFINITY;
        int32_t arg = 0;
        for (int64_t i = 0; i < L; ++i) {
          if (allowed && !allowed[i * L + j]) continue;
          const float s = score[i] + c.trans[i * L + j];
          if (s > best) best = s, arg = static_cast<int32_t>(i);
        }
        next[j] = best + em[t * L + j];
        back[t * L + j] = arg;
      }
      __syncwarp();
    }
    if (lane == 0) {
      const float* score = rows + ((n - 1) & 1) * L;
      float best = -INFINITY;
      int32_t arg = 0;
      for (int64_t j = 0; j < L; ++j) {
        if (allowed_end && !allowed_end[j]) continue;
        const float s = score[j] + c.end[j];
        if (s > best) best = s, arg = static_cast<int32_t>(j);
      }
      out[n - 1] = arg;
      for (int64_t t = n - 1; t > 0; --t) out[t - 1] = back[t * L + out[t]];
      if (best_score) best_score[b] = best;
    }
    __syncwarp();
  }
}

__global__ void crf_marginals_kernel(float* marginals, unsigned long long* no_path, float* alpha_ws, float* beta_ws,
                                     const float* emissions, const int32_t* lengths, Crf c) {
  const int64_t L = c.L;
  FOR_SEQUENCES(b) {
    const int64_t n = lengths[b];
    float* out = marginals + b * c.max_len * L;
    for (int64_t e = n * L + lane; e < c.max_len * L; e += 32) out[e] = 0.0f;
    if (n == 0) continue;
    const float* em = emissions + b * c.max_len * L;
    float *alpha = alpha_ws + b * c.max_len * L, *beta = beta_ws + b * c.max_len * L;
    const float log_z = forward_alphas(alpha, em, n, c, lane);
    if (!isfinite(log_z)) {
      for (int64_t e = lane; e < n * L; e += 32) out[e] = 0.0f;
      if (lane == 0) flag_index(no_path, b);
      continue;
    }
    backward_betas(beta, em, n, c, lane);
    for (int64_t e = lane; e < n * L; e += 32) out[e] = expf(alpha[e] + beta[e] - log_z);
  }
}

// The constraints as −inf scores in a copy of the parameters (masked: L·L + 2L floats).
__global__ void mask_params_kernel(float* masked, Crf c, const uint8_t* allowed, const uint8_t* allowed_start,
                                   const uint8_t* allowed_end) {
  const int64_t L = c.L, total = L * L + 2 * L;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (e < L * L) {
      masked[e] = (allowed && !allowed[e]) ? -INFINITY : c.trans[e];
    } else if (e < L * L + L) {
      const int64_t j = e - L * L;
      masked[e] = (allowed_start && !allowed_start[j]) ? -INFINITY : c.start[j];
    } else {
      const int64_t j = e - L * L - L;
      masked[e] = (allowed_end && !allowed_end[j]) ? -INFINITY : c.end[j];
    }
  }
}

// Counter 0: first sequence with a length outside [0, max_len]; 1: first bad tag position.
__global__ void check_kernel(unsigned long long* bad, const int32_t* lengths, const int32_t* tags, Crf c) {
  for (int64_t b = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; b < c.batch;
       b += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int32_t n = lengths[b];
    if (n < 0 || n > c.max_len) {
      flag_index(bad, b);
      continue;
    }
    for (int64_t t = 0; tags && t < n; ++t) {
      const int32_t y = tags[b * c.max_len + t];
      if (y < 0 || y >= c.L) {
        flag_index(bad + 1, b * c.max_len + t);
        break;
      }
    }
  }
}

Status check(const char* what, const int32_t* lengths, const int32_t* tags, const CrfParams& p, int64_t batch,
             int64_t max_len) {
  if (batch < 0 || max_len < 0 || p.num_tags < 1) {
    return fail(Status::invalid_argument, "%s: expected batch >= 0, max_len >= 0 and num_tags >= 1", what);
  }
  if (batch > 0 && (lengths == nullptr || p.transitions == nullptr || p.start == nullptr || p.end == nullptr)) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  if (batch == 0) return Status::ok;
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  launch(check_kernel, grid_for(batch), kBlock, checks.device, lengths, tags,
         Crf{p.transitions, p.start, p.end, p.num_tags, max_len, batch});
  if (Status s = check_launch(what); s != Status::ok) return s;
  unsigned long long bad[kCheckCount];
  if (Status s = checks_read(checks, bad, what); s != Status::ok) return s;
  const unsigned long long tag_seq = bad[1] == kCheckNone ? kCheckNone : bad[1] / static_cast<unsigned long long>(max_len);
  if (bad[0] != kCheckNone && bad[0] <= tag_seq) {
    int32_t n = 0;
    if (Status s = shapca::cuda::check(cudaMemcpy(&n, lengths + bad[0], sizeof n, cudaMemcpyDeviceToHost), what);
        s != Status::ok) {
      return s;
    }
    return fail(Status::out_of_range, "%s: expected lengths in [0, %lld] but lengths[%llu] = %d", what,
                static_cast<long long>(max_len), bad[0], n);
  }
  if (bad[1] != kCheckNone) {
    int32_t y = 0;
    if (Status s = shapca::cuda::check(cudaMemcpy(&y, tags + bad[1], sizeof y, cudaMemcpyDeviceToHost), what);
        s != Status::ok) {
      return s;
    }
    return fail(Status::out_of_range, "%s: expected tags in [0, %lld) but tags[%llu][%llu] = %d", what,
                static_cast<long long>(p.num_tags), tag_seq, bad[1] % static_cast<unsigned long long>(max_len), y);
  }
  return Status::ok;
}

// alpha and beta, (B,T,L) each.
Status scratch(float** a, float** b, const char* what, int64_t batch, int64_t max_len, int64_t L) {
  Carve c;
  const size_t n = static_cast<size_t>(batch * max_len * L), oa = c.add<float>(n), ob = c.add<float>(n);
  void* base = nullptr;
  if (Status s = workspace(&base, c.bytes, Slot::leaf, what); s != Status::ok) return s;
  *a = Carve::at<float>(base, oa);
  *b = Carve::at<float>(base, ob);
  return Status::ok;
}

}  // namespace

Status crf_forward(float* nll, const float* emissions, const int32_t* tags, const int32_t* lengths,
                   const CrfParams& crf, int64_t batch, int64_t max_len) {
  const char* what = "crf_forward";
  if (Status s = check(what, lengths, tags, crf, batch, max_len); s != Status::ok || batch == 0) return s;
  float *alpha = nullptr, *unused = nullptr;
  if (Status s = scratch(&alpha, &unused, what, batch, max_len, crf.num_tags); s != Status::ok) return s;
  launch(crf_forward_kernel, grid_for(batch, kWarps), kBlock, nll, alpha, emissions, tags, lengths,
         Crf{crf.transitions, crf.start, crf.end, crf.num_tags, max_len, batch});
  return check_launch(what);
}

Status crf_backward(float* demissions, float* dtransitions, float* dstart, float* dend, const float* dnll,
                    const float* emissions, const int32_t* tags, const int32_t* lengths, const CrfParams& crf,
                    int64_t batch, int64_t max_len) {
  const char* what = "crf_backward";
  if (Status s = check(what, lengths, tags, crf, batch, max_len); s != Status::ok || batch == 0) return s;
  float *alpha = nullptr, *beta = nullptr;
  if (Status s = scratch(&alpha, &beta, what, batch, max_len, crf.num_tags); s != Status::ok) return s;
  launch(crf_backward_kernel, grid_for(batch, kWarps), kBlock, demissions, dtransitions, dstart, dend, dnll, alpha, beta,
         emissions, tags, lengths, Crf{crf.transitions, crf.start, crf.end, crf.num_tags, max_len, batch});
  return check_launch(what);
}

Status crf_viterbi(int32_t* best_tags, float* best_score, const float* emissions, const int32_t* lengths,
                   const CrfParams& crf, const uint8_t* allowed, const uint8_t* allowed_start,
                   const uint8_t* allowed_end, int64_t batch, int64_t max_len) {
  const char* what = "crf_viterbi";
  if (Status s = check(what, lengths, nullptr, crf, batch, max_len); s != Status::ok || batch == 0) return s;
  const int64_t L = crf.num_tags;
  Carve c;
  const size_t os = c.add<float>(static_cast<size_t>(batch * 2 * L)), ob = c.add<int32_t>(static_cast<size_t>(batch * max_len * L));
  void* base = nullptr;
  if (Status s = workspace(&base, c.bytes, Slot::leaf, what); s != Status::ok) return s;
  launch(crf_viterbi_kernel, grid_for(batch, kWarps), kBlock, best_tags, best_score, Carve::at<float>(base, os),
         Carve::at<int32_t>(base, ob), emissions, lengths, Crf{crf.transitions, crf.start, crf.end, L, max_len, batch},
         allowed, allowed_start, allowed_end);
  return check_launch(what);
}

Status crf_marginals(float* marginals, const float* emissions, const int32_t* lengths, const CrfParams& crf,
                     const uint8_t* allowed, const uint8_t* allowed_start, const uint8_t* allowed_end, int64_t batch,
                     int64_t max_len) {
  const char* what = "crf_marginals";
  if (Status s = check(what, lengths, nullptr, crf, batch, max_len); s != Status::ok || batch == 0) return s;
  const int64_t L = crf.num_tags;
  Carve c;
  const size_t oa = c.add<float>(static_cast<size_t>(batch * max_len * L)), ob = c.add<float>(static_cast<size_t>(batch * max_len * L));
  const size_t om = c.add<float>(static_cast<size_t>(L * L + 2 * L));
  void* base = nullptr;
  if (Status s = workspace(&base, c.bytes, Slot::leaf, what); s != Status::ok) return s;
  float* masked = Carve::at<float>(base, om);
  const Crf raw{crf.transitions, crf.start, crf.end, L, max_len, batch};
  launch(mask_params_kernel, grid_for(L * L + 2 * L), kBlock, masked, raw, allowed, allowed_start, allowed_end);
  if (Status s = check_launch(what); s != Status::ok) return s;
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  launch(crf_marginals_kernel, grid_for(batch, kWarps), kBlock, marginals, checks.device, Carve::at<float>(base, oa),
         Carve::at<float>(base, ob), emissions, lengths,
         Crf{masked, masked + L * L, masked + L * L + L, L, max_len, batch});
  if (Status s = check_launch(what); s != Status::ok) return s;
  unsigned long long bad[kCheckCount];
  if (Status s = checks_read(checks, bad, what); s != Status::ok) return s;
  if (bad[0] == kCheckNone) return Status::ok;
  int32_t n = 0;
  if (Status s = shapca::cuda::check(cudaMemcpy(&n, lengths + bad[0], sizeof n, cudaMemcpyDeviceToHost), what); s != Status::ok) {
    return s;
  }
  return fail(Status::out_of_range, "crf_marginals: no allowed tag path covers sequence %llu (length %d)", bad[0], n);
}

}  // namespace shapca::cuda
