#include "gre.h"

#include <linux/filter.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "byte_args.h"
#include "errno_error.h"

namespace ferry {
namespace {

constexpr uint8_t kIpProtoGre = 47;
constexpr size_t kIpv4MinHeader = 20;
// sendmmsg takes at most UIO_MAXIOV messages per call.
constexpr size_t kMaxSendBatch = 1024;

// Root may exceed net.core.[rw]mem_max with the FORCE options; anyone else gets what the sysctl allows.
void SetBuffer(int fd, int forceOption, int option, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, forceOption, &bytes, sizeof bytes) == 0) return;
  setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

Napi::Value OpenGre(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int bufferBytes = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 4 << 20;
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
  if (fd < 0) throw ErrnoError(env, "socket", errno);
  SetBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, bufferBytes);
  SetBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, bufferBytes);
  return Napi::Number::New(env, fd);
}

sockaddr_in Ipv4SocketAddress(in_addr address) {
  sockaddr_in socketAddress{};
  socketAddress.sin_family = AF_INET;
  socketAddress.sin_addr = address;
  return socketAddress;
}

// A connected raw socket only receives from that address and may send without one.
Napi::Value ConnectGre(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info[0]);
  sockaddr_in server = Ipv4SocketAddress(Ipv4Arg(info[1]));
  if (connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) < 0) throw ErrnoError(env, "connect", errno);
  return env.Undefined();
}

// Classic BPF run on every GRE packet the host receives, from its IPv4 header on: keeps enhanced GRE (version 1,
// no checksum or routing) with a key whose Call ID, at GRE offset 6, is 0. No session has Call ID 0, so a probe
// socket never gets a copy of the data traffic (a raw socket is otherwise handed all of the host's GRE).
constexpr sock_filter kGreProbeFilter[] = {
    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),             // X = IPv4 header length (4 * IHL)
    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),              // A = GRE flags and version
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xe007),        //   checksum, routing, key and version bits:
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x2001, 0, 3),  //   key only, version 1, or drop
    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 6),              // A = Call ID (the key's low 16 bits)
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),       //   0, or drop
    BPF_STMT(BPF_RET | BPF_K, 0xffff),                  // keep the whole packet (an IPv4 datagram fits)
    BPF_STMT(BPF_RET | BPF_K, 0),                       // drop
};

constexpr sock_filter kDropAll[] = {BPF_STMT(BPF_RET | BPF_K, 0)};

template <size_t N>
void AttachFilter(Napi::Env env, int fd, const sock_filter (&filter)[N]) {
  sock_fprog program{static_cast<unsigned short>(N), const_cast<sock_filter*>(filter)};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0) {
    throw ErrnoError(env, "setsockopt", errno);
  }
}

// What arrived between socket() and the filter came unfiltered: with everything dropped meanwhile, the queue is
// emptied, then kGreProbeFilter takes over (as libpcap does), so no probe that passes it is discarded.
Napi::Value FilterGreProbes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info[0]);
  AttachFilter(env, fd, kDropAll);
  uint8_t discard;
  for (;;) {
    if (recv(fd, &discard, sizeof discard, MSG_DONTWAIT | MSG_TRUNC) < 0 && errno != EINTR) break;
  }
  AttachFilter(env, fd, kGreProbeFilter);
  return env.Undefined();
}

