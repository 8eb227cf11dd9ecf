#pragma once
// The scenario compiled into flat, index-based tables for the event loop. Built once per
// Simulator and shared read-only by every replicate.

#include <cstdint>
#include <vector>

#include "trede/engine/result.hpp"
#include "trede/model/scenario.hpp"

namespace trede::engine {

inline constexpr std::int32_t no_index = -1;

// What a person has ever been, for the KPIs (kept in the person's flags).
inline constexpr std::uint8_t mark_trede4 = 1;  // at trede >= 4
inline constexpr std::uint8_t mark_work = 2;    // in a work state

// The KPIs a move along a flow edge counts (CompiledModel::edge_kpi).
inline constexpr std::uint8_t move_uitstroom_werk = 1;
inline constexpr std::uint8_t move_uitval = 2;
inline constexpr std::uint8_t move_herinstroom = 4;
inline constexpr std::uint8_t move_absorbed = 8;

// One competing risk of a state (a scenario transition).
struct OutEdge {
  std::uint32_t to = 0;
  std::uint32_t flow = 0;            // flow edge of the move
  std::int32_t to_wait_flow = no_index;  // separate-mode capacity target: flow edge origin -> waiting state
  bool renege = false;               // generated reneging edge of a separate waiting state
  bool exponential = true;           // constant rate (hazard.rate)
  model::Hazard hazard;
  std::uint32_t cov_begin = 0, cov_end = 0;  // into CompiledModel::covariates
  std::int32_t schedule = no_index;  // into CompiledModel::schedules (calendar multiplier)
};

struct StateInfo {
  std::uint32_t out_begin = 0, out_end = 0;   // into CompiledModel::out_edges
  bool fast = false;                          // only exponential edges, no covariates or multipliers
  double total_rate = 0.0;                    // fast states: sum of rates
  double mean_time = 0.0;                     // fast states: 1 / total_rate (a product per event, not a division)
  std::uint32_t cum_begin = 0;                // fast states: cumulative destination probabilities
  std::int32_t capacity = no_index;           // capacity index when the state has places
  std::int32_t waiting_for = no_index;        // capacity index when this is a separate waiting state
  int trede = 0;
  double cost = 0.0;
  bool absorbing = false;
  bool work = false;
  bool uitval = false;
  std::int32_t age_exit_flow = no_index;
  std::uint32_t counts_begin = 0, counts_end = 0;  // into CompiledModel::count_attrs
  std::uint32_t n_general = 0;                // non-exponential edges (each needs its own uniform)
  std::uint8_t marks = 0;                     // mark_* a person gets on entering
  bool plain = true;                          // entering needs no more than marks and scheduling
};

struct CapacityInfo {
  std::uint32_t state = 0;
  model::WaitingMode mode = model::WaitingMode::stay;
  std::uint32_t waiting_state = 0;
  model::Discipline discipline = model::Discipline::fifo;
  std::uint32_t priority_attribute = 0;
  bool descending = true;
  double renege_rate = 0.0;
  std::int32_t renege_to = no_index;      // stay mode: -1 = give up waiting but stay put
  std::int32_t admission_flow = no_index; // separate mode: waiting state -> state
};

struct InflowInfo {
  std::uint32_t region = 0;
  std::uint32_t state = 0;
  model::StepSchedule rate;
  std::vector<model::AttributeDraw> attributes;
  std::uint32_t flow = 0;                 // (inflow) -> state
  std::int32_t wait_flow = no_index;      // (inflow) -> waiting state, separate-mode capacity
};

struct CapacityChange {
  double time = 0.0;
  std::uint32_t region = 0;
  std::uint32_t capacity = 0;
  double places = 0.0;
};

// A handover rule as the engine uses it.
struct HandoverInfo {
  model::Distribution delay;
  double leakage = 0.0;
  std::int32_t leak_to = no_index;
  bool delayed = false;   // delay is not identically 0
};

struct RegionInfo {
  std::int32_t model = no_index;   // organisation model index, or none
  std::vector<model::InitialGroup> initial;
  std::vector<model::Individual> individuals;
};

struct CompiledCovariate {
  std::uint32_t attribute = 0;
  std::int32_t level = -1;
  double beta = 0.0;
  double center = 0.0;
  bool age = false;   // value stored as birth time
};

// One breakdown by a person attribute ([report.by]): group first + k of the results, with k
// the number of band edges at or below the value (age: now minus the stored birth time), or the
// category level.
struct GroupBy {
  std::uint32_t attribute = 0;
  bool age = false;
  bool category = false;
  std::vector<double> edges;
  std::uint32_t first = 0;  // index of its first group in Layout::groups
};

class CompiledModel {
 public:
  explicit CompiledModel(const model::Scenario& s);

  Layout layout;
  double start = 0.0, end = 0.0;

  std::vector<StateInfo> states;
  std::vector<OutEdge> out_edges;
  std::vector<double> cum;                 // fast-state cumulative probabilities
  std::vector<CompiledCovariate> covariates;
  std::vector<model::StepSchedule> schedules;
  std::vector<CapacityInfo> capacities;
  std::vector<std::int32_t> renege_flow;   // [S * C] stay-mode renege flow edge from state s while waiting for c
  std::vector<std::int32_t> renege_wait_flow;  // [S * C] the same when the renege destination is full (separate mode)
  std::vector<CapacityChange> capacity_changes;  // sorted by (time, region, capacity)
  std::vector<double> initial_places;      // [G * C] places at the start
  std::vector<InflowInfo> inflows;
  std::vector<std::uint32_t> count_attrs;  // attributes counting entries, grouped per state

  std::vector<model::Attribute> attributes;
  std::vector<std::uint32_t> attribute_stream;  // per attribute: draw index of its uniform (hash of its name)
  std::vector<RegionInfo> regions;

  // Organisations: handover rule per (model, out-edge), -1 when the edge is not a handover.
  std::vector<HandoverInfo> handover_rules;
  std::vector<std::int32_t> handover;      // [models * out_edges.size()]
  std::vector<std::int32_t> leak_flow;     // [S * S] flow edge (from, leak_to), -1 if unused
  std::vector<std::int32_t> state_org;     // [models * S] organisation running each state, or -1
  std::vector<double> org_fixed_eur_per_year;      // [O]
  std::vector<double> org_eur_per_person_year;     // [O]
  std::vector<std::uint8_t> region_org_active;     // [G * O] organisation runs some state in region g

  std::vector<std::int32_t> edge_from, edge_to;  // [E] state indices of each flow edge (from = no_index: arrivals)
  std::vector<std::uint8_t> edge_kpi;            // [E] move_* KPIs a move along the edge counts
  bool handovers = false;                        // some out-edge is a handover in some organisation model used

  std::size_t expected_people = 0;  // people at the start plus expected arrivals (sizes the event queue)
  std::size_t initial_people = 0;   // people at the start

  std::vector<GroupBy> group_by;  // [report.by], in order; Layout::groups names their groups

  bool has_exit_age = false;
  double exit_age = 0.0;
  std::uint32_t exit_age_attribute = 0;
  std::uint32_t exit_state = 0;
};

}  // namespace trede::engine
