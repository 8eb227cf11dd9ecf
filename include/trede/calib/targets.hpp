#pragma once
/// \file
/// Calibration to published aggregates (stocks, flows, shares, rates by year) by the simulated
/// method of moments: chosen scenario keys (with bounds) are varied by a derivative-free
/// optimiser (NLopt BOBYQA or Nelder–Mead); every candidate runs the same replicates of the same
/// master seed (common random numbers), so the objective is smooth in the parameters up to the
/// discreteness of the simulation; residuals are weighted by the targets' uncertainty.
///
/// Target file format (JSON; docs/calibration.md): a list of targets, or an object
/// `{"targets": [...], "parameters": [...], "replicates": R, "seed": s}`. A target that has no
/// `model` member (such as most entries of a catalogue of published figures) is skipped and
/// listed in the notes.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "trede/calib/fit.hpp"
#include "trede/mc/executor.hpp"
#include "trede/model/scenario.hpp"

namespace trede::calib {

/// What a target measures in the model.
enum class TargetKind : std::uint8_t {
  stock,  ///< people in `states` at time t (occupancy at a report time)
  flow,   ///< moves along `edges` during (t - window, t]
  share,  ///< people in `states` ÷ people in `of` at time t
  rate,   ///< moves along `edges` during (t - window, t] ÷ person-years in `of` over the same window (per year)
};

/// One target series.
struct Target {
  std::string id;
  TargetKind kind = TargetKind::stock;
  std::vector<std::string> states;   ///< stock, share: numerator states
  std::vector<std::string> of;       ///< share, rate: denominator states
  std::vector<std::string> edges;    ///< flow, rate: flow-edge ids (engine::Layout::edges, e.g. "bijstand->diagnose", "(inflow)->bijstand")
  double window_years = 1.0;         ///< flow, rate: length of the counting window
  double scale = 1.0;                ///< model value × scale is compared with the data (e.g. 100 for %, or population scaling)
  std::vector<double> times;         ///< calendar years (report times for stocks and shares; window ends for flows and rates)
  std::vector<double> values;        ///< observed values, same length
  std::vector<double> sd;            ///< uncertainty of each value (from `sd`, or `cv` × |value|)
  int line = 0;                      ///< line of its `model` member in the target file (0: not from a file)
  int times_line = 0;                ///< line of its `times`, `years` or `year` member
};

/// A scenario key to calibrate.
struct ParameterBound {
  std::string key;                   ///< as for --set, e.g. "transition[bijstand->diagnose].rate"
  double lower = 0.0, upper = 1.0;   ///< bounds (lower < upper)
  std::optional<double> start;       ///< default: the scenario's current value, else the midpoint
  bool log_scale = false;            ///< search on log(value) (both bounds > 0)
  std::string source = "--param";    ///< where it was given: the target file, or "--param 'TEXT'"
  int line = 0;                      ///< line in the target file (0 for --param)
};

/// A parsed target file.
struct TargetSet {
  std::string source;                ///< file name
  std::string sha256;                ///< of the file's bytes
  std::vector<Target> targets;
  std::vector<ParameterBound> parameters;  ///< from the file's "parameters" (may be empty)
  std::optional<std::uint64_t> replicates;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> skipped;  ///< ids of entries without a `model` member
  std::vector<std::string> notes;    ///< assumptions made while reading (e.g. a default uncertainty)
};

/// Reads a target file and checks it against `scenario` (states, edges, report times).
/// Uncertainties must be finite, > 0 and at least 1e-6 × max(|value|, 1) (`sd`; a `cv` at
/// least 1e-6, and none for a value of 0).
/// \throws ModelError listing every problem with the file, the line and the member (by target
/// id), IoError if unreadable.
[[nodiscard]] TargetSet read_targets(const std::string& path, const model::Scenario& scenario);
/// Like `read_targets`, from text in memory.
[[nodiscard]] TargetSet parse_targets(const std::string& text, const std::string& source_name,
                                      const model::Scenario& scenario);

/// Parses "key=lo:hi" or "key=lo:hi:start" (a `log:` prefix on the range, "key=log:lo:hi",
/// searches on the log scale). \throws ModelError on a malformed text.
[[nodiscard]] ParameterBound parse_parameter_bound(const std::string& text);

/// How to run the simulated method of moments.
struct MomentOptions {
  std::uint64_t replicates = 16;     ///< replicates per candidate (the same ones every time)
  std::uint64_t seed = 1;            ///< master seed shared by all candidates (common random numbers)
  int threads = 0;                   ///< 0 = all cores; results do not depend on it
  int max_evaluations = 300;
  double xtol_rel = 1e-4;            ///< stop when the parameters change by less than this (relative to their range)
  std::string algorithm = "bobyqa";  ///< "bobyqa" or "neldermead"
  bool standard_errors = true;       ///< sandwich SEs from a numerical Jacobian of the moments (2p extra runs)
  /// Called after each simulated candidate with (candidates done, most candidates: the
  /// evaluation limit plus the runs for the standard errors), from the calling thread. May be empty.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  /// Where candidates run (nullptr: the threads of this process). With the ranks of an MPI job,
  /// every rank takes part in every candidate and follows the same optimiser path (the root's
  /// simulated targets are broadcast).
  mc::Executor* executor = nullptr;

  /// Checks the options once: replicates >= 2, threads >= 0, max_evaluations >= 1, a known
  /// algorithm. \throws ModelError.
  void check() const;
};

/// Fits `parameters` of `scenario` to `targets`. The scenario is re-read from its text with the
/// parameter values as overrides for every candidate. Estimates carry approximate SEs from the
/// sandwich formula (J'WJ)^-1 with the observation and simulation variances.
/// \throws ModelError for a bad parameter key or bounds (found before any simulation).
///
/// Example:
/// \code
///   auto s = trede::model::load_scenario("models/calibration/ladder4.toml");
///   auto t = trede::calib::read_targets("models/calibration/targets.json", s);
///   trede::calib::MomentOptions o;
///   o.replicates = 16;
///   auto fit = trede::calib::fit_targets(s, t, {trede::calib::parse_parameter_bound(
///                                                  "transition[traject->werk].rate=log:0.1:2")}, o);
/// \endcode
[[nodiscard]] FitResult fit_targets(const model::Scenario& scenario, const TargetSet& targets,
                                    const std::vector<ParameterBound>& parameters,
                                    const MomentOptions& options = {});

/// Simulated values of every target at `scenario` ([target][time], mean over replicates), and
/// their Monte Carlo standard errors; what the objective compares. Used to make targets from a
/// known scenario in tests and examples.
struct SimulatedTargets {
  std::vector<std::vector<double>> mean, se;
};
[[nodiscard]] SimulatedTargets simulate_targets(const model::Scenario& scenario, const TargetSet& targets,
                                                std::uint64_t replicates, std::uint64_t seed, int threads = 0);

}  // namespace trede::calib
