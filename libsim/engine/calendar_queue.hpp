#pragma once
// The person event queue used by the engine: a two-level calendar queue over the simulation
// horizon, built for few instructions and few cache misses per event at millions of people.
//
// Structure. The horizon [t0, t1] is cut into B equal *coarse buckets* (at most 4,096, about 32
// expected people each). An entry for a future bucket is appended to that bucket's list of
// fixed-size chunks taken from one pool: O(1), no reallocation, and the
// few thousand bucket tails stay in cache even at millions of people. When the simulation
// reaches a bucket, its entries are distributed by time into *fine ranges* of about one entry
// each in one array (one counting pass and one scatter pass over the chunks, which go back to the
// pool), and one insertion pass sorts the array, each entry moving only within its own range:
// the array is then read front to back. A chunk holds 8 entries (128 bytes), or 16, 32 or 64
// when a bucket is expected to hold at least 8 such chunks (128 entries or more): walking a
// bucket's chunk list is a chain of dependent loads, so fewer, larger chunks load a bucket
// sooner, and take fewer trips to the pool's free list. Entries
// pushed into the bucket being read (or into the past) go to a small binary heap (`near_`), and
// pop takes the earlier of the two. Because the order of the next events is known, the engine
// can prefetch the people they belong to (`ahead`).
//
// Tie-break rule: entries come out in (time, slot, version) order, so equal times come out in
// increasing slot order, as with EventQueue. Cancellation is lazy through version numbers (the
// caller skips stale entries). Entries later than t1 must not be pushed (the engine drops them:
// they never happen).
//
// Memory follows what is queued: chunks of consumed buckets are reused by later pushes, so the
// pool holds the most entries ever queued at once plus at most one partly filled chunk per
// bucket, whatever the number of events.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/big_array.hpp"
#include "engine/event_queue.hpp"
#include "engine/prefetch.hpp"

namespace trede::engine {

class CalendarQueue {
 public:
  // Buckets cover [t0, t1]; `expected` is about how many people will be queued at once, `first`
  // how many entries will be pushed before the first pop (room is made for them at once).
  void init(double t0, double t1, std::size_t expected, std::size_t first = 0) {
    std::size_t b = std::clamp<std::size_t>(expected / 32, 16, 4096);
    buckets_.assign(b, Bucket{});
    last_bucket_ = b - 1;
    t0_ = t0;
    inv_width_ = static_cast<double>(b) / std::max(t1 - t0, 1e-9);
    current_ = 0;
    pending_ = 0;
    cur_.clear();
    head_ = tail_ = nullptr;
    near_.clear();
    pool_.clear();
    next_.clear();
    free_ = none;
    chunk_shift_ = 3;  // about 8 chunks a bucket, 8 to 64 entries each
    while (chunk_shift_ < 6 && (std::size_t{8} << (chunk_shift_ + 1)) <= expected / b) ++chunk_shift_;
    chunk_mask_ = chunk() - 1;
    const std::size_t chunks = first / chunk() + b / 2 + 1;  // the first wave, and half a chunk per bucket spare
    pool_.reserve(chunks * chunk());
    next_.reserve(chunks);
  }

  [[nodiscard]] bool empty() const noexcept { return head_ == tail_ && near_.empty() && pending_ == 0; }

  [[gnu::always_inline]] void push(const QueueEntry& e) { push(e.time, e.slot, e.version); }

  [[gnu::always_inline]] void push(double time, std::uint32_t slot, std::uint32_t version) {
    // The coarse bucket: the position truncated (one signed conversion), at most the last. A time
    // before t0 (or NaN) gives a negative index and goes to near_, as bucket 0 would. (A position
    // past 2^63, a time far beyond t1, would too: such times are never pushed.)
    const std::int64_t b = std::min(truncate(position(time)), static_cast<std::int64_t>(last_bucket_));
    if (b <= static_cast<std::int64_t>(current_)) [[unlikely]] {
      push_near(QueueEntry{time, slot, version});
      return;
    }
    Bucket& k = buckets_[static_cast<std::size_t>(b)];
    std::size_t at = k.tail;
    if ((at & chunk_mask_) == 0) [[unlikely]] {  // no chunk yet, or the last one is full
      const std::uint32_t c = new_chunk();
      if (k.size == 0) k.first = c;
      else next_[(at >> chunk_shift_) - 1] = c;
      at = std::size_t{c} << chunk_shift_;
    }
    QueueEntry& d = pool_[at];
    d.time = time;
    d.slot = slot;
    d.version = version;
    k.tail = at + 1;
    ++k.size;
    ++pending_;
  }

