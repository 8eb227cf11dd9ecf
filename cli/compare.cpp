// trede compare: scenarios on common random numbers; paired differences with intervals.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <memory>

#include "common.hpp"
#include "format.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "trede/engine/result.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/compare.hpp"
#include "trede/model/load.hpp"

namespace trede::cli {
namespace {

struct Args : RunArgs {
  std::vector<std::string> scenarios;
  std::string output;
  bool no_independent = false;
  double confidence = 0.95;
  std::int64_t trajectories = 0;
};

void print_comparison(const mc::Comparison& c) {
  const auto& L = c.ensembles.front().layout;
  const auto& base = c.ensembles.front();
  std::printf("comparison of %zu scenarios, %llu replicates each, seed %llu, common random numbers; reference: %s\n",
              c.names.size(), static_cast<unsigned long long>(base.replicates),
              static_cast<unsigned long long>(base.seed), c.names.front().c_str());
  const int level = static_cast<int>(std::lround(c.confidence * 100));
  for (std::size_t d = 0; d < c.kpi.size(); ++d) {
    std::printf("\n%s - %s: paired difference, mean [%d%% interval]%s\n", c.names[d + 1].c_str(),
                c.names.front().c_str(), level,
                c.variance_reduction_kpi.empty() ? "" : "; variance reduction vs independent streams");
    for (std::size_t k = 0; k < L.K(); ++k) {
      const std::string& name = L.kpi_names[k];
      std::printf("  %-36s %16s  %16s  [%s, %s]", name.c_str(), format_kpi(name, base.kpi_summary.mean[k]).c_str(),
                  format_kpi_difference(name, c.kpi[d].mean[k]).c_str(), format_kpi_difference(name, c.kpi[d].lo[k]).c_str(),
                  format_kpi_difference(name, c.kpi[d].hi[k]).c_str());
      if (!c.variance_reduction_kpi.empty()) std::printf("  x%s", format_number(c.variance_reduction_kpi[d][k]).c_str());
      std::printf("\n");
    }
  }
  // Per period: the KPIs policy teams ask for first.
  for (std::size_t d = 0; d < c.kpi_period.size(); ++d) {
    std::printf("\n%s - %s per period (to the report time): uitstroom_werk, uitval, cost_eur [%d%% interval]\n",
                c.names[d + 1].c_str(), c.names.front().c_str(), level);
    for (std::size_t p = 0; p < L.P(); ++p) {
      if (L.period_end[p] <= L.period_start[p]) continue;
      std::printf("  %8.2f", L.period_end[p]);
      for (std::size_t k : {engine::kpp_uitstroom_werk, engine::kpp_uitval, engine::kpp_cost_eur}) {
        const std::size_t i = p * L.Kp() + k;
        const std::string& name = L.kpi_period_names[k];
        std::printf("  %12s [%s, %s]", format_kpi_difference(name, c.kpi_period[d].mean[i]).c_str(),
                    format_kpi_difference(name, c.kpi_period[d].lo[i]).c_str(),
                    format_kpi_difference(name, c.kpi_period[d].hi[i]).c_str());
      }
      std::printf("\n");
    }
  }
  if (!c.variance_reduction_kpi.empty()) {
    std::vector<double> v;
    for (const auto& row : c.variance_reduction_kpi)
      for (double x : row)
        if (std::isfinite(x)) v.push_back(x);
    std::sort(v.begin(), v.end());
    if (!v.empty())
      std::printf("\nvariance reduction from common random numbers (var independent / var paired) over all KPIs: "
                  "median x%s, range x%s to x%s\n",
                  format_number(v[v.size() / 2]).c_str(), format_number(v.front()).c_str(), format_number(v.back()).c_str());
  }
}

int run(const Args& a) {
  mc::CompareOptions opt;
  opt.run = run_options(a);
  if (a.trajectories < 0) throw BadInput{"--trajectories: must be >= 0 (got " + std::to_string(a.trajectories) + ")"};
  opt.run.trace_people = static_cast<std::uint64_t>(a.trajectories);
  opt.measure_independent = !a.no_independent;
  opt.confidence = a.confidence;
  opt.check();
  if (!a.output.empty()) check_output_path("-o", a.output);
  std::vector<model::Scenario> scenarios;
  std::vector<Diagnostic> problems;
  for (const auto& path : a.scenarios) {
    try {
      scenarios.push_back(model::load_scenario(path, a.sets));
    } catch (const ModelError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    } catch (const IoError& e) {
      problems.push_back({"", 0, "", e.what()});  // the message names the file
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  std::vector<io::NamedFile> inputs;
  for (const auto& s : scenarios) {
    const auto in = io::scenario_inputs(s);
    inputs.insert(inputs.end(), in.begin(), in.end());
  }
  if (!a.output.empty()) guard_outputs(inputs, {{"-o", a.output}});
  mc::check_comparable(scenarios);  // before any run
  ProgressBar bar(root() && !a.quiet && stderr_is_terminal(), "replicates");
  // Progress in units a user knows: which scenario, and its replicates.
  const std::string of_n = "/" + std::to_string(scenarios.size());
  auto current = std::make_shared<std::atomic<std::size_t>>(SIZE_MAX);
  opt.run_progress = [&bar, of_n, current, n = scenarios.size()](std::size_t run, std::size_t runs, std::uint64_t done,
                                                                  std::uint64_t replicates) {
    if (current->exchange(run) != run)
      bar.set_step(run < n ? "scenario " + std::to_string(run + 1) + of_n
                           : "scenario " + std::to_string(run - n + 2) + of_n + " on independent streams",
                   run, runs);
    bar.update(done, replicates);
  };
  const mc::Comparison c = mc::compare(scenarios, opt, executor());
  bar.finish();
  if (!root()) return exit_ok;
  if (!a.output.empty()) {
    io::WriteOptions wo;
    wo.compression_level = a.compression;
    wo.command_line = command_line();
    io::write_comparison(a.output, c, scenarios, wo);
  }
  if (!a.quiet) {
    print_comparison(c);
    if (!a.output.empty()) std::printf("\nwrote %s\n", a.output.c_str());
  }
  return exit_ok;
}

const Register reg{"compare", [](CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "compare", "Run scenarios with common random numbers; report paired differences with intervals");
  sub->add_option("scenarios", a->scenarios, "Scenario files (TOML); the first is the reference")
      ->required()
      ->expected(2, -1);
  add_run_options(sub, *a, "Replicates per scenario (>= 2)");
  sub->get_option("--set")->description("Override a key in every scenario: key=value (repeatable)");
  sub->get_option("--seed")->description("Master seed, shared by all scenarios (common random numbers)");
  sub->add_option("-o,--output", a->output, "HDF5 comparison file (differences, variance reduction, every ensemble)");
  sub->add_option("--confidence", a->confidence, "Level of the intervals")->capture_default_str();
  sub->add_flag("--no-independent", a->no_independent,
                "Skip the independent-stream runs that measure the variance reduction (N-1 of the 2N-1 runs)");
  sub->add_option("--trajectories", a->trajectories,
                  "Record every change of state of the first N people of each replicate in every scenario "
                  "(the same people everywhere: /scenarios/<i>/trajectories); 0 = none")
      ->capture_default_str();
  return Runner{sub, [a] { return run(*a); }, [a] { return a->scenarios; }};
}};

}  // namespace
}  // namespace trede::cli
