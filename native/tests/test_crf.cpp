#include <cmath>
#include <vector>

#include "harness.h"
#include "kernels/crf.h"

using namespace shapca;
using namespace shapca::test;

namespace {

// Score of one path, in double, straight from the definition.
double path_score(const std::vector<int>& y, const float* em, const float* A, const float* s, const float* e, int L) {
  double sc = s[y[0]] + e[y.back()];
  for (size_t t = 0; t < y.size(); ++t) sc += em[t * L + y[t]];
  for (size_t t = 1; t < y.size(); ++t) sc += A[y[t - 1] * L + y[t]];
  return sc;
}

// Calls fn(path) for every tag path of length n over L tags.
template <typename Fn>
void all_paths(int n, int L, const Fn& fn) {
  std::vector<int> y(n, 0);
  for (;;) {
    fn(y);
    int t = n - 1;
    while (t >= 0 && ++y[t] == L) y[t--] = 0;
    if (t < 0) return;
  }
}

}  // namespace

TEST("crf: nll and viterbi equal brute-force enumeration over every path") {
  const int B = 3, T = 4, L = 3;
  auto em = random_vector(B * T * L, 1, 2.0f), A = random_vector(L * L, 2), s = random_vector(L, 3), e = random_vector(L, 4);
  std::vector<int32_t> tags = {0, 1, 2, 1, /**/ 2, 2, 0, 0, /**/ 1, 0, 0, 0};
  std::vector<int32_t> lengths = {4, 2, 1};
  CrfParams crf{A.data(), s.data(), e.data(), L};
  std::vector<float> nll(B);
  std::vector<int32_t> best(B * T);
  std::vector<float> best_score(B);
  CHECK(crf_forward(nll.data(), em.data(), tags.data(), lengths.data(), crf, B, T) == Status::ok);
  CHECK(crf_viterbi(best.data(), best_score.data(), em.data(), lengths.data(), crf, nullptr, nullptr, nullptr, B, T) ==
        Status::ok);
  for (int b = 0; b < B; ++b) {
    const int n = lengths[b];
    const float* emb = em.data() + b * T * L;
    double z = 0.0, top = -1e30;
    std::vector<int> argmax;
    all_paths(n, L, [&](const std::vector<int>& y) {
      double sc = path_score(y, emb, A.data(), s.data(), e.data(), L);
      z += std::exp(sc);
      if (sc > top) {
        top = sc;
        argmax = y;
      }
    });
    std::vector<int> gold(tags.begin() + b * T, tags.begin() + b * T + n);
    double expect = std::log(z) - path_score(gold, emb, A.data(), s.data(), e.data(), L);
    CHECK(std::fabs(nll[b] - expect) < 1e-4);
    CHECK(std::fabs(best_score[b] - top) < 1e-4);
    for (int t = 0; t < n; ++t) CHECK(best[b * T + t] == argmax[t]);
    for (int t = n; t < T; ++t) CHECK(best[b * T + t] == -1);
  }
}

TEST("crf: backward matches finite differences of the nll") {
  const int B = 2, T = 5, L = 4;
  auto em = random_vector(B * T * L, 11), A = random_vector(L * L, 12), s = random_vector(L, 13), e = random_vector(L, 14);
  std::vector<int32_t> tags = {0, 1, 1, 3, 2, /**/ 3, 0, 2, 0, 0};
  std::vector<int32_t> lengths = {5, 3};
  std::vector<float> dnll = {1.0f, 0.5f};
  auto loss = [&]() {
    CrfParams crf{A.data(), s.data(), e.data(), L};
    std::vector<float> nll(B);
    crf_forward(nll.data(), em.data(), tags.data(), lengths.data(), crf, B, T);
    return static_cast<double>(nll[0]) * dnll[0] + static_cast<double>(nll[1]) * dnll[1];
  };
  std::vector<float> dem(em.size(), 0.0f), dA(A.size(), 0.0f), ds(L, 0.0f), de(L, 0.0f);
  CrfParams crf{A.data(), s.data(), e.data(), L};
  CHECK(crf_backward(dem.data(), dA.data(), ds.data(), de.data(), dnll.data(), em.data(), tags.data(), lengths.data(),
                     crf, B, T) == Status::ok);
  auto n_em = numeric_grad(em, loss), n_A = numeric_grad(A, loss), n_s = numeric_grad(s, loss), n_e = numeric_grad(e, loss);
  CHECK_CLOSE(dem.data(), n_em.data(), dem.size(), 2e-3, 2e-3, "demissions");
  CHECK_CLOSE(dA.data(), n_A.data(), dA.size(), 2e-3, 2e-3, "dtransitions");
  CHECK_CLOSE(ds.data(), n_s.data(), ds.size(), 2e-3, 2e-3, "dstart");
  CHECK_CLOSE(de.data(), n_e.data(), de.size(), 2e-3, 2e-3, "dend");
  // padding positions get no gradient
  for (int t = 3; t < T; ++t) {
    for (int j = 0; j < L; ++j) CHECK(dem[(1 * T + t) * L + j] == 0.0f);
  }
}