  // The earliest entry, or nullptr when the queue is empty. Valid until the next push or pop.
  [[gnu::always_inline]] const QueueEntry* peek() {
    if (head_ == tail_) [[unlikely]] {
      if (!near_.empty()) {
        from_near_ = true;
        return &near_.front();
      }
      if (pending_ == 0) return nullptr;
      load_next();
    }
    const QueueEntry& c = *head_;
    from_near_ = !near_.empty() && !after(near_.front(), c);
    return from_near_ ? &near_.front() : &c;
  }

  // Removes the entry peek() returned.
  [[gnu::always_inline]] void pop() {
    if (!from_near_) [[likely]] {
      ++head_;
    } else {
      std::pop_heap(near_.begin(), near_.end(), after);
      near_.pop_back();
    }
  }

  // The earliest entry; the queue must not be empty.
  const QueueEntry& top() { return *peek(); }

  // The entry k places ahead in the bucket being read (for prefetching), or nullptr.
  [[nodiscard]] const QueueEntry* ahead(std::size_t k) const noexcept {
    return static_cast<std::size_t>(tail_ - head_) > k ? head_ + k : nullptr;
  }

  // The most memory the queue has held at once: the chunk pool (its capacity, which only grows
  // to the most chunks in use at once), the bucket being read, the near heap and the bucket table.
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return pool_.capacity() * sizeof(QueueEntry) + next_.capacity() * sizeof(std::uint32_t) +
           (cur_.capacity() + near_.capacity()) * sizeof(QueueEntry) +
           (counts_.capacity() + range_.capacity()) * sizeof(std::uint32_t) + buckets_.capacity() * sizeof(Bucket);
  }

 private:
  static constexpr std::uint32_t none = 0xffffffffu;
  static constexpr std::size_t per_range = 1;  // entries per fine range, about

  struct Bucket {
    std::size_t tail = 0;       // pool index of the next entry (a multiple of chunk(): a new chunk first)
    std::uint32_t first = none;  // chunk list
    std::uint32_t size = 0;      // entries
  };

  // x truncated towards zero; out of range or NaN: a negative number (x86-64: INT64_MIN).
  static std::int64_t truncate(double x) noexcept {
#if defined(__x86_64__) && defined(__SSE2__)
    return _mm_cvttsd_si64(_mm_set_sd(x));
#else
    return x > -9.2e18 && x < 9.2e18 ? static_cast<std::int64_t>(x) : std::numeric_limits<std::int64_t>::min();
#endif
  }

  static bool after(const QueueEntry& a, const QueueEntry& b) noexcept {
    if (a.time != b.time) return a.time > b.time;
    if (a.slot != b.slot) return a.slot > b.slot;
    return a.version > b.version;
  }

  // Position of t in coarse buckets (fractional), monotone in t.
  [[nodiscard]] double position(double t) const noexcept { return (t - t0_) * inv_width_; }

  void push_near(const QueueEntry& e) {
    near_.push_back(e);
    std::push_heap(near_.begin(), near_.end(), after);
  }

  std::uint32_t new_chunk() {
    std::uint32_t c;
    if (free_ != none) {
      c = free_;
      free_ = next_[c];
    } else {
      c = static_cast<std::uint32_t>(next_.size());
      if (pool_.size() + chunk() > pool_.capacity()) {  // grow by an eighth: memory stays close to the peak
        const std::size_t n = next_.size() + next_.size() / 8 + 64;
        next_.reserve(n);
        pool_.reserve(n * chunk());
      }
      next_.push_back(none);
      pool_.resize(pool_.size() + chunk());
    }
    next_[c] = none;
    return c;
  }

  // Moves to the next non-empty bucket (pending_ > 0 guarantees one) and sorts its entries into
  // cur_, returning its chunks to the pool. The entries are distributed into fine ranges by their
  // position within the bucket (monotone in time, so the ranges are in time order) straight from
  // the chunks (one counting pass, one scatter pass), then each range is sorted by insertion.
  [[gnu::noinline]] void load_next() {
    do {
      ++current_;
    } while (buckets_[current_].size == 0);
    const Bucket k = buckets_[current_];
    buckets_[current_] = Bucket{};
    switch (chunk_shift_) {  // the chunk size as a constant: the loops over a chunk unroll
      case 3: load<8>(k); break;
      case 4: load<16>(k); break;
      case 5: load<32>(k); break;
      default: load<64>(k); break;
    }
  }

