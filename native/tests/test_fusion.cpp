#include <string>

#include "harness.h"
#include "kernels/cross_attention.h"
#include "kernels/fusion.h"
#include "kernels/pooling.h"

using namespace shapca;
using namespace shapca::test;

TEST("cross attention: backward matches finite differences, masked keys get no gradient") {
  const int64_t B = 2, TQ = 3, TK = 4, C = 6, NH = 2;
  auto q = random_vector(B * TQ * C, 1), k = random_vector(B * TK * C, 2), v = random_vector(B * TK * C, 3);
  std::vector<uint8_t> mask = {1, 1, 0, 1, /**/ 1, 1, 1, 1};
  auto probe = random_vector(B * TQ * C, 4);
  std::vector<float> att(B * NH * TQ * TK);
  auto forward = [&]() {
    std::vector<float> out(B * TQ * C);
    cross_attention_forward(out.data(), att.data(), q.data(), k.data(), v.data(), mask.data(), dense_attention(B, TQ, TK, C, NH));
    return out;
  };
  forward();
  for (int64_t i = 0; i < TQ; ++i) CHECK(att[i * TK + 2] == 0.0f);  // masked key, batch 0 head 0
  std::vector<float> dq(q.size(), 0.0f), dk(k.size(), 0.0f), dv(v.size(), 0.0f);
  CHECK(cross_attention_backward(dq.data(), dk.data(), dv.data(), probe.data(), q.data(), k.data(), v.data(),
                                 att.data(), dense_attention(B, TQ, TK, C, NH)) == Status::ok);
  auto nq = numeric_grad(q, probe, forward), nk = numeric_grad(k, probe, forward), nv = numeric_grad(v, probe, forward);
  CHECK_CLOSE(dq.data(), nq.data(), dq.size(), 2e-3, 2e-3, "dq");
  CHECK_CLOSE(dk.data(), nk.data(), dk.size(), 2e-3, 2e-3, "dk");
  CHECK_CLOSE(dv.data(), nv.data(), dv.size(), 2e-3, 2e-3, "dv");
  for (int64_t j = 0; j < C; ++j) CHECK(dk[2 * C + j] == 0.0f && dv[2 * C + j] == 0.0f);
  CHECK(cross_attention_forward(att.data(), att.data(), q.data(), k.data(), v.data(), nullptr,
                                dense_attention(B, TQ, TK, 5, NH)) == Status::invalid_argument);
}

TEST("fusion gate: backward matches finite differences; samples without image pass through") {
  const int64_t B = 2, T = 3, C = 5;
  auto h = random_vector(B * T * C, 11), a = random_vector(B * T * C, 12), gp = random_vector(B * T * C, 13, 2.0f);
  auto w = random_vector(C, 14), bias = random_vector(C, 15);
  std::vector<uint8_t> has_image = {1, 0};
  auto probe = random_vector(B * T * C, 16);
  std::vector<float> g(B * T * C), mean(B * T), rstd(B * T);
  auto forward = [&]() {
    std::vector<float> out(B * T * C);
    fusion_gate_forward(out.data(), g.data(), mean.data(), rstd.data(), h.data(), a.data(), gp.data(), w.data(),
                        bias.data(), has_image.data(), B, T, C, 1e-5f);
    return out;
  };
  std::vector<float> out = forward();
  for (int64_t i = T * C; i < 2 * T * C; ++i) CHECK(out[i] == h[i]);
  std::vector<float> dh(h.size(), 0.0f), da(a.size(), 0.0f), dgp(gp.size(), 0.0f), dw(C, 0.0f), db(C, 0.0f);
  CHECK(fusion_gate_backward(dh.data(), da.data(), dgp.data(), dw.data(), db.data(), probe.data(), h.data(), a.data(),
                             g.data(), mean.data(), rstd.data(), w.data(), has_image.data(), B, T, C) == Status::ok);
  CHECK_CLOSE(dh.data(), numeric_grad(h, probe, forward).data(), dh.size(), 3e-3, 3e-3, "dh");
  CHECK_CLOSE(da.data(), numeric_grad(a, probe, forward).data(), da.size(), 3e-3, 3e-3, "da");
  CHECK_CLOSE(dgp.data(), numeric_grad(gp, probe, forward).data(), dgp.size(), 3e-3, 3e-3, "dgate_pre");
  CHECK_CLOSE(dw.data(), numeric_grad(w, probe, forward).data(), dw.size(), 3e-3, 3e-3, "dln_w");
  CHECK_CLOSE(db.data(), numeric_grad(bias, probe, forward).data(), db.size(), 3e-3, 3e-3, "dln_b");
}

TEST("mean pool: weighted mean, empty spans give zeros, backward matches finite differences") {
  const int64_t B = 3, T = 4, C = 3;
  auto x = random_vector(B * T * C, 21);
  std::vector<float> w = {1, 1, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 1, 1, 1};
  auto probe = random_vector(B * C, 22);
  auto forward = [&]() {
    std::vector<float> out(B * C);
    mean_pool_forward(out.data(), x.data(), w.data(), B, T, C);
    return out;
  };
  std::vector<float> out = forward();
  for (int64_t j = 0; j < C; ++j) {
    CHECK(std::fabs(out[j] - 0.5f * (x[j] + x[C + j])) < 1e-6f);
    CHECK(out[C + j] == 0.0f);
  }
  std::vector<float> dx(x.size(), 0.0f);
  CHECK(mean_pool_backward(dx.data(), probe.data(), w.data(), B, T, C) == Status::ok);
  CHECK_CLOSE(dx.data(), numeric_grad(x, probe, forward).data(), dx.size(), 1e-3, 1e-3, "dx");
  w[3] = -1.0f;
  CHECK(mean_pool_forward(out.data(), x.data(), w.data(), B, T, C) == Status::invalid_argument);
}
