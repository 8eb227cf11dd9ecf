#pragma once
/// \file
/// Synthetic longitudinal data from a scenario with known rates: for recovery tests, power
/// calculations and the worked examples (the analogue of msm's `simmulti.msm`).
///
/// Two generators:
/// - `simulate_markov_data`: the exact continuous-time Markov process of the scenario's
///   exponential transitions (with its covariate effects on number attributes), person by person;
///   event histories or panel observations at irregular visits.
/// - `simulate_engine_data`: panel observations produced by trede's own engine: every person is
///   one replicate of the scenario with a single person, and the report times are that person's
///   visit times, so the recorded occupancy is the person's state at each visit.

#include <cstdint>
#include <string>
#include <vector>

#include "trede/calib/data.hpp"
#include "trede/model/scenario.hpp"

namespace trede::calib {

/// A covariate drawn per person from normal(mean, sd) (raw value, before the attribute's center).
struct SimulatedCovariate {
  std::string name;  ///< a number or age attribute of the scenario
  double mean = 0.0;
  double sd = 1.0;
};

/// What to simulate.
struct SimulateOptions {
  std::size_t people = 1000;
  double follow_up_years = 5.0;       ///< observation ends this long after the first visit
  double mean_visit_gap_years = 1.0;  ///< panel: mean gap between visits
  double visit_jitter = 0.5;          ///< panel: gaps are uniform on mean × [1 − jitter, 1 + jitter]
  bool exact = false;                 ///< event histories (every transition time) instead of visits
  std::uint64_t seed = 1;
  std::vector<SimulatedCovariate> covariates;  ///< Markov generator only
  /// Engine generator: people share this many distinct visit schedules (each schedule is one
  /// scenario with its own report times, run for people / schedules replicates).
  std::size_t schedules = 50;
};

/// Simulates the exact Markov process of the scenario's exponential transitions. People start in
/// the states of the scenario's initial population, in proportion to the group counts. Times in
/// the data are calendar years from `start_year`.
/// \throws ModelError when a transition is not exponential or a covariate is not a number attribute.
[[nodiscard]] PanelData simulate_markov_data(const model::Scenario& scenario, const SimulateOptions& options);

/// Simulates panel data with the engine (`trede::mc::run`, one person per replicate; see the
/// file comment). The scenario must have its population in groups (no CSV) and no regions;
/// inflows are switched off. Covariates are not supported here.
/// \throws ModelError for a scenario that does not meet these conditions.
[[nodiscard]] PanelData simulate_engine_data(const model::Scenario& scenario, const SimulateOptions& options);

}  // namespace trede::calib
