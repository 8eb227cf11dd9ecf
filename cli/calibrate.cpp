// `trede calibrate`: fit transition rates to event histories or panel data, or scenario keys to
// aggregate targets; write the calibrated scenario and a fit report. Argument parsing and
// printing only; the work is in trede::calib.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "outputs.hpp"
#include "progress.hpp"
#include "registry.hpp"
#include "trede/calib/data.hpp"
#include "trede/calib/markov.hpp"
#include "trede/calib/report.hpp"
#include "trede/calib/targets.hpp"
#include "trede/error.hpp"
#include "trede/io/atomic_file.hpp"
#include "trede/io/output_guard.hpp"
#include "trede/model/load.hpp"

namespace {

struct Args {
  std::string scenario, data, targets, output, report;
  std::vector<std::string> sets, covariates, covariate_on, fixes, shares, params;
  bool exact = false, shared_covariates = false, exact_absorbing = false, quiet = false, no_se = false;
  int starts = 3, max_iterations = 200, threads = 0, max_evaluations = 300;
  std::int64_t replicates = -1, seed = -1;
  std::string algorithm = "bobyqa";
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(s);
  while (std::getline(is, cur, sep))
    if (!cur.empty()) out.push_back(cur);
  return out;
}

[[noreturn]] void bad(const std::string& key, const std::string& msg) { throw trede::ModelError("", 0, key, msg); }

void check_output(const std::string& opt, const std::string& out) {
  namespace fs = std::filesystem;
  const fs::path p(out);
  if (fs::is_directory(p)) bad(opt, out + " is a directory");
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) bad(opt, "directory '" + dir.string() + "' does not exist");
}

// Input files that cannot be read are bad input (exit 2), like a bad scenario.
template <class F>
auto as_input(F&& f) {
  try {
    return f();
  } catch (const trede::IoError& e) {
    throw trede::ModelError(e.path(), 0, "", e.what());
  }
}

trede::calib::FitResult fit_data(const Args& a, const trede::model::Scenario& scenario, trede::calib::Provenance& prov) {
  trede::calib::CsvOptions co;
  for (const auto& c : a.covariates)
    for (const auto& name : split(c, ',')) co.covariates.push_back(name);
  const auto data = as_input([&] { return trede::calib::read_csv(a.data, scenario, co); });
  trede::calib::ModelSpec spec;
  std::map<std::string, std::vector<std::string>> on;
  for (const auto& c : a.covariate_on) {
    const auto eq = c.find('=');
    if (eq == std::string::npos || eq == 0) bad("--covariate-on " + c, "write --covariate-on NAME=ID[,ID...]");
    const std::string name = c.substr(0, eq);
    if (std::find(co.covariates.begin(), co.covariates.end(), name) == co.covariates.end())
      bad("--covariate-on " + c, "'" + name + "' is not one of the --covariates");
    for (const auto& id : split(c.substr(eq + 1), ',')) on[name].push_back(id);
  }
  for (const auto& name : co.covariates) spec.covariates.push_back({name, on[name], a.shared_covariates});
  for (const auto& f : a.fixes) {
    const auto eq = f.rfind('=');
    if (eq == std::string::npos) bad("--fix " + f, "write --fix FROM->TO=RATE");
    try {
      std::size_t used = 0;
      const std::string v = f.substr(eq + 1);
      const double rate = std::stod(v, &used);
      if (used != v.size()) throw std::invalid_argument(v);
      spec.fixed[f.substr(0, eq)] = rate;
    } catch (const std::exception&) {
      bad("--fix " + f, "the rate after '=' must be a number (per year)");
    }
  }
  for (const auto& s : a.shares) spec.shared.push_back(split(s, ','));
  trede::calib::FitOptions fo;
  fo.starts = a.starts;
  fo.max_iterations = a.max_iterations;
  fo.exact_absorbing = a.exact_absorbing;
  if (a.seed >= 0) fo.seed = static_cast<std::uint64_t>(a.seed);
  prov.data_path = a.data;
  prov.data_sha256 = data.sha256;
  return a.exact ? trede::calib::fit_exact(scenario, data, spec, fo) : trede::calib::fit_panel(scenario, data, spec, fo);
}

trede::calib::FitResult fit_aggregates(const Args& a, const trede::model::Scenario& scenario, trede::calib::Provenance& prov) {
  const auto ts = as_input([&] { return trede::calib::read_targets(a.targets, scenario); });
  std::vector<trede::calib::ParameterBound> params = ts.parameters;
  for (const auto& p : a.params) params.push_back(trede::calib::parse_parameter_bound(p));
  trede::calib::MomentOptions mo;
  mo.replicates = a.replicates > 0 ? static_cast<std::uint64_t>(a.replicates) : ts.replicates.value_or(mo.replicates);
  mo.seed = a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : ts.seed.value_or(mo.seed);
  mo.threads = a.threads;
  mo.max_evaluations = a.max_evaluations;
  mo.algorithm = a.algorithm;
  mo.standard_errors = !a.no_se;
  prov.data_path = a.targets;
  prov.data_sha256 = ts.sha256;
  trede::cli::ProgressBar bar(!a.quiet && trede::cli::stderr_is_terminal(), "candidates");
  mo.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  auto fit = trede::calib::fit_targets(scenario, ts, params, mo);
  bar.finish();
  return fit;
}

