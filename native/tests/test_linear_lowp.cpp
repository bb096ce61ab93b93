// bf16 / int8 linear layers: the AVX-512 kernels against the scalar reference (int8 exactly, bf16
// up to the order of its fp32 additions) and both against the fp32 product in double, with the
// error bound each precision allows per element.
#include <cmath>
#include <cstring>
#include <string>

#include "core/thread_pool.h"
#include "harness.h"
#include "kernels/gelu.h"
#include "kernels/gemm.h"
#include "kernels/linear_lowp.h"

using namespace shapca;
using namespace shapca::test;

namespace {

struct Shape {
  int64_t m, n, k;
};
// Odd sizes: partial row tiles (m % 12), partial panels (n % 32), k not a multiple of 2 or 4.
const Shape kCases[] = {{1, 1, 1},   {5, 17, 3},    {13, 32, 7},  {12, 33, 64},   {37, 70, 130},
                       {100, 5, 257}, {25, 96, 768}, {130, 65, 33}, {300, 100, 90}};

struct Data {
  std::vector<float> x, w, bias;
  int64_t ldi, ldw, ldo;
};

Data make(const Shape& c, uint64_t seed) {
  Data d;
  d.ldi = c.k + 3;
  d.ldw = c.k + 5;
  d.ldo = c.n + 7;
  d.x = random_vector(static_cast<size_t>(c.m * d.ldi), seed, 2.0f);
  d.w = random_vector(static_cast<size_t>(c.n * d.ldw), seed + 1, 0.1f);
  d.bias = random_vector(static_cast<size_t>(c.n), seed + 2, 0.5f);
  return d;
}

std::string label_of(const char* what, const Shape& c) {
  return std::string(what) + " " + std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k);
}

// Runs the layer into a NaN-filled out (so that any element left unwritten fails) and returns it
// compacted to (M, N).
std::vector<float> run(const Data& d, const Shape& c, const PackedWeight& pw, bool reference) {
  std::vector<float> out(static_cast<size_t>(c.m * d.ldo), std::nanf(""));
  Status s = linear_lowp_forward(out.data(), d.ldo, d.x.data(), d.ldi, pw, d.bias.data(), c.m, reference);
  CHECK_MSG(s == Status::ok, std::string("linear_lowp_forward: ") + last_error());
  std::vector<float> dense(static_cast<size_t>(c.m * c.n));
  for (int64_t i = 0; i < c.m; ++i) std::memcpy(&dense[i * c.n], &out[i * d.ldo], c.n * sizeof(float));
  for (int64_t i = 0; i < c.m; ++i) {  // the padding of each output row is left alone
    for (int64_t j = c.n; j < d.ldo; ++j) CHECK(std::isnan(out[i * d.ldo + j]));
  }
  return dense;
}

// Σ_k |x||w| per element and the fp32 product in double.
void exact(const Data& d, const Shape& c, std::vector<double>* y, std::vector<double>* mag) {
  y->assign(c.m * c.n, 0.0);
  mag->assign(c.m * c.n, 0.0);
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < c.n; ++j) {
      double acc = 0.0, a = 0.0;
      for (int64_t p = 0; p < c.k; ++p) {
        const double t = static_cast<double>(d.x[i * d.ldi + p]) * d.w[j * d.ldw + p];
        acc += t;
        a += std::fabs(t);
      }
      (*y)[i * c.n + j] = acc + d.bias[j];
      (*mag)[i * c.n + j] = a;
    }
  }
}

// Largest |got − want| / bound; ≤ 1 passes.
template <typename Bound>
double worst_ratio(const std::vector<float>& got, const std::vector<double>& want, const Bound& bound, size_t* at) {
  double worst = 0.0;
  for (size_t e = 0; e < got.size(); ++e) {
    const double r = std::fabs(got[e] - want[e]) / bound(e);
    if (!(r <= worst)) {
      worst = r;
      *at = e;
    }
  }
  return worst;
}

}  // namespace

