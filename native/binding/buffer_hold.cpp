#include "buffer_hold.h"

#include <v8.h>

#include <cstring>

namespace shapca::binding {

namespace {

// Node's napi_value is a v8::Local's slot pointer (see JsValueFromV8LocalValue in Node's
// js_native_api_v8.h); this reads it back the same way.
v8::Local<v8::Value> to_local(napi_value v) {
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(v), "napi_value and v8::Local differ in size");
  std::memcpy(static_cast<void*>(&local), &v, sizeof v);
  return local;
}

std::shared_ptr<v8::BackingStore> store_of(napi_value v) {
  v8::Local<v8::Value> local = to_local(v);
  if (local.IsEmpty() || !local->IsArrayBufferView()) return nullptr;
  v8::Local<v8::ArrayBufferView> view = local.As<v8::ArrayBufferView>();
  return view->Buffer()->GetBackingStore();
}

}  // namespace

HeldBuffers::HeldBuffers(std::vector<Napi::ObjectReference> refs) : refs_(std::move(refs)) {
  stores_.reserve(refs_.size());
  for (const Napi::ObjectReference& r : refs_) {
    Napi::HandleScope scope(r.Env());
    stores_.push_back(std::static_pointer_cast<void>(store_of(r.Value())));
  }
}

HeldBuffers::~HeldBuffers() = default;

int HeldBuffers::first_detached() const {
  for (size_t i = 0; i < refs_.size(); ++i) {
    Napi::HandleScope scope(refs_[i].Env());
    if (is_detached_view(refs_[i].Value())) return static_cast<int>(i);
  }
  return -1;
}

bool is_resizable_view(Napi::Value v) {
  std::shared_ptr<v8::BackingStore> store = store_of(v);
  return store && store->IsResizableByUserJavaScript();
}

bool is_detached_view(Napi::Value v) {
  if (!v.IsTypedArray()) return false;
  napi_value buffer = nullptr;
  if (napi_get_typedarray_info(v.Env(), v, nullptr, nullptr, nullptr, &buffer, nullptr) != napi_ok) return true;
  bool detached = false;
  napi_is_detached_arraybuffer(v.Env(), buffer, &detached);
  return detached;
}

}  // namespace shapca::binding
