// trede sweep: a grid or Latin-hypercube design over scenario keys, common random numbers
// across points, one HDF5 file with /points and per-point summaries. The sweep itself is
// mc::sweep; finished points are kept in <output>.parts/ (io::SweepParts) so that `--resume`
// runs only what is missing after an interruption, and the sweep file is written atomically at
// the end.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common.hpp"
#include "format.hpp"
#include "interrupt.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/psa.hpp"
#include "trede/mc/sweep.hpp"
#include "trede/model/load.hpp"

namespace trede::cli {
namespace {

struct SweepArgs : RunArgs, DrawArgs {
  std::string scenario;
  std::vector<std::string> grid;
  std::vector<std::string> lhs;
  std::int64_t points = 0;
  std::string output;
  bool resume = false;
};

ModelError bad(const std::string& where, const std::string& key, const std::string& message) {
  return ModelError(where, 0, key, message);
}

// "key=v1,v2,v3" -> (key, {v1, v2, v3}).
std::pair<std::string, std::vector<std::string>> parse_grid(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw bad("--grid '" + arg + "'", "", "must be key=v1,v2,... (e.g. --grid 'state[beschut_werk].capacity=1000,2000')");
  std::vector<std::string> values;
  std::stringstream ss(arg.substr(eq + 1));
  for (std::string v; std::getline(ss, v, ',');) {
    if (v.empty()) throw bad("--grid '" + arg + "'", arg.substr(0, eq), "empty value");
    values.push_back(v);
  }
  return {arg.substr(0, eq), values};
}

// "key=lo:hi" -> range.
mc::LhsRange parse_lhs(const std::string& arg) {
  const auto eq = arg.find('='), colon = arg.rfind(':');
  auto number = [&](const std::string& s, double& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && p == s.data() + s.size() && std::isfinite(v);
  };
  mc::LhsRange r;
  if (eq == std::string::npos || eq == 0 || colon == std::string::npos || colon < eq)
    throw bad("--lhs '" + arg + "'", "", "must be key=lo:hi (e.g. --lhs 'transition[bijstand->diagnose].rate=0.3:0.7')");
  r.key = arg.substr(0, eq);
  const std::string lo = arg.substr(eq + 1, colon - eq - 1), hi = arg.substr(colon + 1);
  if (!number(lo, r.lo) || !number(hi, r.hi)) throw bad("--lhs '" + arg + "'", r.key, "lo and hi must be numbers");
  // Written as whole numbers (no '.', no exponent): draw whole numbers, as places need.
  r.whole = lo.find_first_of(".eE") == std::string::npos && hi.find_first_of(".eE") == std::string::npos;
  return r;
}

int run_sweep(const SweepArgs& a) {
  if (a.grid.empty() == a.lhs.empty()) throw BadInput{"give either --grid key=v1,v2,... (repeatable) or --lhs key=lo:hi (repeatable)"};
  mc::SweepOptions opt;
  opt.run = run_options(a);
  opt.check();
  if (a.output.empty()) throw BadInput{"-o: a sweep needs an output file"};
  check_output_path("-o", a.output);

  // The design, and every point's scenario loaded and checked before anything runs.
  mc::Design design;
  if (!a.grid.empty()) {
    if (a.points != 0) throw BadInput{"--points: applies to --lhs only (a grid's points are the product of its values)"};
    std::vector<std::pair<std::string, std::vector<std::string>>> axes;
    for (const auto& g : a.grid) axes.push_back(parse_grid(g));
    design = mc::grid_design(axes);
  } else {
    if (a.points < 1) throw BadInput{"--points: a Latin hypercube needs --points N >= 1"};
    std::vector<mc::LhsRange> ranges;
    for (const auto& l : a.lhs) ranges.push_back(parse_lhs(l));
    design = mc::lhs_design(ranges, static_cast<std::size_t>(a.points), opt.run.seed);
  }
  const model::Scenario base = model::load_scenario(a.scenario, a.sets);
  (void)mc::sweep_scenarios(base, design);  // every point checked before the parts are touched
  const mc::PointMethod method = draw_method(a);
  if (a.draws > 0) {  // a PSA at every point, on the same draws
    if (!a.replicates_given) opt.run.replicates = 1;
    const model::Scenario* one[] = {&base};
    opt.draws = std::make_shared<const mc::DrawSet>(
        mc::draw_parameters(one, static_cast<std::size_t>(a.draws), method, opt.run.seed));
    opt.common_streams = a.common_streams;
  }
  const mc::Design store_design = opt.draws ? mc::sweep_units(design, *opt.draws, opt.common_streams) : design;
  guard_outputs(io::scenario_inputs(base), {{"-o", a.output}, {"-o (its parts directory)", a.output + ".parts", true}});
  set_interrupt_note(a.output + " not written; the finished points are kept in " + a.output +
                     ".parts: add --resume to the same command to continue");

  io::WriteOptions wo;
  wo.compression_level = a.compression;
  wo.command_line = command_line();
  // The parts live on the root only; a problem with them stops every process (BadInput).
  std::optional<io::SweepParts> parts;
  if (root()) {
    try {
      parts.emplace(a.output, store_design, base, opt.run.seed, opt.run.replicates, a.resume, wo);
    } catch (const ModelError& e) {
      std::string msg;
      for (const auto& d : e.diagnostics()) msg += (msg.empty() ? "" : "; ") + d.message;
      throw BadInput{msg};
    }
  }
  ProgressBar bar(root() && !a.quiet && stderr_is_terminal(), "points");
  opt.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const mc::Sweep sw = mc::sweep(base, design, opt, executor(), parts ? &*parts : nullptr);
  bar.finish();
  if (!root()) return exit_ok;
  io::write_sweep(a.output, sw, base, wo);
  parts->remove();
  for (const auto& note : parts->notes()) std::fprintf(stderr, "note: %s\n", note.c_str());
  if (!a.quiet) {
    if (sw.draws)
      std::printf("sweep of %s: %zu point%s (%s) x %zu parameter draws (%s) x %llu replicate%s, seed %llu; wrote %s\n"
                  "means over the draws (parameter and Monte Carlo uncertainty)\n",
                  base.name.c_str(), design.size(), design.size() == 1 ? "" : "s", design.kind.c_str(), sw.draws->draws,
                  a.design.c_str(),
                  static_cast<unsigned long long>(sw.replicates_per_draw), sw.replicates_per_draw == 1 ? "" : "s",
                  static_cast<unsigned long long>(sw.seed), a.output.c_str());
    else
      std::printf("sweep of %s: %zu point%s (%s) x %llu replicate%s, seed %llu; wrote %s\n", base.name.c_str(),
                  design.size(), design.size() == 1 ? "" : "s", design.kind.c_str(),
                  static_cast<unsigned long long>(sw.replicates), sw.replicates == 1 ? "" : "s",
                  static_cast<unsigned long long>(sw.seed), a.output.c_str());
    const auto& names = sw.layout.kpi_names;
    std::vector<std::size_t> shown;
    for (const char* want : {"persons_reaching_work", "uitstroom_werk", "cost_total_eur"})
      for (std::size_t k = 0; k < names.size(); ++k)
        if (names[k] == want) shown.push_back(k);
    std::string header = "  point";
    for (const auto& k : design.keys) header += "  " + k;
    for (std::size_t k : shown) header += "  " + names[k];
    std::printf("%s\n", header.c_str());
    for (std::size_t i = 0; i < design.size(); ++i) {
      std::string line;
      for (const auto& v : design.values[i]) line += "  " + v;
      for (std::size_t k : shown) line += "  " + format_kpi(names[k], sw.points[i].summary("kpi").mean[k]);
      std::printf("  %5zu%s\n", i, line.c_str());
    }
  }
  return exit_ok;
}

const Register reg{"sweep", [](CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  auto* sub = app.add_subcommand("sweep", "Run a grid or Latin-hypercube sweep over scenario keys; one HDF5 file");
  sub->add_option("scenario", a->scenario, "Scenario file (TOML)")->required();
  sub->add_option("--grid", a->grid, "key=v1,v2,... values of one key (repeatable: the grid is their product)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->expected(1)->allow_extra_args(false);
  sub->add_option("--lhs", a->lhs, "key=lo:hi range of one key for a Latin hypercube (repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->expected(1)->allow_extra_args(false);
  sub->add_option("--points", a->points, "Number of Latin-hypercube points");
  add_run_options(sub, *a, "Replicates per point; with --draws, per draw (default 1)");
  sub->get_option("--seed")->description("Master seed (also seeds the Latin hypercube)");
  sub->get_option("--set")->description("Override a scenario key at every point: key=value (repeatable)");
  sub->add_option("-o,--output", a->output, "HDF5 sweep file (finished points are kept in <file>.parts until done)")
      ->required()->check(trede::cli::output_name());
  add_draw_options(sub, *a,
                   "Probabilistic sensitivity analysis at every point: D parameter sets drawn from the scenario's "
                   "[uncertainty] table, the same draws at every point, -n replicates each (default 1 with --draws)");
  sub->add_flag("--resume", a->resume,
                "Continue an interrupted sweep: points already in <file>.parts are checked and kept, the rest run");
  return Runner{sub, [a] { return run_sweep(*a); }, [a] { return std::vector<std::string>{a->scenario}; }};
}};

}  // namespace
}  // namespace trede::cli
