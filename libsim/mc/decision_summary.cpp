// Decision summaries of a comparison (trede/mc/decision_summary.hpp).

#include "trede/mc/decision_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "trede/error.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/compare.hpp"

namespace trede::mc {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The headline KPIs and which way is better. The effect and the cost come first.
struct Headline {
  const char* kpi;
  bool higher_is_better;
};
constexpr Headline headline[] = {
    {"persons_reaching_work", true},  {"uitstroom_werk", true},        {"person_years_in_work", true},
    {"share_reached_work", true},     {"share_reached_trede_ge4", true}, {"mean_time_to_first_work_years", false},
    {"uitval", false},                {"cost_total_eur", false},
};

std::vector<double> quantiles(std::vector<double> v, double lo, double hi) {
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    const double h = (static_cast<double>(v.size()) - 1.0) * p;
    const auto i = static_cast<std::size_t>(std::floor(h));
    const std::size_t j = std::min(i + 1, v.size() - 1);
    return v[i] + (h - static_cast<double>(i)) * (v[j] - v[i]);
  };
  return {q(lo), q(hi)};
}

bool all_finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

void DecisionOptions::check() const {
  std::vector<Diagnostic> p;
  if (!(confidence > 0.0 && confidence < 1.0)) p.push_back({"", 0, "confidence", "must be between 0 and 1"});
  // A willingness to pay beyond 1e15 euros per unit of effect means nothing, and near the
  // largest double the curve's grid (lambda_max · i / 50) and the net benefits overflow.
  constexpr double most = 1e15;
  if (lambda.empty() && !(lambda_max > 0.0 && lambda_max <= most))
    p.push_back({"", 0, "lambda_max", "must be a positive number of euros per unit of effect, at most 1e15"});
  for (double l : lambda)
    if (!(l >= 0.0 && l <= most)) p.push_back({"", 0, "lambda", "willingness to pay must be between 0 and 1e15"});
  if (!(lambda_reference >= 0.0 && lambda_reference <= most))
    p.push_back({"", 0, "lambda_reference", "must be between 0 and 1e15 euros per unit of effect"});
  if (!p.empty()) throw ModelError(std::move(p));
}

std::vector<double> unit_values(const Ensemble& e, std::string_view name, std::size_t per_unit,
                                const std::vector<std::uint32_t>& work_states) {
  const engine::Layout& L = e.layout;
  const std::size_t rows = e.replicates, units = per_unit == 0 ? 0 : rows / per_unit;
  std::vector<double> row(rows, 0.0);
  if (name == "person_years_in_work") {
    const std::size_t P = L.P(), S = L.S();
    const std::vector<double>& person_years = e.values<double>("person_years");
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t p = 0; p < P; ++p)
        for (std::uint32_t s : work_states) row[r] += person_years[(r * P + p) * S + s];
  } else {
    const std::size_t k = index_of(L, Dim::kpi, name), K = L.K();
    const std::vector<double>& kpi = e.values<double>("kpi");
    for (std::size_t r = 0; r < rows; ++r) row[r] = kpi[r * K + k];
  }
  std::vector<double> out(units, 0.0);
  for (std::size_t u = 0; u < units; ++u) {
    for (std::size_t r = 0; r < per_unit; ++r) out[u] += row[u * per_unit + r];
    out[u] /= static_cast<double>(per_unit);
  }
  return out;
}

