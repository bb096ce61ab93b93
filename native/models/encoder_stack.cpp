#include "encoder_stack.h"

namespace shapca {

LayerActs stack_acts(const LayerStack& st, int64_t layer) {
  LayerActs a{};
  const int64_t set = st.training ? layer : 0;
  layer_acts_carve(&a, st.acts + set * layer_acts_floats(st.shape), st.shape);
  return a;
}

}  // namespace shapca
