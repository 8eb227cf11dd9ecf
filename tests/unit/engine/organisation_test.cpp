// Organisation models, handovers and regions: the mechanics docs/model-formalism.md §7–8 describes, checked
// on small scenarios with known answers.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "test_seed.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

// bijstand (inkomen) -> ontwikkeltraject (B) -> regulier_werk; under `partieel` the first move is
// a handover from the sociale dienst to the SOB, under `gecombineerd` nothing is.
std::string chain(const std::string& model, const std::string& handover, int people = 2000) {
  return R"(
name = "org"
horizon_years = 4
organisation_model = ")" + model + R"("

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"
cost_eur_per_year = 100

[[state]]
name = "ontwikkeltraject"
trede = 3
functionality = "B"

[[state]]
name = "uitval"
trede = 1
functionality = "uitval"

[[state]]
name = "regulier_werk"
trede = 6

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "ontwikkeltraject"
rate = 0.8

[[transition]]
from = "ontwikkeltraject"
to = "regulier_werk"
rate = 0.5

[[transition]]
from = "uitval"
to = "exit"
rate = 0.5

[[transition]]
from = "regulier_werk"
to = "exit"
rate = 0.1

[[transition]]
from = "regulier_werk"
to = "uitval"
rate = 0.05

[[population]]
state = "bijstand"
count = )" + std::to_string(people) + "\n" + handover;
}

const std::string leaky = R"(
[[handover]]
from = "sociale_dienst"
to = "SOB"
leakage = 0.3
leak_to = "uitval"
delay = { dist = "gamma", shape = 2.0, scale = 0.25 }

[organisation_costs.SOB]
fixed_eur_per_year = 1000
eur_per_person_year = 10
)";

mc::Ensemble run(const std::string& text, std::uint64_t replicates = 20) {
  mc::RunOptions o;
  o.replicates = replicates;
  o.seed = trede::test::test_seed(20261122);
  o.threads = 1;
  return mc::run(model::parse_scenario(text, "org.toml"), o);
}

double kpi(const mc::Ensemble& e, std::size_t r, std::size_t k) {
  return e.values<double>("kpi")[r * e.layout.K() + k];
}

std::size_t edge(const engine::Layout& L, const std::string& id) {
  for (std::size_t i = 0; i < L.E(); ++i)
    if (L.edges[i].id == id) return i;
  ADD_FAILURE() << "no edge " << id;
  return 0;
}

TEST(Organisation, NoHandoverInsideOneOrganisation) {
  // Under gecombineerd the SOB runs inkomen and B: the handover rule never applies, and the
  // run is identical to one without any organisation model (same random numbers, same moves).
  const auto with = run(chain("gecombineerd", leaky));
  std::string plain = chain("gecombineerd", "");
  const std::string key = "organisation_model = \"gecombineerd\"";
  plain.replace(plain.find(key), key.size(), "");
  const auto without = run(plain);
  for (std::size_t r = 0; r < with.replicates; ++r) {
    EXPECT_EQ(kpi(with, r, engine::kpi_handovers), 0.0);
    EXPECT_EQ(kpi(with, r, engine::kpi_leaked), 0.0);
  }
  EXPECT_EQ(with.values<std::int32_t>("occupancy"), without.values<std::int32_t>("occupancy"));
  EXPECT_EQ(with.values<std::int32_t>("flows"), without.values<std::int32_t>("flows"));
}

TEST(Organisation, LeakageHappensAtTheConfiguredRate) {
  // Under partieel every bijstand -> ontwikkeltraject move is a handover. Of the handovers that
  // completed by the horizon (a delay may still be running at the end), 30% were lost.
  const auto e = run(chain("partieel", leaky), 40);
  const std::size_t leak = edge(e.layout, "bijstand->uitval (leakage)");
  const std::size_t move = edge(e.layout, "bijstand->ontwikkeltraject");
  double handovers = 0, leaked = 0, leak_flows = 0, moves = 0;
  for (std::size_t r = 0; r < e.replicates; ++r) {
    handovers += kpi(e, r, engine::kpi_handovers);
    leaked += kpi(e, r, engine::kpi_leaked);
    for (std::size_t k = 0; k < e.layout.P(); ++k) {
      leak_flows += e.values<std::int32_t>("flows")[(r * e.layout.P() + k) * e.layout.E() + leak];
      moves += e.values<std::int32_t>("flows")[(r * e.layout.P() + k) * e.layout.E() + move];
    }
  }
  EXPECT_EQ(leaked, leak_flows);                // each loss is one move along the leakage edge
  EXPECT_LE(leak_flows + moves, handovers);     // the rest are still under way at the horizon
  EXPECT_GT(leak_flows + moves, 0.95 * handovers);
  const double completed = leak_flows + moves;
  ASSERT_GT(completed, 10000);
  const double p = leak_flows / completed, se = std::sqrt(0.3 * 0.7 / completed);
  const double z = (p - 0.3) / se;
  std::printf("leakage %.4f over %.0f completed handovers, z = %.2f (seed %llu)\n", p, completed, z,
              static_cast<unsigned long long>(trede::test::test_seed(20261122)));
  EXPECT_LT(std::fabs(z), 4.0);
}

