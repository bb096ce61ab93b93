// Runs one native call: inline when it is small (a resolved Promise, no thread hop), else on
// the libuv pool in an AsyncWorker. Either way the caller gets a Promise; a failing Status
// rejects it with a ShapcaError carrying the status code and the native message.
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

#include "core/status.h"

namespace shapca::binding {

// Work (in multiply-adds or element visits) below which the call runs inline: about 0.1–0.3 ms
// of compute, less than what the hop to the libuv pool and back costs in latency (~30–60 µs)
// is worth blocking the event loop for.
constexpr double kAsyncWork = 1 << 26;
// The threshold in use (kAsyncWork unless a test lowered it); set_async_work returns the previous.
double async_work();
double set_async_work(double work);

using NativeFn = std::function<Status()>;
using ResultFn = std::function<Napi::Value(Napi::Env)>;
using DoneFn = std::function<void()>;

// done (may be null) runs on the JS thread once fn has ended, whether it failed or not, before the
// Promise settles: what it releases (a model's busy mark) is released when JS can see the end.
Napi::Value run_job(Napi::Env env, double work, std::vector<Napi::ObjectReference> keep_alive, NativeFn fn,
                    ResultFn result = nullptr, DoneFn done = nullptr);

// Stores the JS ShapcaError class used for native failures (see lib/errors.ts).
void set_error_class(Napi::Env env, Napi::Function cls);
// new ShapcaError(message, code) (or an Error with .code when no class was registered).
Napi::Error make_error(Napi::Env env, Status status, const std::string& message);
// Throws the ShapcaError for a failing status.
void throw_if_failed(Napi::Env env, Status status);

}  // namespace shapca::binding
