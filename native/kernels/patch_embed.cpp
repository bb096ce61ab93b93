#include "patch_embed.h"

#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

#include "gemm.h"
#include "rows.h"

namespace shapca {

namespace {

Status check_shape(const char* what, int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc) {
  if (b < 0 || ci < 0 || h < 0 || w < 0 || oc < 0 || p <= 0) {
    return fail(Status::invalid_argument,
                "%s: expected non-negative sizes and a patch size > 0 but received B=%lld CI=%lld H=%lld W=%lld "
                "P=%lld OC=%lld",
                what, static_cast<long long>(b), static_cast<long long>(ci), static_cast<long long>(h),
                static_cast<long long>(w), static_cast<long long>(p), static_cast<long long>(oc));
  }
  return Status::ok;
}

// Copies one patch row (K values) from or to the image: to_image adds instead of reading.
template <bool ToImage>
void patch_row(float* row, std::conditional_t<ToImage, float*, const float*> img, int64_t ci, int64_t h, int64_t w,
               int64_t p, int64_t gy, int64_t gx) {
  for (int64_t c = 0; c < ci; ++c) {
    for (int64_t py = 0; py < p; ++py) {
      auto* line = img + (c * h + gy * p + py) * w + gx * p;
      float* r = row + (c * p + py) * p;
      for (int64_t px = 0; px < p; ++px) {
        if constexpr (ToImage) {
          line[px] += r[px];
        } else {
          r[px] = line[px];
        }
      }
    }
  }
}

}  // namespace

Status patch_embed_forward(float* out, float* patches, const float* pixels, const float* weight, const float* bias,
                           int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc) {
  if (Status s = check_shape("patch_embed_forward", b, ci, h, w, p, oc); s != Status::ok) return s;
  const int64_t gh = h / p, gw = w / p, np = gh * gw, k = ci * p * p;
  if (Status s = check_rows("patch_embed_forward", b * np, k, out, patches, pixels, weight); s != Status::ok) return s;
  if (b * np == 0 || oc == 0) return Status::ok;
  Status s = for_rows(b * np, k, [&](int64_t r) {
    const int64_t bi = r / np, g = r % np;
    patch_row<false>(patches + r * k, pixels + bi * ci * h * w, ci, h, w, p, g / gw, g % gw);
  });
  if (s != Status::ok) return s;
  return matmul_forward(out, patches, weight, bias, b * np, k, oc);
}

Status patch_embed_backward(float* dpixels, float* dweight, float* dbias, const float* dout, const float* patches,
                            const float* weight, int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc) {
  if (Status s = check_shape("patch_embed_backward", b, ci, h, w, p, oc); s != Status::ok) return s;
  const int64_t gh = h / p, gw = w / p, np = gh * gw, k = ci * p * p;
  if (Status s = check_rows("patch_embed_backward", b * np, k, dout, patches, weight); s != Status::ok) return s;
  if (b * np == 0 || oc == 0) return Status::ok;
  if (Status s = matmul_backward(nullptr, dweight, dbias, dout, patches, weight, b * np, k, oc); s != Status::ok) {
    return s;
  }
  if (dpixels == nullptr) return Status::ok;
  std::vector<float> dpatches;
  try {
    dpatches.assign(static_cast<size_t>(b * np * k), 0.0f);
  } catch (const std::bad_alloc&) {
    return fail(Status::out_of_memory, "patch_embed_backward: could not allocate %lld floats for the patch gradient",
                static_cast<long long>(b * np * k));
  }
  if (Status s = matmul_backward(dpatches.data(), nullptr, nullptr, dout, patches, weight, b * np, k, oc);
      s != Status::ok) {
    return s;
  }
  return for_rows(b * np, k, [&](int64_t r) {
    const int64_t bi = r / np, g = r % np;
    patch_row<true>(dpatches.data() + r * k, dpixels + bi * ci * h * w, ci, h, w, p, g / gw, g % gw);
  });
}

}  // namespace shapca
