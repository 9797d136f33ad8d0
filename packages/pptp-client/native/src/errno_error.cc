#include "errno_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace ferry {

const char* ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "UNKNOWN";
}

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err) {
  std::string message = std::string(syscall) + " failed: " + ErrnoName(err) + " (" + std::strerror(err) + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

bool IsFatalFdError(int err) {
  return err == EBADF || err == ENOTSOCK || err == EFAULT;
}

}  // namespace ferry
