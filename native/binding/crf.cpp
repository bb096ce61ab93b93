// Marshalling for the CRF kernels (native/kernels/crf.h).
#include "crf.h"

#include "args.h"
#include "job.h"
#include "kernels/crf.h"

namespace shapca::binding {

namespace {

struct CrfArgs {
  int64_t batch, max_len, num_tags;
  const float* emissions;
  const int32_t* lengths;
  CrfParams params;
};

CrfArgs read_crf(Args& a) {
  CrfArgs c{};
  c.batch = a.size("batch");
  c.max_len = a.size("maxLen");
  c.num_tags = a.size("numTags");
  if (c.num_tags < 1) a.range_error("expected numTags >= 1 but received 0");
  c.emissions = a.f32("emissions", product(a, {c.batch, c.max_len, c.num_tags}), true);
  c.lengths = a.i32("lengths", c.batch);
  c.params.transitions = a.f32("transitions", product(a, {c.num_tags, c.num_tags}), true);
  c.params.start = a.f32("start", c.num_tags, true);
  c.params.end = a.f32("end", c.num_tags, true);
  c.params.num_tags = c.num_tags;
  return c;
}

double work(const CrfArgs& c) { return static_cast<double>(c.batch) * c.max_len * c.num_tags * c.num_tags * 4; }

Napi::Value CrfForward(const Napi::CallbackInfo& info) {
  Args a(info, "crfForward");
  const CrfArgs c = read_crf(a);
  const int32_t* tags = a.i32("tags", product(a, {c.batch, c.max_len}));
  float* nll = a.f32("nll", c.batch, false);
  return run_job(a.env(), work(c), a.take_keep_alive(),
                 [=] { return crf_forward(nll, c.emissions, tags, c.lengths, c.params, c.batch, c.max_len); });
}

Napi::Value CrfBackward(const Napi::CallbackInfo& info) {
  Args a(info, "crfBackward");
  const CrfArgs c = read_crf(a);
  const int32_t* tags = a.i32("tags", product(a, {c.batch, c.max_len}));
  const float* dnll = a.f32("dnll", c.batch, true);
  float* dem = a.f32("demissions", product(a, {c.batch, c.max_len, c.num_tags}), false, true);
  float* dtr = a.f32("dtransitions", product(a, {c.num_tags, c.num_tags}), false, true);
  float* ds = a.f32("dstart", c.num_tags, false, true);
  float* de = a.f32("dend", c.num_tags, false, true);
  return run_job(a.env(), 3 * work(c), a.take_keep_alive(), [=] {
    return crf_backward(dem, dtr, ds, de, dnll, c.emissions, tags, c.lengths, c.params, c.batch, c.max_len);
  });
}

Napi::Value CrfViterbi(const Napi::CallbackInfo& info) {
  Args a(info, "crfViterbi");
  const CrfArgs c = read_crf(a);
  int32_t* best = a.i32("bestTags", product(a, {c.batch, c.max_len}));
  float* score = a.f32("bestScore", c.batch, false, true);
  const uint8_t* allowed = a.u8("allowed", product(a, {c.num_tags, c.num_tags}), true);
  const uint8_t* allowed_start = a.u8("allowedStart", c.num_tags, true);
  const uint8_t* allowed_end = a.u8("allowedEnd", c.num_tags, true);
  return run_job(a.env(), work(c), a.take_keep_alive(), [=] {
    return crf_viterbi(best, score, c.emissions, c.lengths, c.params, allowed, allowed_start, allowed_end, c.batch,
                       c.max_len);
  });
}

Napi::Value CrfMarginals(const Napi::CallbackInfo& info) {
  Args a(info, "crfMarginals");
  const CrfArgs c = read_crf(a);
  float* marginals = a.f32("marginals", product(a, {c.batch, c.max_len, c.num_tags}), false);
  const uint8_t* allowed = a.u8("allowed", product(a, {c.num_tags, c.num_tags}), true);
  const uint8_t* allowed_start = a.u8("allowedStart", c.num_tags, true);
  const uint8_t* allowed_end = a.u8("allowedEnd", c.num_tags, true);
  return run_job(a.env(), 2 * work(c), a.take_keep_alive(), [=] {
    return crf_marginals(marginals, c.emissions, c.lengths, c.params, allowed, allowed_start, allowed_end, c.batch,
                         c.max_len);
  });
}

}  // namespace

void register_crf(Napi::Env env, Napi::Object exports) {
  exports.Set("crfForward", Napi::Function::New(env, CrfForward, "crfForward"));
  exports.Set("crfBackward", Napi::Function::New(env, CrfBackward, "crfBackward"));
  exports.Set("crfViterbi", Napi::Function::New(env, CrfViterbi, "crfViterbi"));
  exports.Set("crfMarginals", Napi::Function::New(env, CrfMarginals, "crfMarginals"));
}

}  // namespace shapca::binding