TEST(Organisation, DelayDistributionIsReproduced) {
  // The person stays in bijstand during the delay, so the time in bijstand before the move is
  // Exp(0.8) + Gamma(2, 0.25): mean 1.25 + 0.5, variance 1.5625 + 0.125 (a long horizon so
  // that censoring is negligible: P(not moved by 30 years) is about e^-23).
  std::string text = chain("partieel", R"(
[[handover]]
from = "sociale_dienst"
to = "SOB"
delay = { dist = "gamma", shape = 2.0, scale = 0.25 }
)");
  text.replace(text.find("horizon_years = 4"), 17, "horizon_years = 30");
  const auto e = run(text, 20);
  const std::size_t j = edge(e.layout, "bijstand->ontwikkeltraject");
  double n = 0, sum = 0, sumsq = 0;
  for (std::size_t r = 0; r < e.replicates; ++r) {
    for (std::size_t k = 0; k < e.layout.P(); ++k)
      n += e.values<std::int32_t>("flows")[(r * e.layout.P() + k) * e.layout.E() + j];
    sum += e.values<double>("sojourn_sum")[r * e.layout.E() + j];
    sumsq += e.values<double>("sojourn_sumsq")[r * e.layout.E() + j];
  }
  const double mean = sum / n, var = sumsq / n - mean * mean;
  const double true_mean = 1.25 + 0.5, true_var = 1.5625 + 0.125;
  // SE of the mean sqrt(var/n); of the variance about sqrt((m4 - var²)/n) with m4 bounded by 10 var².
  const double z_mean = (mean - true_mean) / std::sqrt(true_var / n);
  const double z_var = (var - true_var) / std::sqrt(9.0 * true_var * true_var / n);
  std::printf("time before the handover move: mean %.4f (z %.2f), variance %.4f (z %.2f), n = %.0f\n", mean, z_mean,
              var, z_var, n);
  EXPECT_LT(std::fabs(z_mean), 4.0);
  EXPECT_LT(std::fabs(z_var), 4.0);
}

TEST(Organisation, CostsFollowPersonYearsAndFixedCostsPerRegion) {
  const auto e = run(chain("partieel", leaky), 4);
  const auto& L = e.layout;
  ASSERT_EQ(L.O(), 2u);  // sociale_dienst (inkomen) and SOB (B); uitval and regular work: nobody
  std::size_t sob = L.organisations[0] == "SOB" ? 0 : 1;
  const std::size_t ontw = 1;  // state index of ontwikkeltraject
  for (std::size_t r = 0; r < e.replicates; ++r)
    for (std::size_t k = 0; k < L.P(); ++k) {
      const double length = L.period_end[k] - L.period_start[k];
      const double py = e.values<double>("person_years")[(r * L.P() + k) * L.S() + ontw];
      EXPECT_NEAR(e.values<double>("organisation_cost_eur")[(r * L.P() + k) * L.O() + sob], 1000 * length + 10 * py,
                  1e-6);
      const double bij = e.values<double>("person_years")[(r * L.P() + k) * L.S() + 0];
      double org = 0;
      for (std::size_t o = 0; o < L.O(); ++o)
        org += e.values<double>("organisation_cost_eur")[(r * L.P() + k) * L.O() + o];
      EXPECT_NEAR(e.values<double>("cost_eur")[r * L.P() + k], 100 * bij + org, 1e-6);
    }
}

// Three regions with their own populations, capacities and organisation models.
const std::string regions = R"(
name = "regions"
horizon_years = 3

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"
cost_eur_per_year = 50

[[state]]
name = "beschut_werk"
trede = 5
functionality = "H"
capacity = 40
renege_rate = 0.5

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "beschut_werk"
rate = 1.0

[[transition]]
from = "beschut_werk"
to = "exit"
rate = 0.3

[[transition]]
from = "bijstand"
to = "exit"
rate = 0.1

[[handover]]
leakage = 0.2
leak_to = "exit"

[[population]]
state = "bijstand"
count = 1000

[[inflow]]
state = "bijstand"
rate_per_year = 200

[[region]]
name = "groot"
organisation_model = "partieel"
share = 0.6

[[region]]
name = "klein"
organisation_model = "klassiek"
share = 0.3

[region.capacity]
beschut_werk = 0

[[region]]
name = "eigen"
organisation_model = "gecombineerd"

[[region.population]]
state = "bijstand"
count = 77
)";

