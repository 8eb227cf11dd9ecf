// trede sweep: a grid or Latin-hypercube design over scenario keys, common random numbers
// across points, one HDF5 file with /points and per-point summaries.
//
// Crash safety: every finished point is written at once, atomically, to
// <output>.parts/point-<i>.h5 (a complete result file of its own). `--resume` reuses the parts
// whose design, scenario, seed and replicates match, and runs only the rest. The sweep file is
// assembled atomically at the end and the parts directory removed. An interrupted sweep
// therefore loses at most the points that were running, and never leaves a corrupt file.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "format.hpp"
#include "interrupt.hpp"
#include "outputs.hpp"
#include "parallel.hpp"
#include "progress.hpp"
#include "registry.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/sweep.hpp"
#include "trede/model/load.hpp"

namespace trede::cli {
namespace {

namespace fs = std::filesystem;

struct SweepArgs {
  std::string scenario;
  std::vector<std::string> grid;
  std::vector<std::string> lhs;
  std::int64_t points = 0;
  std::int64_t replicates = 100;
  std::int64_t seed = 1;
  int threads = 0;
  std::string output;
  std::vector<std::string> sets;
  bool resume = false;
  bool quiet = false;
  int compression = 1;
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

std::string identity(const mc::Design& d, const model::Scenario& base, std::uint64_t seed, std::uint64_t replicates) {
  return "trede sweep parts\nscenario " + io::scenario_hash(base) + "\nseed " + std::to_string(seed) + "\nreplicates " +
         std::to_string(replicates) + "\ndesign\n" + d.fingerprint() + "\n";
}

std::string part_path(const fs::path& dir, std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "point-%06zu.h5", i);
  return (dir / name).string();
}

int run_sweep(const SweepArgs& a) {
  auto& procs = Processes::get();
  if (a.grid.empty() == a.lhs.empty()) throw BadInput{"give either --grid key=v1,v2,... (repeatable) or --lhs key=lo:hi (repeatable)"};
  if (a.replicates < 1) throw BadInput{"-n: must be >= 1 (got " + std::to_string(a.replicates) + ")"};
  if (a.seed < 0) throw BadInput{"--seed: must be >= 0"};
  if (a.threads < 0) throw BadInput{"--threads: must be >= 0 (0 = all cores)"};
  if (a.compression < 0 || a.compression > 9) throw BadInput{"--compression: must be 0..9"};
  if (a.output.empty()) throw BadInput{"-o: a sweep needs an output file"};
  const fs::path out(a.output);
  if (fs::is_directory(out)) throw BadInput{"-o " + a.output + ": is a directory"};
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) throw BadInput{"-o " + a.output + ": directory '" + dir.string() + "' does not exist"};

