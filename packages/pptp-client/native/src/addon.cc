// ferry_native: the Linux I/O of direct mode (TUN device, raw GRE socket), batched so one wake-up moves many packets.
#include <napi.h>
#include <unistd.h>

#include <cerrno>

#include "byte_args.h"
#include "errno_error.h"
#include "gre.h"
#include "packet_reader.h"
#include "tun.h"

namespace ferry {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitTun(env, exports);
  InitGre(env, exports);
  PacketReader::Init(env, exports);
  exports.Set("closeFd", Napi::Function::New(
                             env,
                             [](const Napi::CallbackInfo& info) -> Napi::Value {
                               // close() is not retried on EINTR: on Linux the fd is released regardless.
                               if (close(FdArg(info[0])) < 0 && errno != EINTR) {
                                 throw ErrnoError(info.Env(), "close", errno);
                               }
                               return info.Env().Undefined();
                             },
                             "closeFd"));
  return exports;
}

}  // namespace ferry

static Napi::Object InitFerryNative(Napi::Env env, Napi::Object exports) { return ferry::Init(env, exports); }

NODE_API_MODULE(ferry_native, InitFerryNative)
