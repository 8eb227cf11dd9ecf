#pragma once
// Poisson arrivals of every inflow source (rate piecewise constant in calendar time), each source
// with its own stream of inter-arrival times. The next arrival of each source waits in a min-heap
// of (time, source): one heap step per arrival, however many sources (342 gemeenten with an
// inflow each). Equal times come out in source order.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/compiled_model.hpp"
#include "engine/competing_risks.hpp"
#include "random/log_inline.hpp"
#include "random/threefry_inline.hpp"
#include "trede/error.hpp"
#include "trede/random/stream.hpp"

namespace trede::engine {

class Arrivals {
 public:
  Arrivals(const CompiledModel& m, random::StreamKey key) : m_(m), key_(key), count_(m.inflows.size(), 0) {}

  // Draws the first arrival of every source after `t`.
  void start(double t) {
    for (std::size_t i = 0; i < m_.inflows.size(); ++i) queue(i, sample(i, t));
  }

  [[nodiscard]] std::uint64_t memory_bytes() const noexcept {
    return heap_.capacity() * sizeof(heap_[0]) + count_.capacity() * sizeof(std::uint64_t);
  }

  // Time of the next arrival of any source, or infinity.
  [[nodiscard]] double next_time() const noexcept { return heap_.empty() ? never : heap_.front().first; }

  // Takes the next arrival: its source and its number within the source (0, 1, ...), and draws
  // the source's following arrival after `now`.
  std::pair<std::size_t, std::uint64_t> take(double now) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const std::size_t i = heap_.back().second;
    heap_.pop_back();
    const std::uint64_t n = count_[i]++;
    if (count_[i] > 0xffffffffu) throw Error("more than 2^32 - 1 arrivals from one inflow source in one replicate");
    queue(i, sample(i, now));
    return {i, n};
  }

 private:
  // The first arrival of source i after t: inversion of the integrated rate, walked across the
  // rate's steps. Infinity when none falls within the horizon.
  double sample(std::size_t i, double t) const {
    const InflowInfo& f = m_.inflows[i];
    const auto u = random::detail::threefry(key_, i, static_cast<std::uint32_t>(count_[i]), random::Purpose::arrival, 0);
    double E = -random::detail::log_unit(random::uniform_open0(u[0]));
    double cur = t;
    for (;;) {
      const double rate = f.rate.at(cur);
      const double nb = next_step(f.rate, cur);
      if (rate > 0.0 && E <= rate * (nb - cur)) return cur + E / rate;
      if (nb == never || nb > m_.end) return never;
      if (rate > 0.0) E -= rate * (nb - cur);
      cur = nb;
    }
  }

  void queue(std::size_t i, double t) {
    if (t > m_.end) return;  // no more arrivals from this source within the horizon
    heap_.emplace_back(t, i);
    std::push_heap(heap_.begin(), heap_.end(), later);
  }

  static bool later(const std::pair<double, std::size_t>& a, const std::pair<double, std::size_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second > b.second);
  }

  const CompiledModel& m_;
  random::StreamKey key_;
  std::vector<std::pair<double, std::size_t>> heap_;
  std::vector<std::uint64_t> count_;  // arrivals so far per source
};

}  // namespace trede::engine
