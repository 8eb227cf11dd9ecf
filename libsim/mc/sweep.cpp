#include "trede/mc/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <tbb/info.h>

#include "random/philox_inline.hpp"
#include "text.hpp"
#include "trede/error.hpp"
#include "trede/mc/psa.hpp"
#include "trede/model/key_path.hpp"
#include "trede/model/load.hpp"

namespace trede::mc {
namespace {

double as_number(const std::string& s) {
  return trede::detail::parse_finite(s).value_or(std::numeric_limits<double>::quiet_NaN());
}

std::string format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Design streams use their own purpose word, apart from every simulation stream.
constexpr auto design_purpose = random::Purpose::design;

}  // namespace

std::vector<std::string> Design::overrides(std::size_t i) const {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < keys.size(); ++k) out.push_back(keys[k] + "=" + values[i][k]);
  return out;
}

std::string Design::fingerprint() const {
  std::string f = kind;
  for (const auto& k : keys) f += "|" + k;
  for (const auto& row : values) {
    f += "\n";
    for (const auto& v : row) f += v + "|";
  }
  return f;
}

Design grid_design(const std::vector<std::pair<std::string, std::vector<std::string>>>& axes) {
  std::vector<Diagnostic> problems;
  std::set<std::string> seen;
  if (axes.empty()) problems.push_back({"--grid", 0, "", "a grid needs at least one key=v1,v2,..."});
  for (const auto& [key, values] : axes) {
    if (values.empty()) problems.push_back({"--grid", 0, key, "no values"});
    if (!seen.insert(key).second) problems.push_back({"--grid", 0, key, "key given twice"});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  Design d;
  d.kind = "grid";
  std::size_t n = 1;
  for (const auto& [key, values] : axes) {
    d.keys.push_back(key);
    n *= values.size();
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::string> row(axes.size());
    std::size_t rest = i;
    for (std::size_t k = axes.size(); k-- > 0;) {
      row[k] = axes[k].second[rest % axes[k].second.size()];
      rest /= axes[k].second.size();
    }
    std::vector<double> num;
    for (const auto& v : row) num.push_back(as_number(v));
    d.values.push_back(std::move(row));
    d.numeric.push_back(std::move(num));
  }
  return d;
}

Design lhs_design(const std::vector<LhsRange>& ranges, std::size_t points, std::uint64_t seed) {
  std::vector<Diagnostic> problems;
  std::set<std::string> seen;
  if (ranges.empty()) problems.push_back({"--lhs", 0, "", "a Latin hypercube needs at least one key=lo:hi"});
  if (points == 0) problems.push_back({"--points", 0, "", "must be >= 1"});
  for (const auto& r : ranges) {
    if (!(std::isfinite(r.lo) && std::isfinite(r.hi) && r.lo <= r.hi))
      problems.push_back({"--lhs", 0, r.key, "needs finite lo <= hi"});
    if (!seen.insert(r.key).second) problems.push_back({"--lhs", 0, r.key, "key given twice"});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  Design d;
  d.kind = "lhs";
  for (const auto& r : ranges) d.keys.push_back(r.key);
  d.values.assign(points, std::vector<std::string>(ranges.size()));
  d.numeric.assign(points, std::vector<double>(ranges.size()));
  const random::StreamKey key{seed, 0};
  for (std::size_t k = 0; k < ranges.size(); ++k) {
    // Fisher–Yates shuffle of the strata, one Philox block per step; then a position in each.
    std::vector<std::size_t> stratum(points);
    for (std::size_t i = 0; i < points; ++i) stratum[i] = i;
    for (std::size_t i = points; i-- > 1;) {
      const auto u = random::detail::philox(key, k, i, design_purpose, 0);
      const auto j = static_cast<std::size_t>(random::uniform_closed0(u[0]) * static_cast<double>(i + 1));
      std::swap(stratum[i], stratum[std::min(j, i)]);
    }
    for (std::size_t i = 0; i < points; ++i) {
      const auto u = random::detail::philox(key, k, i, design_purpose, 1);
      const double x = (static_cast<double>(stratum[i]) + random::uniform_closed0(u[0])) / static_cast<double>(points);
      double v = ranges[k].lo + x * (ranges[k].hi - ranges[k].lo);
      if (ranges[k].whole)  // lo..hi inclusive, each integer with the same probability
        v = std::min(ranges[k].hi, std::floor(ranges[k].lo + x * (ranges[k].hi - ranges[k].lo + 1.0)));
      d.numeric[i][k] = v;
      d.values[i][k] = format(v);
    }
  }
  return d;
}

const Summary& SweepPoint::summary(std::string_view name) const {
  for (std::size_t i = 0; i < arrays.size(); ++i)
    if (name == arrays[i]->name) return summaries[i];
  throw Error("mc::SweepPoint: no summary called '" + std::string(name) + "'");
}

SweepPoint sweep_point(const Ensemble& e) {
  SweepPoint p;
  for (const ResultArray& a : result_arrays())
    if (!a.by_region && a.present(e) && a.summarised != Summarised::no) {
      p.arrays.push_back(&a);
      p.summaries.push_back(e.summaries[a.index()]);
    }
  p.kpi_replicates = e.values<double>("kpi");
  p.events = e.total_events();
  p.wall_seconds = e.wall_seconds;
  return p;
}

namespace {

// The scenario `base` with `extra` overrides after its own, read again from its text.
model::Scenario with_overrides(const model::Scenario& base, const std::vector<std::string>& extra) {
  std::vector<std::string> overrides = base.overrides;
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return model::reparse(base, base.text, overrides);
}

// What must be equal at every point of a sweep so that their results stack.
auto shape_of(const model::Scenario& s) {
  std::vector<std::pair<std::string, bool>> v;  // state name, has a capacity
  for (const auto& st : s.states) v.emplace_back(st.name, st.capacity.has_value());
  return std::pair{s.report_times, v};
}

}  // namespace

std::vector<model::Scenario> sweep_scenarios(const model::Scenario& base, const Design& design) {
  std::vector<model::Scenario> scenarios;
  std::vector<Diagnostic> problems;
  // Numeric points are typed values applied to the loaded scenario (model::with_values); a
  // point with a value that is not a number (an organisation model, a table) is read again
  // with the values as overrides.
  std::vector<model::KeyPath> keys;
  try {
    for (const auto& k : design.keys) keys.push_back(model::KeyPath::parse(k));
  } catch (const ModelError&) {
    keys.clear();  // reported below, by the loader, for every point
  }
  // One axis per parameter: two spellings of one key (transition[0].rate and
  // transition[a->b].rate) would set it twice at every point, the later value winning, and one
  // axis would do nothing.
  if (keys.size() == design.keys.size()) {
    const std::vector<std::string> ids = model::key_identities(base, keys);
    const std::string option = design.kind == "lhs" ? "--lhs" : "--grid";
    std::map<std::string, std::size_t> first;
    for (std::size_t k = 0; k < ids.size(); ++k)
      if (const auto [at, fresh] = first.emplace(ids[k], k); !fresh)
        problems.push_back({option, 0, design.keys[k],
                            "names the same parameter as '" + design.keys[at->second] + "': give each key once"});
    if (!problems.empty()) throw ModelError(std::move(problems));
  }
  for (std::size_t i = 0; i < design.size(); ++i) {
    try {
      const bool numeric = keys.size() == design.keys.size() &&
                           std::all_of(design.numeric[i].begin(), design.numeric[i].end(), [](double v) { return !std::isnan(v); });
      scenarios.push_back(numeric ? model::with_values(base, keys, design.numeric[i]) : with_overrides(base, design.overrides(i)));
    } catch (const ModelError& e) {
      // A value of the design is reported as the point's, not as a --set nobody typed.
      const std::string point = "sweep point " + std::to_string(i);
      std::vector<Diagnostic> found = e.diagnostics();
      model::relabel_overrides(found, design.overrides(i), [&](const std::string& o) { return point + " (" + o + ")"; });
      for (Diagnostic& d : found) {
        if (d.file.rfind(point + " (", 0) != 0) d.message += " (" + point + ")";
        problems.push_back(std::move(d));
      }
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  const auto shape = shape_of(scenarios.front());
  for (std::size_t i = 1; i < scenarios.size(); ++i)
    if (shape_of(scenarios[i]) != shape)
      problems.push_back({"sweep point " + std::to_string(i), 0, design.keys.front(),
                          "changes the report grid or the states; points of one sweep must share them"});
  if (!problems.empty()) throw ModelError(std::move(problems));
  return scenarios;
}

void run_points(std::size_t N, const std::function<model::Scenario(std::size_t)>& scenario_at,
                const RunOptions& options, Executor& executor, PointStore* store,
                const std::function<Ensemble(Ensemble)>& reduce,
                const std::function<void(std::size_t, Ensemble&&)>& keep,
                const std::function<void(std::uint64_t, std::uint64_t)>& progress,
                const std::function<std::uint64_t(std::size_t)>& first_replicate_of) {
  options.check();
  // The root decides which points remain (from the store) and tells every process.
  std::vector<char> todo(N, 1);
  std::vector<std::optional<Ensemble>> stored(N);
  if (executor.root() && store)
    for (std::size_t i = 0; i < N; ++i)
      if ((stored[i] = store->load(i))) todo[i] = 0;
  executor.broadcast(todo);

  std::uint64_t finished = 0;
  for (char t : todo) finished += t ? 0 : 1;
  if (progress) progress(finished, N);
  RunOptions ro = options;  // the same replicates at every point: common random numbers
  ro.progress = nullptr;
  // Points per batch: enough (scenario, replicate) pairs for every thread of every process (a
  // batch's points are shared out over the processes), few enough to keep the memory of the
  // batch's ensembles small. Every process must cut the same batches: the root's count holds.
  const int threads = std::max(1, options.threads == 0 ? tbb::info::default_concurrency() : options.threads);
  std::uint64_t batch = std::max<std::uint64_t>(
      1, (4 * static_cast<std::uint64_t>(threads) * static_cast<std::uint64_t>(executor.processes()) +
          options.replicates - 1) / options.replicates);
  {
    std::vector<char> bytes(sizeof batch);
    std::memcpy(bytes.data(), &batch, sizeof batch);
    executor.broadcast(bytes);
    std::memcpy(&batch, bytes.data(), sizeof batch);
  }
  std::size_t next_kept = 0;
  auto keep_stored_until = [&](std::size_t end) {  // stored points, in order with the others
    for (; next_kept < end; ++next_kept)
      if (!todo[next_kept] && executor.root()) keep(next_kept, std::move(*stored[next_kept])), stored[next_kept].reset();
  };
  for (std::size_t i = 0; i < N;) {
    std::vector<std::size_t> ids;
    for (; i < N && ids.size() < batch; ++i)
      if (todo[i]) ids.push_back(i);
    if (ids.empty()) continue;
    std::vector<model::Scenario> scenarios;
    std::vector<engine::Simulator> sims;
    scenarios.reserve(ids.size());
    sims.reserve(ids.size());
    for (std::size_t id : ids) sims.emplace_back(scenarios.emplace_back(scenario_at(id)));
    std::vector<const engine::Simulator*> ptrs;
    for (const auto& s : sims) ptrs.push_back(&s);
    std::vector<std::uint64_t> firsts;
    if (first_replicate_of)
      for (std::size_t id : ids) firsts.push_back(first_replicate_of(id));
    std::vector<Ensemble> done = executor.run_batch(ptrs, ro, firsts);
    if (executor.root())
      for (std::size_t k = 0; k < ids.size(); ++k) {
        keep_stored_until(ids[k]);
        Ensemble e = reduce ? reduce(std::move(done[k])) : std::move(done[k]);
        if (store) store->save(ids[k], e, scenarios[k]);
        keep(ids[k], std::move(e));
        next_kept = ids[k] + 1;
      }
    finished += ids.size();
    if (progress) progress(finished, N);
  }
  keep_stored_until(N);
}

Design sweep_units(const Design& design, const DrawSet& draws, bool common_streams) {
  const Design d = draws.as_design(common_streams);
  Design u;
  u.kind = design.kind + "+" + d.kind;
  u.keys = design.keys;
  u.keys.insert(u.keys.end(), d.keys.begin(), d.keys.end());
  for (std::size_t p = 0; p < design.size(); ++p)
    for (std::size_t k = 0; k < d.size(); ++k) {
      auto v = design.values[p];
      v.insert(v.end(), d.values[k].begin(), d.values[k].end());
      auto n = design.numeric[p];
      n.insert(n.end(), d.numeric[k].begin(), d.numeric[k].end());
      u.values.push_back(std::move(v));
      u.numeric.push_back(std::move(n));
    }
  return u;
}

namespace {

// A sweep with a PSA at every point: the units (point, draw) run through run_points in order,
// and each point's D·R runs are pooled as mc::psa pools them.
Sweep psa_sweep(const model::Scenario& base, const Design& design, const std::vector<model::Scenario>& scenarios,
                const SweepOptions& options, Executor& executor, PointStore* store) {
  const DrawSet& draws = *options.draws;
  std::vector<Diagnostic> problems;
  // Compared by what they name (model::key_identities), whatever their spelling.
  std::vector<model::KeyPath> paths;
  for (const auto& key : design.keys) paths.push_back(model::KeyPath::parse(key));
  for (const auto& drawn : draws.keys) paths.push_back(model::KeyPath::parse(drawn));
  const std::vector<std::string> ids = model::key_identities(base, paths);
  const std::set<std::string> drawn_ids(ids.begin() + static_cast<std::ptrdiff_t>(design.keys.size()), ids.end());
  for (std::size_t k = 0; k < design.keys.size(); ++k)
    if (drawn_ids.count(ids[k]))
      problems.push_back({"", 0, design.keys[k], "is swept and also uncertain ([uncertainty]): a key is either swept or drawn"});
  if (!problems.empty()) throw ModelError(std::move(problems));
  const std::size_t N = design.size(), D = draws.draws, R = options.run.replicates;
  Sweep out;
  out.design = design;
  out.seed = options.run.seed;
  out.replicates = D * R;
  out.draws = options.draws;
  out.replicates_per_draw = R;
  out.common_streams = options.common_streams;
  out.layout = engine::Simulator(scenarios.front()).layout();
  RunOptions ro = options.run;
  ro.per_region = false;  // totals only, as in mc::psa
  std::vector<SweepPoint> points(N);
  Ensemble pooled;
  double wall = 0.0;
  std::optional<ScenarioAtDraw> at_draw;  // of the point being built (units come point by point)
  std::size_t at_point = N;
  auto scenario_of = [&](std::size_t u) {
    if (u / D != at_point) at_draw.emplace(scenarios[u / D], draws), at_point = u / D;
    return (*at_draw)(u % D);
  };
  run_points(
      N * D, scenario_of, ro, executor, store, nullptr,
      [&](std::size_t u, Ensemble&& e) {
        const std::size_t p = u / D, d = u % D;
        if (d == 0) pooled = allocate(out.layout, D * R, ro.seed, ro.first_replicate, /*per_region=*/false), wall = 0.0;
        place_at(pooled, e, d * R);
        wall += e.wall_seconds;
        if (d + 1 == D) {
          pooled.wall_seconds = wall;
          summarize(pooled);
          points[p] = sweep_point(pooled);
        }
      },
      options.progress ? std::function<void(std::uint64_t, std::uint64_t)>(
                             [&](std::uint64_t done, std::uint64_t) { options.progress(done / D, N); })
                       : nullptr,
      [&](std::size_t u) { return options.run.first_replicate + (options.common_streams ? 0 : (u % D) * R); });
  if (executor.root()) out.points = std::move(points);
  return out;
}

}  // namespace

Sweep sweep(const model::Scenario& base, const Design& design, const SweepOptions& options, Executor& executor,
            PointStore* store) {
  options.check();
  if (design.size() == 0) throw ModelError("", 0, "design", "a sweep needs at least one point");
  const std::vector<model::Scenario> scenarios = sweep_scenarios(base, design);
  if (options.draws) return psa_sweep(base, design, scenarios, options, executor, store);
  Sweep out;
  out.design = design;
  out.seed = options.run.seed;
  out.replicates = options.run.replicates;
  out.layout = engine::Simulator(scenarios.front()).layout();
  // Totals only: a sweep keeps no per-region array (SweepPoint), so its points do not hold or
  // store their replicates' per-region arrays either.
  RunOptions ro = options.run;
  ro.per_region = false;
  std::vector<SweepPoint> points(design.size());
  run_points(
      design.size(), [&](std::size_t i) { return scenarios[i]; }, ro, executor, store, nullptr,
      [&](std::size_t i, Ensemble&& e) { points[i] = sweep_point(e); }, options.progress);
  if (executor.root()) out.points = std::move(points);
  return out;
}

}  // namespace trede::mc
