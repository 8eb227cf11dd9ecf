// PSA sweeps and the decision summaries of comparisons, on a model whose answers are known.
//
// People leave state a (trede 2, cost c per person-year) for work w at an uncertain rate θ.
// - A PSA sweep runs, at every point, exactly the PSA of that point's scenario on the same
//   draws (bit for bit), for any thread count; a key cannot be both swept and drawn.
// - Compared with itself at twice the cost of a, an option has exactly the same people in work
//   in every draw (same draws, same streams, cost does not touch the dynamics) and costs more in
//   every draw: the effect difference is 0, the reference is best at every willingness to pay
//   with probability 1, and there is nothing to learn (EVPI = EVPPI = 0).
// - A second path into work (an extra transition a -> w) gets more people into work at lower
//   cost (less time in a) in every draw: it dominates, with probability 1 at every λ.
// - The mean effect over the draws matches N·E_θ[1 − exp(−θT)] by quadrature (tolerance from
//   the Monte Carlo standard error over the draws).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "stat_support.hpp"
#include "trede/error.hpp"
#include "trede/mc/compare.hpp"
#include "trede/mc/decision_summary.hpp"
#include "trede/mc/psa.hpp"
#include "trede/mc/sweep.hpp"
#include "trede/model/key_path.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;
using stat_test::StatTest;

constexpr double median = 0.4, sd_log = 0.5, horizon = 3.0;
constexpr int people = 400;

std::string model_text(double cost, bool extra_path = false) {
  std::string s = R"(
name = "decay"
start_year = 2025
horizon_years = 3
[report]
step_years = 1
[kpi]
work_states = ["w"]
[[state]]
name = "a"
trede = 2
cost_eur_per_year = )" + stat_test::num(cost) + R"(
[[state]]
name = "w"
trede = 6
absorbing = true
[[transition]]
from = "a"
to = "w"
rate = 0.4
[[population]]
state = "a"
count = )" + std::to_string(people) + R"(
[uncertainty]
"transition[0].rate" = { dist = "lognormal", median = )" + stat_test::num(median) + R"(, sd_log = )" +
                  stat_test::num(sd_log) + " }\n";
  if (extra_path) s += "[[transition]]\nid = \"extra\"\nfrom = \"a\"\nto = \"w\"\nrate = 0.3\n";
  return s;
}

model::Scenario scenario(double cost, bool extra_path = false, const std::string& name = "") {
  auto s = model::parse_scenario(model_text(cost, extra_path), "decay.toml");
  if (!name.empty()) s.name = name;
  return s;
}

std::size_t kpi_index(const engine::Layout& l, const std::string& name) {
  const auto it = std::find(l.kpi_names.begin(), l.kpi_names.end(), name);
  return static_cast<std::size_t>(it - l.kpi_names.begin());
}

class PsaSweep : public StatTest {};
class PsaDecision : public StatTest {};

TEST_F(PsaSweep, EachPointIsThePsaOfThatPointOnTheSameDraws) {
  const model::Scenario base = scenario(1000.0);
  const mc::Design design = mc::grid_design({{"state[a].cost_eur_per_year", {"1000", "3000"}}});
  const model::Scenario* one[] = {&base};
  auto draws = std::make_shared<const mc::DrawSet>(mc::draw_parameters(one, 8, mc::PointMethod::sobol, seed()));
  mc::SweepOptions o;
  o.run.replicates = 2;
  o.run.seed = seed();
  o.draws = draws;
  mc::ThreadExecutor exec;
  o.run.threads = 1;
  const mc::Sweep one_thread = mc::sweep(base, design, o, exec);
  o.run.threads = 2;
  const mc::Sweep sw = mc::sweep(base, design, o, exec);
  ASSERT_EQ(sw.points.size(), 2u);
  EXPECT_EQ(sw.replicates, 16u);
  EXPECT_EQ(sw.replicates_per_draw, 2u);
  for (std::size_t p = 0; p < 2; ++p) {
    const model::KeyPath key = model::KeyPath::parse("state[a].cost_eur_per_year");
    const double value = design.numeric[p][0];
    const model::Scenario at = model::with_values(base, std::span<const model::KeyPath>(&key, 1), std::span<const double>(&value, 1));
    mc::PsaOptions po;
    po.run = o.run;
    po.draws = 8;
    const mc::Psa psa = mc::psa(at, *draws, po, exec);
    auto same_bits = [](const std::vector<double>& x, const std::vector<double>& y) {  // NaN (no work yet) included
      return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
    };
    EXPECT_TRUE(same_bits(sw.points[p].kpi_replicates, psa.pooled.values<double>("kpi"))) << "point " << p;
    EXPECT_TRUE(same_bits(one_thread.points[p].kpi_replicates, sw.points[p].kpi_replicates)) << "point " << p;
  }
  // Cost does not touch the dynamics: the two points differ in cost only, by a factor of 3.
  const std::size_t K = sw.layout.K(), work = kpi_index(sw.layout, "persons_reaching_work"),
                    cost = kpi_index(sw.layout, "cost_total_eur");
  for (std::size_t r = 0; r < 16; ++r) {
    EXPECT_EQ(sw.points[0].kpi_replicates[r * K + work], sw.points[1].kpi_replicates[r * K + work]);
    EXPECT_NEAR(sw.points[1].kpi_replicates[r * K + cost], 3.0 * sw.points[0].kpi_replicates[r * K + cost],
                1e-9 * sw.points[1].kpi_replicates[r * K + cost]);
  }
  // A key is either swept or drawn (drawn as transition[0].rate, swept by its states' names).
  const mc::Design bad = mc::grid_design({{"transition[a->w].rate", {"0.3", "0.5"}}});
  EXPECT_THROW((void)mc::sweep(base, bad, o, exec), ModelError);
}

