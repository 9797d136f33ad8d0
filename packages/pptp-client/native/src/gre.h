// Raw IPv4 sockets for IP protocol 47 (GRE): the kernel adds the IPv4 header on send and keeps it on receive.
#pragma once

#include <napi.h>
#include <netinet/in.h>

#include <memory>

#include "packet_batch.h"

namespace ferry {

// openGre(bufferBytes) -> fd; connectGre(fd, address); filterGreProbes(fd);
// sendGre(fd, packets, address?) -> { sent, error? }.
void InitGre(Napi::Env env, Napi::Object exports);

// Keeps GRE packets whose IPv4 source is `source` (INADDR_ANY keeps all): without their IPv4 header, or with it when
// `keepIpHeader` (so that JavaScript can read who sent them).
std::unique_ptr<PacketSource> MakeGreSource(size_t capacity, in_addr source, bool keepIpHeader);

}  // namespace ferry
