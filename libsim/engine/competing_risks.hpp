#pragma once
// Competing risks: a person's next event in their current state, drawn from their own stream.
// Every outgoing transition races; the earliest wins. States whose risks are all constant
// exponential rates take one time draw and one destination draw; otherwise the exponential risks
// race as one block (total rate piecewise constant in calendar time when multipliers apply) and
// each non-exponential risk draws its own time by inverting its cumulative hazard. Reneging from
// an in-place wait and reaching the exit age race too.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/compiled_model.hpp"
#include "engine/people.hpp"
#include "model/hazard_math.hpp"
#include "random/log_inline.hpp"
#include "random/threefry_inline.hpp"
#include "trede/random/stream.hpp"

namespace trede::engine {

inline constexpr double never = std::numeric_limits<double>::infinity();

// The first step time of `s` after t, or infinity.
inline double next_step(const model::StepSchedule& s, double t) {
  const auto it = std::upper_bound(s.times.begin(), s.times.end(), t);
  return it == s.times.end() ? never : *it;
}

// When and what a person's next event is (time infinity, code code_none: nothing).
struct NextEvent {
  double time = never;
  std::int32_t code = code_none;
};

class CompetingRisks {
 public:
  CompetingRisks(const CompiledModel& m, random::StreamKey key) : m_(m), key_(key) {
    std::size_t max_out = 1;
    for (const StateInfo& st : m.states) max_out = std::max<std::size_t>(max_out, st.out_end - st.out_begin);
    w_base_.resize(max_out);
    w_idx_.resize(max_out);
    w_cur_.resize(max_out);
    for (std::size_t a = 0; a < m.attributes.size(); ++a)
      if (m.attributes[a].kind == model::AttributeKind::age) {
        age_attr_ = static_cast<std::int32_t>(a);
        break;
      }
  }

  [[nodiscard]] std::uint64_t memory_bytes() const noexcept {
    return (w_base_.capacity() + w_cur_.capacity()) * sizeof(double) + w_idx_.capacity() * sizeof(std::uint32_t);
  }

  // Draws p's next event from time t (takes one draw of p's transition stream). A person
  // waiting in place (`waiting_in_place`) does not draw moves into states that are full
  // (`full(d)`): they keep their place on the list until admitted, a move to a state with room,
  // reneging at `renege_rate` or exit. (Drawing them would only switch lists, possibly at the
  // same instant forever with fixed durations.)
  template <class Full>
  [[gnu::always_inline]] NextEvent next(People& people, std::uint32_t p, double t, bool waiting_in_place,
                                        double renege_rate, Full&& full) {
    Person& x = people[p];
    const StateInfo& st = m_.states[x.state];
    const Draw d{x.key(), x.draws++};
    const auto u = words(d, 0);
    NextEvent next;
    if (st.fast && !waiting_in_place) [[likely]] {
      next.time = t - random::detail::log_unit(random::uniform_open0(u[slot_time])) * st.mean_time;
      const double y = random::uniform_closed0(u[slot_dest]);
      const double* cum = m_.cum.data() + st.cum_begin;
      std::uint32_t j = 0;
      while (y >= cum[j]) ++j;
      next.code = static_cast<std::int32_t>(st.out_begin + j);
    } else {
      next = not_fast(people, p, st, t, d, u, waiting_in_place, renege_rate, full);
    }
    if (m_.has_exit_age && people.exit_time(p) < next.time) next.time = std::max(people.exit_time(p), t), next.code = code_age;
    return next;
  }

 private:
  // Uniform slots within a person's draw: slot s is word s % 2 of block s / 2 (two words per
  // block; block 0 is all the fast path needs, later blocks are computed on demand).
  static constexpr std::uint32_t slot_time = 0;     // holding time of the exponential competing risks
  static constexpr std::uint32_t slot_dest = 1;     // which exponential risk fired
  static constexpr std::uint32_t slot_renege = 2;   // reneging while waiting in place
  static constexpr std::uint32_t slot_general = 3;  // first non-exponential edge; the k-th uses 3 + k

  // One draw of a person's transition stream: their key and draw index.
  struct Draw {
    std::uint64_t person;
    std::uint32_t index;
  };
  using Words = std::array<std::uint64_t, 2>;

  [[gnu::always_inline]] Words words(const Draw& d, std::uint32_t block) const {
    return random::detail::threefry(key_, d.person, d.index, random::Purpose::transition, block);
  }

  // Uniform on (0, 1] of slot `slot` (b0: block 0, already drawn).
  double slot_uniform(const Draw& d, const Words& b0, std::uint32_t slot) const {
    if (slot < 2) return random::uniform_open0(b0[slot]);
    return random::uniform_open0(words(d, slot / 2)[slot % 2]);
  }

  double covariate_factor(const OutEdge& e, const People& people, std::uint32_t p, double t) const {
    double lin = 0.0;
    for (std::uint32_t k = e.cov_begin; k < e.cov_end; ++k) {
      const CompiledCovariate& cc = m_.covariates[k];
      const double v = people.attribute(cc.attribute, p);
      const double x = cc.level >= 0 ? (v == cc.level ? 1.0 : 0.0) : cc.age ? (t - v) - cc.center : v - cc.center;
      lin += cc.beta * x;
    }
    return std::exp(lin);
  }

