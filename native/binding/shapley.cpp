// Marshalling for the Shapley values and the alignment losses: read and check the options
// object, copy the settings into plain structs, hand pointers and sizes to the native core.
#include <array>
#include <cmath>
#include <memory>

#include "shapley.h"

#include "args.h"
#include "buffer_hold.h"
#include "job.h"
#include "kernels/contrastive.h"
#include "kernels/shapley.h"

namespace shapca::binding {

namespace {

constexpr int64_t kMaxPermutations = 1 << 20;
constexpr int64_t kMaxSeed = 9007199254740991LL;  // 2^53 − 1

Napi::Value option(const Napi::CallbackInfo& info, const char* name) { return info[0].As<Napi::Object>().Get(name); }

// Checks that a present typed array has exactly `expected` elements (a shape mismatch, not only a
// short buffer, is an error here); `shape` explains the product, e.g. "k·d = 12 (k=3, d=4)".
void exact_length(const Napi::CallbackInfo& info, const Args& a, const char* name, int64_t expected,
                  const std::string& shape) {
  Napi::Value v = option(info, name);
  if (!v.IsTypedArray()) return;  // absent or wrong type: the typed read reports it
  const int64_t len = static_cast<int64_t>(v.As<Napi::TypedArray>().ElementLength());
  if (len != expected) {
    a.range_error(std::string("expected ") + name + " to have " + shape + " elements but received " + std::to_string(len));
  }
}

std::string shape2(const char* rows, int64_t r, int64_t c) {
  return std::string(rows) + "·d = " + std::to_string(r * c) + " (" + rows + "=" + std::to_string(r) +
         ", d=" + std::to_string(c) + ")";
}

// A Float64Array option with exactly `len` finite elements, kept alive in `keep`.
double* f64(const Napi::CallbackInfo& info, const Args& a, const char* name, int64_t len, bool finite,
            std::vector<Napi::ObjectReference>& keep) {
  Napi::Value v = option(info, name);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    std::string got = v.IsUndefined() ? "undefined"
                      : v.IsNull()    ? "null"
                      : v.IsArray()   ? "Array"
                      : v.IsTypedArray()
                          ? (v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array ? "Float32Array"
                                                                                              : "a typed array of another type")
                          : "a " + std::string(v.IsNumber() ? "number" : v.IsString() ? "string" : "non-array value");
    a.type_error(std::string("expected Float64Array for ") + name + " but received " + got);
  }
  Napi::Float64Array arr = v.As<Napi::Float64Array>();
  if (is_resizable_view(arr)) {
    a.type_error(std::string("expected Float64Array for ") + name +
                 " over a fixed-length buffer but it views a resizable ArrayBuffer (it could shrink while the call runs)");
  }
  if (static_cast<int64_t>(arr.ElementLength()) != len) {
    a.range_error(std::string("expected ") + name + " to have " + std::to_string(len) + " elements but received " +
                  std::to_string(arr.ElementLength()));
  }
  double* data = arr.Data();
  for (int64_t i = 0; finite && i < len; ++i) {
    if (!std::isfinite(data[i])) {
      a.range_error(std::string("expected finite values in ") + name + " but " + name + "[" + std::to_string(i) +
                    "] is " + (std::isnan(data[i]) ? "NaN" : "infinite"));
    }
  }
  keep.push_back(Napi::Persistent(arr.As<Napi::Object>()));
  return data;
}

// k players of a batch game: at least 2.
int64_t players_count(Args& a, const char* name = "k") {
  const int64_t k = a.size(name);
  if (k < 2) a.range_error(std::string("expected ") + name + " >= 2 (a game needs at least two players) but received " + std::to_string(k));
  return k;
}

ShapleyUtility utility(Args& a) {
  const std::string u = a.choice("utility", {"softmax-expectation", "cosine-sum", "mean"}, "softmax-expectation");
  return u == "cosine-sum" ? ShapleyUtility::cosine_sum
                           : u == "mean" ? ShapleyUtility::mean : ShapleyUtility::softmax_expectation;
}

float positive(Args& a, const char* name, double fallback) {
  const double v = a.number(name, fallback);
  if (!(v > 0.0) || v > 3.0e38) a.range_error(std::string("expected ") + name + " > 0 but received " + std::to_string(v));
  return static_cast<float>(v);
}

ShapleyConfig shapley_config(Args& a) {
  ShapleyConfig c;
  c.utility = utility(a);
  c.tau_u = positive(a, "tauU", 0.1);
  c.permutations = a.integer("permutations", 1, kMaxPermutations, 16);
  c.antithetic = a.boolean("antithetic", true);
  c.seed = static_cast<uint64_t>(a.integer("seed", 0, kMaxSeed, 0));
  if (c.antithetic && c.permutations % 2 != 0) {
    a.range_error("antithetic sampling draws pairs (a permutation and its reverse): expected an even number of "
                  "permutations but received " + std::to_string(c.permutations));
  }
  return c;
}

// Rough multiply-add counts, for run_job's inline-or-async choice.
double scan_work(const ShapleyConfig& c, int64_t k, int64_t n, int64_t d) {
  return 3.0 * static_cast<double>(k) * (n + k) * d + 20.0 * static_cast<double>(c.permutations) * k * (n + k);
}

Napi::Value ShapleyExactGame(const Napi::CallbackInfo& info) {
  Args a(info, "shapleyExactGame");
  const int64_t k = a.size("k");
  if (k < 1 || k > kShapleyExactMaxPlayers) {
    a.range_error("exact Shapley values enumerate 2^k coalitions: expected k in [1, " +
                  std::to_string(kShapleyExactMaxPlayers) + "] but received " + std::to_string(k));
  }
  std::vector<Napi::ObjectReference> keep = a.take_keep_alive();
  const double* values = f64(info, a, "values", int64_t{1} << k, true, keep);
  double* phi = f64(info, a, "phi", k, false, keep);
  return run_job(a.env(), static_cast<double>(int64_t{1} << k) * 4, std::move(keep),
                 [=] { return shapley_exact_game(phi, values, k); });
}

Napi::Value ShapleyPermutations(const Napi::CallbackInfo& info) {
  Args a(info, "shapleyPermutations");
  const int64_t k = a.size("k");
  if (k < 1) a.range_error("expected k >= 1 but received " + std::to_string(k));
  const int64_t m = a.integer("permutations", 1, kMaxPermutations, 16);
  const bool antithetic = a.boolean("antithetic", true);
  const uint64_t seed = static_cast<uint64_t>(a.integer("seed", 0, kMaxSeed, 0));
  if (antithetic && m % 2 != 0) {
    a.range_error("antithetic sampling draws pairs: expected an even number of permutations but received " + std::to_string(m));
  }
  int32_t* out = a.i32("out", product(a, {m, k}));
  throw_if_failed(a.env(), shapley_permutations(out, k, m, antithetic, seed));
  return a.env().Undefined();
}

Napi::Value ShapleyValues(const Napi::CallbackInfo& info) {
  Args a(info, "shapleyValues");
  const int64_t k = players_count(a), n = a.size("n"), d = a.size("d");
  if (n < 1 || d < 1) a.range_error("expected n >= 1 and d >= 1 but received n=" + std::to_string(n) + " d=" + std::to_string(d));
  const ShapleyConfig cfg = shapley_config(a);
  const bool exact = a.choice("method", {"permutation", "exact"}, "permutation") == "exact";
  const int64_t max_exact = a.integer("maxExactPlayers", 1, kShapleyExactMaxPlayers, kShapleyExactDefaultPlayers);
  if (exact && k > max_exact) {
    a.range_error("method 'exact' enumerates 2^k coalitions: expected k <= " + std::to_string(max_exact) +
                  " but received " + std::to_string(k) + " (maxExactPlayers raises the limit up to " +
                  std::to_string(kShapleyExactMaxPlayers) + "; method 'permutation' has none)");
  }
  const bool normalize = a.boolean("normalize", true);
  exact_length(info, a, "players", product(a, {k, d}), shape2("k", k, d));
  exact_length(info, a, "targets", product(a, {n, d}), shape2("n", n, d));
  const float* players = a.f32("players", k * d, true);
  const float* targets = a.f32("targets", n * d, true);
  float* phi = a.f32("phi", product(a, {n, k}), false);
  float* stderr = exact ? nullptr : a.f32("stderr", n * k, false, true);
  const double work = exact ? static_cast<double>(int64_t{1} << k) * static_cast<double>(n + k)
                            : scan_work(cfg, k, n, d);
  return run_job(a.env(), work, a.take_keep_alive(), [=] {
    return shapley_values(phi, stderr, players, targets, k, n, d,
                          exact ? ShapleyMethod::exact : ShapleyMethod::permutation, cfg, max_exact, normalize);
  });
}

// players/targets (k,d) with exact lengths; gradients optional (k,d).
struct PairArgs {
  int64_t k, d;
  const float *players, *targets;
  float *dplayers, *dtargets;
  bool accumulate;
};

PairArgs pair_args(const Napi::CallbackInfo& info, Args& a) {
  PairArgs p{};
  p.k = players_count(a);
  p.d = a.size("d");
  if (p.d < 1) a.range_error("expected d >= 1 but received 0");
  const int64_t kd = product(a, {p.k, p.d});
  for (const char* name : {"players", "targets", "dPlayers", "dTargets"}) exact_length(info, a, name, kd, shape2("k", p.k, p.d));
  p.players = a.f32("players", kd, true);
  p.targets = a.f32("targets", kd, true);
  // accumulate: false (the TS wrapper's fresh, uninitialised buffers) writes the gradients
  // instead of adding to them; such buffers are not checked for NaN, they are only written.
  p.accumulate = a.boolean("accumulate", true);
  p.dplayers = a.f32("dPlayers", kd, p.accumulate, true);
  p.dtargets = a.f32("dTargets", kd, p.accumulate, true);
  return p;
}

Napi::Value ShapcaLoss(const Napi::CallbackInfo& info) {
  Args a(info, "shapcaLoss");
  const PairArgs p = pair_args(info, a);
  const ShapleyConfig cfg = shapley_config(a);
  const float temperature = positive(a, "temperature", 0.07);
  float* phi = a.f32("phi", p.k * p.k, false, true);
  auto loss = std::make_shared<double>(0.0);
  return run_job(
      a.env(), 2.0 * scan_work(cfg, p.k, p.k, p.d), a.take_keep_alive(),
      [=] {
        return shapca_loss(loss.get(), phi, p.dplayers, p.dtargets, p.players, p.targets, p.k, p.d, cfg, temperature,
                           1.0f, p.accumulate);
      },
      [loss](Napi::Env env) { return Napi::Number::New(env, *loss); });
}

Napi::Value InfoNceLoss(const Napi::CallbackInfo& info) {
  Args a(info, "infoNceLoss");
  const PairArgs p = pair_args(info, a);
  const float temperature = positive(a, "temperature", 0.07);
  float* logits = a.f32("logits", p.k * p.k, false, true);
  auto loss = std::make_shared<double>(0.0);
  return run_job(
      a.env(), 3.0 * static_cast<double>(p.k) * p.k * p.d, a.take_keep_alive(),
      [=] {
        return infonce_loss(loss.get(), logits, p.dplayers, p.dtargets, p.players, p.targets, p.k, p.d, temperature,
                            1.0f, p.accumulate);
      },
      [loss](Napi::Env env) { return Napi::Number::New(env, *loss); });
}

Napi::Value AlignLoss(const Napi::CallbackInfo& info) {
  Args a(info, "alignLoss");
  const int64_t k = a.size("k"), d = a.size("d");
  if (k < 2 || d < 1) a.range_error("expected k >= 2 and d >= 1 but received k=" + std::to_string(k) + " d=" + std::to_string(d));
  AlignConfig cfg;
  cfg.shapley = shapley_config(a);
  cfg.objective = a.choice("objective", {"shapley", "infonce"}, "shapley") == "infonce" ? AlignObjective::infonce
                                                                                        : AlignObjective::shapley;
  cfg.temperature = positive(a, "temperature", 0.07);
  cfg.lambda_ct = static_cast<float>(a.number("lambdaCt", 0.5));
  cfg.lambda_ci = static_cast<float>(a.number("lambdaCi", 0.5));
  if (cfg.lambda_ct < 0.0f || cfg.lambda_ci < 0.0f) a.range_error("expected lambdaCt >= 0 and lambdaCi >= 0");
  const int64_t kd = product(a, {k, d});
  for (const char* name : {"text", "context", "image", "dText", "dContext", "dImage"}) exact_length(info, a, name, kd, shape2("k", k, d));
  exact_length(info, a, "imageMask", k, "k = " + std::to_string(k));
  const float* text = a.f32("text", kd, true);
  const float* context = a.f32("context", kd, true);
  const float* image = a.f32("image", kd, true, true);
  const uint8_t* mask = a.u8("imageMask", k, true);
  float* dtext = a.f32("dText", kd, true, true);
  float* dcontext = a.f32("dContext", kd, true, true);
  float* dimage = a.f32("dImage", kd, true, true);
  auto out = std::make_shared<std::array<double, 5>>();
  return run_job(
      a.env(), 4.0 * scan_work(cfg.shapley, k, k, d), a.take_keep_alive(),
      [=] {
        return align_loss(&(*out)[0], &(*out)[1], dtext, dcontext, dimage, text, context, image, mask, k, d, cfg);
      },
      [out](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("loss", (*out)[0]);
        o.Set("c2t", (*out)[1]);
        o.Set("t2c", (*out)[2]);
        o.Set("c2i", (*out)[3]);
        o.Set("i2c", (*out)[4]);
        return o;
      });
}

}  // namespace

void register_shapley(Napi::Env env, Napi::Object exports) {
  exports.Set("shapleyExactGame", Napi::Function::New(env, ShapleyExactGame, "shapleyExactGame"));
  exports.Set("shapleyPermutations", Napi::Function::New(env, ShapleyPermutations, "shapleyPermutations"));
  exports.Set("shapleyValues", Napi::Function::New(env, ShapleyValues, "shapleyValues"));
  exports.Set("shapcaLoss", Napi::Function::New(env, ShapcaLoss, "shapcaLoss"));
  exports.Set("infoNceLoss", Napi::Function::New(env, InfoNceLoss, "infoNceLoss"));
  exports.Set("alignLoss", Napi::Function::New(env, AlignLoss, "alignLoss"));
}

}  // namespace shapca::binding