Napi::Value SendGre(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info[0]);
  thread_local std::vector<ByteView> packets;
  thread_local std::vector<iovec> iovecs;
  thread_local std::vector<mmsghdr> messages;
  ByteViewsArg(info[1], packets);
  bool addressed = info.Length() > 2 && !info[2].IsUndefined();
  sockaddr_in destination = addressed ? Ipv4SocketAddress(Ipv4Arg(info[2])) : sockaddr_in{};

  size_t count = packets.size();
  iovecs.resize(count);
  messages.assign(count, mmsghdr{});
  for (size_t i = 0; i < count; i++) {
    iovecs[i] = {const_cast<uint8_t*>(packets[i].data), packets[i].length};
    msghdr& header = messages[i].msg_hdr;
    header.msg_iov = &iovecs[i];
    header.msg_iovlen = 1;
    if (addressed) {
      header.msg_name = &destination;
      header.msg_namelen = sizeof destination;
    }
  }

  size_t sent = 0;
  int firstError = 0;
  for (size_t next = 0; next < count;) {
    unsigned int chunk = static_cast<unsigned int>(std::min(count - next, kMaxSendBatch));
    int result = sendmmsg(fd, &messages[next], chunk, MSG_DONTWAIT);
    if (result > 0) {
      sent += static_cast<size_t>(result);
      next += static_cast<size_t>(result);
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (IsFatalFdError(err)) throw ErrnoError(env, "sendmmsg", err);
    // A full socket or device queue: drop the rest of the batch, as a congested link would.
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) break;
    // Anything else (a firewall's EPERM, an ICMP error reported on the connected socket, EMSGSIZE) concerns
    // this one packet: remember the first and carry on with the next.
    if (firstError == 0) firstError = err;
    next++;
  }
  return WriteResult(env, sent, firstError);
}

class GreSource : public PacketSource {
 public:
  GreSource(size_t capacity, in_addr source, bool keepIpHeader)
      : source_(source), keepIpHeader_(keepIpHeader), iovecs_(capacity), messages_(capacity) {}

  int Fill(int fd, PacketBatch& batch, ReaderStats& stats) override {
    size_t capacity = batch.Capacity();
    for (size_t i = 0; i < capacity; i++) {
      iovecs_[i] = {batch.Slot(i), PacketBatch::kSlotBytes};
      messages_[i] = mmsghdr{};
      messages_[i].msg_hdr.msg_iov = &iovecs_[i];
      messages_[i].msg_hdr.msg_iovlen = 1;
    }
    int received;
    do {
      received = recvmmsg(fd, messages_.data(), static_cast<unsigned int>(capacity), MSG_DONTWAIT, nullptr);
    } while (received < 0 && errno == EINTR);
    if (received < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return 0;
      if (IsFatalFdError(err)) return err;
      // ICMP errors reported on a connected raw socket surface here once; the socket stays usable.
      stats.errors++;
      stats.lastError = err;
      return 0;
    }
    for (size_t i = 0; i < static_cast<size_t>(received); i++) {
      if (messages_[i].msg_hdr.msg_flags & MSG_TRUNC) {
        stats.truncated++;
        continue;
      }
      KeepGrePayload(batch, i, messages_[i].msg_len, stats);
    }
    return 0;
  }

  const char* Syscall() const override { return "recvmmsg"; }

 private:
  // Strips the IPv4 header (its length from IHL) unless asked to keep it, and drops anything not GRE from the
  // expected source.
  void KeepGrePayload(PacketBatch& batch, size_t slot, size_t length, ReaderStats& stats) {
    const uint8_t* ip = batch.Slot(slot);
    size_t headerLength = static_cast<size_t>(ip[0] & 0x0f) * 4;
    bool wellFormed = length >= kIpv4MinHeader && (ip[0] >> 4) == 4 && headerLength >= kIpv4MinHeader &&
                      headerLength <= length && ip[9] == kIpProtoGre;
    bool fromSource = source_.s_addr == INADDR_ANY || std::memcmp(ip + 12, &source_.s_addr, 4) == 0;
    if (!wellFormed || !fromSource) {
      stats.ignored++;
      return;
    }
    size_t start = keepIpHeader_ ? 0 : headerLength;
    batch.Keep(slot, start, length - start);
  }

  in_addr source_;
  bool keepIpHeader_;
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> messages_;
};

}  // namespace

void InitGre(Napi::Env env, Napi::Object exports) {
  exports.Set("openGre", Napi::Function::New(env, OpenGre, "openGre"));
  exports.Set("connectGre", Napi::Function::New(env, ConnectGre, "connectGre"));
  exports.Set("filterGreProbes", Napi::Function::New(env, FilterGreProbes, "filterGreProbes"));
  exports.Set("sendGre", Napi::Function::New(env, SendGre, "sendGre"));
}

std::unique_ptr<PacketSource> MakeGreSource(size_t capacity, in_addr source, bool keepIpHeader) {
  return std::make_unique<GreSource>(capacity, source, keepIpHeader);
}

}  // namespace ferry
