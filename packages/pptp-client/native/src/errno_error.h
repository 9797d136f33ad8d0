// Failures of system calls, shaped like Node's own system errors so the TypeScript layer can map them by name.
#pragma once

#include <napi.h>

namespace ferry {

// errno's symbolic name, e.g. "EPERM"; "UNKNOWN" for a number glibc does not name.
const char* ErrnoName(int err);

// An Error whose `code` is the errno name, with `errno` and `syscall` set, as Node's fs and net errors are.
Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err);

// Errors that mean the descriptor itself is unusable (a bug or a closed fd), as opposed to one dropped packet.
bool IsFatalFdError(int err);

}  // namespace ferry
