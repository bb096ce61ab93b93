#include "job.h"

#include <atomic>
#include <string>

#include "buffer_hold.h"

namespace shapca::binding {

namespace {

struct AddonData {
  Napi::FunctionReference error_class;
};

AddonData* addon_data(Napi::Env env) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) {
    data = new AddonData();
    env.SetInstanceData(data);
  }
  return data;
}

class KernelWorker : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, std::vector<Napi::ObjectReference> keep, NativeFn fn, ResultFn result, DoneFn done)
      : Napi::AsyncWorker(env, "shapca:kernel"),
        deferred_(Napi::Promise::Deferred::New(env)),
        held_(std::move(keep)),
        fn_(std::move(fn)),
        result_(std::move(result)),
        done_(std::move(done)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    clear_error();
    status_ = fn_();
    if (status_ != Status::ok) message_ = last_error();
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (done_) done_();
    if (status_ != Status::ok) {
      deferred_.Reject(make_error(env, status_, message_).Value());
      return;
    }
    // The memory stayed valid (held_), but a detached array no longer shows what was computed.
    if (held_.first_detached() >= 0) {
      deferred_.Reject(make_error(env, Status::invalid_argument,
                                  "an argument array was detached (transferred by structuredClone or postMessage) "
                                  "while the native call was running; await the call before transferring its arrays")
                           .Value());
      return;
    }
    deferred_.Resolve(result_ ? result_(env) : env.Undefined());
  }
  void OnError(const Napi::Error& e) override {
    if (done_) done_();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  HeldBuffers held_;  // every argument array's memory, alive until the job is destroyed
  NativeFn fn_;
  ResultFn result_;
  DoneFn done_;
  Status status_ = Status::ok;
  std::string message_;
};

std::atomic<double> g_async_work{kAsyncWork};

}  // namespace

double async_work() { return g_async_work.load(); }
double set_async_work(double work) { return g_async_work.exchange(work); }

void set_error_class(Napi::Env env, Napi::Function cls) { addon_data(env)->error_class = Napi::Persistent(cls); }

Napi::Error make_error(Napi::Env env, Status status, const std::string& message) {
  AddonData* data = addon_data(env);
  const char* code = status_code(status);
  if (!data->error_class.IsEmpty()) {
    Napi::Object err = data->error_class.New({Napi::String::New(env, message), Napi::String::New(env, code)});
    return Napi::Error(env, err);
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

void throw_if_failed(Napi::Env env, Status status) {
  if (status != Status::ok) throw make_error(env, status, last_error());
}

Napi::Value run_job(Napi::Env env, double work, std::vector<Napi::ObjectReference> keep_alive, NativeFn fn,
                    ResultFn result, DoneFn done) {
  if (work < async_work()) {
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    clear_error();
    Status s = fn();
    if (done) done();
    if (s != Status::ok) {
      deferred.Reject(make_error(env, s, last_error()).Value());
    } else {
      deferred.Resolve(result ? result(env) : env.Undefined());
    }
    return deferred.Promise();
  }
  auto* worker = new KernelWorker(env, std::move(keep_alive), std::move(fn), std::move(result), std::move(done));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace shapca::binding
