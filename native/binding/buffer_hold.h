// Keeping argument buffers valid while an asynchronous call runs on the libuv pool.
//
// N-API cannot pin an ArrayBuffer: JS may detach it mid-call (structuredClone(buf, {transfer}),
// postMessage with a transfer list), and the memory then belongs to the new buffer, which the GC
// frees once it is unreachable — while a worker thread still reads or writes it. Copying every
// argument would cost a memcpy per call (for AdamW over a 110M-parameter model: 4 × 440 MB per
// step), so instead the job holds a reference to each buffer's V8 BackingStore: the memory lives
// until the job ends whatever JS does with the buffer. A buffer detached meanwhile is then
// reported when the job ends (the Promise rejects: the results are not where the caller will
// look), never a crash. Resizable ArrayBuffers are refused up front: shrinking one decommits its
// pages in place, which no reference can prevent.
//
// These helpers use V8's API directly (this file only), as the addon is always built from source
// against the Node that loads it (node-gyp / cmake-js).
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

namespace shapca::binding {

// References that keep a set of argument arrays' memory alive and can tell whether any of them was
// detached since (typed arrays only; other objects in the list are only referenced).
class HeldBuffers {
 public:
  HeldBuffers() = default;
  explicit HeldBuffers(std::vector<Napi::ObjectReference> refs);
  HeldBuffers(HeldBuffers&&) = default;
  HeldBuffers& operator=(HeldBuffers&&) = default;
  ~HeldBuffers();

  // Index in the list of the first typed array whose buffer is detached now, or -1.
  int first_detached() const;
  size_t size() const { return refs_.size(); }

 private:
  std::vector<Napi::ObjectReference> refs_;
  std::vector<std::shared_ptr<void>> stores_;  // v8::BackingStore, type-erased to keep v8.h here
};

// Whether a typed array views a resizable (or growable) buffer.
bool is_resizable_view(Napi::Value v);

// Whether a typed array's buffer is detached.
bool is_detached_view(Napi::Value v);

}  // namespace shapca::binding
