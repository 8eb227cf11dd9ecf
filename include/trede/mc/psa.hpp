#pragma once
/// \file
/// Probabilistic sensitivity analysis (PSA): D parameter sets θ_d drawn from a scenario's
/// uncertain parameters (its `[uncertainty]` table) by a scrambled Sobol sequence or a Latin
/// hypercube from the master seed, R replicates of each. Draw d's replicate r uses the random
/// streams (seed, first_replicate + d·R + r) — independent Monte Carlo noise per draw, which
/// averages out over the draws — or, with `common_streams`, (seed, first_replicate + r) in
/// every draw (common random numbers across draws: smooth responses, one shared noise). Either
/// way, scenarios compared on the same draws meet the same streams at every (draw, replicate),
/// so their differences are paired over both θ and the random numbers. The pooled D·R
/// replicates give every summary with both sources of uncertainty, parameter and Monte Carlo;
/// with R >= 2 each KPI's variance is split into the two (mc::variance_split, or
/// mc::variance_split_crossed for common streams). Formalism and file layout:
/// docs/uncertainty.md.
///
/// Example:
/// \code
///   auto s = trede::model::load_scenario("models/participatiewet/groningen.toml");
///   trede::mc::PsaOptions o;
///   o.draws = 256;
///   o.run.replicates = 2;
///   trede::mc::ThreadExecutor threads;
///   trede::mc::Psa p = trede::mc::psa(s, o, threads);
///   auto work = trede::mc::kpi(p.pooled, "persons_reaching_work");  // q05..q95 over θ and noise
/// \endcode

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "trede/mc/design_points.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/executor.hpp"
#include "trede/mc/sweep.hpp"
#include "trede/mc/variance_split.hpp"
#include "trede/model/scenario.hpp"

namespace trede::mc {

/// The parameter sets of a PSA.
struct DrawSet {
  std::vector<std::string> keys;           ///< [k] the uncertain keys, in draw order
  std::vector<std::string> distributions;  ///< [k] each key's (marginal) distribution, e.g. "beta(a = 3.5, b = 31.5)"
  std::vector<std::vector<std::size_t>> blocks;  ///< independent blocks of keys (a parameter, or a group drawn together)
  std::vector<std::string> block_names;  ///< [B] each block's label (model::Uncertainty::block_names)
  PointMethod method = PointMethod::sobol;
  std::uint64_t seed = 0;
  std::size_t draws = 0;                   ///< D
  std::vector<double> values;              ///< [D, k] draw-major

  /// Values of draw d.
  [[nodiscard]] std::span<const double> draw(std::size_t d) const {
    return std::span<const double>(values).subspan(d * keys.size(), keys.size());
  }
  /// The draws as a sweep design (keys and values as text), for resume stores; the kind names
  /// the design and the streams (PsaOptions::common_streams), which change the results.
  [[nodiscard]] Design as_design(bool common_streams = false) const;
};

/// Draws `draws` parameter sets of the uncertain parameters of `scenarios` (the union of their
/// keys: a key uncertain in several scenarios must have the same distribution, or the same
/// group, in each — the scenarios then share its draws). Design points come from `method` with
/// `seed`; the same (scenarios, draws, method, seed) always give the same draws.
/// \throws ModelError when no scenario has uncertain parameters, a key's distribution differs
/// between scenarios, or `draws` is 0 (a Sobol design of more than 2^32 points is refused too).
[[nodiscard]] DrawSet draw_parameters(std::span<const model::Scenario* const> scenarios, std::size_t draws,
                                      PointMethod method, std::uint64_t seed);

/// The scenario `base` at draw `d` of `draws`: its own uncertain keys set to the draw's values
/// (model::with_values; whole-number keys rounded). Keys of the draw set that `base` does not
/// declare uncertain keep their value.
[[nodiscard]] model::Scenario scenario_at_draw(const model::Scenario& base, const DrawSet& draws, std::size_t d);

/// scenario_at_draw for many draws of one base: which keys `base` declares uncertain, and which
/// take whole numbers, is looked up once. `base` and `draws` must outlive it.
class ScenarioAtDraw {
 public:
  ScenarioAtDraw(const model::Scenario& base, const DrawSet& draws);
  ~ScenarioAtDraw();
  ScenarioAtDraw(ScenarioAtDraw&&) noexcept;
  ScenarioAtDraw& operator=(ScenarioAtDraw&&) noexcept;
  /// The scenario at draw d (as scenario_at_draw(base, draws, d)).
  [[nodiscard]] model::Scenario operator()(std::size_t d) const;

 private:
  struct Keys;
  const model::Scenario* base_;
  const DrawSet* draws_;
  std::unique_ptr<const Keys> keys_;
};

/// How to run a PSA.
struct PsaOptions {
  RunOptions run;              ///< replicates per draw R (>= 1), seed, threads, first_replicate
  std::size_t draws = 0;       ///< D >= 2
  PointMethod method = PointMethod::sobol;
  /// Replicate r of every draw on the same streams (default: independent streams per draw).
  bool common_streams = false;
  double confidence = 0.95;    ///< level of the variance-split intervals
  /// Called as draws finish with (draws done, draws), on the calling thread. May be empty.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  /// Checks the options once. \throws ModelError.
  void check() const;
};

/// A finished PSA of one scenario.
struct Psa {
  DrawSet draws;
  std::uint64_t replicates_per_draw = 0;  ///< R
  bool common_streams = false;            ///< see PsaOptions::common_streams
  /// The D·R runs as one ensemble, draw-major: replicate row d·R + r is draw d, replicate r
  /// (streams `stream(d, r)`). Its summaries hold both sources of uncertainty. Totals only (no
  /// per-region arrays). Empty on processes other than the executor's root.
  Ensemble pooled;
  /// The replicate index (random streams) of draw d's replicate r.
  [[nodiscard]] std::uint64_t stream(std::size_t d, std::size_t r) const noexcept {
    return pooled.first_replicate + (common_streams ? 0 : d * replicates_per_draw) + r;
  }
  /// [K] the variance of each KPI split into its parameter and Monte Carlo parts (R >= 2 and
  /// D >= 3; empty otherwise).
  std::vector<VarianceSplit> kpi_variance;
};

/// Runs a PSA of `scenario` with `draws` (from draw_parameters; typically of this scenario
/// alone) through `executor`; finished draws are kept in `store` when given (resume).
/// \throws ModelError for bad options or when the scenario has no uncertain parameters.
[[nodiscard]] Psa psa(const model::Scenario& scenario, const DrawSet& draws, const PsaOptions& options,
                      Executor& executor, PointStore* store = nullptr);
/// The same with the scenario's own draws (draw_parameters of it alone, options.draws,
/// options.method, options.run.seed).
[[nodiscard]] Psa psa(const model::Scenario& scenario, const PsaOptions& options, Executor& executor,
                      PointStore* store = nullptr);

/// The per-draw means of one KPI of a pooled PSA ensemble: [D], each the mean over the draw's R
/// replicates (the unit of the decision summaries).
[[nodiscard]] std::vector<double> draw_means(const Ensemble& pooled, std::size_t replicates_per_draw, std::size_t kpi);

}  // namespace trede::mc
