#include "row_select.h"

#include <cstring>

#include "rows.h"

namespace shapca {

int64_t select_rows(int64_t* index, const uint8_t* mask, int64_t bt) {
  int64_t n = 0;
  for (int64_t r = 0; r < bt; ++r) {
    if (mask[r] != 0) index[n++] = r;
  }
  return n;
}

Status gather_rows(float* dst, const float* src, const int64_t* index, int64_t n, int64_t width) {
  SHAPCA_TRY(check_rows("gather_rows", n, width, dst, src, index));
  const size_t bytes = static_cast<size_t>(width) * sizeof(float);
  return for_rows(n, width, [&](int64_t i) { std::memcpy(dst + i * width, src + index[i] * width, bytes); });
}

Status scatter_rows(float* dst, const float* src, const int64_t* index, int64_t n, int64_t bt, int64_t width) {
  SHAPCA_TRY(check_rows("scatter_rows", bt, width, dst, index));
  if (n > 0 && src == nullptr) return fail(Status::invalid_argument, "scatter_rows: a required buffer is null");
  const size_t bytes = static_cast<size_t>(width) * sizeof(float);
  // Row i writes its own destination and zeroes the unselected rows just before it (the last
  // one also those after it), so that every row of dst is written once.
  auto zero = [&](int64_t r0, int64_t r1) {
    if (r1 > r0) std::memset(dst + r0 * width, 0, static_cast<size_t>(r1 - r0) * bytes);
  };
  if (n == 0) {
    zero(0, bt);
    return Status::ok;
  }
  return for_rows(n, width, [&](int64_t i) {
    zero(i == 0 ? 0 : index[i - 1] + 1, index[i]);
    std::memcpy(dst + index[i] * width, src + i * width, bytes);
    if (i == n - 1) zero(index[i] + 1, bt);
  });
}

}  // namespace shapca