TEST("bf16_round: nearest even, NaN and denormals") {
  CHECK(bf16_round(1.0f) == 0x3f80);
  CHECK(bf16_round(-2.0f) == 0xc000);
  CHECK(bf16_round(1.0f + 1.0f / 256.0f) == 0x3f80);              // a tie rounds to the even 1.0
  CHECK(bf16_round(1.0f + 3.0f / 256.0f) == 0x3f82);              // a tie rounds up to even
  CHECK(bf16_round(1.0f + 1.0f / 256.0f + 1e-6f) == 0x3f81);      // above the tie
  CHECK(std::isnan(bf16_to_float(bf16_round(std::nanf("")))));
  CHECK(bf16_round(1e-40f) == 0x0000 && bf16_round(-1e-40f) == 0x8000);
  CHECK(std::isinf(bf16_to_float(bf16_round(3.4e38f))));          // rounds past the largest bf16
  CHECK(bf16_to_float(bf16_round(0.15625f)) == 0.15625f);         // exact values stay
}

TEST("linear bf16: fast kernel vs scalar reference vs fp32, odd sizes and strides, 1-3 threads") {
  const bool fast = precision_fast(Precision::bf16);
  if (!fast) std::printf("  (no AVX-512 BF16 on this CPU: the scalar reference alone is checked against fp32)\n");
  for (int threads : {1, 2, 3}) {
    ThreadPool::global().set_threads(threads);
    for (const Shape& c : kCases) {
      const std::string label = label_of("bf16", c) + " threads=" + std::to_string(threads);
      Data d = make(c, 10 + c.k);
      PackedWeight pw;
      CHECK_MSG(pack_weight(&pw, Precision::bf16, d.w.data(), c.n, c.k, d.ldw) == Status::ok, label + ": " + last_error());
      std::vector<float> ref = run(d, c, pw, true), got = run(d, c, pw, false);
      std::vector<double> y, mag;
      exact(d, c, &y, &mag);
      // The kernels differ only in how the fp32 sums are ordered: each of ≤ 2k additions rounds
      // by at most 2⁻²⁴ of the magnitude.
      std::vector<double> refd(ref.begin(), ref.end());
      size_t at = 0;
      double r = worst_ratio(got, refd, [&](size_t e) { return 4.0 * c.k * std::ldexp(mag[e], -24) + 1e-30; }, &at);
      CHECK_MSG(r <= 1.0, label + " fast vs reference at " + std::to_string(at) + ": ratio " + std::to_string(r));
      // Against fp32: each operand is rounded to 8 significant bits (relative error ≤ 2⁻⁹), so a
      // product is off by ≤ (2⁻⁸ + 2⁻¹⁸)|x·w|, plus the fp32 accumulation.
      for (const auto* v : {&ref, &got}) {
        r = worst_ratio(*v, y, [&](size_t e) { return (std::ldexp(1.0, -8) * 1.01 + 2.0 * c.k * std::ldexp(1.0, -24)) * mag[e] + 1e-6; }, &at);
        CHECK_MSG(r <= 1.0, label + " vs fp32 at " + std::to_string(at) + ": ratio " + std::to_string(r));
      }
      if (c.k >= 64) {  // and it really is bf16: not every element matches fp32 closely
        double max_err = 0.0;
        for (size_t e = 0; e < got.size(); ++e) max_err = std::max(max_err, std::fabs(got[e] - y[e]) / (mag[e] + 1e-30));
        CHECK_MSG(max_err > std::ldexp(1.0, -16), label + ": no bf16 rounding visible");
      }
    }
  }
  ThreadPool::global().set_threads(0);
}

