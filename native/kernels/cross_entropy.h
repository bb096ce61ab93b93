// Softmax cross-entropy over rows of logits with one integer target per row (the relation
// classifiers' loss).
//   probs[r,:] = softmax(logits[r,:])
//   loss[r]    = logsumexp(logits[r,:]) − logits[r, targets[r]]      (= −log probs[r, targets[r]])
// A target of −1 ignores its row: loss 0 and no gradient (probs are still written).
// Backward (accumulates): dlogits[r,:] += dloss[r] · (probs[r,:] − onehot(targets[r]))
// logits, probs, dlogits are (rows, cols); targets, loss, dloss are (rows).
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status cross_entropy_forward(float* loss, float* probs, const float* logits, const int32_t* targets, int64_t rows,
                             int64_t cols);
Status cross_entropy_backward(float* dlogits, const float* dloss, const float* probs, const int32_t* targets,
                              int64_t rows, int64_t cols);

}  // namespace shapca