// One report for a two-stage fit: the data fit's estimates, then the targets fit's; their
// covariance is block-diagonal with unknown (NaN) cross terms.
trede::calib::FitResult merge(const trede::calib::FitResult& one, const trede::calib::FitResult& two) {
  trede::calib::FitResult m = one;
  m.method = one.method + "+targets";
  m.message = "stage 1: " + one.message + "; stage 2: " + two.message;
  if (one.status == trede::calib::FitStatus::converged) m.status = two.status;
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

void check_status(const trede::calib::FitResult& fit) {
  if (fit.status == trede::calib::FitStatus::failed) {
    std::fprintf(stderr, "error: the fit failed (%s); nothing written\n", fit.message.c_str());
    throw 1;
  }
  if (fit.status != trede::calib::FitStatus::converged && fit.status != trede::calib::FitStatus::singular_information)
    std::fprintf(stderr, "warning: the optimiser stopped with status %s; check the estimates\n",
                 trede::calib::to_string(fit.status));
}

int run(const Args& a) {
  if (a.data.empty() && a.targets.empty())
    bad("--data/--targets", "give --data FILE (event histories or panel data), --targets FILE, or both (two stages)");
  if (!a.output.empty()) check_output("-o", a.output);
  if (!a.report.empty()) check_output("--report", a.report);
  if (a.starts < 1) bad("--starts", "must be >= 1");
  if (a.max_iterations < 1) bad("--max-iterations", "must be >= 1");
  if (a.threads < 0) bad("--threads", "must be >= 0 (0 = all cores)");
  if (a.data.empty() && (a.exact || !a.covariates.empty() || !a.fixes.empty() || !a.shares.empty()))
    bad("--targets", "--exact, --covariates, --fix and --share apply to --data fits only");
  if (a.targets.empty() && !a.params.empty()) bad("--param", "--param applies to --targets fits only");
  if (a.replicates == 0 || a.replicates == 1) bad("-n", "need at least 2 replicates per candidate");
  const auto dir = std::filesystem::path(a.scenario).parent_path();
  const std::string base_dir = dir.empty() ? "." : dir.string();

  const auto scenario = trede::model::load_scenario(a.scenario, a.sets);
  auto inputs = trede::io::scenario_inputs(scenario);
  inputs.push_back({"--data", a.data});
  inputs.push_back({"--targets", a.targets});
  std::erase_if(inputs, [](const auto& f) { return f.path.empty(); });
  trede::cli::guard_outputs(inputs, {{"-o", a.output}, {"--report", a.report}});
  trede::calib::FitResult fit;
  trede::calib::Provenance prov;
  prov.command_line = trede::cli::command_line();
  std::string text;
  try {
    if (!a.data.empty() && !a.targets.empty()) {
      // Two stages: rates from the data, written into the scenario; then the --param keys from
      // the targets on that scenario (the fitted rates held unless a --param names them).
      trede::calib::Provenance p1 = prov, p2 = prov;
      const auto one = fit_data(a, scenario, p1);
      if (!a.quiet) std::cout << "stage 1 of 2: rates from " << a.data << "\n" << trede::calib::summary(one) << "\n";
      check_status(one);
      const std::string text1 = trede::calib::calibrated_scenario_text(scenario, one, p1);
      const auto staged = trede::model::parse_scenario(text1, a.scenario, a.sets, base_dir);
      const auto two = fit_aggregates(a, staged, p2);
      if (!a.quiet) std::cout << "stage 2 of 2: scenario keys from " << a.targets << "\n" << trede::calib::summary(two);
      check_status(two);
      fit = merge(one, two);
      text = trede::calib::calibrated_scenario_text(staged, two, p2);
      prov.data_path = p1.data_path + "; " + p2.data_path;
      prov.data_sha256 = p1.data_sha256 + "; " + p2.data_sha256;
    } else {
      fit = !a.data.empty() ? fit_data(a, scenario, prov) : fit_aggregates(a, scenario, prov);
      if (!a.quiet) std::cout << trede::calib::summary(fit);
      check_status(fit);
      if (!a.output.empty() || !a.report.empty()) text = trede::calib::calibrated_scenario_text(scenario, fit, prov);
    }
  } catch (int code) {
    return code;
  }
  if (!text.empty()) {
    // The calibrated scenario must load like any other before it is written.
    try {
      (void)trede::model::parse_scenario(text, a.output.empty() ? a.scenario : a.output, {}, base_dir);
    } catch (const trede::ModelError& e) {
      std::vector<trede::Diagnostic> d{{"", 0, "-o",
                                        "the calibrated scenario would not load, so nothing was written (line numbers "
                                        "are those of the calibrated text):"}};
      d.insert(d.end(), e.diagnostics().begin(), e.diagnostics().end());
      throw trede::ModelError(std::move(d));
    }
  }
  // Both outputs are written to temporaries first and renamed together: both or neither.
  std::optional<trede::io::PendingFile> scenario_file, report_file;
  std::vector<trede::io::PendingFile*> files;
  try {
    if (!a.output.empty()) {
      scenario_file.emplace(a.output);
      scenario_file->write(text);
      files.push_back(&*scenario_file);
    }
    if (!a.report.empty()) {
      report_file.emplace(a.report);
      trede::calib::write_report(*report_file, fit, scenario, text, prov);
      files.push_back(&*report_file);
    }
    trede::io::commit_all(files);
  } catch (const trede::IoError& e) {
    if (a.output.empty() || a.report.empty()) throw;
    throw trede::IoError(e.path(), std::string(e.what()).substr(e.path().size() + 2) + "; neither " + a.output +
                                       " nor " + a.report + " was written");
  }
  if (!a.quiet)
    for (const auto* f : files) std::printf("%swrote %s\n", f == files.front() ? "\n" : "", f->path().c_str());
  return 0;
}

trede::cli::Register reg{"calibrate", [](CLI::App& app) {
  auto* sub = app.add_subcommand(
      "calibrate",
      "Fit transition rates to event histories or panel data (--data), scenario keys to aggregate "
      "targets (--targets), or both in two stages; write the calibrated scenario (-o) and a fit report (--report)");
  auto a = std::make_shared<Args>();
  sub->add_option("scenario", a->scenario, "Scenario file (TOML): its states and transitions are the model")->required();
  sub->add_option("--data", a->data, "Long-format CSV id,time,state[,covariates...] (time in years)");
  sub->add_flag("--exact", a->exact,
                "The data are event histories: each row is the time a state was entered (exact transition times; "
                "the last row of a person ends follow-up). Default: panel data, states seen at visit times");
  sub->add_option("--targets", a->targets, "Aggregate targets (JSON; see docs/calibration.md)");
  sub->add_option("-o,--output", a->output, "Calibrated scenario (TOML): the input text with the fitted values written in");
  sub->add_option("--report", a->report, "Fit report (HDF5): estimates, intervals, covariance, fit per target");
  sub->add_option("--covariates", a->covariates, "Covariate columns (scenario attributes) acting on every estimated rate, "
                                                 "comma-separated")->delimiter(',');
  sub->add_option("--covariate-on", a->covariate_on,
                  "Restrict a covariate's effects to some transitions: NAME=ID[,ID...] (repeatable; default: every estimated rate)");
  sub->add_flag("--shared-covariates", a->shared_covariates, "One effect per covariate for all transitions (default: one per transition)");
  sub->add_option("--fix", a->fixes, "Hold a rate: FROM->TO=RATE (per year; repeatable)");
  sub->add_option("--share", a->shares, "Transitions sharing one rate: ID,ID[,...] (repeatable)");
  sub->add_flag("--exact-absorbing", a->exact_absorbing,
                "Panel: entry into an absorbing state is observed at its exact time (like msm's deathexact)");
  sub->add_option("--starts", a->starts, "Panel: starting points (scenario rates, crude estimates, random)")->capture_default_str();
  sub->add_option("--max-iterations", a->max_iterations, "Scoring / Newton iterations per start")->capture_default_str();
  sub->add_option("--param", a->params, "Targets: scenario key to fit with bounds, key=LO:HI[:START] or key=log:LO:HI (repeatable)");
  sub->add_option("-n,--replicates", a->replicates, "Targets: replicates per candidate (default 16 or the file's)");
  sub->add_option("--seed", a->seed, "Targets: master seed shared by all candidates; panel: seed of the random starts");
  sub->add_option("--threads", a->threads, "Targets: worker threads, 0 = all cores (results do not depend on it)")->capture_default_str();
  sub->add_option("--max-evaluations", a->max_evaluations, "Targets: most candidates simulated")->capture_default_str();
  sub->add_option("--algorithm", a->algorithm, "Targets: bobyqa or neldermead")->capture_default_str();
  sub->add_flag("--no-se", a->no_se, "Targets: skip the standard errors (saves 2 runs per parameter)");
  sub->add_option("--set", a->sets, "Override a scenario key before fitting: key=value (repeatable)");
  sub->add_flag("-q,--quiet", a->quiet, "No summary (errors only)");
  for (const char* name : {"--set", "--fix", "--share", "--param", "--covariate-on"})
    sub->get_option(name)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->expected(1)->allow_extra_args(false);
  return trede::cli::Runner{sub, [a] { return run(*a); }};
}};

}  // namespace
