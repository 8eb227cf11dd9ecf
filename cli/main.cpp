// The `trede` command line: argument parsing and printing only; all work is in libtrede.
//
// Exit codes: 0 success, 2 bad input (scenario, options, unreadable input file, an output that is an
// input), 1 anything else, 130/143 interrupted by SIGINT/SIGTERM (cli/interrupt.cpp).

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "format.hpp"
#include "interrupt.hpp"
#include "outputs.hpp"
#include "parallel.hpp"
#include "progress.hpp"
#include "registry.hpp"
#include "suggest.hpp"
#include "trede/io/output_guard.hpp"
#include "trede/trede.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_bad_input = 2;

using trede::cli::BadInput;  // problems with input (exit 2) found outside the library
using trede::cli::format_kpi_row;
using trede::cli::format_number;

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

void check_output_path(const std::string& out) {
  namespace fs = std::filesystem;
  const fs::path p(out);
  if (fs::is_directory(p)) throw BadInput{"-o " + out + ": is a directory"};
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) throw BadInput{"-o " + out + ": directory '" + dir.string() + "' does not exist"};
}

void print_headline(const trede::model::Scenario& s, const trede::mc::Ensemble& e) {
  const auto& L = e.layout;
  const double events = static_cast<double>(e.total_events());
  std::printf("%s: %llu replicates, seed %llu, %d thread%s; %s events in %.2f s (%s events/s)\n", s.name.c_str(),
              static_cast<unsigned long long>(e.replicates), static_cast<unsigned long long>(e.seed), e.threads_used,
              e.threads_used == 1 ? "" : "s", format_number(events).c_str(), e.wall_seconds,
              format_number(e.wall_seconds > 0 ? events / e.wall_seconds : 0).c_str());
  std::printf("\nKPIs per replicate: mean [5%%, 95%%]\n");
  for (std::size_t k = 0; k < L.K(); ++k)
    std::printf("%s\n", format_kpi_row(L.kpi_names[k], e.kpi_summary.mean[k], e.kpi_summary.q05[k], e.kpi_summary.q95[k]).c_str());
  const std::size_t T = L.T(), S = L.S(), last = T - 1;
  std::printf("\nparticipatieladder at %.2f: mean people per trede [5%%, 95%%]\n", L.report_times[last]);
  for (std::size_t r = 0; r < trede::mc::ladder_rungs; ++r) {
    const std::size_t i = last * trede::mc::ladder_rungs + r;
    std::printf("  trede %zu  %12s  [%s, %s]\n", r + 1, format_number(e.trede_summary.mean[i]).c_str(),
                format_number(e.trede_summary.q05[i]).c_str(), format_number(e.trede_summary.q95[i]).c_str());
  }
  std::printf("\noccupancy at %.2f: mean [5%%, 95%%]\n", L.report_times[last]);
  for (std::size_t st = 0; st < S; ++st) {
    const std::size_t i = last * S + st;
    std::printf("  %-28s %12s  [%s, %s]\n", L.states[st].c_str(), format_number(e.occupancy_summary.mean[i]).c_str(),
                format_number(e.occupancy_summary.q05[i]).c_str(), format_number(e.occupancy_summary.q95[i]).c_str());
  }
  for (std::size_t c = 0; c < L.C(); ++c) {
    const std::size_t i = last * L.C() + c;
    std::printf("  waiting for %-16s %12s  [%s, %s]\n", L.capacity_states[c].c_str(),
                format_number(e.waiting_summary.mean[i]).c_str(), format_number(e.waiting_summary.q05[i]).c_str(),
                format_number(e.waiting_summary.q95[i]).c_str());
  }
}

int cmd_validate(const std::string& path, const std::vector<std::string>& sets) {
  const auto s = trede::model::load_scenario(path, sets);
  std::cout << trede::model::describe(s) << "OK: " << path << " is valid\n";
  return exit_ok;
}

