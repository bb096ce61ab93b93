#pragma once
#include <napi.h>

namespace shapca::binding {
void register_fusion(Napi::Env env, Napi::Object exports);
}