TEST(Regions, TotalsAreTheSumOfTheRegions) {
  const auto s = model::parse_scenario(regions, "regions.toml");
  ASSERT_EQ(s.regions.size(), 3u);
  EXPECT_EQ(s.regions[0].initial[0].count, 600u);
  EXPECT_EQ(s.regions[1].initial[0].count, 300u);
  EXPECT_EQ(s.regions[2].initial[0].count, 77u);
  EXPECT_TRUE(s.regions[2].inflows.empty());
  const auto e = run(regions, 6);
  const auto& L = e.layout;
  ASSERT_TRUE(L.by_region());
  const std::size_t R = e.replicates, T = L.T(), P = L.P(), G = L.G(), S = L.S(), C = L.C(), K = L.K();
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t st = 0; st < S; ++st) {
        std::int64_t sum = 0;
        for (std::size_t g = 0; g < G; ++g)
          sum += e.values<std::int32_t>("region/occupancy")[((r * T + t) * G + g) * S + st];
        EXPECT_EQ(sum, e.values<std::int32_t>("occupancy")[(r * T + t) * S + st]);
      }
      for (std::size_t c = 0; c < C; ++c) {
        std::int64_t sum = 0;
        for (std::size_t g = 0; g < G; ++g)
          sum += e.values<std::int32_t>("region/waiting")[((r * T + t) * G + g) * C + c];
        EXPECT_EQ(sum, e.values<std::int32_t>("waiting")[(r * T + t) * C + c]);
      }
    }
    for (std::size_t p = 0; p < P; ++p) {
      double cost = 0, py = 0;
      for (std::size_t g = 0; g < G; ++g) {
        cost += e.values<double>("region/cost_eur")[(r * P + p) * G + g];
        for (std::size_t st = 0; st < S; ++st)
          py += e.values<double>("region/person_years")[((r * P + p) * G + g) * S + st];
      }
      double py_total = 0;
      for (std::size_t st = 0; st < S; ++st) py_total += e.values<double>("person_years")[(r * P + p) * S + st];
      EXPECT_NEAR(cost, e.values<double>("cost_eur")[r * P + p], 1e-6 * (1 + cost));
      EXPECT_NEAR(py, py_total, 1e-9 * (1 + py));
    }
    // Counting KPIs add up over regions.
    for (std::size_t k : {engine::kpi_persons, engine::kpi_arrivals, engine::kpi_absorbed, engine::kpi_events,
                          engine::kpi_waiting_joined, engine::kpi_waiting_admitted, engine::kpi_waiting_reneged,
                          engine::kpi_handovers, engine::kpi_leaked, engine::kpi_cost_total}) {
      double sum = 0;
      for (std::size_t g = 0; g < G; ++g) sum += e.values<double>("region/kpi")[(r * G + g) * K + k];
      EXPECT_NEAR(sum, e.values<double>("kpi")[r * K + k], 1e-6 * (1 + sum)) << L.kpi_names[k];
    }
    // Region "klein" has no places: nobody there ever reaches beschut werk.
    for (std::size_t t = 0; t < T; ++t)
      EXPECT_EQ(e.values<std::int32_t>("region/occupancy")[((r * T + t) * G + 1) * S + 1], 0);
    // klassiek runs H through the sociale dienst, like inkomen: no handovers in "klein";
    // gecombineerd: none in "eigen"; partieel (inkomen SD -> H SOB): handovers in "groot".
    EXPECT_EQ(e.values<double>("region/kpi")[(r * G + 1) * K + engine::kpi_handovers], 0.0);
    EXPECT_EQ(e.values<double>("region/kpi")[(r * G + 2) * K + engine::kpi_handovers], 0.0);
    EXPECT_GT(e.values<double>("region/kpi")[(r * G + 0) * K + engine::kpi_handovers], 0.0);
  }
}

TEST(Regions, OneRegionScenarioIsUnchangedByRegionBookkeeping) {
  // A single explicit region with share 1 runs exactly like the same scenario without regions.
  const auto plain = run(chain("partieel", leaky), 3);
  std::string text = chain("partieel", leaky);
  text += "\n[[region]]\nname = \"alles\"\nshare = 1.0\n";
  const auto one = run(text, 3);
  EXPECT_FALSE(one.layout.by_region());
  EXPECT_EQ(one.values<std::int32_t>("occupancy"), plain.values<std::int32_t>("occupancy"));
  ASSERT_EQ(one.values<double>("kpi").size(), plain.values<double>("kpi").size());
  for (std::size_t i = 0; i < one.values<double>("kpi").size(); ++i)  // bitwise, so that NaN equals NaN
    EXPECT_EQ(std::memcmp(&one.values<double>("kpi")[i], &plain.values<double>("kpi")[i], sizeof(double)), 0) << i;
}

}  // namespace
