#pragma once
#include <napi.h>

namespace shapca::binding {
void register_cross_entropy(Napi::Env env, Napi::Object exports);
}
