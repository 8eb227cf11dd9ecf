#pragma once
// Results by person attribute ([report.by]): occupancy per (group, state) at each report time
// and moves per (group, edge) in each period. A person's group under a breakdown is read from
// their attribute at the time: the band of their age (now minus the stored birth time) or
// number, or their category level. Occupancy of the states people stay in is counted by a scan
// of the people alive at each report time; absorbing states keep everyone who entered them,
// counted (in the group they had then) as they enter. Nothing here runs unless the scenario
// asks for a breakdown.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/compiled_model.hpp"
#include "engine/people.hpp"

namespace trede::engine {

class GroupRecorder {
 public:
  explicit GroupRecorder(const CompiledModel& m)
      : m_(m), B_(m.layout.B()), S_(m.layout.S()), E_(m.layout.E()), T_(m.layout.T()) {
    if (!active()) return;
    occupancy_.assign(T_ * B_ * S_, 0);
    flows_.assign(m.layout.P() * B_ * E_, 0);
    absorbed_.assign(B_ * S_, 0);
  }

  [[nodiscard]] bool active() const noexcept { return B_ > 0; }

  // p moved or arrived along `flow` at `now`.
  void flow(const People& people, std::uint32_t p, std::uint32_t flow, double now) noexcept {
    std::int32_t* row = flows_.data() + report_ * B_ * E_;
    for (const GroupBy& g : m_.group_by) ++row[group(people, p, g, now) * E_ + flow];
  }

  // p entered absorbing state s at `now` (and leaves the model).
  void absorbed(const People& people, std::uint32_t p, std::uint32_t s, double now) noexcept {
    for (const GroupBy& g : m_.group_by) ++absorbed_[group(people, p, g, now) * S_ + s];
  }

  // The occupancy at report time `t` (the next one), before the recorder closes its period.
  void snapshot(const People& people, double t) {
    std::int32_t* row = occupancy_.data() + report_ * B_ * S_;
    for (std::uint32_t p = 0; p < people.slots(); ++p) {
      const std::uint32_t s = people[p].state;
      if (s == People::released_state) continue;
      for (const GroupBy& g : m_.group_by) ++row[group(people, p, g, t) * S_ + s];
    }
    for (std::size_t b = 0; b < B_; ++b)
      for (std::size_t s = 0; s < S_; ++s)
        if (m_.states[s].absorbing) row[b * S_ + s] = static_cast<std::int32_t>(absorbed_[b * S_ + s]);
    ++report_;
  }

  // Moves the arrays into `r`.
  void finish(ReplicateResult& r) {
    r.occupancy_group = std::move(occupancy_);
    r.flows_group = std::move(flows_);
  }

  [[nodiscard]] std::uint64_t memory_bytes() const noexcept {
    return occupancy_.capacity() * sizeof(std::int32_t) + flows_.capacity() * sizeof(std::int32_t) +
           absorbed_.capacity() * sizeof(std::int64_t);
  }

 private:
  [[nodiscard]] static std::size_t group(const People& people, std::uint32_t p, const GroupBy& g, double now) noexcept {
    double v = people.attribute(g.attribute, p);
    if (g.category) return g.first + static_cast<std::size_t>(v);
    if (g.age) v = now - v;
    return g.first + static_cast<std::size_t>(std::upper_bound(g.edges.begin(), g.edges.end(), v) - g.edges.begin());
  }

  const CompiledModel& m_;
  std::size_t B_, S_, E_, T_;
  std::size_t report_ = 0;  // the next report time; also the current period
  std::vector<std::int32_t> occupancy_;  // [T, B, S]
  std::vector<std::int32_t> flows_;      // [P, B, E]
  std::vector<std::int64_t> absorbed_;   // [B, S] entries into absorbing states so far
};

}  // namespace trede::engine