TEST_F(PsaDecision, ACostlierTwinLosesEveryDrawAndADominantOptionWinsEvery) {
  mc::CompareOptions o;
  o.run.replicates = 1;
  o.run.seed = seed();
  o.draws = 64;
  o.decision.seed = seed();
  const std::vector<model::Scenario> s = {scenario(1000.0, false, "reference"), scenario(2000.0, false, "twice the cost"),
                                          scenario(1000.0, true, "two paths")};
  const mc::Comparison c = mc::compare(s, o);
  const mc::DecisionSummary& d = c.decision;
  ASSERT_TRUE(d.parameter_uncertainty);
  EXPECT_EQ(d.units, 64u);
  EXPECT_EQ(d.uncertainty, "Monte Carlo + parameter (64 draws x 1 replicate)");
  ASSERT_GE(d.kpis.size(), 2u);
  const mc::KpiDecision& effect = d.kpis[0];
  const mc::KpiDecision& cost = d.kpis[1];
  ASSERT_EQ(effect.kpi, "persons_reaching_work");
  ASSERT_EQ(cost.kpi, "cost_total_eur");
  // The twin: the same people in work in every draw, a higher cost in every draw.
  EXPECT_EQ(effect.difference[0].mean, 0.0);
  EXPECT_EQ(effect.difference[0].sd, 0.0);
  EXPECT_EQ(effect.difference[0].probability_positive, 0.5);
  EXPECT_EQ(cost.difference[0].probability_positive, 1.0);
  EXPECT_NEAR(cost.difference[0].mean, cost.mean[0], 1e-9 * cost.mean[0]);  // twice the cost: +100 %
  EXPECT_EQ(d.cost_per_person[0].delta_effect, 0.0);
  EXPECT_FALSE(std::isfinite(d.cost_per_person[0].ratio));
  // The second path: more people in work and less cost in every draw.
  EXPECT_EQ(effect.difference[1].probability_positive, 1.0);
  EXPECT_EQ(cost.difference[1].probability_positive, 0.0);
  EXPECT_EQ(effect.probability_best[2], 1.0);
  EXPECT_LT(d.cost_per_person[1].ratio, 0.0);  // dominant: extra people at a saving
  // It is best at every willingness to pay, with certainty; so nothing is worth learning.
  const auto& a = d.acceptability;
  for (std::size_t l = 0; l < a.lambda.size(); ++l) {
    EXPECT_EQ(a.frontier_option[l], 2u) << "lambda " << a.lambda[l];
    EXPECT_EQ(a.ceac(2, l), 1.0);
    EXPECT_EQ(a.ceac(1, l), 0.0);
    EXPECT_NEAR(a.evpi[l], 0.0, 1e-9 * std::abs(a.expected_net_benefit[2 * a.lambda.size() + l]) + 1e-9);
  }
  EXPECT_EQ(d.probability_best_reference, (std::vector<double>{0.0, 0.0, 1.0}));
  ASSERT_EQ(d.evppi.size(), 1u);  // one uncertain parameter
  // Its tables are labelled by the draw set's block names (here the key itself).
  EXPECT_EQ(d.evppi_groups, c.draws.block_names);
  EXPECT_EQ(d.evppi_groups, c.draws.keys);
  for (double v : d.evppi[0].value) EXPECT_NEAR(v, 0.0, 1e-6 * std::abs(cost.mean[0]));
  // The mean effect over the draws against quadrature: N E_θ[1 − exp(−θT)].
  const double mu = std::log(median);
  const double expected = people * stat_test::simpson(
                                       [&](double z) {
                                         return (1.0 - std::exp(-std::exp(mu + sd_log * z) * horizon)) *
                                                std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
                                       },
                                       -9.0, 9.0, 4000);
  const std::vector<double> y = mc::unit_values(c.ensembles[0], "persons_reaching_work", 1, {1});
  double m = 0.0, v = 0.0;
  for (double x : y) m += x;
  m /= static_cast<double>(y.size());
  for (double x : y) v += (x - m) * (x - m);
  const double se = std::sqrt(v / static_cast<double>(y.size() - 1) / static_cast<double>(y.size()));
  EXPECT_EQ(m, effect.mean[0]);
  expect_z("mean people reaching work over the draws", m, expected, se);
}

TEST_F(PsaDecision, APlainComparisonDecidesOnItsReplicates) {
  mc::CompareOptions o;
  o.run.replicates = 20;
  o.run.seed = seed();
  o.measure_independent = false;
  const mc::Comparison c = mc::compare({scenario(1000.0, false, "reference"), scenario(1000.0, true, "two paths")}, o);
  const mc::DecisionSummary& d = c.decision;
  EXPECT_FALSE(d.parameter_uncertainty);
  EXPECT_EQ(d.units, 20u);
  EXPECT_EQ(d.uncertainty, "Monte Carlo (20 replicates)");
  EXPECT_TRUE(d.evppi.empty());
  // The decision's paired effect difference is the comparison's KPI difference.
  const std::size_t k = kpi_index(c.ensembles[0].layout, "persons_reaching_work");
  EXPECT_NEAR(d.kpis[0].difference[0].mean, c.kpi[0].mean[k], 1e-9 * std::abs(c.kpi[0].mean[k]));
  EXPECT_NEAR(d.kpis[0].difference[0].lower, c.kpi[0].lo[k], 1e-9 * std::abs(c.kpi[0].lo[k]));
}

}  // namespace
