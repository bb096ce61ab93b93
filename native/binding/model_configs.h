// The config objects of the model constructors (BertModel / CudaBertModel, VitModel /
// CudaVitModel), read once for the CPU and the CUDA handles: HF config names in camelCase.
#pragma once
#include "args.h"
#include "models/bert.h"
#include "models/vit.h"

namespace shapca::binding {

BertConfig read_bert_config(Args& a);
// CLIP's defaults differ: eps 1e-5 and quick GELU.
VitConfig read_vit_config(Args& a);

}  // namespace shapca::binding
