// A uv_poll watcher on a non-blocking fd that drains it in batches and hands JavaScript one array per wake-up.
//
//   new PacketReader(fd, "tun" | "gre", onPackets(packets: Uint8Array[]), onError(error), { maxBatch?, source?, ipHeader? })
//   reader.stop()    stops watching (the fd stays open: the owner closes it after stopping)
//   reader.stats()   { wakeups, packets, ignored, truncated, errors, lastError? }
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>

#include "packet_batch.h"

namespace ferry {

class PacketReader : public Napi::ObjectWrap<PacketReader> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);

  explicit PacketReader(const Napi::CallbackInfo& info);
  ~PacketReader() override;

 private:
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnEnvCleanup(void* reader);

  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);

  void OnReadable(int status);
  void Deliver(Napi::Object self);
  void Fail(Napi::Object self, const char* syscall, int err);
  void StopWatching();
  void ReleaseCallbacks();

  int fd_;
  std::unique_ptr<PacketSource> source_;
  std::unique_ptr<PacketBatch> batch_;
  ReaderStats stats_;
  Napi::FunctionReference onPackets_;
  Napi::FunctionReference onError_;
  std::unique_ptr<Napi::AsyncContext> context_;
  // Allocated apart from this object: libuv frees it in the close callback, which may run after finalization.
  uv_poll_t* poll_ = nullptr;
};

}  // namespace ferry