DecisionSummary decide(const Comparison& c, const std::vector<model::Scenario>& scenarios, const DecisionOptions& options) {
  options.check();
  if (scenarios.size() != c.ensembles.size()) throw Error("mc::decide: one scenario per compared ensemble");
  const std::size_t N = c.ensembles.size();
  const bool psa = c.replicates_per_draw > 0;
  const std::size_t per_unit = psa ? c.replicates_per_draw : 1;
  DecisionSummary d;
  d.parameter_uncertainty = psa;
  {
    const Ensemble& ref = c.ensembles.front();
    char buf[128];
    if (psa)
      std::snprintf(buf, sizeof buf, "Monte Carlo + parameter (%zu draws x %zu replicate%s)",
                    static_cast<std::size_t>(ref.replicates / per_unit), per_unit, per_unit == 1 ? "" : "s");
    else
      std::snprintf(buf, sizeof buf, "Monte Carlo (%zu replicate%s)", static_cast<std::size_t>(ref.replicates),
                    ref.replicates == 1 ? "" : "s");
    d.uncertainty = buf;
  }
  d.options = options;
  d.names = c.names;
  if (d.options.lambda.empty()) {
    for (int i = 0; i <= 50; ++i) d.options.lambda.push_back(options.lambda_max * i / 50.0);
    // The reference willingness to pay is on the grid, so EVPI and EVPPI are quoted at it.
    auto& g = d.options.lambda;
    if (std::find(g.begin(), g.end(), options.lambda_reference) == g.end())
      g.insert(std::upper_bound(g.begin(), g.end(), options.lambda_reference), options.lambda_reference);
  }
  auto work_of = [&](std::size_t i) {
    std::vector<std::uint32_t> w(scenarios[i].kpi.work.begin(), scenarios[i].kpi.work.end());
    return w;
  };
  // [N][units] values of one KPI.
  auto values_of = [&](std::string_view kpi) {
    std::vector<std::vector<double>> v;
    for (std::size_t i = 0; i < N; ++i) v.push_back(unit_values(c.ensembles[i], kpi, per_unit, work_of(i)));
    return v;
  };
  for (const std::string& k : {options.effect, options.cost})
    if (k != "person_years_in_work") (void)index_of(c.ensembles.front().layout, Dim::kpi, k);  // names the KPIs if unknown
  d.units = c.ensembles.front().replicates / per_unit;
  if (d.units < 2) {
    d.notes.push_back("fewer than 2 units: no decision summaries");
    return d;
  }

  // The headline KPIs: the effect and cost first, then the rest of the list.
  std::vector<Headline> list = {{options.effect.c_str(), true}, {options.cost.c_str(), false}};
  for (const Headline& h : headline)
    if (h.kpi != options.effect && h.kpi != options.cost) list.push_back(h);
  std::vector<std::vector<double>> effect, cost;
  for (const Headline& h : list) {
    const auto v = values_of(h.kpi);
    if (h.kpi == options.effect) effect = v;
    if (h.kpi == options.cost) cost = v;
    bool finite = true;
    for (const auto& x : v) finite = finite && all_finite(x);
    if (!finite) {
      d.notes.push_back(std::string(h.kpi) + ": undefined in some runs (no one reached work?); left out");
      continue;
    }
    KpiDecision kd;
    kd.kpi = h.kpi;
    kd.higher_is_better = h.higher_is_better;
    std::vector<double> flat;
    for (std::size_t i = 0; i < N; ++i) {
      double m = 0.0;
      for (double x : v[i]) m += x;
      kd.mean.push_back(m / static_cast<double>(d.units));
      const auto q = quantiles(v[i], (1.0 - options.confidence) / 2.0, (1.0 + options.confidence) / 2.0);
      kd.q_lower.push_back(q[0]);
      kd.q_upper.push_back(q[1]);
      flat.insert(flat.end(), v[i].begin(), v[i].end());
      if (i > 0) kd.difference.push_back(draw_difference(v[i], v[0], options.confidence));
    }
    kd.probability_best = probability_best(OptionDraws{flat, N, d.units}, h.higher_is_better);
    d.kpis.push_back(std::move(kd));
  }
  if (effect.empty() || cost.empty() || !std::all_of(effect.begin(), effect.end(), all_finite) ||
      !std::all_of(cost.begin(), cost.end(), all_finite)) {
    d.notes.push_back("the effect or the cost is undefined in some runs: no cost-effectiveness summaries");
    return d;
  }
  std::vector<double> e_flat, c_flat;
  for (std::size_t i = 0; i < N; ++i) {
    e_flat.insert(e_flat.end(), effect[i].begin(), effect[i].end());
    c_flat.insert(c_flat.end(), cost[i].begin(), cost[i].end());
  }
  const OptionDraws E{e_flat, N, d.units}, C{c_flat, N, d.units};
  IncrementalRatioOptions io;
  io.level = options.confidence;
  io.seed = options.seed;
  const auto person_years = values_of("person_years_in_work");
  for (std::size_t i = 1; i < N; ++i) {
    d.cost_per_person.push_back(incremental_ratio(effect[i], effect[0], cost[i], cost[0], io));
    d.cost_per_person_year.push_back(incremental_ratio(person_years[i], person_years[0], cost[i], cost[0], io));
  }
  d.acceptability = acceptability(E, C, d.options.lambda);
  const std::vector<double> lam_ref{options.lambda_reference};
  const Acceptability at_ref = acceptability(E, C, lam_ref);
  for (std::size_t k = 0; k < N; ++k) d.probability_best_reference.push_back(at_ref.ceac(k, 0));

  // Value of information and sensitivity need the parameter draws.
  if (!psa) return d;
  const DrawSet& draws = c.draws;
  const ParameterDraws theta{draws.values, draws.draws, draws.keys.size()};
  for (std::size_t b = 0; b < draws.blocks.size(); ++b) {
    const std::string& label = draws.block_names[b];
    try {
      d.evppi.push_back(evppi(theta, draws.blocks[b], E, C, d.options.lambda));
      d.evppi_groups.push_back(label);
    } catch (const Error& e) {
      d.notes.push_back("EVPPI of " + label + " not estimated: " + e.what());
    }
  }
  for (std::size_t i = 1; i < N; ++i) {
    std::vector<double> de(d.units), dc(d.units);
    for (std::size_t u = 0; u < d.units; ++u) de[u] = effect[i][u] - effect[0][u], dc[u] = cost[i][u] - cost[0][u];
    try {
      d.sensitivity_effect.push_back(first_order_indices(theta, de, draws.blocks));
      d.sensitivity_cost.push_back(first_order_indices(theta, dc, draws.blocks));
    } catch (const Error& e) {
      d.notes.push_back("sensitivity of " + c.names[i] + " - " + c.names[0] + " not estimated: " + e.what());
      d.sensitivity_effect.clear();
      d.sensitivity_cost.clear();
      break;
    }
  }
  // A block whose regression cannot be fitted (too few draws for its keys) is left out of every
  // pair's table, with a note, as EVPPI leaves it out; the others keep their estimates.
  std::vector<bool> kept(draws.blocks.size(), true);
  for (const auto* table : {&d.sensitivity_effect, &d.sensitivity_cost})
    for (const FirstOrderIndices& f : *table)
      for (std::size_t b = 0; b < kept.size(); ++b)
        if (kept[b] && !std::isfinite(f.first_order[b])) {
          kept[b] = false;
          d.notes.push_back("sensitivity of " + draws.block_names[b] + " " + f.method[b]);
        }
  if (!d.sensitivity_effect.empty()) {
    for (auto* table : {&d.sensitivity_effect, &d.sensitivity_cost})
      for (FirstOrderIndices& f : *table) {
        FirstOrderIndices k{f.variance, {}, {}, {}, {}};
        for (std::size_t b = 0; b < kept.size(); ++b)
          if (kept[b]) {
            k.first_order.push_back(f.first_order[b]), k.se.push_back(f.se[b]);
            k.r_squared.push_back(f.r_squared[b]), k.method.push_back(f.method[b]);
          }
        f = std::move(k);
      }
    for (std::size_t b = 0; b < kept.size(); ++b)
      if (kept[b]) d.sensitivity_groups.push_back(draws.block_names[b]);
    if (d.sensitivity_groups.empty()) d.sensitivity_effect.clear(), d.sensitivity_cost.clear();
  }
  (void)nan;
  return d;
}

}  // namespace trede::mc
