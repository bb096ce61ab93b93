#include "cuda/launch.cuh"
#include "device_embeddings.h"

namespace shapca::cuda {

namespace {

#define SHAPCA_GRID_LOOP(i, n)                                                   \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

__global__ void bert_forward_kernel(float* emb, const int32_t* ids, const int32_t* positions, const int32_t* types,
                                    const float* word, const float* pos, const float* type, int64_t bt, int64_t c) {
  SHAPCA_GRID_LOOP(e, bt * c) {
    const int64_t r = e / c, j = e % c;
    emb[e] = word[ids[r] * c + j] + (pos[positions[r] * c + j] + type[types[r] * c + j]);
  }
}

__global__ void bert_backward_kernel(float* dword, float* dpos, float* dtype, const float* demb, const int32_t* ids,
                                     const int32_t* positions, const int32_t* types, int64_t bt, int64_t c) {
  SHAPCA_GRID_LOOP(e, bt * c) {
    const int64_t r = e / c, j = e % c;
    const float d = demb[e];
    atomicAdd(dword + ids[r] * c + j, d);
    atomicAdd(dpos + positions[r] * c + j, d);
    atomicAdd(dtype + types[r] * c + j, d);
  }
}

__global__ void vit_forward_kernel(float* emb, const float* cls, const float* pe, const float* pos, int64_t b,
                                   int64_t np, int64_t c) {
  const int64_t t = np + 1;
  SHAPCA_GRID_LOOP(e, b * t * c) {
    const int64_t r = e / c, j = e % c, bi = r / t, tok = r % t;
    const float src = tok == 0 ? cls[j] : pe[(bi * np + tok - 1) * c + j];
    emb[e] = src + pos[tok * c + j];
  }
}

__global__ void vit_backward_kernel(float* dcls, float* dpos, float* dpe, const float* demb, int64_t b, int64_t np,
                                    int64_t c) {
  const int64_t t = np + 1;
  SHAPCA_GRID_LOOP(e, t * c) {
    const int64_t tok = e / c, j = e % c;
    for (int64_t bi = 0; bi < b; ++bi) {
      const float d = demb[(bi * t + tok) * c + j];
      dpos[e] += d;
      if (tok == 0) {
        dcls[j] += d;
      } else {
        dpe[(bi * np + tok - 1) * c + j] = d;
      }
    }
  }
}

#undef SHAPCA_GRID_LOOP

}  // namespace

Status bert_embeddings_forward(float* emb, const int32_t* ids, const int32_t* positions, const int32_t* types,
                               const float* word, const float* pos, const float* type, int64_t bt, int64_t c) {
  if (bt * c == 0) return Status::ok;
  launch(bert_forward_kernel, grid_for(bt * c), kBlock, emb, ids, positions, types, word, pos, type, bt, c);
  return check_launch("bert_embeddings_forward");
}

Status bert_embeddings_backward(float* dword, float* dpos, float* dtype, const float* demb, const int32_t* ids,
                                const int32_t* positions, const int32_t* types, int64_t bt, int64_t c) {
  if (bt * c == 0) return Status::ok;
  launch(bert_backward_kernel, grid_for(bt * c), kBlock, dword, dpos, dtype, demb, ids, positions, types, bt, c);
  return check_launch("bert_embeddings_backward");
}

Status vit_embeddings_forward(float* emb, const float* cls, const float* pe, const float* pos, int64_t b, int64_t np,
                              int64_t c) {
  if (b * c == 0) return Status::ok;
  launch(vit_forward_kernel, grid_for(b * (np + 1) * c), kBlock, emb, cls, pe, pos, b, np, c);
  return check_launch("vit_embeddings_forward");
}

Status vit_embeddings_backward(float* dcls, float* dpos, float* dpe, const float* demb, int64_t b, int64_t np, int64_t c) {
  if (b * c == 0) return Status::ok;
  launch(vit_backward_kernel, grid_for((np + 1) * c), kBlock, dcls, dpos, dpe, demb, b, np, c);
  return check_launch("vit_embeddings_backward");
}

}  // namespace shapca::cuda
