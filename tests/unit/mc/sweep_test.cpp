// Sweep designs: the grid is the product of the axes (last key fastest); the Latin hypercube
// uses each stratum of each range once and is a function of the seed. A sweep of a model with
// regions runs its points with totals only, and each point equals a plain run.

#include "trede/mc/sweep.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "trede/engine/simulator.hpp"
#include "trede/error.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/executor.hpp"
#include "trede/model/load.hpp"
#include "trede/model/scenario.hpp"

namespace {

using namespace trede;

TEST(GridDesign, IsTheProductWithTheLastKeyFastest) {
  const auto d = mc::grid_design({{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}});
  ASSERT_EQ(d.size(), 6u);
  EXPECT_EQ(d.values[0], (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(d.values[1], (std::vector<std::string>{"1", "y"}));
  EXPECT_EQ(d.values[5], (std::vector<std::string>{"2", "z"}));
  EXPECT_EQ(d.numeric[4][0], 2.0);
  EXPECT_TRUE(std::isnan(d.numeric[4][1]));
  EXPECT_EQ(d.overrides(3), (std::vector<std::string>{"a=2", "b=x"}));
  EXPECT_THROW((void)mc::grid_design({}), ModelError);
  EXPECT_THROW((void)mc::grid_design({{"a", {}}}), ModelError);
  EXPECT_THROW((void)mc::grid_design({{"a", {"1"}}, {"a", {"2"}}}), ModelError);
}

TEST(LatinHypercube, UsesEveryStratumOnceAndFollowsTheSeed) {
  const std::vector<mc::LhsRange> ranges = {{"r", 0.2, 0.8, false}, {"c", 10, 19, true}};
  const auto d = mc::lhs_design(ranges, 10, 7);
  ASSERT_EQ(d.size(), 10u);
  std::set<int> strata_r, values_c;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double r = d.numeric[i][0], c = d.numeric[i][1];
    EXPECT_GE(r, 0.2);
    EXPECT_LT(r, 0.8);
    strata_r.insert(static_cast<int>(std::floor((r - 0.2) / 0.6 * 10)));
    EXPECT_EQ(c, std::floor(c));
    values_c.insert(static_cast<int>(c));
  }
  EXPECT_EQ(strata_r.size(), 10u);
  EXPECT_EQ(values_c.size(), 10u);  // 10 whole numbers 10..19, each once
  EXPECT_EQ(*values_c.begin(), 10);
  EXPECT_EQ(*values_c.rbegin(), 19);
  EXPECT_EQ(mc::lhs_design(ranges, 10, 7).values, d.values);
  EXPECT_NE(mc::lhs_design(ranges, 10, 8).values, d.values);
  EXPECT_NE(d.fingerprint(), mc::lhs_design(ranges, 10, 8).fingerprint());
  EXPECT_THROW((void)mc::lhs_design(ranges, 0, 7), ModelError);
  EXPECT_THROW((void)mc::lhs_design({{"r", 2, 1, false}}, 3, 7), ModelError);
}

}  // namespace

namespace {

// Keeps what a sweep saves, as io::SweepParts would.
class Recorded : public trede::mc::PointStore {
 public:
  std::optional<trede::mc::Ensemble> load(std::size_t) override { return std::nullopt; }
  void save(std::size_t i, const trede::mc::Ensemble& e, const trede::model::Scenario&) override { saved[i] = e; }
  std::map<std::size_t, trede::mc::Ensemble> saved;
};

TEST(Sweep, TwoSpellingsOfOneKeyAreRefused) {
  // transition[0].rate and transition[bijstand->diagnose].rate are one parameter: as two axes, every point
  // set it twice and one axis did nothing. Refused, naming both; two different keys are fine.
  // BM1: its first transition is bijstand->diagnose.
  const auto s = model::load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/ladder-bm.toml", {"population[0].count=10"});
  const mc::Design same = mc::grid_design({{"transition[0].rate", {"0.1", "0.2"}}, {"transition[bijstand->diagnose].rate", {"0.3", "0.4"}}});
  try {
    (void)mc::sweep_scenarios(s, same);
    FAIL() << "accepted";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, "--grid");
    EXPECT_EQ(e.diagnostics()[0].key, "transition[bijstand->diagnose].rate");
    EXPECT_NE(e.diagnostics()[0].message.find("same parameter as 'transition[0].rate'"), std::string::npos);
  }
  const mc::Design lhs = mc::lhs_design({{"transition[bijstand->diagnose].rate", 0.1, 0.5}, {"transition[0].rate", 0.1, 0.5}}, 4, 1);
  EXPECT_THROW((void)mc::sweep_scenarios(s, lhs), ModelError);
  const mc::Design fine = mc::grid_design({{"transition[0].rate", {"0.1", "0.2"}}, {"population[0].count", {"10", "20"}}});
  EXPECT_NO_THROW((void)mc::sweep_scenarios(s, fine));
}

TEST(Sweep, PointsOfAModelWithRegionsKeepTotalsOnlyAndEqualPlainRuns) {
  using namespace trede;
  const model::Scenario base = model::load_scenario(
      std::string(TREDE_SOURCE_DIR) + "/models/participatiewet/arbeidsmarktregios.toml", {"horizon_years=2", "sample_share=0.05"});
  ASSERT_TRUE(engine::Simulator(base).layout().by_region()) << "the test needs a scenario with regions";
  const mc::Design design = mc::grid_design({{"sample_share", {"0.05", "0.08"}}});
  mc::SweepOptions o;
  o.run.replicates = 3;
  o.run.seed = 11;
  o.run.threads = 2;
  mc::ThreadExecutor threads;
  Recorded store;
  const mc::Sweep sw = mc::sweep(base, design, o, threads, &store);
  ASSERT_EQ(store.saved.size(), 2u);
  const std::vector<model::Scenario> points = mc::sweep_scenarios(base, design);
  for (std::size_t i = 0; i < 2; ++i) {
    const mc::Ensemble& saved = store.saved.at(i);
    EXPECT_FALSE(saved.per_region) << "point " << i << " kept its replicates' per-region arrays";
    EXPECT_TRUE(saved.values<double>("region/cost_eur").empty());
    const mc::Ensemble plain = mc::run(points[i], o.run);
    EXPECT_EQ(sw.points[i].kpi_replicates, plain.values<double>("kpi")) << "point " << i;
    const mc::Summary& a = sw.points[i].summary("occupancy");
    const mc::Summary& b = plain.summary("occupancy");
    EXPECT_EQ(a.mean, b.mean) << "point " << i;
    EXPECT_EQ(a.q95, b.q95) << "point " << i;
  }
}

}  // namespace
