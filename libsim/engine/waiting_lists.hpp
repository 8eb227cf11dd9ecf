#pragma once
// The waiting lists of one replicate: one list per (region, capacity state). A priority list is
// an indexed binary heap of wait records ordered by (key, join order): the key is the attribute
// (negated when higher comes first), ties first come first served; a record knows its position
// in the heap, so anyone can leave from anywhere in O(log n) (a person who finds work while
// waiting, or reneges). A FIFO list comes out in join order, which is the order records are
// appended: it is a doubly linked list through its records, so joining, leaving from anywhere
// and taking the first are O(1) and touch at most three records (a heap's sift touches two per
// level, each a likely cache miss on a long list).

#include <cstdint>
#include <utility>
#include <vector>

namespace trede::engine {

struct WaitRecord {
  std::uint32_t slot = 0;   // the person waiting
  std::uint32_t list = 0;   // region * C + capacity
  std::uint32_t flow = 0;   // stay mode: the transition that chose the full state
  std::uint32_t pos = 0;    // priority list: position in the heap; FIFO list: the record before
  std::int32_t next = -1;   // the person's pending event code while they wait (Person::next)
  std::uint32_t after = 0;  // FIFO list: the record after (none: the last)
  double since = 0.0;       // calendar time of joining
  double key = 0.0;         // priority key (smaller first); 0 for FIFO
  std::uint64_t seq = 0;    // join order, breaks priority ties first come first served
};

class WaitingLists {
 public:
  // `fifo[l]`: list l is first come first served (every key 0), else a priority list.
  explicit WaitingLists(std::vector<bool> fifo) : fifo_(std::move(fifo)), lists_(fifo_.size()), ends_(fifo_.size()) {}

  // Person `slot` joins list l at `now` (waiting for a place reached along `flow`, with priority
  // `key`). Returns the wait record.
  std::uint32_t join(std::uint32_t slot, std::size_t l, std::uint32_t flow, double key, double now) {
    std::uint32_t rec;
    if (!free_.empty()) {
      rec = free_.back();
      free_.pop_back();
    } else {
      rec = static_cast<std::uint32_t>(waits_.size());
      grow(waits_);
      waits_.emplace_back();
    }
    WaitRecord& r = waits_[rec];
    r.slot = slot;
    r.list = static_cast<std::uint32_t>(l);
    r.flow = flow;
    r.since = now;
    r.seq = seq_++;
    r.key = key;
    if (fifo_[l]) {
      Ends& e = ends_[l];
      r.pos = e.last;
      r.after = none;
      (e.last == none ? e.first : waits_[e.last].after) = rec;
      e.last = rec;
      return rec;
    }
    auto& h = lists_[l];
    grow(h);
    h.push_back(rec);
    sift_up(h, h.size() - 1);
    return rec;
  }

  // Removes record `rec` from its list and returns it.
  WaitRecord leave(std::uint32_t rec) {
    const WaitRecord r = waits_[rec];
    if (fifo_[r.list]) {
      Ends& e = ends_[r.list];
      (r.pos == none ? e.first : waits_[r.pos].after) = r.after;
      (r.after == none ? e.last : waits_[r.after].pos) = r.pos;
    } else {
      auto& h = lists_[r.list];
      const std::size_t i = r.pos;
      const std::uint32_t last = h.back();
      h.pop_back();
      if (i < h.size()) {
        place(h, i, last);
        sift_up(h, i);
        sift_down(h, waits_[last].pos);
      }
    }
    grow(free_);
    free_.push_back(rec);
    return r;
  }

  [[nodiscard]] bool empty(std::size_t l) const noexcept {
    return fifo_[l] ? ends_[l].first == none : lists_[l].empty();
  }
  // The record first in line on list l (which must not be empty).
  [[nodiscard]] std::uint32_t front(std::size_t l) const noexcept {
    return fifo_[l] ? ends_[l].first : lists_[l].front();
  }
  [[nodiscard]] const WaitRecord& record(std::uint32_t rec) const noexcept { return waits_[rec]; }
  [[nodiscard]] WaitRecord& record(std::uint32_t rec) noexcept { return waits_[rec]; }

  // Bytes held by the lists and the records.
  [[nodiscard]] std::uint64_t memory_bytes() const noexcept {
    std::uint64_t bytes = waits_.capacity() * sizeof(WaitRecord) + free_.capacity() * sizeof(std::uint32_t);
    for (const auto& l : lists_) bytes += l.capacity() * sizeof(std::uint32_t);
    return bytes + ends_.capacity() * sizeof(Ends) + fifo_.capacity() / 8;
  }

 private:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;
  struct Ends {  // of a FIFO list
    std::uint32_t first = none, last = none;
  };

  // Makes room for one more element, growing by an eighth: memory stays close to the peak.
  template <class T>
  static void grow(std::vector<T>& v) {
    if (v.size() == v.capacity()) v.reserve(v.size() + v.size() / 8 + 16);
  }

  bool before(std::uint32_t a, std::uint32_t b) const noexcept {
    const WaitRecord& x = waits_[a];
    const WaitRecord& y = waits_[b];
    return x.key < y.key || (x.key == y.key && x.seq < y.seq);
  }

  void place(std::vector<std::uint32_t>& h, std::size_t i, std::uint32_t rec) noexcept {
    h[i] = rec;
    waits_[rec].pos = static_cast<std::uint32_t>(i);
  }

  void sift_up(std::vector<std::uint32_t>& h, std::size_t i) noexcept {
    const std::uint32_t rec = h[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!before(rec, h[parent])) break;
      place(h, i, h[parent]);
      i = parent;
    }
    place(h, i, rec);
  }

  void sift_down(std::vector<std::uint32_t>& h, std::size_t i) noexcept {
    const std::uint32_t rec = h[i];
    const std::size_t n = h.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(h[child + 1], h[child])) ++child;
      if (!before(h[child], rec)) break;
      place(h, i, h[child]);
      i = child;
    }
    place(h, i, rec);
  }

  std::vector<bool> fifo_;                         // [region * C + capacity]
  std::vector<std::vector<std::uint32_t>> lists_;  // [region * C + capacity] heap of records (priority lists)
  std::vector<Ends> ends_;                         // [region * C + capacity] (FIFO lists)
  std::vector<WaitRecord> waits_;
  std::vector<std::uint32_t> free_;
  std::uint64_t seq_ = 0;
};

}  // namespace trede::engine
