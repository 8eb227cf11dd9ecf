// Probabilistic sensitivity analysis (trede/mc/psa.hpp).

#include "trede/mc/psa.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "trede/error.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/model/key_path.hpp"

namespace trede::mc {
namespace {

std::string format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The blocks of one scenario's uncertainty as a small uncertainty each (a parameter or a group).
std::vector<model::Uncertainty> blocks_of(const model::Uncertainty& u) {
  std::vector<model::Uncertainty> out;
  for (const auto& p : u.parameters) out.push_back(model::Uncertainty{{p}, {}});
  for (const auto& g : u.groups) out.push_back(model::Uncertainty{{}, {g}});
  return out;
}

}  // namespace

Design DrawSet::as_design(bool common_streams) const {
  Design d;
  d.kind = std::string("psa-") + (method == PointMethod::sobol ? "sobol" : "lhs") +
           (common_streams ? "-common-streams" : "-independent-streams");
  d.keys = keys;
  for (std::size_t i = 0; i < draws; ++i) {
    std::vector<std::string> text;
    std::vector<double> num;
    for (double v : draw(i)) text.push_back(format(v)), num.push_back(v);
    d.values.push_back(std::move(text));
    d.numeric.push_back(std::move(num));
  }
  return d;
}

DrawSet draw_parameters(std::span<const model::Scenario* const> scenarios, std::size_t draws, PointMethod method,
                        std::uint64_t seed) {
  if (draws == 0) throw ModelError("", 0, "draws", "must be >= 1");
  // The union of the scenarios' blocks; a key declared in several scenarios must be declared
  // the same way (so that they share its draws).
  model::Uncertainty joint;
  std::vector<Diagnostic> problems;
  for (const model::Scenario* s : scenarios) {
    for (const model::Uncertainty& block : blocks_of(s->uncertainty)) {
      const std::vector<std::string> keys = block.keys();
      bool seen = false, same = false;
      bool name_only = false;  // a block differs from this one in its group's name only: other_name
      std::string other_name;
      for (const model::Uncertainty& have : blocks_of(joint)) {
        const std::vector<std::string> hk = have.keys();
        const bool overlap = std::any_of(keys.begin(), keys.end(),
                                         [&](const std::string& k) { return std::find(hk.begin(), hk.end(), k) != hk.end(); });
        if (!overlap) continue;
        seen = true;
        same = same || have == block;
        if (!have.groups.empty() && !block.groups.empty() && have.groups[0].name != block.groups[0].name) {
          model::Uncertainty renamed = have;
          renamed.groups[0].name = block.groups[0].name;
          if (renamed == block) name_only = true, other_name = have.groups[0].name;
        }
      }
      const int line = block.parameters.empty() ? block.groups[0].line : block.parameters[0].line;
      auto quoted = [](const std::string& n) { return n.empty() ? std::string("no name") : "'" + n + "'"; };
      if (seen && !same && name_only)
        problems.push_back({s->source_path, line, "uncertainty",
                            "the group of '" + keys.front() + "' is named " + quoted(block.groups[0].name) +
                                " here and " + quoted(other_name) + " in another compared scenario; compared scenarios "
                                "must declare a shared group the same way, its name included"});
      else if (seen && !same)
        problems.push_back({s->source_path, line,
                            "uncertainty", "'" + keys.front() + "' is uncertain in several compared scenarios with different "
                            "distributions or groups; compared scenarios must share the distributions of the keys they share"});
      if (!seen) {
        joint.parameters.insert(joint.parameters.end(), block.parameters.begin(), block.parameters.end());
        joint.groups.insert(joint.groups.end(), block.groups.begin(), block.groups.end());
      }
    }
  }
  // Each block's label must be its own over all the compared scenarios too (each scenario's own
  // labels were checked when it was loaded, by the same rule): said where the group is declared.
  for (const model::LabelClash& c : joint.label_clashes()) {
    const model::UncertainGroup& g = joint.groups[c.group];
    problems.push_back({g.file, g.line, "uncertainty",
                        "the group named '" + g.name + "' " +
                            (c.other ? "shares its label with a different block of another compared scenario"
                                     : "is named after an uncertain key of another compared scenario") +
                            "; compared scenarios need a label of their own for every block"});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  if (joint.empty())
    throw ModelError(scenarios.empty() ? "" : scenarios.front()->source_path, 0, "uncertainty",
                     "no uncertain parameters: give the scenario an [uncertainty] table to draw from (docs/uncertainty.md)");
  DrawSet d;
  d.keys = joint.keys();
  for (const auto& p : joint.parameters) d.distributions.push_back(p.distribution.to_string());
  for (const auto& g : joint.groups)
    for (const auto& m : g.group.marginals()) d.distributions.push_back(m.to_string());
  const random::JointDistribution dist = joint.joint();
  d.blocks = dist.blocks();
  d.block_names = joint.block_names();
  d.method = method;
  d.seed = seed;
  d.draws = draws;
  d.values = dist.transform_all(unit_points(method, draws, dist.dimension(), seed).values);
  return d;
}

// How one scenario takes the values of a draw: which of the draw set's keys it declares
// uncertain, as key paths, and which of them take whole numbers only.
struct ScenarioAtDraw::Keys {
  std::vector<std::size_t> columns;  // into DrawSet::keys
  std::vector<model::KeyPath> keys;
  std::vector<bool> whole;

  Keys(const model::Scenario& s, const DrawSet& draws) {
    const std::vector<std::string> own = s.uncertainty.keys();
    for (std::size_t j = 0; j < draws.keys.size(); ++j)
      if (std::find(own.begin(), own.end(), draws.keys[j]) != own.end()) {
        columns.push_back(j);
        keys.push_back(model::KeyPath::parse(draws.keys[j]));
      }
    for (const auto& k : model::numeric_keys(s, keys)) whole.push_back(k.domain == model::Domain::whole);
  }

  model::Scenario at(const model::Scenario& base, const DrawSet& draws, std::size_t d) const {
    std::vector<double> values;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const double v = draws.draw(d)[columns[i]];
      values.push_back(whole[i] ? std::round(v) : v);
    }
    model::Scenario s = model::with_values(base, keys, values);
    if (s.report_times != base.report_times)
      throw ModelError(base.source_path, 0, "uncertainty",
                       "an uncertain key changes the report grid (draw " + std::to_string(d) +
                           "); keys such as horizon_years or the report times cannot be uncertain");
    return s;
  }
};

ScenarioAtDraw::ScenarioAtDraw(const model::Scenario& base, const DrawSet& draws)
    : base_(&base), draws_(&draws), keys_(std::make_unique<const Keys>(base, draws)) {}
ScenarioAtDraw::~ScenarioAtDraw() = default;
ScenarioAtDraw::ScenarioAtDraw(ScenarioAtDraw&&) noexcept = default;
ScenarioAtDraw& ScenarioAtDraw::operator=(ScenarioAtDraw&&) noexcept = default;

model::Scenario ScenarioAtDraw::operator()(std::size_t d) const { return keys_->at(*base_, *draws_, d); }

model::Scenario scenario_at_draw(const model::Scenario& base, const DrawSet& draws, std::size_t d) {
  return ScenarioAtDraw(base, draws)(d);
}

void PsaOptions::check() const {
  std::vector<Diagnostic> problems;
  try {
    run.check();
  } catch (const ModelError& e) {
    problems = e.diagnostics();
  }
  if (draws < 2) problems.push_back({"", 0, "draws", "a probabilistic sensitivity analysis needs at least 2 draws"});
  if (!(confidence > 0.0 && confidence < 1.0)) problems.push_back({"", 0, "confidence", "must be between 0 and 1"});
  if (run.trace_people > 0)
    problems.push_back({"", 0, "trajectories", "traced people are not recorded in a probabilistic sensitivity analysis"});
  if (draws > 0 && (run.replicates > std::numeric_limits<std::uint64_t>::max() / draws ||
                    run.first_replicate > std::numeric_limits<std::uint64_t>::max() - draws * run.replicates))
    problems.push_back({"", 0, "draws", "first_replicate + draws x replicates must be below 2^64"});
  if (!problems.empty()) throw ModelError(std::move(problems));
}

Psa psa(const model::Scenario& scenario, const PsaOptions& options, Executor& executor, PointStore* store) {
  options.check();
  const model::Scenario* one[] = {&scenario};
  return psa(scenario, draw_parameters(one, options.draws, options.method, options.run.seed), options, executor, store);
}

Psa psa(const model::Scenario& scenario, const DrawSet& draws, const PsaOptions& options, Executor& executor,
        PointStore* store) {
  options.check();
  if (draws.draws != options.draws)
    throw ModelError("", 0, "draws", "the draw set has " + std::to_string(draws.draws) + " draws, the options ask for " +
                                         std::to_string(options.draws));
  const ScenarioAtDraw at_draw(scenario, draws);
  const std::size_t D = draws.draws, R = options.run.replicates;
  RunOptions ro = options.run;
  ro.per_region = false;  // totals only: D·R replicates of per-region arrays would not fit
  ro.progress = nullptr;
  Psa out;
  out.draws = draws;
  out.replicates_per_draw = R;
  out.common_streams = options.common_streams;
  const engine::Layout layout = engine::Simulator(scenario).layout();
  if (executor.root()) out.pooled = allocate(layout, D * R, ro.seed, ro.first_replicate, /*per_region=*/false);
  double wall = 0.0;
  std::uint64_t peak_bytes = 0, peak_live = 0;
  int threads = 1;
  run_points(
      D, [&](std::size_t d) { return at_draw(d); }, ro, executor, store, nullptr,
      [&](std::size_t d, Ensemble&& e) {
        place_at(out.pooled, e, d * R);
        wall += e.wall_seconds;
        peak_bytes = std::max(peak_bytes, e.peak_bytes_per_replicate);
        peak_live = std::max(peak_live, e.peak_live_persons);
        threads = std::max(threads, e.threads_used);
      },
      options.progress,
      [&](std::size_t d) { return options.run.first_replicate + (options.common_streams ? 0 : d * R); });
  if (!executor.root()) return out;
  out.pooled.wall_seconds = wall;  // each draw's share of its batch's elapsed time (Executor::run_batch)
  out.pooled.peak_bytes_per_replicate = peak_bytes;
  out.pooled.peak_live_persons = peak_live;
  out.pooled.threads_used = threads;
  summarize(out.pooled);
  if (R >= 2 && D >= 3) {
    const std::size_t K = layout.K();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t k = 0; k < K; ++k) {
      std::vector<double> y(D * R);
      const std::vector<double>& kpi = out.pooled.values<double>("kpi");
      for (std::size_t i = 0; i < D * R; ++i) y[i] = kpi[i * K + k];
      try {
        out.kpi_variance.push_back(options.common_streams ? variance_split_crossed(y, D, R, options.confidence)
                                                          : variance_split(y, D, R, options.confidence));
      } catch (const Error&) {  // an undefined KPI in some run (e.g. nobody reached work): no split
        VarianceSplit v;
        v.draws = D;
        v.replicates = R;
        v.mean = v.parameter = v.parameter_raw = v.monte_carlo = v.total = v.parameter_share = nan;
        v.mean_se = v.parameter_se = v.monte_carlo_se = v.share_se = nan;
        v.parameter_lower = v.parameter_upper = v.monte_carlo_lower = v.monte_carlo_upper = nan;
        out.kpi_variance.push_back(v);
      }
    }
  }
  return out;
}

std::vector<double> draw_means(const Ensemble& pooled, std::size_t R, std::size_t k) {
  const std::size_t K = pooled.layout.K(), D = R == 0 ? 0 : pooled.replicates / R;
  std::vector<double> m(D, 0.0);
  const std::vector<double>& kpi = pooled.values<double>("kpi");
  for (std::size_t d = 0; d < D; ++d) {
    for (std::size_t r = 0; r < R; ++r) m[d] += kpi[(d * R + r) * K + k];
    m[d] /= static_cast<double>(R);
  }
  return m;
}

}  // namespace trede::mc
