#pragma once
/// \file
/// Monte Carlo ensembles: many replicates of one scenario run in parallel (TBB), with results
/// that are bitwise identical for any number of threads, and their summaries.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "trede/engine/result.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/model/scenario.hpp"

namespace trede::mc {

/// How to run an ensemble.
struct RunOptions {
  std::uint64_t replicates = 100;      ///< number of replicates R (>= 1)
  std::uint64_t seed = 1;              ///< master seed
  int threads = 0;                     ///< worker threads; 0 = all cores, 1 = serial reference
  std::uint64_t first_replicate = 0;   ///< index of the first replicate (runs [first, first + R))
  /// Record every change of state of the first `trace_people` people created in each replicate
  /// (Ensemble::trace); 0 = none. Tracing changes no other result.
  std::uint64_t trace_people = 0;
  /// Keep the per-region arrays (when the scenario has regions). Off for the pooled draws of a
  /// probabilistic sensitivity analysis, which keep totals only.
  bool per_region = true;
  /// Called after each finished replicate with (finished, total), from a worker thread; must be
  /// thread-safe and cheap. May be empty.
  std::function<void(std::uint64_t, std::uint64_t)> progress;

  /// Checks the options once, before any run: replicates >= `min_replicates`, threads >= 0,
  /// and the replicate range [first_replicate, first_replicate + replicates) representable.
  /// \throws ModelError naming each bad option (keys "replicates", "threads", "first_replicate").
  void check(std::uint64_t min_replicates = 1) const;
};

/// Cell-by-cell statistics over replicates. Each vector has one entry per cell of the
/// summarised quantity (e.g. T*S for occupancy). Quantiles are type 7 (linear interpolation,
/// as numpy's default); sd uses n - 1. Replicates where a value is NaN (an undefined KPI) are
/// left out of that cell; a cell with no values is NaN.
struct Summary {
  std::vector<double> mean, sd, q05, q50, q95;
};

/// Statistics of `values` laid out [R, N] (replicate-major), per column.
[[nodiscard]] Summary summarize(std::span<const double> values, std::size_t replicates);
/// Integer version.
[[nodiscard]] Summary summarize(std::span<const std::int32_t> values, std::size_t replicates);

/// Number of participatieladder rungs reported (treden 1..6).
inline constexpr std::size_t ladder_rungs = 6;

/// All replicates of one run: per-replicate arrays (replicate-major, shapes as in
/// engine::ReplicateResult with a leading R) and their summaries.
struct Ensemble {
  engine::Layout layout;
  std::uint64_t seed = 0;
  std::uint64_t first_replicate = 0;
  std::uint64_t replicates = 0;

  std::vector<std::int32_t> occupancy;        ///< [R, T, S]
  std::vector<std::int32_t> trede_occupancy;  ///< [R, T, 6] people per trede 1..6
  std::vector<std::int32_t> waiting;          ///< [R, T, C]
  std::vector<std::int32_t> flows;            ///< [R, P, E]
  std::vector<double> person_years;           ///< [R, P, S]
  std::vector<double> cost_eur;               ///< [R, P]
  std::vector<double> cost_cumulative_eur;    ///< [R, T] cost from the start to each report time
  std::vector<double> waiting_years;          ///< [R, P, C]
  std::vector<std::int32_t> waiting_joined;   ///< [R, P, C]
  std::vector<std::int32_t> waiting_admitted; ///< [R, P, C]
  std::vector<std::int32_t> waiting_reneged;  ///< [R, P, C]
  std::vector<std::int32_t> waiting_left;     ///< [R, P, C]
  std::vector<double> waiting_time_sum;       ///< [R, P, C]
  std::vector<double> waiting_time_admitted_sum;  ///< [R, P, C]
  std::vector<double> sojourn_sum;            ///< [R, E]
  std::vector<double> sojourn_sumsq;          ///< [R, E]
  std::vector<double> kpi;                    ///< [R, K]
  std::vector<double> kpi_period;             ///< [R, P, Kp]
  std::vector<double> organisation_cost_eur;  ///< [R, P, O]
  std::vector<std::uint64_t> events;          ///< [R] moves plus arrivals per replicate

  /// False when the per-region arrays are not kept although the layout has regions (the pooled
  /// replicates of a probabilistic sensitivity analysis keep totals only).
  bool per_region = true;

  // By attribute group, only when the layout has groups ([report.by]).
  std::vector<std::int32_t> occupancy_group;  ///< [R, T, B, S]
  std::vector<std::int32_t> flows_group;      ///< [R, P, B, E]

  // Per region, only when layout.by_region() (more than one region) and per_region.
  std::vector<std::int32_t> occupancy_region;        ///< [R, T, G, S]
  std::vector<std::int32_t> trede_occupancy_region;  ///< [R, T, G, 6]
  std::vector<std::int32_t> waiting_region;          ///< [R, T, G, C]
  std::vector<double> person_years_region;           ///< [R, P, G, S]
  std::vector<double> cost_region_eur;               ///< [R, P, G]
  std::vector<double> kpi_region;                    ///< [R, G, K]

