// Status codes and the thread-local last-error message.
// Native code never aborts or exits: every entry point returns a Status, and on failure the
// message that explains it is left in last_error() of the calling thread.
#pragma once
#include <cstdarg>

namespace shapca {

enum class Status : int {
  ok = 0,
  invalid_argument = 1,  // a null pointer, a negative size, an inconsistent stride
  out_of_range = 2,      // an index outside its table, a size above a limit
  non_finite = 3,        // NaN or infinity where finite values are required
  out_of_memory = 4,
  unsupported = 5,       // e.g. the AVX2 path on a CPU without AVX2
  internal = 6,
};

// Stable name of a status, e.g. "SHAPCA_OUT_OF_RANGE"; the binding uses it as the error code.
const char* status_code(Status s);

// Message of the last failure on this thread ("" when none).
const char* last_error();
void clear_error();

// Records a printf-style message for this thread and returns s, so that callers can write
// `return fail(Status::invalid_argument, "...", ...)`.
Status fail(Status s, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace shapca

// Returns the status of expr when it fails, for code that chains many calls (the models, the
// device drivers, the binding's jobs).
#define SHAPCA_TRY(expr)                                                     \
  do {                                                                       \
    if (::shapca::Status s_ = (expr); s_ != ::shapca::Status::ok) return s_; \
  } while (0)
