#pragma once
/// \file
/// Monte Carlo ensembles: many replicates of one scenario run in parallel (TBB), with results
/// that are bitwise identical for any number of threads, and their summaries.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "trede/engine/result.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/model/scenario.hpp"

namespace trede::mc {

struct Ensemble;

/// Receives the per-region arrays of a run as its replicates finish, so that they need not be
/// held in memory until the end (a streamed result file: io::StreamedResult). Parts arrive in
/// replicate order, one call at a time, whatever the number of threads or processes: what a sink
/// writes is the same for any of them.
class ReplicateSink {
 public:
  virtual ~ReplicateSink() = default;
  /// `part` holds replicates [part.first_replicate, + part.replicates) with every array,
  /// per-region ones included; it is the next range after the previous call's.
  virtual void put(const Ensemble& part) = 0;
};

/// The most worker threads a run may ask for: above the cores of any machine, and below what
/// TBB and the thread stacks can hold (a thread count in the millions crashed TBB or ran out of
/// memory before this bound).
inline constexpr int max_threads = 4096;
/// What is wrong with `threads` as a thread count (0 = all cores, 1 to max_threads), or "" when
/// nothing is: the one check of every option that takes a thread count.
[[nodiscard]] std::string threads_problem(int threads);

/// How to run an ensemble.
struct RunOptions {
  std::uint64_t replicates = 100;      ///< number of replicates R (>= 1)
  std::uint64_t seed = 1;              ///< master seed
  int threads = 0;                     ///< worker threads; 0 = all cores, 1 = serial reference; <= max_threads
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
  /// When set (and the scenario has regions), the per-region arrays are handed to the sink in
  /// replicate order as replicates finish and are not kept: the ensemble returned keeps totals
  /// only (Ensemble::per_region false), and memory no longer grows with the replicates' regions.
  /// At most two replicates per thread are held waiting for their turn. Only for `run` (one
  /// simulator); on the root process of an MPI run.
  ReplicateSink* sink = nullptr;

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

/// The values of one per-replicate array of an ensemble, replicate-major, in its element type.
using ArrayValues = std::variant<std::vector<std::int32_t>, std::vector<double>, std::vector<std::uint64_t>>;

/// All replicates of one run: per-replicate arrays (replicate-major, shapes as in
/// engine::ReplicateResult with a leading R) and their summaries. The arrays are the rows of the
/// result catalogue (trede/mc/catalogue.hpp), held in its order; read them by name:
/// \code
///   const std::vector<std::int32_t>& occ = e.values<std::int32_t>("occupancy");  // [R, T, S]
///   double mean_persons = e.summary("kpi").mean[0];
/// \endcode
struct Ensemble {
  engine::Layout layout;
  std::uint64_t seed = 0;
  std::uint64_t first_replicate = 0;
  std::uint64_t replicates = 0;

  /// False when the per-region arrays are not kept although the layout has regions (the pooled
  /// replicates of a probabilistic sensitivity analysis keep totals only).
  bool per_region = true;

  /// One entry per catalogue row, in catalogue order, each of the row's element type: [R, ...]
  /// values for the arrays present in this ensemble, empty for the others (region arrays of one
  /// region, group arrays without [report.by]).
  std::vector<ArrayValues> arrays;
  /// One entry per catalogue row: the summary of each summarised array present (empty otherwise).
  std::vector<Summary> summaries;

  /// An ensemble of no replicates, with one (empty) array per catalogue row.
  Ensemble();

  /// The per-replicate values of the catalogue array called `name` ("occupancy", "kpi",
  /// "region/kpi", ...); empty when the array is not present. \throws Error (listing the names)
  /// for an unknown name, or when T is not the array's element type.
  template <class T>
  [[nodiscard]] const std::vector<T>& values(std::string_view name) const;
  template <class T>
  [[nodiscard]] std::vector<T>& values(std::string_view name);
  /// The summary of the catalogue array called `name` (cell by cell, in the array's shape
  /// without the replicate axis). \throws Error for an unknown name or an array not summarised.
  [[nodiscard]] const Summary& summary(std::string_view name) const;

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
