#pragma once
/// \file
/// Decision summaries of a comparison (organisation models, policies): which option gets more
/// people into work, at what cost, and how sure we are. Computed for any comparison — on
/// replicates (Monte Carlo uncertainty only) or on the draws of a probabilistic sensitivity
/// analysis (parameter and Monte Carlo uncertainty) — paired by common random numbers and common
/// parameter draws. Every number is built from the functions of trede/mc/decision.hpp,
/// evppi.hpp and sensitivity.hpp (formulas: docs/uncertainty-math.md).
///
/// The unit of the summaries is one draw (its replicates averaged) in a PSA, one replicate
/// otherwise: option k's effect and cost at unit d are paired with every other option's at d.

#include <cstdint>
#include <string>
#include <vector>

#include "trede/mc/decision.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/evppi.hpp"
#include "trede/mc/sensitivity.hpp"
#include "trede/model/scenario.hpp"

namespace trede::mc {

struct Comparison;

/// What to decide on.
struct DecisionOptions {
  /// The effect (more is better) and the cost (less is better), by KPI name;
  /// "person_years_in_work" is also accepted as the effect.
  std::string effect = "persons_reaching_work";
  std::string cost = "cost_total_eur";
  /// Willingness to pay, euros per extra unit of effect: the grid of the acceptability curve and
  /// EVPI. Empty: 0 to `lambda_max` in 51 points, plus `lambda_reference` when it is not one.
  std::vector<double> lambda;
  double lambda_max = 200000.0;
  /// The willingness to pay at which "probability best" is quoted in the summary table.
  double lambda_reference = 50000.0;
  double confidence = 0.95;
  std::uint64_t seed = 1;  ///< of the bootstrap resampling
  /// Checks the options. \throws ModelError.
  void check() const;
};

/// One KPI across the options.
struct KpiDecision {
  std::string kpi;
  bool higher_is_better = true;
  std::vector<double> mean;                  ///< [N] mean per option over the units
  std::vector<double> q_lower, q_upper;      ///< [N] the uncertainty interval of each option's value
  std::vector<DrawDifference> difference;    ///< [N-1] option k+1 minus the reference, paired
  std::vector<double> probability_best;      ///< [N] share of units where the option is best on this KPI
};

/// Everything decided about a comparison.
struct DecisionSummary {
  std::size_t units = 0;                 ///< D draws (PSA) or R replicates
  bool parameter_uncertainty = false;    ///< true for a PSA: the units differ in their parameters
  std::string uncertainty;               ///< "Monte Carlo + parameter (D draws x R replicates)" or "Monte Carlo (R replicates)"
  DecisionOptions options;
  std::vector<std::string> names;        ///< [N] options, the reference first
  std::vector<KpiDecision> kpis;         ///< the headline KPIs (the effect and cost first)
  std::vector<IncrementalRatio> cost_per_person;       ///< [N-1] extra cost per extra person reaching work
  std::vector<IncrementalRatio> cost_per_person_year;  ///< [N-1] extra cost per extra person-year in work
  Acceptability acceptability;           ///< CEAC, frontier, EVPI over options.lambda
  std::vector<double> probability_best_reference;  ///< [N] P(option has the largest net benefit) at lambda_reference
  /// EVPPI per group of uncertain parameters (PSA only; empty otherwise or with too few draws).
  /// A block whose EVPPI cannot be estimated is left out (with a note).
  std::vector<std::string> evppi_groups;  ///< [G] the label of each block estimated (DrawSet::block_names)
  std::vector<Evppi> evppi;              ///< [G]
  /// Global sensitivity: for option k+1 against the reference, first-order indices of each group
  /// of uncertain parameters for the difference in effect and in cost (PSA only).
  std::vector<FirstOrderIndices> sensitivity_effect;  ///< [N-1]
  std::vector<FirstOrderIndices> sensitivity_cost;    ///< [N-1]
  std::vector<std::string> sensitivity_groups;        ///< [B] every block's label: the columns of the indices
  std::vector<std::string> notes;        ///< what was left out and why
};

/// Per-unit values of KPI `name` of `e` ("person_years_in_work" is summed from the
/// person-years of `work_states`): [units], each the mean over `replicates_per_unit` rows.
[[nodiscard]] std::vector<double> unit_values(const Ensemble& e, std::string_view name, std::size_t replicates_per_unit,
                                              const std::vector<std::uint32_t>& work_states);

/// The decision summaries of `comparison` (of `scenarios`, whose work states define the
/// person-years in work). \throws ModelError for bad options (an unknown KPI).
[[nodiscard]] DecisionSummary decide(const Comparison& comparison, const std::vector<model::Scenario>& scenarios,
                                     const DecisionOptions& options = {});

}  // namespace trede::mc
