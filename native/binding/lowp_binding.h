#pragma once
#include <napi.h>

namespace shapca::binding {
void register_linear_lowp(Napi::Env env, Napi::Object exports);
}
