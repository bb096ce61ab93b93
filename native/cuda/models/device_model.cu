// The kind-independent half of DeviceModel: lifetime, parameter and gradient copies, and the
// optimizer over parameter ranges.
#include <new>

#include "cuda/adamw.h"
#include "device_model_internal.h"
#include "device_ops.h"

namespace shapca::cuda {

namespace {

Status check_count(const DeviceModel& m, int64_t n, const char* what, const void* host) {
  const int64_t want = m.params.size();
  if (n != want) {
    return fail(Status::invalid_argument, "%s: expected n = num_params (%lld) but received %lld", what,
                static_cast<long long>(want), static_cast<long long>(n));
  }
  if (host == nullptr) return fail(Status::invalid_argument, "%s: the host buffer is null", what);
  return Status::ok;
}

Status check_range(const DeviceModel& m, int64_t begin, int64_t end, const char* what) {
  const int64_t n = m.params.size();
  if (begin < 0 || begin > end || end > n) {
    return fail(Status::out_of_range, "%s: expected 0 <= begin <= end <= num_params (%lld) but received [%lld, %lld)",
                what, static_cast<long long>(n), static_cast<long long>(begin), static_cast<long long>(end));
  }
  if (m.grads.size() == 0 && n > 0) {
    return fail(Status::invalid_argument, "%s: the model has no gradients (call enable_grads first)", what);
  }
  return Status::ok;
}

}  // namespace

Status finish_create(DeviceModel** out, DeviceModel* m, const LayerStack& stack) {
  m->stack = stack;
  const int64_t n = m->kind == ModelKind::bert ? m->bert.table.total() : m->vit.table.total();
  if (Status s = m->params.zeros(static_cast<size_t>(n)); s != Status::ok) {
    delete m;
    return s;
  }
  *out = m;
  return Status::ok;
}

Status expect_kind(const DeviceModel& m, ModelKind kind, const char* what) {
  if (m.kind == kind) return Status::ok;
  return fail(Status::invalid_argument, "%s: this is a %s model (made by %s)", what,
              m.kind == ModelKind::bert ? "BERT" : "ViT/CLIP", m.kind == ModelKind::bert ? "bert_create" : "vit_create");
}

Status bert_create(DeviceModel** out, const BertConfig& cfg) {
  if (out == nullptr) return fail(Status::invalid_argument, "bert_create: out is null");
  *out = nullptr;
  auto* m = new (std::nothrow) DeviceModel;
  if (m == nullptr) return fail(Status::out_of_memory, "bert_create: out of host memory");
  m->kind = ModelKind::bert;
  if (Status s = bert_init(&m->bert, cfg); s != Status::ok) {
    delete m;
    return s;
  }
  return finish_create(out, m, m->bert.stack);
}

Status vit_create(DeviceModel** out, const VitConfig& cfg) {
  if (out == nullptr) return fail(Status::invalid_argument, "vit_create: out is null");
  *out = nullptr;
  auto* m = new (std::nothrow) DeviceModel;
  if (m == nullptr) return fail(Status::out_of_memory, "vit_create: out of host memory");
  m->kind = ModelKind::vit;
  if (Status s = vit_init(&m->vit, cfg); s != Status::ok) {
    delete m;
    return s;
  }
  return finish_create(out, m, m->vit.stack);
}

void destroy(DeviceModel* m) { delete m; }

const ParamTable& table(const DeviceModel& m) { return m.kind == ModelKind::bert ? m.bert.table : m.vit.table; }

int64_t num_params(const DeviceModel& m) { return static_cast<int64_t>(m.params.size()); }

Status upload_params(DeviceModel& m, const float* host, int64_t n) {
  SHAPCA_TRY(check_count(m, n, "upload_params", host));
  return upload(m.params.data(), host, n, "upload_params");
}

Status download_params(const DeviceModel& m, float* host, int64_t n) {
  SHAPCA_TRY(check_count(m, n, "download_params", host));
  return download(host, m.params.data(), n, "download_params");
}

Status enable_grads(DeviceModel& m) {
  if (m.grads.size() == m.params.size()) return Status::ok;
  return m.grads.zeros(m.params.size());
}

Status zero_grads(DeviceModel& m) {
  if (m.grads.size() == 0 && m.params.size() > 0) {
    return fail(Status::invalid_argument, "zero_grads: the model has no gradients (call enable_grads first)");
  }
  return zero(m.grads.data(), static_cast<int64_t>(m.grads.size()));
}

Status download_grads(const DeviceModel& m, float* host, int64_t n) {
  SHAPCA_TRY(check_count(m, n, "download_grads", host));
  if (m.grads.size() == 0 && n > 0) {
    return fail(Status::invalid_argument, "download_grads: the model has no gradients (call enable_grads first)");
  }
  return download(host, m.grads.data(), n, "download_grads");
}

Status grad_norm_sq(const DeviceModel& m, int64_t begin, int64_t end, double* out) {
  if (out == nullptr) return fail(Status::invalid_argument, "grad_norm_sq: out is null");
  SHAPCA_TRY(check_range(m, begin, end, "grad_norm_sq"));
  return sum_squares(m.grads.data() + begin, end - begin, out);
}

Status adamw_step(DeviceModel& m, int64_t begin, int64_t end, const AdamWConfig& cfg) {
  SHAPCA_TRY(check_range(m, begin, end, "adamw_step"));
  if (m.mom1.size() != m.params.size()) {
    SHAPCA_TRY(m.mom1.zeros(m.params.size()));
    SHAPCA_TRY(m.mom2.zeros(m.params.size()));
  }
  return cuda::adamw_step(m.params.data() + begin, m.grads.data() + begin, m.mom1.data() + begin, m.mom2.data() + begin,
                    end - begin, cfg);
}

Status download_moments(const DeviceModel& m, float* mom1, float* mom2, int64_t n) {
  SHAPCA_TRY(check_count(m, n, "download_moments", mom1));
  SHAPCA_TRY(check_count(m, n, "download_moments", mom2));
  if (m.mom1.size() != m.params.size()) {  // no step yet: the moments are still zero
    for (int64_t i = 0; i < n; ++i) mom1[i] = mom2[i] = 0.0f;
    return Status::ok;
  }
  SHAPCA_TRY(download(mom1, m.mom1.data(), n, "download_moments"));
  return download(mom2, m.mom2.data(), n, "download_moments");
}

Status upload_moments(DeviceModel& m, const float* mom1, const float* mom2, int64_t n) {
  SHAPCA_TRY(check_count(m, n, "upload_moments", mom1));
  SHAPCA_TRY(check_count(m, n, "upload_moments", mom2));
  SHAPCA_TRY(m.mom1.upload(mom1, static_cast<size_t>(n)));
  return m.mom2.upload(mom2, static_cast<size_t>(n));
}

}  // namespace shapca::cuda
