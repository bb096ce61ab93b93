#pragma once
#include <napi.h>

namespace shapca::binding {
// shapleyExactGame, shapleyPermutations, shapleyValues, shapcaLoss, infoNceLoss, alignLoss
void register_shapley(Napi::Env env, Napi::Object exports);
}
