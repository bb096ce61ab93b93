#pragma once
#include <napi.h>

namespace shapca::binding {
void register_crf(Napi::Env env, Napi::Object exports);
}