TEST("crf: viterbi honours allowed transitions, start and end tags") {
  const int T = 3, L = 3;  // tags: 0 = O, 1 = B-X, 2 = I-X
  std::vector<float> em = {0, 0, 5, /**/ 0, 0, 5, /**/ 5, 0, 0};  // emissions favour I-X, I-X, O
  std::vector<float> A(L * L, 0.0f), s(L, 0.0f), e(L, 0.0f);
  std::vector<int32_t> lengths = {T};
  std::vector<uint8_t> allowed = {1, 1, 0, /**/ 1, 1, 1, /**/ 1, 1, 1};  // O → I-X is not allowed
  std::vector<uint8_t> allowed_start = {1, 1, 0};                         // nor is starting with I-X
  CrfParams crf{A.data(), s.data(), e.data(), L};
  std::vector<int32_t> free_path(T), constrained(T);
  crf_viterbi(free_path.data(), nullptr, em.data(), lengths.data(), crf, nullptr, nullptr, nullptr, 1, T);
  crf_viterbi(constrained.data(), nullptr, em.data(), lengths.data(), crf, allowed.data(), allowed_start.data(), nullptr,
              1, T);
  CHECK(free_path[0] == 2 && free_path[1] == 2 && free_path[2] == 0);
  CHECK(constrained[0] == 1 && constrained[1] == 2 && constrained[2] == 0);
}

TEST("crf: out-of-range tags and lengths are errors") {
  const int L = 2;
  std::vector<float> em(4, 0.0f), A(4, 0.0f), s(2, 0.0f), e(2, 0.0f), nll(1);
  std::vector<int32_t> tags = {0, 2}, lengths = {2};
  CrfParams crf{A.data(), s.data(), e.data(), L};
  CHECK(crf_forward(nll.data(), em.data(), tags.data(), lengths.data(), crf, 1, 2) == Status::out_of_range);
  CHECK(std::string(last_error()).find("tags[0][1] = 2") != std::string::npos);
  tags[1] = 1;
  lengths[0] = 3;
  CHECK(crf_forward(nll.data(), em.data(), tags.data(), lengths.data(), crf, 1, 2) == Status::out_of_range);
}

TEST("crf: marginals equal brute-force posteriors, with and without constraints") {
  const int B = 3, T = 4, L = 3;  // constraints below: tags 0 = O, 1 = B-X, 2 = I-X
  auto em = random_vector(B * T * L, 21, 2.0f), A = random_vector(L * L, 22), s = random_vector(L, 23),
       e = random_vector(L, 24);
  std::vector<int32_t> lengths = {4, 2, 0};
  std::vector<uint8_t> allowed = {1, 1, 0, /**/ 1, 1, 1, /**/ 1, 1, 1}, allowed_start = {1, 1, 0}, allowed_end = {1, 1, 1};
  CrfParams crf{A.data(), s.data(), e.data(), L};
  for (bool constrained : {false, true}) {
    std::vector<float> marg(B * T * L, -1.0f);
    const uint8_t* al = constrained ? allowed.data() : nullptr;
    const uint8_t* as = constrained ? allowed_start.data() : nullptr;
    const uint8_t* ae = constrained ? allowed_end.data() : nullptr;
    CHECK(crf_marginals(marg.data(), em.data(), lengths.data(), crf, al, as, ae, B, T) == Status::ok);
    std::vector<float> expect(B * T * L, 0.0f);
    for (int b = 0; b < B; ++b) {
      const int n = lengths[b];
      if (n == 0) continue;
      std::vector<double> acc(n * L, 0.0);
      double z = 0.0;
      all_paths(n, L, [&](const std::vector<int>& y) {
        if (constrained) {
          if (!allowed_start[y[0]] || !allowed_end[y.back()]) return;
          for (int t = 1; t < n; ++t) {
            if (!allowed[y[t - 1] * L + y[t]]) return;
          }
        }
        double w = std::exp(path_score(y, em.data() + b * T * L, A.data(), s.data(), e.data(), L));
        z += w;
        for (int t = 0; t < n; ++t) acc[t * L + y[t]] += w;
      });
      for (int i = 0; i < n * L; ++i) expect[b * T * L + i] = static_cast<float>(acc[i] / z);
    }
    CHECK_CLOSE(marg.data(), expect.data(), marg.size(), 1e-5, 1e-4, constrained ? "constrained marginals" : "marginals");
    if (constrained) {
      // an I-X after O has probability 0, and so has I-X first
      CHECK(marg[0 * L + 2] == 0.0f);
    }
  }
}

TEST("crf: marginals report a sequence no allowed path covers") {
  const int L = 2;
  std::vector<float> em(2 * L, 0.0f), A(L * L, 0.0f), s(L, 0.0f), e(L, 0.0f), marg(2 * L);
  std::vector<int32_t> lengths = {2};
  std::vector<uint8_t> allowed = {0, 0, 0, 0};  // no transition at all: length 2 is impossible
  CrfParams crf{A.data(), s.data(), e.data(), L};
  CHECK(crf_marginals(marg.data(), em.data(), lengths.data(), crf, allowed.data(), nullptr, nullptr, 1, 2) ==
        Status::out_of_range);
  CHECK(std::string(last_error()).find("no allowed tag path") != std::string::npos);
  lengths[0] = 1;  // a single tag needs no transition
  CHECK(crf_marginals(marg.data(), em.data(), lengths.data(), crf, allowed.data(), nullptr, nullptr, 1, 2) == Status::ok);
  CHECK(std::fabs(marg[0] + marg[1] - 1.0f) < 1e-6f && marg[2] == 0.0f && marg[3] == 0.0f);
}