TEST("linear int8: fast kernel equals the scalar reference; error within the quantisation bound") {
  const bool fast = precision_fast(Precision::int8);
  if (!fast) std::printf("  (no AVX-512 VNNI on this CPU: the scalar reference alone is checked against fp32)\n");
  for (int threads : {1, 2, 3}) {
    ThreadPool::global().set_threads(threads);
    for (const Shape& c : kCases) {
      const std::string label = label_of("int8", c) + " threads=" + std::to_string(threads);
      Data d = make(c, 20 + c.k);
      PackedWeight pw;
      CHECK_MSG(pack_weight(&pw, Precision::int8, d.w.data(), c.n, c.k, d.ldw) == Status::ok, label + ": " + last_error());
      std::vector<float> ref = run(d, c, pw, true), got = run(d, c, pw, false);
      CHECK_MSG(std::memcmp(ref.data(), got.data(), ref.size() * sizeof(float)) == 0, label + ": fast != reference");
      std::vector<double> y, mag;
      exact(d, c, &y, &mag);
      // Per element: Σ_k (|w|·sa/2 + |x|·sw/2 + sa·sw/4) from rounding x and w to their grids,
      // plus the fp32 dequantisation.
      std::vector<double> bound(c.m * c.n);
      for (int64_t i = 0; i < c.m; ++i) {
        double amax = 0.0;
        for (int64_t p = 0; p < c.k; ++p) amax = std::max(amax, std::fabs(static_cast<double>(d.x[i * d.ldi + p])));
        const double sa = amax / 127.0;
        for (int64_t j = 0; j < c.n; ++j) {
          const double sw = pw.scale[j];
          double b = 0.0;
          for (int64_t p = 0; p < c.k; ++p) {
            b += std::fabs(d.w[j * d.ldw + p]) * sa / 2 + std::fabs(d.x[i * d.ldi + p]) * sw / 2 + sa * sw / 4;
          }
          bound[i * c.n + j] = b * 1.001 + 1e-5 * mag[i * c.n + j] + 1e-6;
        }
      }
      size_t at = 0;
      double r = worst_ratio(got, y, [&](size_t e) { return bound[e]; }, &at);
      CHECK_MSG(r <= 1.0, label + " vs fp32 at " + std::to_string(at) + ": ratio " + std::to_string(r));
    }
  }
  ThreadPool::global().set_threads(0);
}

TEST("linear lowp: an activation in the epilogue equals the activation applied after, fast and reference tiles") {
  for (Precision p : {Precision::bf16, Precision::int8}) {
    for (Activation act : {Activation::gelu, Activation::quick_gelu}) {
      for (const Shape& c : {Shape{37, 70, 130}, Shape{25, 96, 768}}) {
        const Data d = make(c, 91);
        PackedWeight pw;
        CHECK(pack_weight(&pw, p, d.w.data(), c.n, c.k, d.ldw) == Status::ok);
        for (bool reference : {false, true}) {
          std::vector<float> plain(static_cast<size_t>(c.m * d.ldo)), fused(plain.size(), std::nanf(""));
          CHECK(linear_lowp_forward(plain.data(), d.ldo, d.x.data(), d.ldi, pw, d.bias.data(), c.m, reference) == Status::ok);
          CHECK(linear_lowp_forward(fused.data(), d.ldo, d.x.data(), d.ldi, pw, d.bias.data(), c.m, reference, act) == Status::ok);
          for (int64_t i = 0; i < c.m; ++i) {
            float* row = plain.data() + i * d.ldo;
            CHECK((act == Activation::gelu ? gelu_forward(row, row, c.n) : quick_gelu_forward(row, row, c.n)) == Status::ok);
            for (int64_t j = c.n; j < d.ldo; ++j) CHECK(std::isnan(fused[i * d.ldo + j]));  // padding untouched
          }
          for (int64_t i = 0; i < c.m; ++i) {
            CHECK_CLOSE(fused.data() + i * d.ldo, plain.data() + i * d.ldo, c.n, 1e-6, 1e-5,
                        label_of(precision_name(p), c) + (act == Activation::gelu ? " gelu" : " quick_gelu") +
                            (reference ? " reference" : " fast"));
          }
        }
      }
    }
  }
}

