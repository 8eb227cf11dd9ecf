#pragma once
/// \file
/// Designs for parameter sweeps: a grid over listed values, or a seeded Latin hypercube over
/// ranges. A point is a list of scenario overrides ("key=value", as `--set`); every point runs
/// the same replicates of the same master seed, so differences between points are not blurred
/// by different random numbers (common random numbers across points).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <memory>

#include "trede/mc/catalogue.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/executor.hpp"
#include "trede/model/scenario.hpp"

namespace trede::mc {

struct DrawSet;  // trede/mc/psa.hpp

/// The points of a sweep.
struct Design {
  std::string kind;                              ///< "grid" or "lhs"
  std::vector<std::string> keys;                 ///< scenario keys, as for --set
  std::vector<std::vector<std::string>> values;  ///< [N][keys] TOML values as text
  std::vector<std::vector<double>> numeric;      ///< [N][keys] the same as numbers (NaN when not a number)

  /// Number of points.
  [[nodiscard]] std::size_t size() const noexcept { return values.size(); }
  /// Overrides of point i: {"key=value", ...}.
  [[nodiscard]] std::vector<std::string> overrides(std::size_t i) const;
  /// A text that identifies the design (kind, keys and every value), for resume checks.
  [[nodiscard]] std::string fingerprint() const;
};

/// The Cartesian product of the axes (key, values); the last key varies fastest.
/// \throws ModelError when an axis has no values or a key appears twice.
[[nodiscard]] Design grid_design(const std::vector<std::pair<std::string, std::vector<std::string>>>& axes);

/// One range of a Latin hypercube.
struct LhsRange {
  std::string key;
  double lo = 0.0;
  double hi = 1.0;
  bool whole = false;  ///< draw whole numbers lo..hi (each equally likely), e.g. capacities
};

/// A Latin hypercube of `points` points: each range is cut into `points` equal strata, each
/// stratum is used exactly once per key, with a uniform position inside it; permutations and
/// positions come from Philox streams of `seed`, so the design is reproducible.
/// \throws ModelError for no ranges, lo > hi, or points == 0.
[[nodiscard]] Design lhs_design(const std::vector<LhsRange>& ranges, std::size_t points, std::uint64_t seed);

/// What a sweep keeps of one point: the summaries of every summarised array of the result
/// catalogue that is not per region (catalogue order), and the per-replicate KPIs.
struct SweepPoint {
  std::vector<const ResultArray*> arrays;  ///< the summarised arrays, catalogue order
  std::vector<Summary> summaries;          ///< one per entry of `arrays`
  std::vector<double> kpi_replicates;      ///< [R, K]
  std::uint64_t events = 0;
  double wall_seconds = 0.0;

  /// The summary of the array called `name` ("kpi", "occupancy", ...). \throws Error if absent.
  [[nodiscard]] const Summary& summary(std::string_view name) const;
};

/// The part of `e` a sweep keeps.
[[nodiscard]] SweepPoint sweep_point(const Ensemble& e);

/// Where a sweep or PSA keeps its finished points, so that an interrupted run can resume:
/// io::SweepParts (one file per point next to the output). Asked on the root process only.
class PointStore {
 public:
  virtual ~PointStore() = default;
  /// The stored ensemble of point `i`, or nothing when it is missing or unusable (a store
  /// reports and discards a damaged or foreign part itself).
  [[nodiscard]] virtual std::optional<Ensemble> load(std::size_t i) = 0;
  /// Keeps point `i` (its ensemble and scenario) before the run goes on.
  virtual void save(std::size_t i, const Ensemble& e, const model::Scenario& scenario) = 0;
};

/// How to run a sweep.
struct SweepOptions {
  RunOptions run;  ///< replicates, seed and threads of every point (progress: see below)
  /// A PSA at every point (may be null: none): the same parameter draws (mc::draw_parameters of
  /// the base scenario) at every point, `run.replicates` replicates per draw; the streams of
  /// draw d's replicate r as in mc::psa. A point's summaries pool its D·R runs (parameter and
  /// Monte Carlo uncertainty). A swept key may not be uncertain.
  std::shared_ptr<const DrawSet> draws;
  bool common_streams = false;  ///< with draws: replicate r of every draw on the same streams
  /// Called after each finished point with (points done, points), on the calling thread. May be empty.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  /// Checks the options (RunOptions::check). \throws ModelError.
  void check() const { run.check(); }
};

/// A finished sweep.
struct Sweep {
  Design design;
  engine::Layout layout;               ///< shared by every point
  std::vector<SweepPoint> points;      ///< [N] in design order (empty on non-root processes)
  std::uint64_t seed = 0;
  std::uint64_t replicates = 0;        ///< runs per point (D·R with draws)
  std::shared_ptr<const DrawSet> draws;  ///< the parameter draws of a PSA sweep (null: none)
  std::uint64_t replicates_per_draw = 0; ///< R of a PSA sweep (0: none)
  bool common_streams = false;
};

/// The scenario of every point of `design` on `base` (the base's overrides, then the point's),
/// each checked; all must share the report grid and the states, so that their results stack.
/// \throws ModelError listing every bad point (before anything runs).
[[nodiscard]] std::vector<model::Scenario> sweep_scenarios(const model::Scenario& base, const Design& design);

/// The loop of sweeps and PSAs: runs `points` scenarios (`scenario_at(i)` builds point i when it
/// is needed) with the same replicates of the same seed through `executor`, several points at a
/// time (Executor::run_batch, so that points of few replicates still fill every core). Points
/// already in `store` are taken from there; each new one is saved there as soon as its batch is
/// done. `reduce` (may be empty) is applied to each ensemble before it is saved and kept;
/// `keep(i, ensemble)` receives every point in order on the root process; `progress(done,
/// points)` after each batch.
/// `first_replicate_of(i)` (may be empty: options.first_replicate for every point) gives the
/// replicate streams of point i.
void run_points(std::size_t points, const std::function<model::Scenario(std::size_t)>& scenario_at,
                const RunOptions& options, Executor& executor, PointStore* store,
                const std::function<Ensemble(Ensemble)>& reduce,
                const std::function<void(std::size_t, Ensemble&&)>& keep,
                const std::function<void(std::uint64_t, std::uint64_t)>& progress,
                const std::function<std::uint64_t(std::size_t)>& first_replicate_of = {});

/// Runs every point of `design` on `base` with the same replicates of the same seed (common
/// random numbers across points), through `executor`. Points already in `store` (when given)
/// are not run again; each finished point is saved there before the next starts.
/// \throws ModelError for bad options or points (before anything runs).
[[nodiscard]] Sweep sweep(const model::Scenario& base, const Design& design, const SweepOptions& options,
                          Executor& executor, PointStore* store = nullptr);

/// The runs of a PSA sweep as one design, for the resume store: unit p·D + d is point p at draw
/// d (the point's values, then the draw's).
[[nodiscard]] Design sweep_units(const Design& design, const DrawSet& draws, bool common_streams);

}  // namespace trede::mc
