// One wake-up's packets: fixed slots the kernel writes into, and the parts of them worth handing to JavaScript.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ferry {

// Where a kept packet lies in the batch's arena.
struct PacketSlice {
  size_t offset;
  size_t length;
};

class PacketBatch {
 public:
  // Slots of 64 KiB hold any IPv4 datagram; the arena is left uninitialised so untouched pages cost nothing.
  static constexpr size_t kSlotBytes = 65536;

  explicit PacketBatch(size_t capacity)
      : capacity_(capacity), arena_(new uint8_t[capacity * kSlotBytes]) {
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
  size_t capacity_;
  std::unique_ptr<uint8_t[]> arena_;
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
