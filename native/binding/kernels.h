#pragma once
#include <napi.h>

namespace shapca::binding {
void register_kernels(Napi::Env env, Napi::Object exports);
}
