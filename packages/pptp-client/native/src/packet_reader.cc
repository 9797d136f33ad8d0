#include "packet_reader.h"

#include <cstring>
#include <string>

#include "byte_args.h"
#include "errno_error.h"
#include "gre.h"
#include "tun.h"

namespace ferry {
namespace {

constexpr uint32_t kDefaultBatch = 64;
constexpr uint32_t kMaxBatch = 1024;

std::unique_ptr<PacketSource> MakeSource(Napi::Env env, const std::string& kind, size_t capacity,
                                         Napi::Object options) {
  if (kind == "tun") return MakeTunSource();
  if (kind == "gre") {
    in_addr source{};
    if (options.Has("source") && !options.Get("source").IsUndefined()) source = Ipv4Arg(options.Get("source"));
    bool keepIpHeader = options.Has("ipHeader") && options.Get("ipHeader").ToBoolean().Value();
    return MakeGreSource(capacity, source, keepIpHeader);
  }
  throw Napi::TypeError::New(env, "kind must be \"tun\" or \"gre\"");
}

}  // namespace

void PacketReader::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(env, "PacketReader",
                                           {
                                               InstanceMethod<&PacketReader::Stop>("stop"),
                                               InstanceMethod<&PacketReader::Stats>("stats"),
                                           });
  exports.Set("PacketReader", constructor);
}

PacketReader::PacketReader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketReader>(info) {
  Napi::Env env = info.Env();
  fd_ = FdArg(info[0]);
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "kind must be a string");
  if (!info[2].IsFunction() || !info[3].IsFunction()) {
    throw Napi::TypeError::New(env, "onPackets and onError must be functions");
  }
  Napi::Object options = info[4].IsObject() ? info[4].As<Napi::Object>() : Napi::Object::New(env);
  uint32_t capacity = kDefaultBatch;
  if (options.Has("maxBatch") && options.Get("maxBatch").IsNumber()) {
    capacity = options.Get("maxBatch").As<Napi::Number>().Uint32Value();
    if (capacity == 0 || capacity > kMaxBatch) throw Napi::RangeError::New(env, "maxBatch must be 1..1024");
  }

  source_ = MakeSource(env, info[1].As<Napi::String>(), capacity, options);
  batch_ = std::make_unique<PacketBatch>(capacity);
  onPackets_ = Napi::Persistent(info[2].As<Napi::Function>());
  onError_ = Napi::Persistent(info[3].As<Napi::Function>());
  context_ = std::make_unique<Napi::AsyncContext>(env, "FerryPacketReader");

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
  poll_ = new uv_poll_t;
  int status = uv_poll_init(loop, poll_, fd_);
  if (status != 0) {
    // Not initialised, so libuv knows nothing of it yet.
    delete poll_;
    poll_ = nullptr;
    throw ErrnoError(env, "uv_poll_init", -status);
  }
  poll_->data = this;
  napi_add_env_cleanup_hook(env, OnEnvCleanup, this);
  status = uv_poll_start(poll_, UV_READABLE, OnPoll);
  if (status != 0) {
    StopWatching();
    throw ErrnoError(env, "uv_poll_start", -status);
  }
  // While watching, the reader must outlive every JS reference to it: the poll holds it.
  Ref();
}

PacketReader::~PacketReader() { StopWatching(); }

void PacketReader::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* reader = static_cast<PacketReader*>(handle->data);
  if (reader != nullptr) reader->OnReadable(status);
}

void PacketReader::OnEnvCleanup(void* reader) { static_cast<PacketReader*>(reader)->StopWatching(); }

void PacketReader::OnReadable(int status) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  // Holding the wrapper keeps this object alive even if the callback stops and drops the reader.
  Napi::Object self = Value();
  if (status < 0) {
    Fail(self, "uv_poll", -status);
    return;
  }
  stats_.wakeups++;
  batch_->Clear();
  int fatal = source_->Fill(fd_, *batch_, stats_);
  if (!batch_->Kept().empty()) Deliver(self);
  if (fatal != 0 && poll_ != nullptr) Fail(self, source_->Syscall(), fatal);
}

// One ArrayBuffer per wake-up holds every packet; each packet is its own Uint8Array view of it, so the core may keep
// a packet (GRE reorder buffer) for as long as it likes without the next wake-up overwriting it.
void PacketReader::Deliver(Napi::Object self) {
  Napi::Env env = Env();
  const std::vector<PacketSlice>& kept = batch_->Kept();
  size_t total = 0;
  for (const PacketSlice& slice : kept) total += slice.length;
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, total);
  auto* out = static_cast<uint8_t*>(buffer.Data());
  Napi::Array packets = Napi::Array::New(env, kept.size());
  size_t offset = 0;
  for (uint32_t i = 0; i < kept.size(); i++) {
    std::memcpy(out + offset, batch_->Arena() + kept[i].offset, kept[i].length);
    packets.Set(i, Napi::Uint8Array::New(env, kept[i].length, buffer, offset));
    offset += kept[i].length;
  }
  stats_.packets += static_cast<double>(kept.size());
  try {
    onPackets_.MakeCallback(self, {packets}, *context_);
  } catch (const Napi::Error& error) {
    // No JavaScript frame is below a libuv callback: report it as Node reports an exception in any I/O callback.
    napi_fatal_exception(env, error.Value());
  }
}

void PacketReader::Fail(Napi::Object self, const char* syscall, int err) {
  Napi::Env env = Env();
  StopWatching();
  Unref();
  try {
    onError_.MakeCallback(self, {ErrnoError(env, syscall, err).Value()}, *context_);
  } catch (const Napi::Error& error) {
    napi_fatal_exception(env, error.Value());
  }
  ReleaseCallbacks();
}

// The callbacks are strong references, and they usually reach this reader's own wrapper (the owner's closure holds
// the owner, the owner the reader): kept after the reader stops, that cycle runs through a GC root and nothing of
// it, the owner's whole session included, would ever be collected.
void PacketReader::ReleaseCallbacks() {
  onPackets_.Reset();
  onError_.Reset();
}

// No wake-up comes after this, so the batch arena goes back to the system now rather than at finalization.
void PacketReader::StopWatching() {
  if (poll_ == nullptr) return;
  uv_poll_stop(poll_);
  poll_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
  poll_ = nullptr;
  napi_remove_env_cleanup_hook(Env(), OnEnvCleanup, this);
  batch_.reset();
}

Napi::Value PacketReader::Stop(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) {
    StopWatching();
    Unref();
    ReleaseCallbacks();
  }
  return info.Env().Undefined();
}

Napi::Value PacketReader::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("wakeups", stats_.wakeups);
  result.Set("packets", stats_.packets);
  result.Set("ignored", stats_.ignored);
  result.Set("truncated", stats_.truncated);
  result.Set("errors", stats_.errors);
  if (stats_.lastError != 0) result.Set("lastError", ErrnoName(stats_.lastError));
  return result;
}

}  // namespace ferry
