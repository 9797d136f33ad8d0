#include "byte_args.h"

#include <arpa/inet.h>

#include <string>

#include "errno_error.h"

namespace ferry {

void ByteViewsArg(const Napi::Value& value, std::vector<ByteView>& out) {
  Napi::Env env = value.Env();
  if (!value.IsArray()) throw Napi::TypeError::New(env, "packets must be an array of Uint8Array");
  Napi::Array array = value.As<Napi::Array>();
  uint32_t count = array.Length();
  out.clear();
  out.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value element = array.Get(i);
    if (!element.IsTypedArray() || element.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(env, "packets must be an array of Uint8Array");
    }
    Napi::Uint8Array bytes = element.As<Napi::Uint8Array>();
    out.push_back({bytes.Data(), bytes.ByteLength()});
  }
}

int FdArg(const Napi::Value& value) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), "fd must be a number");
  return value.As<Napi::Number>().Int32Value();
}

in_addr Ipv4Arg(const Napi::Value& value) {
  in_addr address{};
  if (!value.IsString() || inet_pton(AF_INET, value.As<Napi::String>().Utf8Value().c_str(), &address) != 1) {
    throw Napi::TypeError::New(value.Env(), "address must be a dotted-quad IPv4 address");
  }
  return address;
}

Napi::Object WriteResult(Napi::Env env, size_t sent, int firstError) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("sent", Napi::Number::New(env, static_cast<double>(sent)));
  if (firstError != 0) result.Set("error", Napi::String::New(env, ErrnoName(firstError)));
  return result;
}

}  // namespace ferry