  // The block of exponential risks and every other risk, and reneging in place. The draw, its
  // words and `full` are taken by value: the fast path then builds nothing in memory for this call.
  template <class Full>
  [[gnu::noinline]] NextEvent not_fast(const People& people, std::uint32_t p, const StateInfo& st, double t,
                                       const Draw d, const Words u, bool waiting_in_place, double renege_rate,
                                       Full full) {
    NextEvent next;
    general(people, p, st, t, d, u, waiting_in_place, full, next);
    if (renege_rate > 0.0) {
      const double tr = t - random::detail::log_unit(slot_uniform(d, u, slot_renege)) / renege_rate;
      if (tr < next.time) next.time = tr, next.code = code_renege;
    }
    return next;
  }

  template <class Full>
  void general(const People& people, std::uint32_t p, const StateInfo& st, double t, const Draw& d, const Words& u,
               bool waiting_in_place, Full&& full, NextEvent& next) {
    const auto excluded = [&](std::uint32_t d) { return waiting_in_place && full(d); };
    // Exponential risks race as one block: total rate R (piecewise constant in calendar time
    // when multipliers apply), then the destination in proportion to the rates at that time.
    std::size_t n = 0;
    bool scheduled = false;
    std::uint32_t general = 0;
    for (std::uint32_t j = st.out_begin; j < st.out_end; ++j) {
      const OutEdge& e = m_.out_edges[j];
      if (!e.exponential) {
        const std::uint32_t slot = slot_general + general++;
        if (excluded(e.to)) continue;
        const double c = e.cov_begin == e.cov_end ? 1.0 : covariate_factor(e, people, p, t);
        const double E = -random::detail::log_unit(slot_uniform(d, u, slot));
        const double tj = sample_hazard(e, people, p, t, E, c);
        if (tj < next.time) next.time = tj, next.code = static_cast<std::int32_t>(j);
        continue;
      }
      if (excluded(e.to)) continue;
      w_base_[n] = e.hazard.rate * (e.cov_begin == e.cov_end ? 1.0 : covariate_factor(e, people, p, t));
      w_idx_[n] = j;
      scheduled = scheduled || e.schedule != no_index;
      ++n;
    }
    if (n == 0) return;
    double E = -random::detail::log_unit(random::uniform_open0(u[slot_time]));
    double tx = never;
    double R = 0.0;
    if (!scheduled) {
      for (std::size_t k = 0; k < n; ++k) R += w_cur_[k] = w_base_[k];
      if (R > 0.0) tx = t + E / R;
    } else {
      double cur = t;
      for (;;) {
        R = 0.0;
        double nb = never;
        for (std::size_t k = 0; k < n; ++k) {
          const OutEdge& e = m_.out_edges[w_idx_[k]];
          double m = 1.0;
          if (e.schedule != no_index) {
            const auto& sch = m_.schedules[static_cast<std::size_t>(e.schedule)];
            m = sch.at(cur);
            nb = std::min(nb, next_step(sch, cur));
          }
          R += w_cur_[k] = w_base_[k] * m;
        }
        if (R > 0.0 && E <= R * (nb - cur)) {
          tx = cur + E / R;
          break;
        }
        if (nb == never || nb > m_.end) break;
        if (R > 0.0) E -= R * (nb - cur);
        cur = nb;
      }
    }
    if (tx < next.time) {
      const double target = random::uniform_closed0(u[slot_dest]) * R;
      double acc = 0.0;
      std::size_t k = 0;
      for (; k + 1 < n; ++k) {
        acc += w_cur_[k];
        if (target < acc) break;
      }
      while (w_cur_[k] == 0.0 && k > 0) --k;  // never pick a zero-rate risk through rounding
      next.time = tx;
      next.code = static_cast<std::int32_t>(w_idx_[k]);
    }
  }

  // Holding time of one non-exponential edge by inversion of its cumulative hazard, with
  // covariate factor c and the edge's calendar multiplier: x = H⁻¹(H(x0) + E/m), walked across
  // the multiplier's steps.
  double sample_hazard(const OutEdge& e, const People& people, std::uint32_t p, double t, double E, double c) const {
    const model::Hazard& h = e.hazard;
    const double origin = h.clock == model::Clock::time_in_state ? people[p].spell_start
                          : h.clock == model::Clock::age ? people.attribute(static_cast<std::size_t>(age_attr_), p)
                                                         : 0.0;
    double H0 = model::detail::cumulative_hazard(h, t - origin);
    if (H0 == never) return t;  // already past a fixed duration (a spell in progress): happens now
    if (e.schedule == no_index) {
      if (!(c > 0.0)) return never;
      return origin + model::detail::inverse_cumulative_hazard(h, H0 + E / c);
    }
    const model::StepSchedule& sch = m_.schedules[static_cast<std::size_t>(e.schedule)];
    double cur = t;
    for (;;) {
      const double m = c * sch.at(cur);
      const double nb = next_step(sch, cur);
      const double Hb = nb == never ? never : model::detail::cumulative_hazard(h, nb - origin);
      if (m > 0.0) {
        if (H0 + E / m <= Hb) return origin + model::detail::inverse_cumulative_hazard(h, H0 + E / m);
        E -= m * (Hb - H0);
      }
      if (nb == never || nb > m_.end) return never;
      cur = nb;
      H0 = Hb;
    }
  }

  const CompiledModel& m_;
  random::StreamKey key_;
  std::int32_t age_attr_ = no_index;
  // Scratch for the exponential block (sized to the largest out-degree).
  std::vector<double> w_base_, w_cur_;
  std::vector<std::uint32_t> w_idx_;
};

}  // namespace trede::engine
