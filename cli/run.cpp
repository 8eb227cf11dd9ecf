// trede run: a Monte Carlo ensemble of one scenario; headline results printed, HDF5 written.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "common.hpp"
#include "format.hpp"
#include "interrupt.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/psa.hpp"
#include "trede/model/load.hpp"

namespace trede::cli {
namespace {

void print_headline(const model::Scenario& s, const mc::Ensemble& e, const char* kpi_title);

struct Args : RunArgs, DrawArgs {
  std::string scenario;
  std::string output;
  std::int64_t trajectories = 0;
  bool resume = false;
};

// The uncertainty behind the intervals, for the reader of the printout.
void print_variance(const mc::Psa& p) {
  const auto& L = p.pooled.layout;
  if (p.kpi_variance.empty()) {
    std::printf("\n%s\n", mc::variance_not_split_note);
    return;
  }
  std::printf("\n%s\n", mc::variance_shown_title);
  for (std::size_t k = 0; k < L.K(); ++k) {
    const mc::VarianceShown s = mc::shown(p.kpi_variance[k]);
    const std::string row =
        format_variance_row(L.kpi_names[k], s.parameter_share, s.share_halfwidth, s.sd, s.sd_parameter, s.sd_monte_carlo);
    if (!row.empty()) std::printf("%s\n", row.c_str());
  }
  if (p.common_streams) std::printf("\n%s\n", mc::common_streams_caveat(p.replicates_per_draw).c_str());
}

int run_psa(const Args& a, mc::RunOptions opt, mc::PointMethod method) {
  mc::PsaOptions po;
  po.run = opt;
  if (!a.replicates_given) po.run.replicates = 1;  // one replicate per draw unless asked
  po.draws = static_cast<std::size_t>(a.draws);
  po.method = method;
  po.common_streams = a.common_streams;
  po.check();
  if (a.output.empty()) throw BadInput{"--draws: a probabilistic sensitivity analysis needs an output file (-o)"};
  check_output_path("-o", a.output);
  const auto s = model::load_scenario(a.scenario, a.sets);
  guard_outputs(io::scenario_inputs(s), {{"-o", a.output}, {"-o (its finished draws)", a.output + ".parts", true}});
  set_interrupt_note(a.output + " not written; the finished draws are kept in " + a.output +
                     ".parts: add --resume to the same command to continue");
  const model::Scenario* one[] = {&s};
  const mc::DrawSet draws = mc::draw_parameters(one, po.draws, po.method, po.run.seed);
  io::WriteOptions wo;
  wo.compression_level = a.compression;
  wo.command_line = command_line();
  std::optional<io::SweepParts> parts;  // finished draws, for --resume (root only)
  if (root()) {
    try {
      parts.emplace(a.output, draws.as_design(po.common_streams), s, po.run.seed, po.run.replicates, a.resume, wo);
    } catch (const ModelError& e) {
      std::string msg;
      for (const auto& d : e.diagnostics()) msg += (msg.empty() ? "" : "; ") + d.message;
      throw BadInput{msg};
    }
  }
  ProgressBar bar(root() && !a.quiet && stderr_is_terminal(), "draws");
  po.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const mc::Psa p = mc::psa(s, draws, po, executor(), parts ? &*parts : nullptr);
  bar.finish();
  if (!root()) return exit_ok;
  io::write_psa(a.output, p, s, wo);
  parts->remove();  // its note, if it keeps files that are not parts, comes with the others
  for (const auto& note : parts->notes()) std::fprintf(stderr, "note: %s\n", note.c_str());
  if (!a.quiet) {
    std::printf("probabilistic sensitivity analysis: %zu draws (%s) of %zu uncertain parameters x %llu replicate%s; "
                "intervals include parameter and Monte Carlo uncertainty\n",
                p.draws.draws, a.design.c_str(), p.draws.keys.size(), static_cast<unsigned long long>(p.replicates_per_draw),
                p.replicates_per_draw == 1 ? "" : "s");
    for (std::size_t j = 0; j < p.draws.keys.size(); ++j)
      std::printf("  %s ~ %s\n", p.draws.keys[j].c_str(), p.draws.distributions[j].c_str());
    print_headline(s, p.pooled, mc::psa_kpi_summary_title);
    print_variance(p);
    std::printf("\nwrote %s\n", a.output.c_str());
  }
  return exit_ok;
}

void print_headline(const model::Scenario& s, const mc::Ensemble& e, const char* kpi_title) {
  const auto& L = e.layout;
  const double events = static_cast<double>(e.total_events());
  std::printf("%s: %llu replicates, seed %llu, %d thread%s; %s events in %.2f s (%s events/s)\n", s.name.c_str(),
              static_cast<unsigned long long>(e.replicates), static_cast<unsigned long long>(e.seed), e.threads_used,
              e.threads_used == 1 ? "" : "s", format_number(events).c_str(), e.wall_seconds,
              format_number(e.wall_seconds > 0 ? events / e.wall_seconds : 0).c_str());
  std::fputs(sample_note(s.sample_share).c_str(), stdout);
  std::printf("\n%s\n", kpi_title);
  const mc::Summary& kpi = e.summary("kpi");
  for (std::size_t k = 0; k < L.K(); ++k)
    std::printf("%s\n", format_kpi_row(L.kpi_names[k], kpi.mean[k], kpi.q05[k], kpi.q95[k]).c_str());
  // "mean  [q05, q95]" of cell i of a summary of people, the mean right-aligned in 12 columns.
  const auto band = [](const mc::Summary& s, std::size_t i) {
    std::string mean = format_number(s.mean[i]);
    if (mean.size() < 12) mean.insert(0, 12 - mean.size(), ' ');
    return mean + "  [" + format_number(s.q05[i]) + ", " + format_number(s.q95[i]) + "]";
  };
  const std::size_t T = L.T(), S = L.S(), last = T - 1;
  std::printf("\nparticipatieladder at %.2f: mean people per trede [5%%, 95%%]\n", L.report_times[last]);
  for (std::size_t r = 0; r < mc::ladder_rungs; ++r)
    std::printf("  trede %zu  %s\n", r + 1, band(e.summary("trede_occupancy"), last * mc::ladder_rungs + r).c_str());
  std::printf("\noccupancy at %.2f: mean [5%%, 95%%]\n", L.report_times[last]);
  for (std::size_t st = 0; st < S; ++st)
    std::printf("  %-28s %s\n", L.states[st].c_str(), band(e.summary("occupancy"), last * S + st).c_str());
  for (std::size_t c = 0; c < L.C(); ++c)
    std::printf("  waiting for %-16s %s\n", L.capacity_states[c].c_str(),
                band(e.summary("waiting"), last * L.C() + c).c_str());
}

int run(const Args& a) {
  const auto started = std::chrono::steady_clock::now();
  mc::RunOptions opt = run_options(a);
  if (a.trajectories < 0) throw BadInput{"--trajectories: must be >= 0 (got " + std::to_string(a.trajectories) + ")"};
  // What only the output file holds is refused without one, not dropped without a word.
  if (a.output.empty() && a.trajectories > 0) throw BadInput{"--trajectories: the traced life courses are written to -o: give an output file"};
  if (a.output.empty() && a.compression_given) throw BadInput{"--compression: applies to the output file: give -o"};
  opt.trace_people = static_cast<std::uint64_t>(a.trajectories);
  const mc::PointMethod method = draw_method(a);
  if (a.draws != 0) {
    if (a.trajectories > 0) throw BadInput{"--trajectories cannot be used with --draws"};
    return run_psa(a, opt, method);
  }
  if (a.resume) throw BadInput{"--resume applies to --draws runs (and sweeps)"};
  opt.check();
  if (!a.output.empty()) check_output_path("-o", a.output);
  const auto s = model::load_scenario(a.scenario, a.sets);
  if (!a.output.empty()) guard_outputs(io::scenario_inputs(s), {{"-o", a.output}});

  ProgressBar bar(root() && !a.quiet && stderr_is_terminal(), "replicates");
  opt.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const engine::Simulator sim(s);
  // The file is written as the replicates finish: their per-region arrays are not held in
  // memory (rank 0 writes; the totals come back in the ensemble).
  std::optional<io::StreamedResult> out;
  if (!a.output.empty() && root()) {
    io::WriteOptions wo;
    wo.compression_level = a.compression;
    wo.command_line = command_line();
    out.emplace(a.output, s, sim.layout(), opt, wo);
    opt.sink = &*out;
  }
  const auto e = executor().run(sim, opt);
  bar.finish();
  if (!root()) return exit_ok;  // rank 0 writes and prints
  double write_seconds = 0.0;
  if (out) {
    const auto t0 = std::chrono::steady_clock::now();
    out->finish(e);
    write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  if (!a.quiet) {
    print_headline(s, e, mc::kpi_summary_title);
    if (!a.output.empty()) {
      const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::error_code ec;
      const auto bytes = std::filesystem::file_size(a.output, ec);
      std::printf("\nwrote %s (%.1f MB; %.2f s after the last replicate, %.1f%% of the run)\n", a.output.c_str(),
                  ec ? 0.0 : static_cast<double>(bytes) / 1e6, write_seconds,
                  total > 0 ? 100.0 * write_seconds / total : 0.0);
    }
  }
  return exit_ok;
}

const Register reg{"run", [](CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("run", "Run a Monte Carlo ensemble of a scenario; print headline results, write HDF5");
  sub->add_option("scenario", a->scenario, "Scenario file (TOML)")->required();
  add_run_options(sub, *a, "Number of replicates; with --draws, per draw (default 1)");
  sub->add_option("-o,--output", a->output,
                  "HDF5 result file (written to a temporary file as the replicates finish, so the per-region results "
                  "are not held in memory; renamed into place when complete)")->check(trede::cli::output_name());
  sub->add_option("--trajectories", a->trajectories,
                  "Record every change of state of the first N people of each replicate (the initial "
                  "population first, then arrivals) in /trajectories; 0 = none")
      ->capture_default_str();
  add_draw_options(sub, *a,
                   "Probabilistic sensitivity analysis: D parameter sets drawn from the scenario's [uncertainty] table, "
                   "each run with -n replicates (default 1 with --draws); needs -o");
  sub->add_flag("--resume", a->resume, "With --draws: continue an interrupted analysis from the draws already finished");
  return Runner{sub, [a] { return run(*a); }, [a] { return std::vector<std::string>{a->scenario}; }};
}};

}  // namespace
}  // namespace trede::cli