struct RunArgs {
  std::string scenario;
  std::vector<std::string> sets;
  std::int64_t replicates = 100;  // signed, so that "-n -3" is rejected instead of wrapping
  std::int64_t seed = 1;
  int threads = 0;
  std::string output;
  bool quiet = false;
  int compression = 1;
  std::int64_t trajectories = 0;
};

int cmd_run(const RunArgs& a, const std::string& command_line) {
  const auto started = std::chrono::steady_clock::now();
  if (a.replicates < 1) throw BadInput{"-n: must be >= 1 (got " + std::to_string(a.replicates) + ")"};
  if (a.seed < 0) throw BadInput{"--seed: must be >= 0 (got " + std::to_string(a.seed) + ")"};
  if (a.threads < 0) throw BadInput{"--threads: must be >= 0 (0 = all cores)"};
  if (a.compression < 0 || a.compression > 9) throw BadInput{"--compression: must be 0..9"};
  if (a.trajectories < 0) throw BadInput{"--trajectories: must be >= 0 (got " + std::to_string(a.trajectories) + ")"};
  if (!a.output.empty()) check_output_path(a.output);
  const auto s = trede::model::load_scenario(a.scenario, a.sets);
  trede::cli::guard_outputs(trede::io::scenario_inputs(s), {{"-o", a.output}});
  auto& procs = trede::cli::Processes::get();

  trede::cli::ProgressBar bar(procs.root() && !a.quiet && trede::cli::stderr_is_terminal(), "replicates");
  trede::mc::RunOptions opt;
  opt.replicates = static_cast<std::uint64_t>(a.replicates);
  opt.seed = static_cast<std::uint64_t>(a.seed);
  opt.threads = a.threads;
  opt.trace_people = static_cast<std::uint64_t>(a.trajectories);
  opt.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const auto e = procs.run(trede::engine::Simulator(s), opt);
  bar.finish();
  if (!procs.root()) return exit_ok;  // rank 0 writes and prints
  double write_seconds = 0.0;
  if (!a.output.empty()) {
    trede::io::WriteOptions wo;
    wo.compression_level = a.compression;
    wo.command_line = command_line;
    const auto t0 = std::chrono::steady_clock::now();
    trede::io::write_hdf5(a.output, e, s, wo);
    write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  if (!a.quiet) {
    print_headline(s, e);
    if (!a.output.empty()) {
      const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::error_code ec;
      const auto bytes = std::filesystem::file_size(a.output, ec);
      std::printf("\nwrote %s (%.1f MB in %.2f s, %.1f%% of the run)\n", a.output.c_str(),
                  ec ? 0.0 : static_cast<double>(bytes) / 1e6, write_seconds, total > 0 ? 100.0 * write_seconds / total : 0.0);
    }
  }
  return exit_ok;
}

struct CompareArgs {
  std::vector<std::string> scenarios;
  std::vector<std::string> sets;
  std::int64_t replicates = 100;
  std::int64_t seed = 1;
  int threads = 0;
  std::string output;
  bool quiet = false;
  bool no_independent = false;
  double confidence = 0.95;
  int compression = 1;
  std::int64_t trajectories = 0;
};

void print_comparison(const trede::mc::Comparison& c) {
  const auto& L = c.ensembles.front().layout;
  const auto& base = c.ensembles.front();
  std::printf("comparison of %zu scenarios, %llu replicates each, seed %llu, common random numbers; reference: %s\n",
              c.names.size(), static_cast<unsigned long long>(base.replicates),
              static_cast<unsigned long long>(base.seed), c.names.front().c_str());
  const int level = static_cast<int>(std::lround(c.confidence * 100));
  for (std::size_t d = 0; d < c.kpi.size(); ++d) {
    std::printf("\n%s - %s: paired difference, mean [%d%% interval]%s\n", c.names[d + 1].c_str(),
                c.names.front().c_str(), level, c.variance_reduction_kpi.empty() ? "" : "; variance reduction vs independent streams");
    for (std::size_t k = 0; k < L.K(); ++k) {
      const std::string& name = L.kpi_names[k];
      std::printf("  %-36s %16s  %16s  [%s, %s]", name.c_str(), trede::cli::format_kpi(name, base.kpi_summary.mean[k]).c_str(),
                  trede::cli::format_kpi_difference(name, c.kpi[d].mean[k]).c_str(),
                  trede::cli::format_kpi_difference(name, c.kpi[d].lo[k]).c_str(),
                  trede::cli::format_kpi_difference(name, c.kpi[d].hi[k]).c_str());
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
      for (std::size_t k : {trede::engine::kpp_uitstroom_werk, trede::engine::kpp_uitval, trede::engine::kpp_cost_eur}) {
        const std::size_t i = p * L.Kp() + k;
        const std::string& name = L.kpi_period_names[k];
        std::printf("  %12s [%s, %s]", trede::cli::format_kpi_difference(name, c.kpi_period[d].mean[i]).c_str(),
                    trede::cli::format_kpi_difference(name, c.kpi_period[d].lo[i]).c_str(),
                    trede::cli::format_kpi_difference(name, c.kpi_period[d].hi[i]).c_str());
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
                  "median x%s, range x%s to x%s\n", format_number(v[v.size() / 2]).c_str(), format_number(v.front()).c_str(),
                  format_number(v.back()).c_str());
  }
}

int cmd_compare(const CompareArgs& a, const std::string& command_line) {
  if (a.scenarios.size() < 2) throw BadInput{"compare needs at least two scenario files"};
  if (a.replicates < 2) throw BadInput{"-n: must be >= 2 for intervals (got " + std::to_string(a.replicates) + ")"};
  if (a.seed < 0) throw BadInput{"--seed: must be >= 0 (got " + std::to_string(a.seed) + ")"};
  if (a.threads < 0) throw BadInput{"--threads: must be >= 0 (0 = all cores)"};
  if (!(a.confidence > 0 && a.confidence < 1)) throw BadInput{"--confidence: must be between 0 and 1"};
  if (a.compression < 0 || a.compression > 9) throw BadInput{"--compression: must be 0..9"};
  if (a.trajectories < 0) throw BadInput{"--trajectories: must be >= 0 (got " + std::to_string(a.trajectories) + ")"};
  if (!a.output.empty()) check_output_path(a.output);
  std::vector<trede::model::Scenario> scenarios;
  std::vector<trede::Diagnostic> problems;
  for (const auto& path : a.scenarios) {
    try {
      scenarios.push_back(trede::model::load_scenario(path, a.sets));
    } catch (const trede::ModelError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    } catch (const trede::IoError& e) {
      problems.push_back({"", 0, "", e.what()});  // the message names the file
    }
  }
  if (!problems.empty()) throw trede::ModelError(std::move(problems));
  std::vector<trede::io::NamedFile> inputs;
  for (const auto& s : scenarios) {
    const auto in = trede::io::scenario_inputs(s);
    inputs.insert(inputs.end(), in.begin(), in.end());
  }
  trede::cli::guard_outputs(inputs, {{"-o", a.output}});
  trede::mc::check_comparable(scenarios);  // before any run
  auto& procs = trede::cli::Processes::get();
  trede::cli::ProgressBar bar(procs.root() && !a.quiet && trede::cli::stderr_is_terminal(), "replicates");
  // Every scenario runs the same replicates of the same seed (common random numbers); each run
  // is spread over the MPI ranks when there are several.
  const auto R = static_cast<std::uint64_t>(a.replicates);
  const std::uint64_t runs = scenarios.size() + (a.no_independent ? 0 : scenarios.size() - 1);
  std::uint64_t finished = 0;
  trede::mc::RunOptions opt;
  opt.replicates = R;
  opt.seed = static_cast<std::uint64_t>(a.seed);
  opt.threads = a.threads;
  opt.trace_people = static_cast<std::uint64_t>(a.trajectories);
  opt.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  std::vector<std::string> names;
  std::vector<trede::mc::Ensemble> ensembles, independent;
  const std::string of_n = "/" + std::to_string(scenarios.size());
  for (const auto& s : scenarios) {
    bar.set_step("scenario " + std::to_string(finished + 1) + of_n, finished, runs);
    names.push_back(s.name);
    ensembles.push_back(procs.run(trede::engine::Simulator(s), opt));
    ++finished;
  }
  if (!a.no_independent) {
    trede::mc::RunOptions ind = opt;
    ind.first_replicate = R;  // disjoint streams: the variance reduction is measured, not assumed
    ind.trace_people = 0;     // only the paired runs are written
    for (std::size_t i = 1; i < scenarios.size(); ++i) {
      bar.set_step("scenario " + std::to_string(i + 1) + of_n + " on independent streams", finished, runs);
      independent.push_back(procs.run(trede::engine::Simulator(scenarios[i]), ind));
      ++finished;
    }
  }
  bar.finish();
  if (!procs.root()) return exit_ok;
  const auto c = trede::mc::compare_ensembles(std::move(names), std::move(ensembles), std::move(independent), a.confidence);
  if (!a.output.empty()) {
    trede::io::WriteOptions wo;
    wo.compression_level = a.compression;
    wo.command_line = command_line;
    trede::io::write_comparison(a.output, c, scenarios, wo);
  }
  if (!a.quiet) {
    print_comparison(c);
    if (!a.output.empty()) std::printf("\nwrote %s\n", a.output.c_str());
  }
  return exit_ok;
}

int cmd_info(const std::string& path) {
  const auto info = trede::io::read_info(path);
  std::printf("%s\n", path.c_str());
  for (const auto& [k, v] : info.attributes) {
    if (k == "command_line" || k == "scenario_overrides") {
      if (v.empty()) continue;
      std::string indented = v;  // one override per line, aligned under the first
      for (std::size_t i = 0; (i = indented.find('\n', i)) != std::string::npos; i += 22) indented.insert(i + 1, 21, ' ');
      std::printf("  %-18s %s\n", k.c_str(), indented.c_str());
      continue;
    }
    std::printf("  %-18s %s\n", k.c_str(), v.c_str());
  }
  std::printf("\ndatasets:\n");
  for (const auto& d : info.datasets) {
    std::string shape;
    for (std::size_t i = 0; i < d.shape.size(); ++i) shape += (i ? " x " : "") + std::to_string(d.shape[i]);
    std::printf("  %-44s %-9s %s\n", d.path.c_str(), d.type.c_str(), shape.empty() ? "scalar" : shape.c_str());
  }
  const std::size_t K = info.kpi_names.size();
  if (info.kind == "comparison") {
    for (std::size_t d = 0; d + 1 < info.scenario_names.size(); ++d) {
      std::printf("\n%s - %s: paired difference [interval]\n", info.scenario_names[d + 1].c_str(),
                  info.scenario_names.front().c_str());
      for (std::size_t k = 0; k < K; ++k)
        std::printf("%s\n", format_kpi_row(info.kpi_names[k], info.difference_mean[d * K + k], info.difference_lo[d * K + k],
                                          info.difference_hi[d * K + k], true).c_str());
    }
    return exit_ok;
  }
  if (info.kind == "sweep") {
    const std::size_t D = info.point_keys.size(), N = D ? info.point_values.size() / D : 0;
    const auto index_of = [&](std::string_view name) {
      return static_cast<std::size_t>(std::find(info.kpi_names.begin(), info.kpi_names.end(), name) - info.kpi_names.begin());
    };
    const std::size_t work = index_of("uitstroom_werk"), cost = index_of("cost_total_eur");
    if (work >= K || cost >= K) return exit_ok;
    std::printf("\n%zu points; mean uitstroom_werk and cost_total_eur per point\n", N);
    for (std::size_t i = 0; i < N; ++i) {
      std::string vals;
      for (std::size_t k = 0; k < D; ++k) vals += info.point_keys[k] + "=" + info.point_values[i * D + k] + " ";
      std::printf("  %5zu  %s %16s %16s\n", i, vals.c_str(),
                  trede::cli::format_kpi(info.kpi_names[work], info.point_kpi_mean[i * K + work]).c_str(),
                  trede::cli::format_kpi(info.kpi_names[cost], info.point_kpi_mean[i * K + cost]).c_str());
    }
    return exit_ok;
  }
  std::printf("\nKPIs: mean [5%%, 95%%]\n");
  for (std::size_t k = 0; k < info.kpi_names.size(); ++k)
    std::printf("%s\n", format_kpi_row(info.kpi_names[k], info.kpi.mean[k], info.kpi.q05[k], info.kpi.q95[k]).c_str());
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  auto& procs = trede::cli::Processes::get();  // starts MPI when launched by mpirun
  trede::cli::install_interrupt_handlers();
  CLI::App app{"trede " + std::string(trede::version) +
               " - Monte Carlo simulation of participant flows under the Dutch Participatiewet.\n"
               "Exit codes: 0 success, 2 bad input, 1 other failure, 130/143 interrupted (SIGINT/SIGTERM)."};
  app.set_version_flag("--version", std::string("trede ") + trede::version + " (" + trede::git_commit() + ")");
  app.require_subcommand(1);

  std::string validate_path;
  std::vector<std::string> validate_sets;
  auto* validate = app.add_subcommand("validate", "Check a scenario file and print its states and transitions");
  validate->add_option("scenario", validate_path, "Scenario file (TOML)")->required();
  validate->add_option("--set", validate_sets,
                       "Override a scenario key before validation: key=value (repeatable), e.g. "
                       "--set horizon_years=20 --set 'state[beschut_werk].capacity=3000'")
      ->take_all();

  RunArgs ra;
  auto* run = app.add_subcommand("run", "Run a Monte Carlo ensemble of a scenario; print headline results, write HDF5");
  run->add_option("scenario", ra.scenario, "Scenario file (TOML)")->required();
  run->add_option("-n,--replicates", ra.replicates, "Number of replicates")->capture_default_str();
  run->add_option("--seed", ra.seed, "Master seed; replicate i uses streams (seed, i)")->capture_default_str();
  run->add_option("--threads", ra.threads, "Worker threads; 0 = all cores. Results do not depend on it")
      ->capture_default_str();
  run->add_option("-o,--output", ra.output,
                  "HDF5 result file (written to a temporary file, renamed into place when complete)");
  run->add_option("--set", ra.sets, "Override a scenario key: key=value (repeatable)")->take_all();
  run->add_option("--compression", ra.compression, "Deflate level 0..9 for per-replicate arrays, large summaries and trajectories")->capture_default_str();
  run->add_option("--trajectories", ra.trajectories,
                  "Record every change of state of the first N people of each replicate (the initial "
                  "population first, then arrivals) in /trajectories; 0 = none")
      ->capture_default_str();
  run->add_flag("-q,--quiet", ra.quiet, "No progress bar and no summary (errors only)");

  CompareArgs ca;
  auto* compare = app.add_subcommand(
      "compare", "Run scenarios with common random numbers; report paired differences with intervals");
  compare->add_option("scenarios", ca.scenarios, "Scenario files (TOML); the first is the reference")->required()->expected(2, -1);
  compare->add_option("-n,--replicates", ca.replicates, "Replicates per scenario")->capture_default_str();
  compare->add_option("--seed", ca.seed, "Master seed, shared by all scenarios (common random numbers)")->capture_default_str();
  compare->add_option("--threads", ca.threads, "Worker threads; 0 = all cores")->capture_default_str();
  compare->add_option("-o,--output", ca.output, "HDF5 comparison file (differences, variance reduction, every ensemble)");
  compare->add_option("--set", ca.sets, "Override a key in every scenario: key=value (repeatable)");
  compare->add_option("--confidence", ca.confidence, "Level of the intervals")->capture_default_str();
  compare->add_flag("--no-independent", ca.no_independent,
                    "Skip the independent-stream runs that measure the variance reduction (N-1 of the 2N-1 runs)");
  compare->add_option("--compression", ca.compression, "Deflate level 0..9")->capture_default_str();
  compare->add_option("--trajectories", ca.trajectories,
                      "Record every change of state of the first N people of each replicate in every scenario "
                      "(the same people everywhere: /scenarios/<i>/trajectories); 0 = none")
      ->capture_default_str();
  compare->add_flag("-q,--quiet", ca.quiet, "No progress bar and no summary (errors only)");

  std::string info_path;
  auto* info = app.add_subcommand("info", "Show what is inside a result file, with the headline KPIs");
  info->add_option("file", info_path, "HDF5 result file")->required();

  // Subcommands from their own files (cli/registry.hpp), in name order.
  std::vector<trede::cli::Command> extra = trede::cli::commands();
  std::sort(extra.begin(), extra.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<trede::cli::Runner> runners;
  for (auto& c : extra) runners.push_back(c.setup(app));
  trede::cli::command_line() = join_args(argc, argv);

  // --set collects every following key=value; make it repeatable rather than greedy.
  for (auto* sub : {validate, run, compare})
    if (auto* opt = sub->get_option("--set")) opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->expected(1)->allow_extra_args(false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    const auto hints = trede::cli::suggestions(app, argc, argv);
    // An unexpected argument with a close match: the suggestion says it better than CLI11.
    if (hints.empty() || !dynamic_cast<const CLI::ExtrasError*>(&e)) (void)app.exit(e);
    for (const auto& h : hints) std::fprintf(stderr, "error: %s\n", h.c_str());
    if (!hints.empty() && dynamic_cast<const CLI::ExtrasError*>(&e)) std::fprintf(stderr, "Run with --help for more information.\n");
    return exit_bad_input;
  }

  try {
    if (*validate) return cmd_validate(validate_path, validate_sets);
    if (*run) return cmd_run(ra, join_args(argc, argv));
    if (*compare) return cmd_compare(ca, join_args(argc, argv));
    for (auto& r : runners)
      if (r.subcommand && *r.subcommand) return r.run();
    if (*info) return cmd_info(info_path);
  } catch (const trede::ModelError& e) {
    // Input is checked the same way on every rank: all stop with 2, rank 0 says why.
    if (!procs.root()) return exit_bad_input;
    std::fprintf(stderr, "error: bad input (%zu problem%s):\n", e.diagnostics().size(),
                 e.diagnostics().size() == 1 ? "" : "s");
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "  %s\n", d.to_string().c_str());
    return exit_bad_input;
  } catch (const BadInput& e) {
    if (!procs.root()) return exit_bad_input;
    std::fprintf(stderr, "error: %s\n", e.message.c_str());
    // Some checks run on rank 0 only (sweep --resume): the other ranks may be waiting for it.
    if (procs.size() > 1) procs.abort(exit_bad_input);
    return exit_bad_input;
  } catch (const trede::IoError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    // An input file that cannot be read is bad input; a result that cannot be written is not.
    const bool input = (*validate && e.path() == validate_path) || (*run && e.path() == ra.scenario) ||
                       (*info && e.path() == info_path);
    const int code = input ? exit_bad_input : exit_failure;
    if (procs.size() > 1) procs.abort(code);  // only rank 0 writes: the others may be waiting for it
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    if (procs.size() > 1) procs.abort(exit_failure);  // the other ranks may be waiting for this one
    return exit_failure;
  }
  return exit_failure;
}
