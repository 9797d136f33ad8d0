#include "tun.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "byte_args.h"
#include "errno_error.h"

namespace ferry {
namespace {

Napi::Value OpenTun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "name must be a string");
  std::string name = info[0].As<Napi::String>();
  if (name.size() >= IFNAMSIZ) throw Napi::RangeError::New(env, "interface names are at most 15 bytes");

  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw ErrnoError(env, "open", errno);

  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(request.ifr_name, name.data(), name.size());
  if (ioctl(fd, TUNSETIFF, &request) < 0) {
    int err = errno;
    close(fd);
    throw ErrnoError(env, "ioctl(TUNSETIFF)", err);
  }

  Napi::Object result = Napi::Object::New(env);
  result.Set("fd", Napi::Number::New(env, fd));
  // An empty or templated name ("ferry%d") is chosen by the kernel: report the one it picked.
  result.Set("name", Napi::String::New(env, request.ifr_name));
  return result;
}

// One write() per packet (a TUN fd takes one packet per call); a full queue drops rather than blocks the loop.
Napi::Value WriteTun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info[0]);
  thread_local std::vector<ByteView> packets;
  ByteViewsArg(info[1], packets);

  size_t sent = 0;
  int firstError = 0;
  for (const ByteView& packet : packets) {
    ssize_t written;
    do {
      written = write(fd, packet.data, packet.length);
    } while (written < 0 && errno == EINTR);
    if (written >= 0) {
      sent++;
      continue;
    }
    int err = errno;
    if (IsFatalFdError(err)) throw ErrnoError(env, "write", err);
    if (err == EAGAIN || err == EWOULDBLOCK) continue;
    if (firstError == 0) firstError = err;
  }
  return WriteResult(env, sent, firstError);
}

class TunSource : public PacketSource {
 public:
  int Fill(int fd, PacketBatch& batch, ReaderStats& stats) override {
    // Bounded by reads, not kept packets, so a flood of ignored packets still yields to the loop.
    for (size_t reads = 0; reads < batch.Capacity(); reads++) {
      size_t slot = batch.Kept().size();
      uint8_t* data = batch.Slot(slot);
      ssize_t length = read(fd, data, PacketBatch::kSlotBytes);
      if (length < 0) {
        int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return 0;
        if (IsFatalFdError(err)) return err;
        stats.errors++;
        stats.lastError = err;
        return 0;
      }
      if (length == 0) return 0;
      if (static_cast<size_t>(length) >= PacketBatch::kSlotBytes) {
        stats.truncated++;
        continue;
      }
      // The kernel also routes IPv6 (router solicitations...) into the device; the tunnel carries IPv4 only.
      if ((data[0] >> 4) != 4) {
        stats.ignored++;
        continue;
      }
      batch.Keep(slot, 0, static_cast<size_t>(length));
    }
    return 0;
  }

  const char* Syscall() const override { return "read"; }
};

}  // namespace

void InitTun(Napi::Env env, Napi::Object exports) {
  exports.Set("openTun", Napi::Function::New(env, OpenTun, "openTun"));
  exports.Set("writeTun", Napi::Function::New(env, WriteTun, "writeTun"));
}

std::unique_ptr<PacketSource> MakeTunSource() { return std::make_unique<TunSource>(); }

}  // namespace ferry