TEST("linear_forward with an activation: the fp32 weight gets matmul then the activation") {
  const Shape c{37, 70, 130};
  std::vector<float> x = random_vector(c.m * c.k, 95, 2.0f), w = random_vector(c.n * c.k, 96, 0.1f), bias = random_vector(c.n, 97);
  for (Activation act : {Activation::gelu, Activation::quick_gelu}) {
    std::vector<float> plain(c.m * c.n), fused(c.m * c.n);
    CHECK(matmul_forward(plain.data(), x.data(), w.data(), bias.data(), c.m, c.k, c.n) == Status::ok);
    CHECK(activation_forward(act, plain.data(), plain.data(), c.m * c.n) == Status::ok);
    CHECK(linear_forward(fused.data(), c.n, x.data(), c.k, WeightView{w.data()}, bias.data(), c.m, c.k, c.n, act) == Status::ok);
    CHECK_CLOSE(fused.data(), plain.data(), fused.size(), 0.0, 0.0, act == Activation::gelu ? "fp32 gelu" : "fp32 quick_gelu");
  }
}

TEST("linear_forward accumulate: out += inp·Wᵀ + bias at strides, at every precision, without an activation") {
  const Shape c{37, 70, 130};  // three full row tiles and one row; four panels and two columns
  const int64_t ldi = c.k + 5, ldo = c.n + 3;
  std::vector<float> x = random_vector(c.m * ldi, 101, 2.0f), w = random_vector(c.n * c.k, 102, 0.1f);
  std::vector<float> bias = random_vector(c.n, 103), out0 = random_vector(c.m * ldo, 104);
  std::vector<float> want = out0, got = out0;
  CHECK(sgemm(false, true, c.m, c.n, c.k, 1.0f, x.data(), ldi, w.data(), c.k, 1.0f, want.data(), ldo, bias.data()) ==
        Status::ok);
  CHECK(linear_forward(got.data(), ldo, x.data(), ldi, WeightView{w.data()}, bias.data(), c.m, c.k, c.n, {}, true) ==
        Status::ok);
  CHECK_CLOSE(got.data(), want.data(), got.size(), 0.0, 0.0, "fp32 accumulate");
  CHECK(linear_forward(got.data(), ldo, x.data(), ldi, WeightView{w.data()}, bias.data(), c.m, c.k, c.n,
                       Activation::gelu, true) == Status::invalid_argument);
  // bf16 / int8: the same sums as the plain product added to out afterwards, bit for bit, and
  // nothing written outside the n columns of each row.
  for (Precision p : {Precision::bf16, Precision::int8}) {
    PackedWeight pw;
    CHECK(pack_weight(&pw, p, w.data(), c.n, c.k, c.k) == Status::ok);
    for (bool reference : {false, true}) {
      const std::string label = std::string(precision_name(p)) + (reference ? " reference" : " fast") + " accumulate";
      std::vector<float> plain(c.m * ldo, 0.0f), sum = out0;
      CHECK(linear_lowp_forward(plain.data(), ldo, x.data(), ldi, pw, bias.data(), c.m, reference) == Status::ok);
      CHECK(linear_lowp_forward(sum.data(), ldo, x.data(), ldi, pw, bias.data(), c.m, reference, {}, true) == Status::ok);
      std::vector<float> expect = out0;
      for (int64_t i = 0; i < c.m; ++i) {
        for (int64_t j = 0; j < c.n; ++j) expect[i * ldo + j] = plain[i * ldo + j] + out0[i * ldo + j];
      }
      CHECK_CLOSE(sum.data(), expect.data(), sum.size(), 0.0, 0.0, label);
      CHECK(linear_lowp_forward(sum.data(), ldo, x.data(), ldi, pw, bias.data(), c.m, reference, Activation::gelu, true) ==
            Status::invalid_argument);
    }
    std::vector<float> via = out0;
    CHECK(linear_forward(via.data(), ldo, x.data(), ldi, WeightView{w.data(), &pw}, bias.data(), c.m, c.k, c.n, {}, true) ==
          Status::ok);
    std::vector<float> direct = out0;
    CHECK(linear_lowp_forward(direct.data(), ldo, x.data(), ldi, pw, bias.data(), c.m, false, {}, true) == Status::ok);
    CHECK_CLOSE(via.data(), direct.data(), via.size(), 0.0, 0.0, std::string(precision_name(p)) + " linear_forward");
  }
}

