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
#include <utility>
#include <string>
#include <vector>

#include "outputs.hpp"
#include "progress.hpp"
#include "common.hpp"
#include "trede/calib/calibrate.hpp"
#include "trede/calib/data.hpp"
#include "trede/calib/markov.hpp"
#include "trede/calib/report.hpp"
#include "trede/calib/targets.hpp"
#include "trede/error.hpp"
#include "trede/io/calibration.hpp"
#include "trede/io/atomic_file.hpp"
#include "trede/io/output_guard.hpp"
#include "trede/model/load.hpp"

namespace {

struct Args {
  std::string scenario, data, targets, output, report;
  std::vector<std::string> sets, covariates, covariate_on, fixes, shares, params;
  bool exact = false, shared_covariates = false, exact_absorbing = false, quiet = false, no_se = false;
  int starts = 3, max_iterations = 200, threads = 0, max_evaluations = 300;
  std::string replicates_text, seed_text;  // as typed; parsed (whole numbers in range) by `checked`
  std::optional<std::uint64_t> replicates, seed;
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

// Options that apply to one kind of fit only are refused in the others, as are -n and --seed
// that are not whole numbers in range (they used to be ignored when negative).
void check_options(const CLI::App& sub, Args& a) {
  const bool data = !a.data.empty(), targets = !a.targets.empty(), panel = data && !a.exact;
  const auto given = [&](const char* name) { return sub.get_option(name)->count() > 0; };
  for (const char* name : {"--exact-absorbing", "--starts"})
    if (given(name) && !panel) bad(name, "applies to panel-data fits only (--data without --exact)");
  for (const char* name : {"--covariate-on", "--shared-covariates", "--max-iterations"})
    if (given(name) && !data) bad(name, "applies to --data fits only");
  for (const char* name : {"-n", "--threads", "--max-evaluations", "--algorithm", "--no-se"})
    if (given(name) && !targets) bad(name, "applies to --targets fits only");
  try {
    if (given("-n")) a.replicates = trede::cli::parse_count("-n", a.replicates_text, std::uint64_t{1} << 32, 2);
    if (given("--seed"))
      a.seed = trede::cli::parse_count("--seed", a.seed_text, std::numeric_limits<std::uint64_t>::max());
  } catch (const trede::cli::BadInput& e) {
    const auto colon = e.message.find(": ");
    bad(e.message.substr(0, colon), e.message.substr(colon + 2));
  }
}

void check_output(const std::string& opt, const std::string& out) {
  if (const std::string problem = trede::io::output_problem(out); !problem.empty())
    bad(opt, (out.empty() ? "" : out + " ") + problem);
}

// Input files that cannot be read are bad input (exit 2), like a bad scenario.
template <class F>
auto as_input(F&& f) {
  try {
    return f();
  } catch (const trede::IoError& e) {
    std::string why = e.what();  // "path: why"
    if (why.rfind(e.path() + ": ", 0) == 0) why.erase(0, e.path().size() + 2);
    throw trede::ModelError(e.path(), 0, "", why);
  }
}

// The library names a problem of the model specification by its entry (`fixed[a->b]`,
// `shared[0]`, `covariates[age]`, `covariates[age].on` for the transitions it acts on) without a
// file; here it is named as the option that gave it.
template <class F>
auto as_spec_options(F&& f) {
  try {
    return f();
  } catch (const trede::ModelError& e) {
    std::vector<trede::Diagnostic> found = e.diagnostics();
    for (trede::Diagnostic& d : found) {
      if (!d.file.empty()) continue;
      for (const auto& [entry, option] : {std::pair{"fixed", "--fix"}, {"shared", "--share"}, {"covariates", "--covariates"}})
        if (d.key.starts_with(std::string(entry) + "[")) d.file = option;
      if (d.key.starts_with("covariates[") && d.key.ends_with("].on")) d.file = "--covariate-on";
    }
    throw trede::ModelError(std::move(found));
  }
}

trede::calib::DataStage data_stage(const Args& a, const trede::model::Scenario& scenario) {
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
  trede::calib::DataStage stage{data, a.exact, spec, {}};
  stage.options.starts = a.starts;
  stage.options.max_iterations = a.max_iterations;
  stage.options.exact_absorbing = a.exact_absorbing;
  if (a.seed) stage.options.seed = *a.seed;
  return stage;
}

trede::calib::TargetStage target_stage(const Args& a, const trede::model::Scenario& scenario) {
  trede::calib::TargetStage stage;
  stage.targets = as_input([&] { return trede::calib::read_targets(a.targets, scenario); });
  for (const auto& p : a.params) stage.parameters.push_back(trede::calib::parse_parameter_bound(p));
  trede::calib::MomentOptions& mo = stage.options;
  mo.replicates = a.replicates ? *a.replicates : stage.targets.replicates.value_or(mo.replicates);
  mo.seed = a.seed ? *a.seed : stage.targets.seed.value_or(mo.seed);
  mo.threads = a.threads;
  mo.max_evaluations = a.max_evaluations;
  mo.algorithm = a.algorithm;
  mo.standard_errors = !a.no_se;
  return stage;
}

// What the fit's status means for the user: a failed fit writes nothing (exit 1); any other
// status but converged is written with a warning.
void report_status(const trede::calib::FitResult& fit) {
  if (fit.status == trede::calib::FitStatus::failed)
    std::fprintf(stderr, "error: the fit failed (%s); nothing written\n", fit.message.c_str());
  else if (fit.status != trede::calib::FitStatus::converged)
    std::fprintf(stderr, "warning: the fit ended with status %s (%s); check the estimates\n",
                 trede::calib::to_string(fit.status), fit.message.c_str());
}

int run(const Args& a) {
  if (a.data.empty() && a.targets.empty())
    bad("--data/--targets", "give --data FILE (event histories or panel data), --targets FILE, or both (two stages)");
  if (!a.output.empty()) check_output("-o", a.output);
  if (!a.report.empty()) check_output("--report", a.report);
  if (a.data.empty() && (a.exact || !a.covariates.empty() || !a.fixes.empty() || !a.shares.empty()))
    bad("--targets", "--exact, --covariates, --fix and --share apply to --data fits only");
  if (a.targets.empty() && !a.params.empty()) bad("--param", "--param applies to --targets fits only");

  const auto scenario = trede::model::load_scenario(a.scenario, a.sets);
  auto inputs = trede::io::scenario_inputs(scenario);
  inputs.push_back({"--data", a.data});
  inputs.push_back({"--targets", a.targets});
  std::erase_if(inputs, [](const auto& f) { return f.path.empty(); });
  trede::cli::guard_outputs(inputs, {{"-o", a.output}, {"--report", a.report}});
  trede::calib::Plan plan;
  plan.provenance.command_line = trede::cli::command_line();
  if (!a.data.empty()) plan.data = data_stage(a, scenario);
  if (!a.targets.empty()) plan.targets = target_stage(a, scenario);
  trede::cli::ProgressBar bar(!a.quiet && trede::cli::root() && trede::cli::stderr_is_terminal(), "candidates");
  if (plan.targets)
    plan.targets->options.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const trede::calib::Calibration c = as_spec_options([&] {
    plan.check();
    return trede::calib::calibrate(scenario, plan, trede::cli::executor());
  });
  bar.finish();
  if (!trede::cli::root()) return 0;
  if (!a.quiet) {
    if (c.stages.size() == 2) {
      std::cout << "stage 1 of 2: rates from " << a.data << "\n" << trede::calib::summary(c.stages[0]) << "\n";
      std::cout << "stage 2 of 2: scenario keys from " << a.targets << "\n" << trede::calib::summary(c.stages[1]);
    } else {
      std::cout << trede::calib::summary(c.fit);
    }
  }
  for (const auto& st : c.stages) report_status(st);
  if (!c.usable()) return 1;
  // Both outputs are written to temporaries first and renamed together: both or neither.
  std::optional<trede::io::PendingFile> scenario_file, report_file;
  std::vector<trede::io::PendingFile*> files;
  try {
    if (!a.output.empty()) {
      scenario_file.emplace(a.output);
      scenario_file->write(c.calibrated_text);
      files.push_back(&*scenario_file);
    }
    if (!a.report.empty()) {
      report_file.emplace(a.report);
      trede::io::write_calibration(*report_file, c.fit, scenario, c.calibrated_text, c.provenance);
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

const trede::cli::Register reg{"calibrate", [](CLI::App& app) {
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
  sub->add_option("-o,--output", a->output, "Calibrated scenario (TOML): the input text with the fitted values written in, and their sampling "
                  "uncertainty as an [[uncertainty.multivariate_normal]] group named \"calibration (METHOD)\" (when "
                  "standard errors were computed)")->check(trede::cli::output_name());
  sub->add_option("--report", a->report, "Fit report (HDF5): estimates, intervals, covariance, fit per target")->check(trede::cli::output_name());
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
  sub->add_option("-n,--replicates", a->replicates_text, "Targets: replicates per candidate, at least 2 (default 16 or the file's)");
  sub->add_option("--seed", a->seed_text, "Targets: master seed shared by all candidates; panel: seed of the random starts");
  sub->add_option("--threads", a->threads,
                  "Targets: worker threads, 0 = all cores, at most " + std::to_string(trede::mc::max_threads) +
                      " (results do not depend on it)")->capture_default_str();
  sub->add_option("--max-evaluations", a->max_evaluations, "Targets: most candidates simulated")->capture_default_str();
  sub->add_option("--algorithm", a->algorithm, "Targets: bobyqa or neldermead")->capture_default_str();
  sub->add_flag("--no-se", a->no_se, "Targets: skip the standard errors (saves 2 runs per parameter)");
  sub->add_option("--set", a->sets, "Override a scenario key before fitting: key=value (repeatable)");
  sub->add_flag("-q,--quiet", a->quiet, "No summary (errors and notes only)");
  for (const char* name : {"--set", "--fix", "--share", "--param", "--covariate-on"})
    sub->get_option(name)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->expected(1)->allow_extra_args(false);
  return trede::cli::Runner{sub, [a, sub] {
                              check_options(*sub, *a);
                              return run(*a);
                            }, [a] { return std::vector<std::string>{a->scenario, a->data, a->targets}; }};
}};

}  // namespace
