#pragma once
/// \file
/// Maximum likelihood for multi-state models on a scenario's state graph:
///
/// - **event histories** (`fit_exact`): transition times observed exactly, right-censored at the
///   end of follow-up. Piecewise-constant hazards per edge (occurrences ÷ exposure in closed form
///   without covariates), log-linear covariate effects by Newton–Raphson on the Poisson
///   likelihood, standard errors from the observed information.
/// - **panel data** (`fit_panel`): states seen only at visit times. The continuous-time Markov
///   likelihood Π P(Δt)[a, b] with P(Δt) = exp(Q Δt) (Eigen), maximised by Fisher scoring with
///   analytic derivatives of the matrix exponential (Kalbfleisch & Lawless 1985), standard errors
///   from the observed information (numerical derivative of the analytic score), several
///   starting points. The same model as R's msm with `exacttimes = FALSE`.
///
/// Allowed edges are the scenario's transitions; rates are per year; covariate effects multiply a
/// rate by exp(beta · x), as in the scenario format.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trede/calib/data.hpp"
#include "trede/calib/fit.hpp"
#include "trede/model/scenario.hpp"

namespace trede::calib {

/// Covariate effects of one covariate.
struct CovariateSpec {
  std::string name;                ///< a column of PanelData::covariate_names ("age", "doelgroep=beschut")
  std::vector<std::string> edges;  ///< transition ids it acts on; empty = every estimated edge
  bool shared = false;             ///< one beta common to those edges instead of one per edge
};

/// What to estimate.
struct ModelSpec {
  /// Transitions held at a rate (per year) instead of estimated, by id ("from->to").
  std::map<std::string, double> fixed;
  /// Groups of transition ids that share one rate (msm's `constraint` on baseline rates).
  std::vector<std::vector<std::string>> shared;
  std::vector<CovariateSpec> covariates;
};

/// How to optimise.
struct FitOptions {
  int max_iterations = 200;        ///< scoring / Newton iterations per start
  double tolerance = 1e-8;         ///< stop when the score's scaled size U' I^-1 U falls below this
  int starts = 3;                  ///< panel: starting points (scenario rates, crude estimates, then random ones)
  std::uint64_t seed = 1;          ///< for the random starting points
  /// Panel: absorbing states (exit, death) are entered at exactly the observed time, with the
  /// state just before unknown (msm's `deathexact`). Default: they are panel observations too.
  bool exact_absorbing = false;
};

/// The fitted piece of a model: which rate parameters and covariate effects there are, compiled
/// from a scenario and a data set. Used by the fitting functions; exposed for tests and tools.
struct CompiledSpec {
  struct Edge {
    std::string id;                      ///< transition id
    model::StateIndex from = 0, to = 0;
    int transition = 0;                  ///< index in Scenario::transitions
    std::vector<double> breaks;          ///< piecewise hazards: time-in-state break points (years); {0} for a constant rate
    std::vector<int> rate_parameter;     ///< per piece: free parameter index, or -1 when fixed
    std::vector<double> fixed_rate;      ///< per piece: the rate when fixed
    std::vector<double> start_rate;      ///< per piece: the scenario's rate
    std::vector<int> beta_parameter;     ///< per covariate of the data: free parameter, or -1 (no effect)
  };
  std::size_t states = 0;
  std::vector<Edge> edges;
  std::vector<std::string> parameter_names;
  std::vector<bool> parameter_is_beta;
};

/// Compiles `spec` against `scenario` and `data`. \throws ModelError for unknown transition ids
/// or covariates, non-exponential hazards in a panel fit (`panel`), fixed rates <= 0.
[[nodiscard]] CompiledSpec compile_spec(const model::Scenario& scenario, const PanelData& data,
                                        const ModelSpec& spec, bool panel);

/// Event-history fit: each row gives the state entered at that time; a person stays in it until
/// the next row (a move if the state differs) or until the last row (censoring). Piecewise-
/// constant hazards are fitted for transitions whose scenario hazard is a table on the
/// time-in-state clock (the scenario's breaks); exponential transitions get one rate.
/// \throws ModelError when a row moves along no transition of the scenario.
[[nodiscard]] FitResult fit_exact(const model::Scenario& scenario, const PanelData& data,
                                  const ModelSpec& spec = {}, const FitOptions& options = {});

/// Sufficient statistics of exponential event histories: moves per transition and person-years
/// per state (as recorded by the engine: ReplicateResult::flows and ::person_years).
struct ExactCounts {
  std::vector<double> moves;         ///< [transitions of the scenario] moves along each transition
  std::vector<double> person_years;  ///< [states] time spent in each state
};

/// Event-history fit from counts: rate = moves ÷ person-years with exact Poisson intervals on the
/// log scale (no covariates). Transitions fixed in `spec` keep their rates.
[[nodiscard]] FitResult fit_exact_counts(const model::Scenario& scenario, const ExactCounts& counts,
                                         const ModelSpec& spec = {});

/// Panel-data fit of a continuous-time Markov model (see the file comment).
/// \throws ModelError when an observed change of state is impossible in the scenario's graph
///         (naming the CSV line), or for a bad `spec`. Never throws for numerical trouble: that
///         is the returned status.
///
/// Example:
/// \code
///   auto s = trede::model::load_scenario("models/calibration/ladder4.toml");
///   auto d = trede::calib::read_csv("models/calibration/panel.csv", s);
///   trede::calib::ModelSpec spec;
///   spec.fixed["werk->exit"] = 0.04;                       // per year
///   auto fit = trede::calib::fit_panel(s, d, spec);
///   if (fit.status == trede::calib::FitStatus::converged) std::cout << trede::calib::summary(fit);
/// \endcode
[[nodiscard]] FitResult fit_panel(const model::Scenario& scenario, const PanelData& data,
                                  const ModelSpec& spec = {}, const FitOptions& options = {});

/// Panel log-likelihood at a given intensity matrix `q` ([S, S] row-major, off-diagonal rates
/// per year; the diagonal is ignored and set so rows sum to 0) with no covariate effects.
[[nodiscard]] double panel_log_likelihood(const PanelData& data, const std::vector<double>& q,
                                          bool exact_absorbing = false);

/// exp(Q t) for a small dense matrix ([S, S] row-major), by Padé approximation with scaling and
/// squaring (Eigen). For tests and tools.
[[nodiscard]] std::vector<double> matrix_exponential(const std::vector<double>& q, double t);

}  // namespace trede::calib
