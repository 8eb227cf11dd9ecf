#pragma once
// The person event queue: a 4-ary min-heap of (time, slot, version) entries, 16 bytes each.
//
// Tie-break rule: entries with equal times come out in increasing slot order, so the order of
// simultaneous events is a function of the simulation state alone (deterministic).
// Cancellation is lazy: a person's version number changes when their pending event is
// replaced, and entries whose version no longer matches are skipped when they reach the top.
// The common step "pop the next event, schedule the same person's next one" is a single
// sift-down (replace_top) instead of a pop plus a push.

#include <cstdint>
#include <vector>

namespace trede::engine {

struct QueueEntry {
  double time;
  std::uint32_t slot;
  std::uint32_t version;
};

class EventQueue {
 public:
  [[nodiscard]] bool empty() const noexcept { return h_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return h_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return h_.capacity(); }
  [[nodiscard]] const QueueEntry& top() const noexcept { return h_.front(); }
  void reserve(std::size_t n) { h_.reserve(n); }

  void push(QueueEntry e) {
    std::size_t i = h_.size();
    h_.push_back(e);
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!before(e, h_[parent])) break;
      h_[i] = h_[parent];
      i = parent;
    }
    h_[i] = e;
  }

  void pop() {
    const QueueEntry last = h_.back();
    h_.pop_back();
    if (!h_.empty()) sift_down(last);
  }

  // Replaces the top entry by `e` (one sift-down).
  void replace_top(QueueEntry e) { sift_down(e); }

 private:
  static bool before(const QueueEntry& a, const QueueEntry& b) noexcept {
    return a.time < b.time || (a.time == b.time && a.slot < b.slot);
  }

  void sift_down(QueueEntry e) {
    const std::size_t n = h_.size();
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t last = first + 4 < n ? first + 4 : n;
      for (std::size_t c = first + 1; c < last; ++c)
        if (before(h_[c], h_[best])) best = c;
      if (!before(h_[best], e)) break;
      h_[i] = h_[best];
      i = best;
    }
    h_[i] = e;
  }

  std::vector<QueueEntry> h_;
};

}  // namespace trede::engine
