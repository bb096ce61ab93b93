#include "tensor.h"

namespace shapca {

bool checked_numel(std::initializer_list<int64_t> dims, int64_t* out) {
  int64_t n = 1;
  for (int64_t v : dims) {
    if (v < 0) return false;
    if (v != 0 && n > INT64_MAX / v) return false;
    n *= v;
  }
  *out = n;
  return true;
}

}  // namespace shapca
