// TUN devices (IFF_TUN | IFF_NO_PI): raw IPv4 packets in and out of the kernel's IP stack.
#pragma once

#include <napi.h>

#include <memory>

#include "packet_batch.h"

namespace ferry {

// openTun(name) -> { fd, name }; writeTun(fd, packets) -> { sent, error? }.
void InitTun(Napi::Env env, Napi::Object exports);

std::unique_ptr<PacketSource> MakeTunSource();

}  // namespace ferry
