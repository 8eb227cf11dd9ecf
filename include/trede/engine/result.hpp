#pragma once
/// \file
/// What one replicate records, as plain arrays, and the layout (names and shapes) shared by all
/// replicates of a compiled model. Arrays are row-major; shapes are given per member.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "trede/engine/kpi.hpp"

namespace trede::engine {

/// Kind of a flow edge (a possible move between two occupancies).
enum class EdgeKind : std::uint8_t {
  transition,  ///< a transition of the scenario (including admission from an in-place wait)
  inflow,      ///< arrival from outside into an entry state
  age_exit,    ///< reaching the exit age
  renege,      ///< giving up waiting (to the renege destination)
  to_waiting,  ///< moving into a separate waiting state because the chosen place was full
  admission,   ///< from a separate waiting state into the freed place
  leakage,     ///< lost at a handover between organisations, to the rule's leak_to state
};

/// Name of an edge kind ("transition", "inflow", ...).
[[nodiscard]] const char* to_string(EdgeKind k) noexcept;
/// The edge kind called `name`; false when there is none.
[[nodiscard]] bool edge_kind_from_string(const std::string& name, EdgeKind& kind) noexcept;

/// One flow edge.
struct FlowEdge {
  std::string id;    ///< "from->to", the transition id, or e.g. "(inflow)->bijstand"
  std::string from;  ///< "(inflow)" for arrivals
  std::string to;
  EdgeKind kind = EdgeKind::transition;
};

/// Names and sizes of everything a replicate records.
struct Layout {
  std::vector<double> report_times;      ///< [T] calendar years
  std::vector<double> period_start;      ///< [P] calendar years; period k = (period_start[k], period_end[k]]
  std::vector<double> period_end;        ///< [P]; P == T, period_end == report_times
  std::vector<std::string> states;       ///< [S] names
  std::vector<int> trede;                ///< [S] rung 1..6, 0 = off the ladder
  std::vector<double> cost_eur_per_year; ///< [S]
  std::vector<std::string> capacity_states;  ///< [C] names of states with places
  std::vector<FlowEdge> edges;           ///< [E]
  std::vector<std::string> kpi_names;    ///< [K] kpi_table's names (trede/engine/kpi.hpp)
  std::vector<std::string> kpi_period_names;  ///< [Kp] KPIs counted per period: kpi_period_table's names
  std::vector<std::string> regions;      ///< [G] region names (one region, "all", when the scenario has none)
  std::vector<std::string> region_models;///< [G] organisation model per region ("" = none)
  std::vector<std::string> organisations;///< [O] organisations running states in some region
  std::vector<std::string> groups;       ///< [B] groups of the results by attribute ([report.by]); empty: none

  [[nodiscard]] std::size_t T() const noexcept { return report_times.size(); }
  [[nodiscard]] std::size_t P() const noexcept { return period_end.size(); }
  [[nodiscard]] std::size_t S() const noexcept { return states.size(); }
  [[nodiscard]] std::size_t C() const noexcept { return capacity_states.size(); }
  [[nodiscard]] std::size_t E() const noexcept { return edges.size(); }
  [[nodiscard]] std::size_t K() const noexcept { return kpi_names.size(); }
  [[nodiscard]] std::size_t Kp() const noexcept { return kpi_period_names.size(); }
  [[nodiscard]] std::size_t G() const noexcept { return regions.size(); }
  [[nodiscard]] std::size_t O() const noexcept { return organisations.size(); }
  [[nodiscard]] std::size_t B() const noexcept { return groups.size(); }
  /// True when per-region arrays are recorded (more than one region).
  [[nodiscard]] bool by_region() const noexcept { return regions.size() > 1; }
};

/// One change of state of a traced person (Simulator::run with `trace_people` > 0).
struct TraceEvent {
  double time;          ///< calendar time of the change (the start year for the initial population)
  std::uint64_t person; ///< the person's key: 0, 1, … for the initial population, (inflow source + 1) << 40 | arrival number for arrivals; the same person in every scenario run with the same seed
  std::int32_t from;    ///< state index before, or -1 when the person enters the model
  std::int32_t to;      ///< state index after
};

/// Everything one replicate recorded. T report times, P periods, S states, C capacity states,
/// E flow edges, K KPIs (see Layout).
struct ReplicateResult {
  std::vector<std::int32_t> occupancy;       ///< [T, S] people per state at each report time
  std::vector<std::int32_t> waiting;         ///< [T, C] waiting-list length at each report time
  std::vector<std::int32_t> flows;           ///< [P, E] moves per edge per period
  std::vector<double> person_years;          ///< [P, S] person-years spent per state per period
  std::vector<double> cost_eur;              ///< [P] euros per period: person_years × cost per state, plus organisation costs
  std::vector<double> waiting_years;         ///< [P, C] list-years: time integral of list length
  std::vector<std::int32_t> waiting_joined;  ///< [P, C] joins per period
  std::vector<std::int32_t> waiting_admitted;///< [P, C] admissions per period
  std::vector<std::int32_t> waiting_reneged; ///< [P, C] reneges per period
  std::vector<std::int32_t> waiting_left;    ///< [P, C] left the list another way (moved elsewhere)
  std::vector<double> waiting_time_sum;      ///< [P, C] years waited by all who left the list in the period
  std::vector<double> waiting_time_admitted_sum;  ///< [P, C] years waited by those admitted
  std::vector<double> waiting_time_max;      ///< [P, C] longest wait of those who left the list in the period (0: nobody left)
  std::vector<double> sojourn_sum;           ///< [E] years in the origin state before each move (sum)
  std::vector<double> sojourn_sumsq;         ///< [E] sum of squares of the same
  std::vector<double> kpi;                   ///< [K] by kpi_table
  std::vector<double> kpi_period;            ///< [P, Kp] counts per period (and cost)
  std::vector<double> organisation_cost_eur; ///< [P, O] organisation costs per period

  // By attribute group; empty unless the scenario asks ([report.by]).
  std::vector<std::int32_t> occupancy_group;   ///< [T, B, S] people per group and state at each report time
  std::vector<std::int32_t> flows_group;       ///< [P, B, E] moves per group along each edge in each period

  // Per region; empty unless Layout::by_region().
  std::vector<std::int32_t> occupancy_region;  ///< [T, G, S]
  std::vector<std::int32_t> waiting_region;    ///< [T, G, C]
  std::vector<double> person_years_region;     ///< [P, G, S]
  std::vector<double> cost_region_eur;         ///< [P, G] state costs plus organisation costs
  std::vector<double> kpi_region;              ///< [G, K]

  /// Every change of state of the first `trace_people` people created (the initial population in
  /// file order, then arrivals in time order), in the order they happened. Empty unless asked.
  std::vector<TraceEvent> trace;

  std::uint64_t events = 0;            ///< moves plus arrivals over the whole run
  std::uint64_t peak_live_persons = 0; ///< most people alive at once
  std::uint64_t peak_bytes = 0;        ///< memory the replicate held at its peak: people, event queue, waiting lists, arrivals, recorder and these result arrays (each part at its largest; the compiled model, shared by all replicates, is not counted)
};

}  // namespace trede::engine
