// One calibration end to end (trede/calib/calibrate.hpp).

#include "trede/calib/calibrate.hpp"

#include <limits>

#include "trede/error.hpp"
#include "trede/model/load.hpp"

namespace trede::calib {
namespace {

// The calibrated text must load like any other scenario before anyone writes it.
void check_loads(const model::Scenario& scenario, const std::string& text) {
  try {
    (void)model::reparse(scenario, text, {});
  } catch (const ModelError& e) {
    std::vector<Diagnostic> d{{"", 0, "-o",
                               "the calibrated scenario would not load, so nothing was written (line numbers are "
                               "those of the calibrated text):"}};
    d.insert(d.end(), e.diagnostics().begin(), e.diagnostics().end());
    throw ModelError(std::move(d));
  }
}

FitResult fit_data_stage(const model::Scenario& s, const DataStage& d) {
  return d.exact ? fit_exact(s, d.data, d.spec, d.options) : fit_panel(s, d.data, d.spec, d.options);
}

FitResult fit_target_stage(const model::Scenario& s, const TargetStage& t, mc::Executor& executor) {
  std::vector<ParameterBound> params = t.targets.parameters;
  params.insert(params.end(), t.parameters.begin(), t.parameters.end());
  MomentOptions o = t.options;
  o.executor = &executor;
  return fit_targets(s, t.targets, params, o);
}

}  // namespace

void Plan::check() const {
  std::vector<Diagnostic> problems;
  if (!data && !targets)
    problems.push_back({"", 0, "data/targets",
                        "give data (event histories or panel data), targets, or both (two stages)"});
  if (data) {
    if (data->options.starts < 1) problems.push_back({"", 0, "starts", "must be >= 1"});
    if (data->options.max_iterations < 1) problems.push_back({"", 0, "max_iterations", "must be >= 1"});
    if (!(data->options.tolerance > 0.0)) problems.push_back({"", 0, "tolerance", "must be > 0"});
  }
  if (targets) {
    try {
      targets->options.check();
    } catch (const ModelError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
    if (targets->targets.parameters.empty() && targets->parameters.empty())
      problems.push_back({targets->targets.source, 0, "parameters",
                          "no parameters to calibrate (give --param key=lower:upper or \"parameters\" in the file)"});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
}

FitResult merge_stages(const FitResult& one, const FitResult& two) {
  FitResult m = one;
  m.method = one.method + "+targets";
  m.message = "stage 1: " + one.message + "; stage 2: " + two.message;
  if (one.status == FitStatus::converged) m.status = two.status;
  const std::size_t p1 = one.parameters, p2 = two.parameters, p = p1 + p2;
  for (auto e : two.estimates) {
    if (e.parameter >= 0) e.parameter += static_cast<int>(p1);
    m.estimates.push_back(e);
  }
  m.parameter_names.insert(m.parameter_names.end(), two.parameter_names.begin(), two.parameter_names.end());
  m.theta.insert(m.theta.end(), two.theta.begin(), two.theta.end());
  m.covariance.assign(p * p, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < p1; ++i)
    for (std::size_t j = 0; j < p1; ++j) m.covariance[i * p + j] = one.covariance[i * p1 + j];
  for (std::size_t i = 0; i < p2; ++i)
    for (std::size_t j = 0; j < p2; ++j) m.covariance[(p1 + i) * p + p1 + j] = two.covariance[i * p2 + j];
  m.parameters = p;
  m.objective = two.objective;  // the targets' weighted sum of squares; log_likelihood and AIC stay the data fit's
  m.iterations += two.iterations;
  m.evaluations += two.evaluations;
  m.seconds += two.seconds;
  m.targets = two.targets;
  for (const auto& st : two.starts) m.starts.push_back({"targets: " + st.label, st.log_likelihood, st.iterations, st.status});
  for (const auto& n : two.notes) m.notes.push_back("targets: " + n);
  return m;
}

Calibration calibrate(const model::Scenario& scenario, const Plan& plan, mc::Executor& executor) {
  plan.check();
  Calibration c;
  c.provenance = plan.provenance;
  if (plan.data) {
    c.provenance.data_path = plan.data->data.source;
    c.provenance.data_sha256 = plan.data->data.sha256;
  }
  if (plan.targets) {
    c.provenance.data_path += (plan.data ? "; " : "") + plan.targets->targets.source;
    c.provenance.data_sha256 += (plan.data ? "; " : "") + plan.targets->targets.sha256;
  }
  if (plan.data && plan.targets) {
    // Two stages: rates from the data, written into the scenario; then the targets' keys on that
    // scenario (the fitted rates held unless a parameter names them).
    Provenance p1 = c.provenance;
    p1.data_path = plan.data->data.source;
    p1.data_sha256 = plan.data->data.sha256;
    c.stages.push_back(fit_data_stage(scenario, *plan.data));
    if (c.stages.back().status == FitStatus::failed) {
      c.fit = c.stages.back();
      return c;
    }
    const std::string text1 = calibrated_scenario_text(scenario, c.stages.back(), p1, /*write_uncertainty=*/false);
    const model::Scenario staged = model::reparse(scenario, text1, scenario.overrides);
    c.stages.push_back(fit_target_stage(staged, *plan.targets, executor));
    c.fit = merge_stages(c.stages[0], c.stages[1]);
    if (!c.usable()) return c;
    Provenance p2 = c.provenance;
    p2.data_path = plan.targets->targets.source;
    p2.data_sha256 = plan.targets->targets.sha256;
    c.calibrated_text = calibrated_scenario_text(staged, c.stages[1], p2);
    // The first stage's sampling uncertainty for the keys the second stage left alone (their
    // marginal distribution; the cross-covariance between the stages is unknown).
    std::vector<std::string> refitted;
    for (const auto& e : c.stages[1].estimates)
      if (!e.key.empty()) refitted.push_back(e.key);
    const UncertaintyBlock first = without_keys(uncertainty_block(scenario, c.stages[0]), refitted);
    c.calibrated_text += uncertainty_toml(first, "Sampling uncertainty of the rates calibrated in the first stage (" +
                                                     c.stages[0].method + ") and not refitted in the second.",
                                          unused_group_name(scenario, "calibration, first stage (" + c.stages[0].method + ")"));
  } else {
    c.stages.push_back(plan.data ? fit_data_stage(scenario, *plan.data)
                                 : fit_target_stage(scenario, *plan.targets, executor));
    c.fit = c.stages.back();
    if (!c.usable()) return c;
    c.calibrated_text = calibrated_scenario_text(scenario, c.fit, c.provenance);
  }
  check_loads(scenario, c.calibrated_text);
  return c;
}

}  // namespace trede::calib
