#pragma once
/// \file
/// One calibration, end to end: rates from individual data (event histories or panel data),
/// scenario keys from aggregate targets (simulated method of moments), or both in two stages
/// (the data fit's rates written into the scenario, then the targets fit on it). Returns the
/// fit and the calibrated scenario text, which is checked to load before it is returned. What
/// `trede calibrate` and Python's `trede.calibrate` run.
///
/// Example (two stages):
/// \code
///   auto s = trede::model::load_scenario("models/calibration/ladder4.toml");
///   trede::calib::Plan plan;
///   plan.data = trede::calib::DataStage{trede::calib::read_csv("models/calibration/panel.csv", s)};
///   plan.targets = trede::calib::TargetStage{trede::calib::read_targets("models/calibration/targets.json", s)};
///   trede::mc::ThreadExecutor threads;
///   trede::calib::Calibration c = trede::calib::calibrate(s, plan, threads);
/// \endcode

#include <optional>
#include <string>
#include <vector>

#include "trede/calib/data.hpp"
#include "trede/calib/fit.hpp"
#include "trede/calib/markov.hpp"
#include "trede/calib/report.hpp"
#include "trede/calib/targets.hpp"
#include "trede/mc/executor.hpp"
#include "trede/model/scenario.hpp"

namespace trede::calib {

/// Rates from individual data.
struct DataStage {
  PanelData data;
  bool exact = false;   ///< event histories (exact transition times) instead of panel data
  ModelSpec spec;       ///< fixed and shared rates, covariate effects
  FitOptions options;
};

/// Scenario keys from aggregate targets.
struct TargetStage {
  TargetSet targets;
  std::vector<ParameterBound> parameters;  ///< added to the target file's own `parameters`
  MomentOptions options;                   ///< options.executor is set by `calibrate`
};

/// What to calibrate: one stage, or both (data first).
struct Plan {
  std::optional<DataStage> data;
  std::optional<TargetStage> targets;
  Provenance provenance;  ///< command line and time stamp; data paths and hashes are filled in

  /// Checks the plan once: at least one stage; each stage's options. \throws ModelError.
  void check() const;
};

/// A finished calibration.
struct Calibration {
  FitResult fit;                  ///< one stage's fit, or both merged (see `merge_stages`)
  std::vector<FitResult> stages;  ///< each stage's own fit, in order
  std::string calibrated_text;    ///< the scenario text with the fitted values written in (loads); "" when failed
  Provenance provenance;          ///< with data paths and hashes
  /// True when the fit may be written: no stage failed. A stage that stopped without
  /// converging is kept (fit.status says so, and `trede calibrate` warns).
  [[nodiscard]] bool usable() const noexcept { return fit.status != FitStatus::failed; }
};

/// Runs `plan` on `scenario` (its data and targets already read against it); simulations of the
/// targets stage go through `executor`. A failed first stage stops the calibration (the result
/// is not usable). \throws ModelError for a bad plan (before anything runs), or when the
/// calibrated scenario would not load.
[[nodiscard]] Calibration calibrate(const model::Scenario& scenario, const Plan& plan, mc::Executor& executor);

/// One report for a two-stage fit: the data fit's estimates, then the targets fit's; their
/// covariance is block-diagonal with unknown (NaN) cross terms.
[[nodiscard]] FitResult merge_stages(const FitResult& data_fit, const FitResult& targets_fit);

}  // namespace trede::calib
