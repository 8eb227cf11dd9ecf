#pragma once
/// \file
/// The result of any calibration (event histories, panel data, aggregate targets): estimates
/// with standard errors and 95 % intervals, the likelihood or objective, how the optimiser did,
/// and the scenario keys to change. Numerical outcomes are a status, never an exception.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trede::calib {

/// How an optimisation ended.
enum class FitStatus : std::uint8_t {
  converged,            ///< the convergence criterion was met
  max_iterations,       ///< stopped at the iteration or evaluation limit
  not_improving,        ///< no step improved the objective any more before the criterion was met
  singular_information, ///< converged, but the information matrix is singular: some SEs unavailable
  failed,               ///< the objective could not be evaluated (see FitResult::message)
};

/// Name of a status ("converged", ...).
[[nodiscard]] const char* to_string(FitStatus s) noexcept;

/// One reported parameter.
struct Estimate {
  std::string name;        ///< e.g. "bijstand->diagnose", "beta[age] bijstand->diagnose", a scenario key
  std::string kind;        ///< "rate" (per year), "beta" (log-hazard ratio per unit), "piece" (hazard per year of one piece), "parameter"
  std::string key;         ///< scenario key it is written to, e.g. "transition[bijstand->diagnose].rate" ("" when not written)
  double estimate = 0.0;
  double se = 0.0;         ///< standard error on the natural scale (delta method for rates); NaN when unavailable
  double lower = 0.0;      ///< 95 % interval (rates: exp(log estimate ± 1.96 se_log); betas: ± 1.96 se)
  double upper = 0.0;
  double start = 0.0;      ///< value in the scenario before calibration (NaN when it had none)
  bool fixed = false;      ///< held at its value, not estimated
  int parameter = -1;      ///< index of the free parameter it depends on, -1 when fixed
};

/// Fit of one aggregate target value (simulated method of moments).
struct TargetFit {
  std::string id;
  double time = 0.0;       ///< calendar year
  double observed = 0.0;
  double sd = 0.0;         ///< uncertainty of the observation used for its weight
  double simulated = 0.0;  ///< mean over the replicates at the estimate
  double simulated_se = 0.0;  ///< Monte Carlo standard error of `simulated`
  double z = 0.0;          ///< (simulated - observed) / sd
};

/// The log-likelihood reached from one starting point.
struct StartResult {
  std::string label;       ///< "scenario", "crude", "random 1", ...
  double log_likelihood = 0.0;  ///< or -objective/2 for targets
  int iterations = 0;
  FitStatus status = FitStatus::converged;
};

/// Everything a fit produced.
struct FitResult {
  std::string method;      ///< "exact" (event histories), "panel" (Markov, panel data), "targets" (simulated moments)
  FitStatus status = FitStatus::failed;
  std::string message;     ///< human-readable detail of the status and of any caveat
  std::vector<Estimate> estimates;
  std::vector<std::string> parameter_names;   ///< [p] free parameters (log rates, betas, scaled scenario values)
  std::vector<double> theta;                  ///< [p] free parameters at the estimate (log scale for rates)
  std::vector<double> covariance;             ///< [p, p] of theta (inverse observed information); NaN when singular
  double log_likelihood = 0.0;                ///< panel and exact; for targets -objective/2
  double objective = 0.0;                     ///< targets: weighted sum of squares; else -2 log L
  std::size_t parameters = 0;                 ///< number of free parameters (p)
  double aic = 0.0;                           ///< -2 log L + 2 p
  int iterations = 0;
  int evaluations = 0;                        ///< objective (and gradient) evaluations
  double seconds = 0.0;                       ///< wall-clock time of the fit
  std::size_t subjects = 0;
  std::size_t observations = 0;
  std::size_t transitions = 0;                ///< observed moves (exact) or intervals with a change of state (panel)
  std::vector<std::string> states;            ///< [S] for `q`
  std::vector<double> q;                      ///< [S, S] fitted intensity matrix at covariates 0 (panel, exact)
  std::vector<double> q_lower, q_upper;       ///< [S, S] 95 % intervals of q (NaN off the edges)
  /// [S] mean sojourn time per state at covariates 0, 1 / (total exit rate), years (msm's
  /// sojourn.msm); infinity for absorbing states. Intervals by the delta method on the log scale.
  std::vector<double> sojourn, sojourn_lower, sojourn_upper;
  std::vector<StartResult> starts;            ///< one per starting point tried
  std::vector<TargetFit> targets;             ///< targets only
  std::vector<std::string> notes;             ///< caveats (edges without events, skipped targets, ...)
};

/// Prints a readable summary of `r` (what `trede calibrate` shows): estimates with intervals,
/// log-likelihood, -2 log L, AIC, iterations, time, and the fit per target.
[[nodiscard]] std::string summary(const FitResult& r);

/// z quantile of the 95 % intervals (1.959964).
inline constexpr double z95 = 1.959963984540054;

}  // namespace trede::calib
