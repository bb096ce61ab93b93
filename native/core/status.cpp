#include "status.h"

#include <cstdio>

namespace shapca {

namespace {
thread_local char g_last_error[512] = "";
}

const char* status_code(Status s) {
  switch (s) {
    case Status::ok: return "SHAPCA_OK";
    case Status::invalid_argument: return "SHAPCA_INVALID_ARGUMENT";
    case Status::out_of_range: return "SHAPCA_OUT_OF_RANGE";
    case Status::non_finite: return "SHAPCA_NON_FINITE";
    case Status::out_of_memory: return "SHAPCA_OUT_OF_MEMORY";
    case Status::unsupported: return "SHAPCA_UNSUPPORTED";
    case Status::internal: return "SHAPCA_INTERNAL";
  }
  return "SHAPCA_INTERNAL";
}

const char* last_error() { return g_last_error; }

void clear_error() { g_last_error[0] = '\0'; }

Status fail(Status s, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(g_last_error, sizeof g_last_error, fmt, args);
  va_end(args);
  return s;
}

}  // namespace shapca
