// Reading JavaScript arguments: byte arrays, arrays of them, descriptors and IPv4 addresses.
#pragma once

#include <napi.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ferry {

struct ByteView {
  const uint8_t* data;
  size_t length;
};

// Every element of a JS array of Uint8Array (Buffer included); throws a TypeError otherwise.
void ByteViewsArg(const Napi::Value& value, std::vector<ByteView>& out);

int FdArg(const Napi::Value& value);

// A dotted-quad IPv4 address, in network byte order; throws a TypeError for anything else.
in_addr Ipv4Arg(const Napi::Value& value);

// The result of a batched write: how many packets the kernel took, and the first error other than a full buffer.
Napi::Object WriteResult(Napi::Env env, size_t sent, int firstError);

}  // namespace ferry