  Summary occupancy_summary;        ///< [T, S]
  Summary trede_summary;            ///< [T, 6]
  Summary waiting_summary;          ///< [T, C]
  Summary flows_summary;            ///< [P, E]
  Summary cost_cumulative_summary;  ///< [T]
  Summary kpi_summary;              ///< [K]
  Summary kpi_period_summary;       ///< [P, Kp]
  Summary organisation_cost_summary;///< [P, O]
  Summary occupancy_group_summary;  ///< [T, B, S] (with groups only)
  Summary flows_group_summary;      ///< [P, B, E]
  Summary occupancy_region_summary; ///< [T, G, S] (by_region only)
  Summary trede_region_summary;     ///< [T, G, 6]
  Summary waiting_region_summary;   ///< [T, G, C]
  Summary cost_region_summary;      ///< [P, G]
  Summary kpi_region_summary;       ///< [G, K]

  /// Traced changes of state (RunOptions::trace_people), replicate after replicate; replicate i's
  /// are trace[trace_offsets[i], trace_offsets[i + 1]). Both empty when nothing was traced.
  std::vector<engine::TraceEvent> trace;
  std::vector<std::uint64_t> trace_offsets;  ///< [R + 1]
  std::uint64_t trace_people = 0;

  double wall_seconds = 0.0;             ///< time spent simulating (not summarising)
  std::uint64_t peak_bytes_per_replicate = 0;   ///< largest replicate's person and event storage
  std::uint64_t peak_live_persons = 0;   ///< largest number of people alive at once in a replicate
  int threads_used = 1;

  /// Total events over all replicates.
  [[nodiscard]] std::uint64_t total_events() const noexcept;
};

/// Runs `options.replicates` replicates of `scenario` in parallel (ThreadExecutor) and
/// summarises them.
/// Replicate i uses the random streams of (options.seed, options.first_replicate + i), so the
/// result is the same for any thread count, and any range of replicates can run on its own.
/// \throws ModelError for bad options (replicates == 0, threads < 0); exceptions raised inside
///         a replicate reach the caller.
[[nodiscard]] Ensemble run(const model::Scenario& scenario, const RunOptions& options);

/// The same, for an already compiled simulator.
[[nodiscard]] Ensemble run(const engine::Simulator& simulator, const RunOptions& options);

/// Refuses (ModelError, key "replicates") an ensemble of `replicates` replicates of `layout`
/// whose per-replicate arrays would not fit in this machine's memory.
void check_memory(const engine::Layout& layout, std::uint64_t replicates, bool per_region = true);

/// Recomputes every summary of `e` from its per-replicate arrays.
void summarize(Ensemble& e);

/// Ensemble::trace as columns, one row per traced change of state (the /trajectories datasets).
struct TraceColumns {
  std::vector<std::uint64_t> replicate;  ///< replicate index (first_replicate + i)
  std::vector<std::uint64_t> person;
  std::vector<double> time;
  std::vector<std::int32_t> from;        ///< -1 for the entry into the model
  std::vector<std::int32_t> to;
};
[[nodiscard]] TraceColumns trace_columns(const Ensemble& e);

/// An ensemble with room for `replicates` replicates of `layout` starting at `first_replicate`
/// (arrays zeroed, no summaries); without `per_region`, the per-region arrays are left out.
[[nodiscard]] Ensemble allocate(const engine::Layout& layout, std::uint64_t replicates, std::uint64_t seed,
                                std::uint64_t first_replicate, bool per_region = true);

/// `e` without its per-region arrays (and their summaries): totals only.
[[nodiscard]] Ensemble without_regions(Ensemble e);

/// Copies the replicates of `part` into `whole` at their replicate indices; traced people
/// (Ensemble::trace) are appended, so traced parts must be placed in replicate order. \throws
/// Error when `part` has another seed or layout, lies outside `whole`'s replicate range, or is
/// traced differently or out of order.
void place(Ensemble& whole, const Ensemble& part);

/// Copies the per-replicate arrays of `part` into slots [slot, slot + part.replicates) of
/// `whole`, whatever their replicate indices (the pooled draws of a probabilistic sensitivity
/// analysis); traced people and statistics are not touched. \throws Error when the shapes differ
/// or the slots do not fit.
void place_at(Ensemble& whole, const Ensemble& part, std::size_t slot);

/// Joins ensembles of contiguous replicate ranges (in any order) into one and summarises it:
/// bitwise the same as running the whole range at once (the decomposability contract that MPI
/// runs rely on). \throws Error when the ranges leave gaps or overlap.
[[nodiscard]] Ensemble merge(std::vector<Ensemble> parts);

}  // namespace trede::mc
