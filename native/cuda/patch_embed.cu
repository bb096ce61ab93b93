// Patch embedding: im2col / col2im kernels around the SGEMMs of the linear layer.
#include "gemm.h"
#include "launch.cuh"
#include "patch_embed.h"
#include "workspace.h"

namespace shapca::cuda {

namespace {

struct Geometry {
  int64_t b, ci, h, w, p, gw, np, k;
};

// Element e = (row, (c, py, px)) of the patch matrix and its pixel offset.
__device__ inline int64_t pixel_of(const Geometry& g, int64_t e) {
  const int64_t row = e / g.k, kk = e % g.k;
  const int64_t bi = row / g.np, cell = row % g.np, gy = cell / g.gw, gx = cell % g.gw;
  const int64_t c = kk / (g.p * g.p), py = (kk / g.p) % g.p, px = kk % g.p;
  return ((bi * g.ci + c) * g.h + gy * g.p + py) * g.w + gx * g.p + px;
}

__global__ void im2col_kernel(float* patches, const float* pixels, Geometry g) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < g.b * g.np * g.k;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    patches[e] = pixels[pixel_of(g, e)];
  }
}

__global__ void col2im_kernel(float* dpixels, const float* dpatches, Geometry g) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < g.b * g.np * g.k;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    dpixels[pixel_of(g, e)] += dpatches[e];
  }
}

Status check_shape(const char* what, int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc, Geometry* g) {
  if (b < 0 || ci < 0 || h < 0 || w < 0 || oc < 0 || p <= 0) {
    return fail(Status::invalid_argument,
                "%s: expected non-negative sizes and a patch size > 0 but received B=%lld CI=%lld H=%lld W=%lld "
                "P=%lld OC=%lld",
                what, static_cast<long long>(b), static_cast<long long>(ci), static_cast<long long>(h),
                static_cast<long long>(w), static_cast<long long>(p), static_cast<long long>(oc));
  }
  const int64_t gh = h / p, gw = w / p;
  *g = Geometry{b, ci, h, w, p, gw, gh * gw, ci * p * p};
  return Status::ok;
}

}  // namespace

Status patch_embed_forward(float* out, float* patches, const float* pixels, const float* weight, const float* bias,
                           int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc) {
  const char* what = "patch_embed_forward";
  Geometry g{};
  if (Status s = check_shape(what, b, ci, h, w, p, oc, &g); s != Status::ok) return s;
  if (b * g.np == 0 || oc == 0 || g.k == 0) return Status::ok;
  if (out == nullptr || patches == nullptr || pixels == nullptr || weight == nullptr) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  launch(im2col_kernel, grid_for(b * g.np * g.k), kBlock, patches, pixels, g);
  if (Status s = check_launch(what); s != Status::ok) return s;
  return matmul_forward(out, patches, weight, bias, b * g.np, g.k, oc);
}

Status patch_embed_backward(float* dpixels, float* dweight, float* dbias, const float* dout, const float* patches,
                            const float* weight, int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc) {
  const char* what = "patch_embed_backward";
  Geometry g{};
  if (Status s = check_shape(what, b, ci, h, w, p, oc, &g); s != Status::ok) return s;
  if (b * g.np == 0 || oc == 0 || g.k == 0) return Status::ok;
  if (dout == nullptr || patches == nullptr || weight == nullptr) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  const int64_t rows = b * g.np;
  if (Status s = matmul_backward(nullptr, dweight, dbias, dout, patches, weight, rows, g.k, oc); s != Status::ok) return s;
  if (dpixels == nullptr) return Status::ok;
  void* ws = nullptr;
  if (Status s = workspace(&ws, rows * g.k * sizeof(float), Slot::leaf, what); s != Status::ok) return s;
  float* dpatches = static_cast<float*>(ws);  // dout (rows,OC) · weight (OC,K)
  if (Status s = sgemm(false, false, rows, g.k, oc, 1.0f, dout, oc, weight, g.k, 0.0f, dpatches, g.k, nullptr);
      s != Status::ok) {
    return s;
  }
  launch(col2im_kernel, grid_for(rows * g.k), kBlock, dpixels, static_cast<const float*>(dpatches), g);
  return check_launch(what);
}

}  // namespace shapca::cuda