  // The design, and every point's scenario loaded and checked before anything runs.
  mc::Design design;
  if (!a.grid.empty()) {
    std::vector<std::pair<std::string, std::vector<std::string>>> axes;
    for (const auto& g : a.grid) axes.push_back(parse_grid(g));
    design = mc::grid_design(axes);
  } else {
    if (a.points < 1) throw BadInput{"--points: a Latin hypercube needs --points N >= 1"};
    std::vector<mc::LhsRange> ranges;
    for (const auto& l : a.lhs) ranges.push_back(parse_lhs(l));
    design = mc::lhs_design(ranges, static_cast<std::size_t>(a.points), static_cast<std::uint64_t>(a.seed));
  }
  const model::Scenario base = model::load_scenario(a.scenario, a.sets);
  guard_outputs(io::scenario_inputs(base), {{"-o", a.output}, {"-o (its parts directory)", a.output + ".parts", true}});
  set_interrupt_note("the finished points are kept in " + a.output + ".parts; add --resume to the same command to continue");
  std::vector<model::Scenario> scenarios;
  std::vector<Diagnostic> problems;
  for (std::size_t i = 0; i < design.size(); ++i) {
    auto sets = a.sets;
    for (auto& o : design.overrides(i)) sets.push_back(o);
    try {
      scenarios.push_back(model::load_scenario(a.scenario, sets));
    } catch (const ModelError& e) {
      for (auto d : e.diagnostics()) {
        d.message += " (sweep point " + std::to_string(i) + ")";
        problems.push_back(std::move(d));
      }
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  // Stacking per-point summaries needs one shape: a swept key may not change the report grid
  // or the states.
  // (Checked on the scenarios: each point's model is compiled only when it runs.)
  const engine::Layout layout = engine::Simulator(scenarios.front()).layout();
  auto states_of = [](const model::Scenario& s) {
    std::vector<std::pair<std::string, bool>> v;  // name, has a capacity
    for (const auto& st : s.states) v.emplace_back(st.name, st.capacity.has_value());
    return v;
  };
  const auto states = states_of(scenarios.front());
  for (std::size_t i = 1; i < scenarios.size(); ++i) {
    if (scenarios[i].report_times != scenarios.front().report_times || states_of(scenarios[i]) != states)
      throw bad("sweep point " + std::to_string(i), design.keys.front(),
                "changes the report grid or the states; points of one sweep must share them");
  }

  const auto R = static_cast<std::uint64_t>(a.replicates), seed = static_cast<std::uint64_t>(a.seed);
  const fs::path parts = a.output + ".parts";
  const std::string id = identity(design, base, seed, R);
  std::vector<std::optional<mc::SweepPoint>> done(design.size());
  if (procs.root()) {
    if (fs::exists(parts)) {
      if (!a.resume)
        throw BadInput{"found the parts of an interrupted sweep in " + parts.string() +
                       "; add --resume to continue it, or remove that directory"};
      std::ifstream in(parts / "sweep.txt");
      std::stringstream ss;
      ss << in.rdbuf();
      if (ss.str() != id)
        throw BadInput{"--resume: " + parts.string() +
                       " belongs to a different sweep (scenario, design, seed or replicates differ); remove it to start afresh"};
      for (std::size_t i = 0; i < design.size(); ++i) {
        const std::string p = part_path(parts, i);
        if (!fs::exists(p)) continue;
        const mc::Ensemble e = io::read_result(p);
        if (e.seed == seed && e.replicates == R && e.first_replicate == 0) done[i] = mc::sweep_point(e);
      }
    } else {
      fs::create_directory(parts);
      const std::string tmp = (parts / "sweep.txt.tmp").string();
      std::ofstream(tmp) << id;
      fs::rename(tmp, parts / "sweep.txt");
    }
  }
  // Every rank must know which points remain.
  std::vector<char> todo(design.size(), 1);
  for (std::size_t i = 0; i < design.size(); ++i) todo[i] = done[i] ? 0 : 1;
  procs.broadcast(todo);

  std::size_t remaining = 0;
  for (char t : todo) remaining += t;
  ProgressBar bar(procs.root() && !a.quiet && stderr_is_terminal(), "replicates");
  io::WriteOptions wo;
  wo.compression_level = a.compression;
  wo.command_line = command_line();
  std::size_t finished = design.size() - remaining;
  for (std::size_t i = 0; i < design.size(); ++i) {
    if (!todo[i]) continue;
    mc::RunOptions o;
    o.replicates = R;
    o.seed = seed;  // the same replicates at every point: common random numbers
    o.threads = a.threads;
    bar.set_step("point " + std::to_string(i + 1) + "/" + std::to_string(design.size()), finished, design.size());
    o.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
    const engine::Simulator sim(scenarios[i]);
    const mc::Ensemble e = procs.run(sim, o);
    if (procs.root()) {
      io::write_hdf5(part_path(parts, i), e, scenarios[i], wo);
      done[i] = mc::sweep_point(e);
    }
    ++finished;
  }
  bar.finish();
  if (!procs.root()) return 0;
  std::vector<mc::SweepPoint> points;
  for (auto& p : done) points.push_back(std::move(*p));
  io::write_sweep(a.output, design, layout, points, base, seed, R, wo);
  std::error_code ec;
  fs::remove_all(parts, ec);
  if (!a.quiet) {
    std::printf("sweep of %s: %zu points (%s) x %llu replicates, seed %llu; wrote %s\n", base.name.c_str(),
                design.size(), design.kind.c_str(), static_cast<unsigned long long>(R),
                static_cast<unsigned long long>(seed), a.output.c_str());
    const auto index_of = [&](std::string_view name) {
      const auto& n = layout.kpi_names;
      return static_cast<std::size_t>(std::find(n.begin(), n.end(), name) - n.begin());
    };
    const std::size_t work = index_of("uitstroom_werk"), cost = index_of("cost_total_eur");
    std::printf("  point  %s  uitstroom_werk  cost_total_eur\n", [&] {
      std::string h;
      for (const auto& k : design.keys) h += k + "  ";
      return h;
    }().c_str());
    for (std::size_t i = 0; i < design.size(); ++i) {
      std::string vals;
      for (const auto& v : design.values[i]) vals += v + "  ";
      std::printf("  %5zu  %s  %14s  %14s\n", i, vals.c_str(), format_kpi(layout.kpi_names[work], points[i].kpi.mean[work]).c_str(),
                  format_kpi(layout.kpi_names[cost], points[i].kpi.mean[cost]).c_str());
    }
  }
  return 0;
}

const Register reg{"sweep", [](CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  auto* sub = app.add_subcommand("sweep", "Run a grid or Latin-hypercube sweep over scenario keys; one HDF5 file");
  sub->add_option("scenario", a->scenario, "Scenario file (TOML)")->required();
  sub->add_option("--grid", a->grid, "key=v1,v2,... values of one key (repeatable: the grid is their product)")
      ->take_all();
  sub->add_option("--lhs", a->lhs, "key=lo:hi range of one key for a Latin hypercube (repeatable)")->take_all();
  sub->add_option("--points", a->points, "Number of Latin-hypercube points");
  sub->add_option("-n,--replicates", a->replicates, "Replicates per point")->capture_default_str();
  sub->add_option("--seed", a->seed, "Master seed (also seeds the Latin hypercube)")->capture_default_str();
  sub->add_option("--threads", a->threads, "Worker threads; 0 = all cores")->capture_default_str();
  sub->add_option("-o,--output", a->output, "HDF5 sweep file (finished points are kept in <file>.parts until done)")
      ->required();
  sub->add_option("--set", a->sets, "Override a scenario key at every point: key=value (repeatable)")->take_all();
  sub->add_flag("--resume", a->resume, "Continue an interrupted sweep from the points already written");
  sub->add_option("--compression", a->compression, "Deflate level 0..9")->capture_default_str();
  sub->add_flag("-q,--quiet", a->quiet, "No progress bar and no summary (errors only)");
  for (auto* opt : {sub->get_option("--grid"), sub->get_option("--lhs"), sub->get_option("--set")})
    opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->expected(1)->allow_extra_args(false);
  return Runner{sub, [a] { return run_sweep(*a); }};
}};

}  // namespace
}  // namespace trede::cli
