// One wake-up's packets: fixed slots the kernel writes into, and the parts of them worth handing to JavaScript.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace ferry {

// Where a kept packet lies in the batch's arena.
struct PacketSlice {
  size_t offset;
  size_t length;
};

class PacketBatch {
 public:
  // Slots of 64 KiB hold any IPv4 datagram; untouched pages of the arena cost nothing.
  static constexpr size_t kSlotBytes = 65536;

  // The arena is mapped on its own rather than taken from malloc: glibc serves a large block from its main heap once
  // an earlier one was freed (its mmap threshold grows), and keeps that memory after every reconnect's readers are
  // gone. A mapping of its own goes back to the system with the batch.
  explicit PacketBatch(size_t capacity) : capacity_(capacity), arena_(MapArena(capacity * kSlotBytes)) {
    kept_.reserve(capacity);
  }

  size_t Capacity() const { return capacity_; }
  uint8_t* Slot(size_t index) { return arena_.get() + index * kSlotBytes; }
  const uint8_t* Arena() const { return arena_.get(); }

  // Keeps bytes [start, start + length) of a slot (e.g. a GRE packet without its IPv4 header).
  void Keep(size_t slot, size_t start, size_t length) { kept_.push_back({slot * kSlotBytes + start, length}); }
  const std::vector<PacketSlice>& Kept() const { return kept_; }
  void Clear() { kept_.clear(); }

 private:
  struct Unmap {
    size_t bytes;
    void operator()(uint8_t* arena) const { munmap(arena, bytes); }
  };
  using MappedArena = std::unique_ptr<uint8_t[], Unmap>;

  static MappedArena MapArena(size_t bytes) {
    void* arena = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (arena == MAP_FAILED) throw std::bad_alloc();
    return MappedArena(static_cast<uint8_t*>(arena), Unmap{bytes});
  }

  size_t capacity_;
  MappedArena arena_;
  std::vector<PacketSlice> kept_;
};

// Counters a reader keeps; read from JavaScript for diagnostics and benchmarks.
struct ReaderStats {
  double wakeups = 0;
  double packets = 0;
  // Not IPv4 (TUN), or not GRE from the expected source (raw socket).
  double ignored = 0;
  // Larger than a slot; cannot happen for IPv4 but is counted rather than trusted.
  double truncated = 0;
  // Errors that lose a packet or a wake-up but leave the descriptor usable (e.g. ICMP errors on a raw socket).
  double errors = 0;
  int lastError = 0;
};

// The kind of descriptor a reader drains: fills a batch with what one wake-up can read.
class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // Reads until the kernel has nothing more or the batch is full. Returns 0, or an errno that makes the fd unusable.
  virtual int Fill(int fd, PacketBatch& batch, ReaderStats& stats) = 0;
  // The system call named in errors.
  virtual const char* Syscall() const = 0;
};

}  // namespace ferry
