// The CRF's NLL, gradients, Viterbi paths and posteriors against the CPU.
#include <string>

#include "cuda/crf.h"
#include "harness.h"
#include "kernels/crf.h"

using namespace shapca;
using namespace shapca::cuda_test;

namespace {

// BIO over (L−1)/2 types: tag 0 = O, 2t+1 = B-t, 2t+2 = I-t; I-t may follow only B-t or I-t.
void bio(int64_t L, std::vector<uint8_t>& allowed, std::vector<uint8_t>& start) {
  allowed.assign(L * L, 1);
  start.assign(L, 1);
  for (int64_t j = 2; j < L; j += 2) {
    start[j] = 0;
    for (int64_t i = 0; i < L; ++i) allowed[i * L + j] = (i == j || i == j - 1);
  }
}

}  // namespace

TEST("crf: NLL, every gradient, Viterbi (with and without BIO constraints) and posteriors match the CPU") {
  for (int64_t L : {3, 9, 41}) {
    const int64_t batch = 6, max_len = 13;
    std::vector<int32_t> lengths = {13, 1, 0, 7, 13, 4};
    auto em = random_vector(batch * max_len * L, L, 3.0f), trans = random_vector(L * L, L + 1),
         start = random_vector(L, L + 2), end = random_vector(L, L + 3), dnll = random_vector(batch, 5);
    std::vector<int32_t> tags(batch * max_len);
    for (size_t i = 0; i < tags.size(); ++i) tags[i] = static_cast<int32_t>((i * 7 + i / 3) % L);
    CrfParams cpu{trans.data(), start.data(), end.data(), L};
    const std::string label = "crf L=" + std::to_string(L);

    std::vector<float> nll(batch), dem = random_vector(em.size(), 6), dtr = random_vector(L * L, 7), ds = random_vector(L, 8),
                                   de = random_vector(L, 9);
    auto d_em = UP(em), d_trans = UP(trans), d_start = UP(start), d_end = UP(end), d_dnll = UP(dnll);
    auto d_dem = UP(dem), d_dtr = UP(dtr), d_ds = UP(ds), d_de = UP(de);
    auto d_lengths = UP(lengths);
    auto d_tags = UP(tags);
    CrfParams gpu{d_trans.data(), d_start.data(), d_end.data(), L};
    CHECK_OK(crf_forward(nll.data(), em.data(), tags.data(), lengths.data(), cpu, batch, max_len));
    CHECK_OK(crf_backward(dem.data(), dtr.data(), ds.data(), de.data(), dnll.data(), em.data(), tags.data(), lengths.data(),
                          cpu, batch, max_len));
    cuda::DeviceBuffer<float> d_nll;
    CHECK_OK(d_nll.allocate(batch));
    CHECK_OK(cuda::crf_forward(d_nll.data(), d_em.data(), d_tags.data(), d_lengths.data(), gpu, batch, max_len));
    CHECK_OK(cuda::crf_backward(d_dem.data(), d_dtr.data(), d_ds.data(), d_de.data(), d_dnll.data(), d_em.data(),
                                d_tags.data(), d_lengths.data(), gpu, batch, max_len));
    CHECK_NMSE(DOWN(d_nll).data(), nll.data(), batch, 1e-11, label + " nll");
    CHECK_NMSE(DOWN(d_dem).data(), dem.data(), dem.size(), 1e-10, label + " demissions");
    CHECK_NMSE(DOWN(d_dtr).data(), dtr.data(), dtr.size(), 1e-10, label + " dtransitions");
    CHECK_NMSE(DOWN(d_ds).data(), ds.data(), L, 1e-10, label + " dstart");
    CHECK_NMSE(DOWN(d_de).data(), de.data(), L, 1e-10, label + " dend");

    std::vector<uint8_t> allowed, allowed_start;
    bio(L, allowed, allowed_start);
    auto d_allowed = UP(allowed);
    auto d_allowed_start = UP(allowed_start);
    for (bool constrained : {false, true}) {
      const std::string lc = label + (constrained ? " constrained" : "");
      const uint8_t* a = constrained ? allowed.data() : nullptr;
      const uint8_t* as = constrained ? allowed_start.data() : nullptr;
      const uint8_t* da = constrained ? d_allowed.data() : nullptr;
      const uint8_t* das = constrained ? d_allowed_start.data() : nullptr;
      std::vector<int32_t> best(batch * max_len);
      std::vector<float> score(batch), marg(batch * max_len * L);
      CHECK_OK(crf_viterbi(best.data(), score.data(), em.data(), lengths.data(), cpu, a, as, nullptr, batch, max_len));
      CHECK_OK(crf_marginals(marg.data(), em.data(), lengths.data(), cpu, a, as, nullptr, batch, max_len));
      cuda::DeviceBuffer<int32_t> d_best;
      cuda::DeviceBuffer<float> d_score, d_marg;
      CHECK_OK(d_best.allocate(best.size()));
      CHECK_OK(d_score.allocate(batch));
      CHECK_OK(d_marg.allocate(marg.size()));
      CHECK_OK(cuda::crf_viterbi(d_best.data(), d_score.data(), d_em.data(), d_lengths.data(), gpu, da, das, nullptr, batch, max_len));
      CHECK_OK(cuda::crf_marginals(d_marg.data(), d_em.data(), d_lengths.data(), gpu, da, das, nullptr, batch, max_len));
      CHECK_MSG(DOWN(d_best) == best, lc + ": Viterbi paths differ");
      CHECK_NMSE(DOWN(d_score).data(), score.data(), batch, 1e-11, lc + " Viterbi scores");
      CHECK_NMSE(DOWN(d_marg).data(), marg.data(), marg.size(), 1e-10, lc + " marginals");
    }
  }
}

TEST("crf: bad lengths, bad tags and sequences no allowed path covers are out_of_range") {
  const int64_t L = 3, batch = 2, max_len = 4;
  auto em = UP(random_vector(batch * max_len * L, 1)), trans = UP(random_vector(L * L, 2)), se = UP(random_vector(L, 3));
  CrfParams p{trans.data(), se.data(), se.data(), L};
  cuda::DeviceBuffer<float> nll, marg;
  CHECK_OK(nll.allocate(batch));
  CHECK_OK(marg.allocate(batch * max_len * L));
  auto bad_len = UP(std::vector<int32_t>{4, 5});
  auto tags = UP(std::vector<int32_t>{0, 1, 2, 0, 0, 3, 0, 0});
  auto good_len = UP(std::vector<int32_t>{4, 2});
  CHECK_STATUS(cuda::crf_forward(nll.data(), em.data(), tags.data(), bad_len.data(), p, batch, max_len), Status::out_of_range);
  CHECK(std::string(last_error()).find("lengths[1] = 5") != std::string::npos);
  CHECK_STATUS(cuda::crf_forward(nll.data(), em.data(), tags.data(), good_len.data(), p, batch, max_len), Status::out_of_range);
  CHECK(std::string(last_error()).find("tags[1][1] = 3") != std::string::npos);
  auto none = UP(std::vector<uint8_t>(L * L, 0));
  CHECK_STATUS(cuda::crf_marginals(marg.data(), em.data(), good_len.data(), p, none.data(), nullptr, nullptr, batch, max_len),
               Status::out_of_range);
  CHECK(std::string(last_error()).find("no allowed tag path covers sequence 0") != std::string::npos);
}
