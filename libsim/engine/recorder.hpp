#pragma once
// What a replicate records, in one place: occupancy per (region, state) and its time integral,
// waiting-list lengths and theirs, flows per edge per period, sojourn sums, waiting times, the
// KPI counters, traced changes of state, and at each report time the snapshot that closes the
// period (occupancy, person-years, costs). Every call is a few plain counter updates, inlined
// into the event loop; the recorder never decides anything about the simulation.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/compiled_model.hpp"
#include "engine/waiting_lists.hpp"
#include "trede/engine/kpi.hpp"
#include "trede/engine/result.hpp"

namespace trede::engine {

// Why someone leaves a waiting list.
enum class Leave : std::uint8_t { admitted, reneged, left };

class Recorder {
 public:
  // Sizes every array of the result for model m.
  explicit Recorder(const CompiledModel& m);

  // ---- occupancy and list lengths (also what capacity checks read) ----

  [[nodiscard]] std::int64_t occupancy(std::size_t g, std::uint32_t s) const noexcept { return cells_[g * S_ + s].occ; }

  // Time integrals over the current period (a, b] without a clock per cell: with n(t) changing
  // by d_j at times t_j, ∫ n dt = n(b) (b - a) - Σ d_j (t_j - a). Each change adds its term; the
  // snapshot at b adds n(b) (b - a). (Terms are at most the period's length: no cancellation.)

  // Occupancy of state s in region g changes by d (±1) at `now`.
  void occupancy_add(std::size_t g, std::uint32_t s, std::int64_t d, double now) noexcept {
    add(cells_[g * S_ + s], d, now - period_start_);
  }

  // A move from state s to state t in region g at `now`: occupancy_add(g, s, -1, now), then
  // occupancy_add(g, t, +1, now), with one row and one time since the period's start.
  void occupancy_move(std::size_t g, std::uint32_t s, std::uint32_t t, double now) noexcept {
    Cell* row = cells_.data() + g * S_;
    const double since = now - period_start_;
    add(row[s], -1, since);
    add(row[t], +1, since);
  }

  // Length of waiting list l (= region * C + capacity) changes by d (±1) at `now`.
  void list_add(std::size_t l, std::int64_t d, double now) noexcept {
    list_area_[l] -= static_cast<double>(d) * (now - period_start_);
    list_len_[l] += d;
  }

  // ---- counts ----
  // Events always fall in a period: the last report time is the end, and a report time is
  // recorded only once the events at or before it are done.

  [[nodiscard]] KpiCounters& counters(std::size_t g) noexcept { return counters_[g]; }

  // One move or arrival along `flow` in region g. (Events and the KPIs that count moves by kind
  // are summed from these counts at the end.)
  void count_flow(std::uint32_t flow, std::size_t g) noexcept {
    ++flow_row_[flow];
    if (by_region_) ++region_flows_[g * E_ + flow];
  }

  void count_period(KpiPeriod k) noexcept { kpi_period_row_[k] += 1.0; }

  // A move along `flow` ending a spell of `years`.
  void sojourn(std::uint32_t flow, double years) noexcept {
    res_.sojourn_sum[flow] += years;
    res_.sojourn_sumsq[flow] += years * years;
  }

  // Someone in region g joined the list of capacity c at `now`.
  void joined_list(std::size_t g, std::size_t c, double now) noexcept {
    list_add(g * C_ + c, +1, now);
    ++counters_[g].joined;
    count_period(kpp_waiting_joined);
    ++res_.waiting_joined[report_ * C_ + c];
  }

  // Someone in region g left list l at `now` after waiting `waited` years, for `reason`.
  void left_list(std::size_t g, std::size_t l, double waited, Leave reason, double now) noexcept {
    list_add(l, -1, now);
    const std::size_t cell = report_ * C_ + l % C_;
    KpiCounters& k = counters_[g];
    res_.waiting_time_sum[cell] += waited;
    res_.waiting_time_max[cell] = std::max(res_.waiting_time_max[cell], waited);
    switch (reason) {
      case Leave::admitted:
        ++k.admitted;
        k.admitted_wait_sum += waited;
        count_period(kpp_waiting_admitted);
        ++res_.waiting_admitted[cell], res_.waiting_time_admitted_sum[cell] += waited;
        break;
      case Leave::reneged:
        ++k.reneged;
        count_period(kpp_waiting_reneged);
        ++res_.waiting_reneged[cell];
        break;
      case Leave::left:
        ++res_.waiting_left[cell];
        break;
    }
  }

  // A traced person's change of state (from = -1 when entering the model).
  void trace(double now, std::uint64_t person, std::int32_t from, std::int32_t to) {
    res_.trace.push_back({now, person, from, to});
  }

  // ---- report times ----

  // True while a report time strictly before t is still to be recorded.
  [[nodiscard]] bool report_before(double t) const noexcept { return next_report_ < t; }
  [[nodiscard]] bool reports_left() const noexcept { return report_ < T_; }
  [[nodiscard]] double next_report_time() const noexcept { return next_report_; }

  // Records the occupancy at the next report time and closes its period.
  void snapshot();

  // Bytes held by the recorder and the result being filled (traced changes of state included).
  [[nodiscard]] std::uint64_t memory_bytes() const noexcept;

 private:
  // Points the per-event counters at period report_.
  void enter_period() noexcept;
  // The KPIs that count moves by kind, and events, from the flow counts.
  void count_moves_by_kind();

 public:

  // Fills the KPIs and the run totals (`peak_live` people alive at once, `bytes` held at the
  // peak) and hands over the result.
  [[nodiscard]] ReplicateResult finish(std::uint64_t peak_live, std::uint64_t bytes);

 private:
  const CompiledModel& m_;
  ReplicateResult res_;
  const double* report_times_;
  std::size_t S_, C_, T_, P_, E_, G_, O_, Kp_;
  bool by_region_;
  std::size_t report_ = 0;  // next report time; also the current period
  double next_report_;      // report_times_[report_], or infinity after the last
  std::int32_t* flow_row_;  // flows of the current period
  double* kpi_period_row_;  // per-period KPIs of the current period
  std::vector<std::int64_t> region_flows_;  // [G, E] moves over the run, when by region

  double period_start_;     // calendar time the current period started
  // Occupancy per (region, state), and the changes' part of its time integral over the period,
  // side by side (one row for both halves of a move).
  struct Cell {
    std::int64_t occ = 0;
    double area = 0.0;
  };
  std::vector<Cell> cells_;
  static void add(Cell& c, std::int64_t d, double since) noexcept {
    c.area -= static_cast<double>(d) * since;
    c.occ += d;
  }
  // The same for waiting-list lengths per (region, capacity).
  std::vector<std::int64_t> list_len_;
  std::vector<double> list_area_;

  std::vector<KpiCounters> counters_;  // per region
  std::uint64_t result_bytes_ = 0;     // bytes of the result arrays allocated by the constructor (allocate)

  // Sizes one result array to n zeros and counts its bytes.
  template <class T>
  void allocate(std::vector<T>& v, std::size_t n) {
    v.assign(n, T{});
    result_bytes_ += v.capacity() * sizeof(T);
  }
};

}  // namespace trede::engine