  template <std::uint32_t C>
  void load(const Bucket k) {
    const std::size_t n = k.size;
    // The chunks lie anywhere in the pool: start loading all of them at once (the chain of
    // links is short and cached) instead of one miss after another while walking it.
    for (std::uint32_t c = k.first; c != none; c = next_[c]) {
      const QueueEntry* e = &pool_[std::size_t{c} * C];
      for (std::uint32_t j = 0; j < C; j += 4) prefetch(e + j);  // 4 entries a cache line
    }
    pending_ -= n;
    cur_.resize(n);
    head_ = cur_.data();
    tail_ = head_ + n;
    const std::size_t ranges = n / per_range;
    if (ranges <= 1) {
      std::size_t i = 0;
      for (std::uint32_t c = k.first; c != none; c = next_[c], i += C)
        std::memcpy(&cur_[i], &pool_[std::size_t{c} * C], std::min<std::size_t>(C, n - i) * sizeof(QueueEntry));
    } else {
      // Fine range of each entry: its position from the bucket's start, scaled to `ranges`
      // (monotone in time; clamped for rounding at the edges and for entries at t1).
      const double start = t0_ + static_cast<double>(current_) / inv_width_;
      const double scale = inv_width_ * static_cast<double>(ranges);
      const std::uint64_t last = ranges - 1;
      range_.resize(n);
      counts_.assign(ranges + 1, 0);
      const auto each = [&](auto&& f) {  // f(entry, index) for every entry, in chunk order
        std::size_t i = 0;
        std::uint32_t c = k.first;
        for (; i + C <= n; i += C, c = next_[c]) {
          const QueueEntry* e = &pool_[std::size_t{c} * C];
          for (std::uint32_t j = 0; j < C; ++j) f(e[j], i + j);
        }
        if (i < n) {
          const QueueEntry* e = &pool_[std::size_t{c} * C];
          for (std::size_t j = 0; i + j < n; ++j) f(e[j], i + j);
        }
      };
      // The range only places an entry near its final position (the insertion pass below sorts
      // whatever it is given), so it is clamped as an integer: truncation takes the rounding
      // just below the bucket's start to 0, and anything else out of [0, ranges) (which rounding
      // cannot give; negative numbers are huge as unsigned) to the last range.
      each([&](const QueueEntry& e, std::size_t i) {
        const auto r = std::min(static_cast<std::uint64_t>(truncate((e.time - start) * scale)), last);
        range_[i] = static_cast<std::uint32_t>(r);
        ++counts_[r + 1];
      });
      // Offsets: a running sum, four ranges a step.
      std::uint32_t* o = counts_.data();
      std::uint32_t sum = 0;
      std::size_t r = 1;
      for (; r + 3 <= ranges; r += 4) {
        o[r] = sum += o[r];
        o[r + 1] = sum += o[r + 1];
        o[r + 2] = sum += o[r + 2];
        o[r + 3] = sum += o[r + 3];
      }
      for (; r <= ranges; ++r) o[r] = sum += o[r];
      each([&](const QueueEntry& e, std::size_t i) { cur_[counts_[range_[i]]++] = e; });
    }
    // The ranges are in time order, so one insertion pass over the whole array sorts it, each
    // entry moving only within its own small range.
    insertion_sort(cur_.data(), cur_.data() + n);
    for (std::uint32_t c = k.first; c != none;) {
      const std::uint32_t following = next_[c];
      next_[c] = free_;
      free_ = c;
      c = following;
    }
  }

  static void insertion_sort(QueueEntry* first, QueueEntry* last) noexcept {
    for (QueueEntry* i = first + (first != last); i < last; ++i) {
      if (!after(*(i - 1), *i)) [[likely]] continue;  // already in place (most entries)
      const QueueEntry v = *i;
      QueueEntry* j = i;
      for (; j > first && after(*(j - 1), v); --j) *j = *(j - 1);
      *j = v;
    }
  }

  std::vector<Bucket> buckets_;
  // Entries per chunk: 2^chunk_shift_ (8 to 64).
  [[nodiscard]] std::uint32_t chunk() const noexcept { return std::uint32_t{1} << chunk_shift_; }

  std::uint32_t chunk_shift_ = 3;
  std::size_t chunk_mask_ = 7;  // chunk() - 1
  BigArray<QueueEntry> pool_;  // chunk c holds entries [c * chunk(), (c + 1) * chunk())
  std::vector<std::uint32_t> next_;   // next chunk of the same bucket, or of the free list
  std::uint32_t free_ = none;         // free chunks
  std::vector<QueueEntry> cur_;       // the bucket being read, sorted; entries before head_ are done
  std::vector<std::uint32_t> counts_; // fine range offsets
  std::vector<std::uint32_t> range_;  // fine range of each entry of the bucket being loaded
  bool from_near_ = false;            // what peek() returned came from near_
  std::vector<QueueEntry> near_;      // min-heap of entries pushed into the bucket being read (or earlier)
  std::size_t current_ = 0;           // bucket being read
  const QueueEntry* head_ = nullptr;  // the next entry of cur_
  const QueueEntry* tail_ = nullptr;  // the end of cur_
  std::size_t pending_ = 0;           // entries in future buckets
  std::size_t last_bucket_ = 0;
  double t0_ = 0.0, inv_width_ = 1.0;
};

}  // namespace trede::engine
