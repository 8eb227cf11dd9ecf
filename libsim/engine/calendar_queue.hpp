#pragma once
// The person event queue used by the engine: a calendar queue over the simulation horizon,
// built for memory locality at millions of people.
//
// The horizon [t0, t1] is cut into B equal buckets (about 32 queued people per bucket). An entry for a future bucket is appended to
// that bucket's vector (O(1), sequential writes). When the simulation reaches a bucket, its
// vector is sorted once and then read front to back; entries pushed into the bucket being
// processed go to a small binary heap (`near_`), and pop takes the earlier of the two. Every
// entry is written once and read once in sequence, and because the order of the next events is
// known, the engine can prefetch the people they belong to (`ahead`). Compared with one binary
// heap over all people this removes the log(n) cache misses per event.
//
// Tie-break rule: entries come out in (time, slot, version) order, so equal times come out in
// increasing slot order, as with EventQueue. Cancellation is lazy through version numbers (the
// caller skips stale entries). Entries later than t1 must not be pushed (the engine drops them:
// they never happen).

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/event_queue.hpp"

namespace trede::engine {

class CalendarQueue {
 public:
  // Buckets cover [t0, t1]; `expected` is about how many people will be queued at once.
  void init(double t0, double t1, std::size_t expected) {
    // About 32 entries per bucket: sorting a bucket stays cheap (log2 32 = 5 comparisons per
    // entry) while empty buckets stay rare. Measured best between 16 and 64 (bench/README.md).
    std::size_t b = 16;
    while (b * 32 < expected && b < (std::size_t{1} << 22)) b <<= 1;
    buckets_.assign(b, {});
    t0_ = t0;
    inv_width_ = static_cast<double>(b) / std::max(t1 - t0, 1e-9);
    current_ = 0;
    cursor_ = 0;
    pending_ = 0;
    sorted_.clear();
    near_.clear();
    held_ = 0;
    peak_held_ = 0;
  }

  [[nodiscard]] bool empty() const noexcept {
    return cursor_ == sorted_.size() && near_.empty() && pending_ == 0;
  }

  void push(const QueueEntry& e) {
    const std::size_t b = bucket(e.time);
    if (b <= current_) {
      near_.push_back(e);
      std::push_heap(near_.begin(), near_.end(), after);
    } else {
      auto& bucket = buckets_[b];
      if (bucket.size() == bucket.capacity()) {  // the bucket grows: count it for the peak
        const std::size_t before = bucket.capacity();
        bucket.push_back(e);
        held_ += bucket.capacity() - before;
        peak_held_ = std::max(peak_held_, held_ + sorted_.capacity() + near_.capacity());
      } else {
        bucket.push_back(e);
      }
      ++pending_;
    }
  }

  // The earliest entry; the queue must not be empty.
  const QueueEntry& top() {
    if (cursor_ == sorted_.size() && near_.empty()) load_next();
    if (cursor_ == sorted_.size()) return near_.front();
    if (near_.empty() || after(near_.front(), sorted_[cursor_])) return sorted_[cursor_];
    return near_.front();
  }

  // Removes the entry top() returned.
  void pop() {
    if (cursor_ < sorted_.size() && (near_.empty() || after(near_.front(), sorted_[cursor_]))) {
      ++cursor_;
    } else {
      std::pop_heap(near_.begin(), near_.end(), after);
      near_.pop_back();
    }
  }

  // The entry k places ahead in the sorted bucket (for prefetching), or nullptr.
  [[nodiscard]] const QueueEntry* ahead(std::size_t k) const noexcept {
    return cursor_ + k < sorted_.size() ? &sorted_[cursor_ + k] : nullptr;
  }

  // The most memory the queue has held at once (bucket buffers, the current bucket, the near heap).
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    const std::size_t n = std::max(peak_held_, held_ + sorted_.capacity() + near_.capacity());
    return n * sizeof(QueueEntry) + buckets_.capacity() * sizeof(std::vector<QueueEntry>);
  }

 private:
  static bool after(const QueueEntry& a, const QueueEntry& b) noexcept {
    if (a.time != b.time) return a.time > b.time;
    if (a.slot != b.slot) return a.slot > b.slot;
    return a.version > b.version;
  }

  [[nodiscard]] std::size_t bucket(double t) const noexcept {
    const double x = (t - t0_) * inv_width_;
    if (!(x > 0.0)) return 0;
    return std::min(static_cast<std::size_t>(x), buckets_.size() - 1);
  }

  // Moves to the next non-empty bucket (pending_ > 0 guarantees one) and sorts it.
  void load_next() {
    do {
      ++current_;
    } while (buckets_[current_].empty());
    // The bucket's buffer becomes the current one; the previous one is freed, so memory follows
    // what is queued. (Keeping consumed buffers for reuse was measured slower, and it makes
    // memory grow with the number of events instead of the number of people.)
    sorted_.swap(buckets_[current_]);
    held_ -= sorted_.capacity();
    std::vector<QueueEntry>().swap(buckets_[current_]);
    pending_ -= sorted_.size();
    cursor_ = 0;
    std::sort(sorted_.begin(), sorted_.end(), [](const QueueEntry& a, const QueueEntry& b) { return after(b, a); });
  }

  std::vector<std::vector<QueueEntry>> buckets_;
  std::vector<QueueEntry> sorted_;  // the current bucket, sorted; entries before cursor_ are done
  std::vector<QueueEntry> near_;    // min-heap of entries pushed into the current bucket
  std::size_t current_ = 0;
  std::size_t cursor_ = 0;
  std::size_t pending_ = 0;         // entries in future buckets
  std::size_t held_ = 0;            // capacity of the future buckets' buffers, in entries
  std::size_t peak_held_ = 0;       // the most held_ + current bucket + near heap seen at a growth
  double t0_ = 0.0, inv_width_ = 1.0;
};

}  // namespace trede::engine
