#pragma once
/// \file
/// Comparing scenarios with common random numbers: every scenario runs replicates
/// first..first+R-1 of the same master seed, so person k's random numbers are the same in all of
/// them and the paired differences (scenario - reference) have far less noise than differences
/// of independent runs. The variance reduction actually achieved is measured by also running
/// each non-reference scenario on disjoint replicate streams (first+R..first+2R-1).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "trede/mc/decision_summary.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/executor.hpp"
#include "trede/mc/psa.hpp"
#include "trede/model/scenario.hpp"

namespace trede::mc {

/// How to run a comparison.
struct CompareOptions {
  RunOptions run;             ///< replicates (>= 2), seed, threads, trace_people; run.progress counts all runs together
  bool measure_independent = true;  ///< also run independent streams to measure the variance reduction
  double confidence = 0.95;   ///< level of the intervals
  /// Called as replicates finish with (run, runs, replicates done in this run, replicates per
  /// run): run 0..N-1 are the scenarios on common random numbers, then the independent runs.
  /// From a worker thread; must be thread-safe and cheap. May be empty.
  std::function<void(std::size_t, std::size_t, std::uint64_t, std::uint64_t)> run_progress;

  /// A probabilistic sensitivity analysis of every scenario on the same parameter draws (the
  /// union of their [uncertainty] tables; mc::psa): D >= 2 draws, run.replicates per draw (1 is
  /// enough). 0: every scenario as given (Monte Carlo uncertainty only).
  std::size_t draws = 0;
  PointMethod method = PointMethod::sobol;  ///< design of the draws
  bool common_streams = false;              ///< PsaOptions::common_streams
  /// What the decision summaries decide on (Comparison::decision).
  DecisionOptions decision;
  /// When set (runs without draws), scenario i's paired run hands its per-region arrays to
  /// sink(i) as its replicates finish (RunOptions::sink; a streamed comparison file:
  /// io::StreamedComparison), and the Comparison's ensembles keep totals only; the independent
  /// runs then keep totals only as well (only their KPIs are used). May return nullptr.
  std::function<ReplicateSink*(std::size_t scenario)> sink;

  /// Checks the options once: RunOptions::check with at least 2 replicates (intervals need
  /// them; with draws, at least 1 per draw), confidence in (0, 1). \throws ModelError.
  void check() const;
};

/// Paired differences of one quantity, cell by cell: the mean, the sd of the independent units' differences (the
/// replicates; in a PSA comparison the draws, each the mean over its replicates) and the Student-t
/// interval of the mean over those units.
struct Difference {
  std::vector<double> mean, sd, lo, hi;
};

/// Result of comparing N scenarios against the first (the reference).
struct Comparison {
  std::vector<std::string> names;         ///< [N] scenario names (made unique)
  std::vector<Ensemble> ensembles;        ///< [N] common-random-number runs
  std::vector<Ensemble> independent;      ///< [N-1] runs of scenarios 1.. on independent streams (if measured)
  double confidence = 0.95;

  std::vector<Difference> kpi;            ///< [N-1] each over [K]
  std::vector<Difference> kpi_period;     ///< [N-1] each over [P, Kp]
  std::vector<Difference> trede;          ///< [N-1] each over [T, 6]
  std::vector<Difference> kpi_independent;  ///< [N-1] the same differences from independent streams
  /// [N-1][K]: var(independent differences) / var(paired differences); > 1 means common random
  /// numbers helped; infinity when the paired differences have no variance.
  std::vector<std::vector<double>> variance_reduction_kpi;
  std::vector<std::vector<double>> variance_reduction_kpi_period;  ///< [N-1][P * Kp]

  /// A PSA comparison: the draws every scenario ran (each ensemble's replicates are then its
  /// pooled draws, draw-major) and the replicates per draw; replicates_per_draw = 0 otherwise.
  DrawSet draws;
  std::uint64_t replicates_per_draw = 0;
  bool common_streams = false;
  /// Which option gets more people into work, at what cost, and how sure we are (mc::decide).
  DecisionSummary decision;
};

/// The five organisation models of the sociaal ontwikkelbedrijf built into every scenario, in
/// the order a comparison uses them (partieel, the most common, as the reference).
[[nodiscard]] std::vector<std::string> builtin_organisation_models();

/// `base` once for every organisation model in `models` (names of built-in or declared models;
/// {"all"} for the five built-in ones): every region run by that model, each variant named
/// "<base name> (<model>)". \throws ModelError for an unknown model.
[[nodiscard]] std::vector<model::Scenario> organisation_variants(const model::Scenario& base,
                                                                 const std::vector<std::string>& models);

/// Checks that `scenarios` (at least two) can be compared: they share the report grid, so
/// per-period differences line up. \throws ModelError naming each scenario file that does not.
void check_comparable(const std::vector<model::Scenario>& scenarios);

/// Runs and compares `scenarios` (at least two) through `executor`. They must share the report
/// grid (so per-period differences line up). On processes other than the executor's root the
/// result is empty. \throws ModelError when they do not, or for bad options (before any run).
[[nodiscard]] Comparison compare(const std::vector<model::Scenario>& scenarios, const CompareOptions& options,
                                 Executor& executor);
/// The same on the threads of this process (ThreadExecutor).
[[nodiscard]] Comparison compare(const std::vector<model::Scenario>& scenarios, const CompareOptions& options);

/// Compares ensembles already run (e.g. gathered from MPI ranks): `ensembles[0]` is the
/// reference, all with the same seed and replicate range; `independent` (may be empty) holds
/// scenarios 1.. run on disjoint replicates. Names are made unique. \throws ModelError when the
/// ensembles do not share the report grid and KPIs, Error when replicates or seeds differ.
/// `replicates_per_draw` > 0: the ensembles are PSA runs pooled draw-major, that many replicates
/// per draw, and the differences' units are the draws (a draw's replicates share its parameters,
/// so they are not independent of each other).
[[nodiscard]] Comparison compare_ensembles(std::vector<std::string> names, std::vector<Ensemble> ensembles,
                                           std::vector<Ensemble> independent, double confidence,
                                           std::uint64_t replicates_per_draw = 0);

/// Student t quantile t(p, ν) for p in (0, 1), ν >= 1, to about 1e-12 (closed forms for ν = 1, 2;
/// Newton on the exact distribution function beyond).
[[nodiscard]] double student_t_quantile(double p, double nu);

/// Paired differences a - b of two [R, N] arrays, per column. `per_unit` > 1: consecutive groups
/// of that many replicates are one independent unit (a PSA draw): each unit's differences are
/// averaged first (NaN left out; a unit without a value is left out), and the sd and interval are
/// over the R / per_unit unit means, as mc::decide's paired differences.
[[nodiscard]] Difference paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                                           std::size_t replicates, double confidence, std::size_t per_unit = 1);

}  // namespace trede::mc
