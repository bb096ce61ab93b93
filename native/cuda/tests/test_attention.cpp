// Self- and cross-attention against the CPU: outputs, probabilities and every gradient.
#include <string>

#include "cuda/attention.h"
#include "harness.h"
#include "kernels/attention.h"
#include "kernels/cross_attention.h"

using namespace shapca;
using namespace shapca::cuda_test;

TEST("attention: self-attention forward and backward match the CPU, with padding and a fully padded sample") {
  const int64_t b = 3, t = 21, nh = 3, c = 48;
  auto qkv = random_vector(b * t * 3 * c, 1, 2.0f), g = random_vector(b * t * c, 2), d0 = random_vector(b * t * 3 * c, 3);
  std::vector<uint8_t> mask(b * t, 1);
  for (int64_t i = 15; i < t; ++i) mask[i] = 0;            // sample 0: padded tail
  for (int64_t i = 0; i < t; ++i) mask[2 * t + i] = 0;     // sample 2: no key at all
  for (bool masked : {false, true}) {
    const std::string label = masked ? "masked" : "unmasked";
    std::vector<float> out(b * t * c), att(b * nh * t * t), dq = d0;
    CHECK_OK(attention_forward(out.data(), att.data(), qkv.data(), masked ? mask.data() : nullptr, b, t, c, nh));
    CHECK_OK(attention_backward(dq.data(), g.data(), qkv.data(), att.data(), b, t, c, nh));
    auto dqkv = UP(qkv), dg = UP(g), ddq = UP(d0);
    auto dmask = UP(mask);
    cuda::DeviceBuffer<float> dout, datt;
    CHECK_OK(dout.allocate(out.size()));
    CHECK_OK(datt.allocate(att.size()));
    CHECK_OK(cuda::attention_forward(dout.data(), datt.data(), dqkv.data(), masked ? dmask.data() : nullptr, b, t, c, nh));
    CHECK_OK(cuda::attention_backward(ddq.data(), dg.data(), dqkv.data(), datt.data(), b, t, c, nh));
    CHECK_NMSE(DOWN(dout).data(), out.data(), out.size(), 1e-10, label + " out");
    CHECK_NMSE(DOWN(datt).data(), att.data(), att.size(), 1e-10, label + " att");
    CHECK_NMSE(DOWN(ddq).data(), dq.data(), dq.size(), 1e-10, label + " dqkv");
  }
}

TEST("attention: cross-attention with row strides and a key mask matches the CPU") {
  const int64_t b = 2, tq = 13, tk = 29, nh = 4, c = 32, ldq = 40, ldkv = 3 * c;
  AttentionShape s{b, tq, tk, c, nh, ldq, ldkv};
  auto q = random_vector(b * tq * ldq, 1), kv = random_vector(b * tk * ldkv, 2), g = random_vector(b * tq * c, 3);
  auto dq0 = random_vector(b * tq * ldq, 4), dkv0 = random_vector(b * tk * ldkv, 5);
  std::vector<uint8_t> mask(b * tk, 1);
  for (int64_t i = 20; i < tk; ++i) mask[tk + i] = 0;
  std::vector<float> out(b * tq * c), att(b * nh * tq * tk), dq = dq0, dkv = dkv0;
  const float *k = kv.data(), *v = kv.data() + 2 * c;
  CHECK_OK(cross_attention_forward(out.data(), att.data(), q.data(), k, v, mask.data(), s));
  CHECK_OK(cross_attention_backward(dq.data(), dkv.data(), dkv.data() + 2 * c, g.data(), q.data(), k, v, att.data(), s));
  auto d_q = UP(q), d_kv = UP(kv), d_g = UP(g), d_dq = UP(dq0), d_dkv = UP(dkv0);
  auto d_mask = UP(mask);
  cuda::DeviceBuffer<float> d_out, d_att;
  CHECK_OK(d_out.allocate(out.size()));
  CHECK_OK(d_att.allocate(att.size()));
  const float *dk = d_kv.data(), *dv = d_kv.data() + 2 * c;
  CHECK_OK(cuda::cross_attention_forward(d_out.data(), d_att.data(), d_q.data(), dk, dv, d_mask.data(), s));
  CHECK_OK(cuda::cross_attention_backward(d_dq.data(), d_dkv.data(), d_dkv.data() + 2 * c, d_g.data(), d_q.data(), dk,
                                          dv, d_att.data(), s));
  CHECK_NMSE(DOWN(d_out).data(), out.data(), out.size(), 1e-10, "cross out");
  CHECK_NMSE(DOWN(d_att).data(), att.data(), att.size(), 1e-10, "cross att");
  CHECK_NMSE(DOWN(d_dq).data(), dq.data(), dq.size(), 1e-10, "cross dq");
  CHECK_NMSE(DOWN(d_dkv).data(), dkv.data(), dkv.size(), 1e-10, "cross dk, dv");
}

TEST("attention: no keys gives zeros") {
  const int64_t b = 2, tq = 3, c = 8, nh = 2;
  std::vector<float> ones(b * tq * c, 1.0f);
  auto d_out = UP(ones), d_q = UP(ones);
  cuda::DeviceBuffer<float> d_att;
  CHECK_OK(d_att.allocate(1));
  CHECK_OK(cuda::cross_attention_forward(d_out.data(), d_att.data(), d_q.data(), nullptr, nullptr, nullptr,
                                         dense_attention(b, tq, 0, c, nh)));
  std::vector<float> zeros(ones.size(), 0.0f);
  CHECK_NMSE(DOWN(d_out).data(), zeros.data(), zeros.size(), 0.0, "no keys");
}

HOST_TEST("attention: bad shapes are errors") {
  float* fake = reinterpret_cast<float*>(64);
  CHECK_STATUS(cuda::attention_forward(fake, fake, fake, nullptr, 1, 4, 10, 3), Status::invalid_argument);
  CHECK_STATUS(cuda::cross_attention_forward(fake, fake, fake, fake, fake, nullptr, AttentionShape{1, 2, 2, 8, 2, 4, 8}),
               Status::invalid_argument);
  CHECK_STATUS(cuda::attention_backward(nullptr, fake, fake, fake, 1, 4, 8, 2), Status::invalid_argument);
}