TEST("linear int8: per-channel scales and the shift compensation on a hand example") {
  // W rows scale to 1/127 and 2/127; x rows to 2/127 and 0 (an all-zero row).
  const float w[2 * 3] = {1.0f, -0.5f, 0.25f, -2.0f, 2.0f, 1.0f};
  const float x[2 * 3] = {2.0f, -2.0f, 1.0f, 0.0f, 0.0f, 0.0f};
  PackedWeight pw;
  CHECK(pack_weight(&pw, Precision::int8, w, 2, 3, 3) == Status::ok);
  CHECK(pw.kp == 4 && std::fabs(pw.scale[0] - 1.0f / 127.0f) < 1e-9f && std::fabs(pw.scale[1] - 2.0f / 127.0f) < 1e-9f);
  // q_w row 0 = (127, −64 [−63.5 rounds to even], 32 [31.75]); comp = 128·95
  CHECK(pw.comp[0] == 128 * (127 - 64 + 32));
  const float bias[2] = {0.5f, -1.0f};
  float out[4];
  for (bool reference : {true, false}) {
    CHECK(linear_lowp_forward(out, 2, x, 3, pw, bias, 2, reference) == Status::ok);
    // x row 0 → (127, −127, 64 [63.5 rounds to even]); Σ q_x·q_w = 127·127 + 127·64 + 64·32
    const double y0 = (127.0 * 127 + 127.0 * 64 + 64.0 * 32) * (2.0 / 127) * (1.0 / 127) + 0.5;
    CHECK_MSG(std::fabs(out[0] - y0) < 1e-5, "int8 hand example: out[0] = " + std::to_string(out[0]) + ", expected " + std::to_string(y0));
    CHECK(out[2] == 0.5f && out[3] == -1.0f);  // an all-zero row gives the bias
  }
}

TEST("linear lowp: bad arguments are errors with a message") {
  const float w[4] = {1.0f, 2.0f, std::nanf(""), 4.0f};
  PackedWeight pw;
  CHECK(pack_weight(&pw, Precision::fp32, w, 2, 2, 2) == Status::invalid_argument);
  CHECK(pack_weight(&pw, Precision::bf16, w, 0, 2, 2) == Status::invalid_argument);
  CHECK(pack_weight(&pw, Precision::bf16, w, 2, 2, 1) == Status::invalid_argument);
  CHECK(pack_weight(&pw, Precision::int8, w, 2, 2, 2) == Status::non_finite);
  CHECK(std::string(last_error()).find("weight[1, 0]") != std::string::npos);
  float out[4];
  PackedWeight empty;
  CHECK(linear_lowp_forward(out, 2, w, 2, empty, nullptr, 2) == Status::invalid_argument);
  CHECK(pack_weight(&pw, Precision::bf16, w, 1, 2, 2) == Status::ok);
  CHECK(linear_lowp_forward(out, 0, w, 2, pw, nullptr, 1) == Status::invalid_argument);
  CHECK(linear_lowp_forward(out, 1, w, 2, pw, nullptr, -1) == Status::invalid_argument);
  Precision p = Precision::fp32;
  CHECK(parse_precision("int8", &p) && p == Precision::int8);
  CHECK(!parse_precision("fp16", &p) && !parse_precision(nullptr, &p));
}

TEST("linear lowp: the scalar and avx2 paths use the reference (no AVX-512 BF16 / VNNI there)") {
  const KernelPath saved = kernel_path();
  for (KernelPath p : {KernelPath::scalar, KernelPath::avx2}) {
    if (set_kernel_path(p) != Status::ok) continue;
    CHECK(!precision_fast(Precision::bf16) && !precision_fast(Precision::int8) && precision_fast(Precision::fp32));
  }
  set_kernel_path(saved);
}
