// The [uncertainty] table: distributions for scenario keys, checked at load time with file,
// line and key against the key's valid values.

#include "trede/model/uncertainty.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "trede/error.hpp"
#include "trede/mc/psa.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

const std::string base = R"(
horizon_years = 2
[[state]]
name = "bijstand"
trede = 2
cost_eur_per_year = 1000
[[state]]
name = "diagnose"
trede = 3
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "bijstand"
to = "diagnose"
rate = 0.4
[[transition]]
from = "diagnose"
to = "exit"
rate = 1.0
[[population]]
state = "bijstand"
count = 10
)";

// Every diagnostic of loading `text` as one string per problem.
std::vector<std::string> problems(const std::string& text) {
  try {
    (void)model::parse_scenario(text, "u.toml");
  } catch (const ModelError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back(d.to_string());
    return out;
  }
  return {};
}

bool mentions(const std::vector<std::string>& v, const std::string& what) {
  for (const auto& s : v)
    if (s.find(what) != std::string::npos) return true;
  return false;
}

// One of the problems `v` says `what`; the failure lists them all.
::testing::AssertionResult says(const std::vector<std::string>& v, const std::string& what) {
  if (mentions(v, what)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no problem says \"" << what << "\" in " << ::testing::PrintToString(v);
}

TEST(Uncertainty, ReadsParametersAndGroupsInDrawOrder) {
  const auto s = model::parse_scenario(base + R"(
[uncertainty]
"transition[bijstand->diagnose].rate" = { dist = "lognormal", median = 0.4, sd_log = 0.25 }
"state[bijstand].cost_eur_per_year" = { dist = "gamma", mean = 1000, sd = 100 }
"transition[diagnose->exit].rate" = { dist = "uniform", min = 0.5, max = 1.5 }

[[uncertainty.correlated]]
keys = ["state[bijstand].cost_eur_per_year", "transition[diagnose->exit].rate"]
correlation = [[1, 0.5], [0.5, 1]]
)", "u.toml");
  const auto& u = s.uncertainty;
  ASSERT_EQ(u.parameters.size(), 1u);
  ASSERT_EQ(u.groups.size(), 1u);
  EXPECT_EQ(u.keys(), (std::vector<std::string>{"transition[bijstand->diagnose].rate", "state[bijstand].cost_eur_per_year",
                                                "transition[diagnose->exit].rate"}));
  EXPECT_EQ(u.parameters[0].line, 26);
  EXPECT_EQ(u.joint().dimension(), 3u);
  EXPECT_EQ(u.joint().blocks().size(), 2u);
  EXPECT_EQ(u.groups[0].group.correlation()[1], 0.5);
}

TEST(Uncertainty, MultivariateNormalOnTheLogScale) {
  const auto s = model::parse_scenario(base + R"(
[[uncertainty.multivariate_normal]]
keys = ["transition[bijstand->diagnose].rate", "transition[diagnose->exit].rate"]
mean = [-0.916, 0.0]
covariance = [[0.04, 0.01], [0.01, 0.09]]
)", "u.toml");
  ASSERT_EQ(s.uncertainty.groups.size(), 1u);
  EXPECT_EQ(s.uncertainty.groups[0].kind, model::UncertainGroup::Kind::multivariate_normal);
  EXPECT_NEAR(s.uncertainty.groups[0].group.marginals()[1].mean(), std::exp(0.045), 1e-12);
}

TEST(Uncertainty, AVariantDropsItsBasesGroupsWithAnEmptyList) {
  // A base's group names keys its variant may not have (a cohort replaces the inflows): the
  // variant gives `multivariate_normal = []`, arrays of tables being replaced as a whole. Its
  // own single-key entries stay; a list that is not empty must still be tables.
  const auto dir = std::filesystem::temp_directory_path() / ("trede-unc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "base.toml") << base << R"(
[uncertainty]
"transition[diagnose->exit].rate" = { dist = "lognormal", median = 0.4, sd_log = 0.2 }
[[uncertainty.multivariate_normal]]
keys = ["transition[bijstand->diagnose].rate"]
mean = [-0.916]
covariance = [[0.04]]
)";
  std::ofstream(dir / "variant.toml") << "extends = \"base.toml\"\n[uncertainty]\nmultivariate_normal = []\ncorrelated = []\n";
  std::ofstream(dir / "wrong.toml") << "extends = \"base.toml\"\n[uncertainty]\nmultivariate_normal = [1]\n";
  EXPECT_EQ(model::load_scenario((dir / "base.toml").string()).uncertainty.groups.size(), 1u);
  const auto v = model::load_scenario((dir / "variant.toml").string());
  EXPECT_TRUE(v.uncertainty.groups.empty());
  EXPECT_FALSE(v.uncertainty.empty());  // the single-key entry
  EXPECT_THROW((void)model::load_scenario((dir / "wrong.toml").string()), ModelError);
  std::filesystem::remove_all(dir);
}

TEST(Uncertainty, EveryProblemIsReportedWithFileLineAndKey) {
  const auto p = problems(base + R"(
[uncertainty]
"transition[bijstand->diagnos].rate" = { dist = "lognormal", median = 0.4, sd_log = 0.25 }
"transition[diagnose->exit].rate" = { dist = "normal", mean = 1, sd = 0.5 }
"state[bijstand].cost_eur_per_year" = { dist = "beta", mean = 0.5, sd = 0.9 }
"horizon_years" = { dist = "weibull", shape = 2 }
)");
  ASSERT_EQ(p.size(), 4u) << ::testing::PrintToString(p);
  EXPECT_TRUE(mentions(p, "u.toml:26: uncertainty.\"transition[bijstand->diagnos].rate\"")) << p[0];
  EXPECT_TRUE(mentions(p, "did you mean 'bijstand->diagnose'")) << ::testing::PrintToString(p);
  EXPECT_TRUE(mentions(p, "u.toml:27:")) << "a normal distribution cannot fit a rate (> 0)";
  EXPECT_TRUE(mentions(p, "u.toml:28: uncertainty.\"state[bijstand].cost_eur_per_year\".sd")) << ::testing::PrintToString(p);
  EXPECT_TRUE(mentions(p, "u.toml:29:") && mentions(p, "weibull")) << ::testing::PrintToString(p);
}

TEST(Uncertainty, GroupsAreChecked) {
  const auto p = problems(base + R"(
[uncertainty]
"transition[bijstand->diagnose].rate" = { dist = "lognormal", median = 0.4, sd_log = 0.25 }
[[uncertainty.correlated]]
keys = ["transition[bijstand->diagnose].rate", "transition[diagnose->exit].rate"]
correlation = [[1, 1.5], [1.5, 1]]
[[uncertainty.multivariate_normal]]
keys = ["transition[bijstand->diagnose].rate"]
mean = [0.1, 0.2]
covariance = [[0.1]]
)");
  EXPECT_TRUE(mentions(p, "has no distribution of its own")) << ::testing::PrintToString(p);
  EXPECT_TRUE(mentions(p, "must be 1 numbers, one per key")) << ::testing::PrintToString(p);
}

// Every draw is read on one report grid: a key that moves it is refused at load (by `trede
// validate` too), at the line of the entry or of the group's key, not first in a run.
TEST(Uncertainty, KeysThatMoveTheReportGridAreRefusedAtTheirLine) {
  const auto p = problems(base + R"(
[report]
step_years = 0.25
[uncertainty]
"horizon_years" = { dist = "uniform", min = 1, max = 3 }
[[uncertainty.multivariate_normal]]
keys = ["transition[bijstand->diagnose].rate",
        "report.step_years"]
mean = [-0.916, -1.4]
covariance = [[0.04, 0.0], [0.0, 0.04]]
)");
  ASSERT_EQ(p.size(), 2u) << ::testing::PrintToString(p);
  EXPECT_TRUE(says(p, "u.toml:28: uncertainty.\"horizon_years\": changes the report grid (at 3)"));
  EXPECT_TRUE(says(p, "u.toml:31: uncertainty.multivariate_normal[0].keys[1]: changes the report grid"));
}

// A key at the top of its range moves the grid only downwards: the lowest draw finds it.
TEST(Uncertainty, AGridKeyAtTheTopOfItsRangeIsRefusedToo) {
  const auto p = problems(base + R"(
[uncertainty]
"horizon_years" = { dist = "uniform", min = 1, max = 2 }
)");
  ASSERT_EQ(p.size(), 1u) << ::testing::PrintToString(p);
  EXPECT_TRUE(says(p, "u.toml:26: uncertainty.\"horizon_years\": changes the report grid (at 1)"));
}

// A group's matrix problem is reported at the matrix's line, a key's at the key's.
TEST(Uncertainty, GroupProblemsAreReportedAtTheirOwnLine) {
  const auto p = problems(base + R"(
[uncertainty]
"transition[bijstand->diagnose].rate" = { dist = "lognormal", median = 0.4, sd_log = 0.25 }
"transition[diagnose->exit].rate" = { dist = "uniform", min = 0.5, max = 1.5 }
[[uncertainty.correlated]]
keys = ["transition[bijstand->diagnose].rate",
        "transition[diagnose->exit].rate"]

correlation = [[1, 1], [1, 1]]
[[uncertainty.multivariate_normal]]
keys = ["state[bijstand].cost_eur_per_year",
        "transition[bijstand->diagnose].rate"]
mean = [6.9, 0.0]
covariance = [[0.04, 0.0], [0.0, 0.04]]
)");
  ASSERT_EQ(p.size(), 2u) << ::testing::PrintToString(p);
  EXPECT_TRUE(says(p, "u.toml:32: uncertainty.correlated[0].correlation: is not positive definite"));
  EXPECT_TRUE(says(p, "u.toml:35: uncertainty.multivariate_normal[0].keys: 'transition[bijstand->diagnose].rate' "
                          "also has a distribution of its own"));
}

TEST(Uncertainty, ScenariosWithoutTheTableHaveNone) {
  EXPECT_TRUE(model::parse_scenario(base, "u.toml").uncertainty.empty());
}

// Two keys with distributions of their own, and a group (named by `name_line`) correlating them.
const std::string own_pair = R"("state[bijstand].cost_eur_per_year" = { dist = "gamma", mean = 1000, sd = 100 }
"transition[diagnose->exit].rate" = { dist = "uniform", min = 0.5, max = 1.5 }
)";
std::string correlated_pair(const std::string& name_line = "") {
  return "[[uncertainty.correlated]]\n" + name_line +
         "keys = [\"state[bijstand].cost_eur_per_year\", \"transition[diagnose->exit].rate\"]\n"
         "correlation = [[1, 0.5], [0.5, 1]]\n";
}

TEST(Uncertainty, GroupsMayBeNamedAndLabelTheirBlocks) {
  const auto s = model::parse_scenario(base + "\n[uncertainty]\n" + own_pair + R"(
"state[diagnose].cost_eur_per_year" = { dist = "gamma", mean = 500, sd = 50 }
)" + correlated_pair() + R"([[uncertainty.multivariate_normal]]
name = "calibration of \"u\""
keys = ["transition[bijstand->diagnose].rate", "population[0].count"]
scale = "log"
mean = [-0.916, 2.3]
covariance = [[0.04, 0.0], [0.0, 0.01]]
)", "u.toml");
  const auto& u = s.uncertainty;
  ASSERT_EQ(u.groups.size(), 2u);
  EXPECT_EQ(u.groups[0].name, "");
  EXPECT_EQ(u.groups[1].name, "calibration of \"u\"");
  // One label per block of joint(), in its order: the independent key, then each group.
  EXPECT_EQ(u.block_names(), (std::vector<std::string>{"state[diagnose].cost_eur_per_year",
                                                       "state[bijstand].cost_eur_per_year, transition[diagnose->exit].rate",
                                                       "calibration of \"u\""}));
  EXPECT_EQ(u.block_names().size(), u.joint().blocks().size());
  EXPECT_TRUE(mentions(u.describe(), "multivariate normal 'calibration of \"u\"': transition[bijstand->diagnose].rate"))
      << ::testing::PrintToString(u.describe());
  // The name is part of what makes two declarations the same (scenarios compared on one draw set).
  model::Uncertainty renamed = u;
  renamed.groups[1].name = "other";
  EXPECT_FALSE(renamed == u);
  EXPECT_TRUE(model::Uncertainty(u) == u);
}

// A multivariate normal group of one key with `name` (a TOML value), as TOML text.
std::string one_key_group(const std::string& name, const std::string& key, double mean = 0.0) {
  return "[[uncertainty.multivariate_normal]]\nname = " + name + "\nkeys = [\"" + key + "\"]\nmean = [" +
         std::to_string(mean) + "]\ncovariance = [[0.01]]\n";
}

TEST(Uncertainty, GroupNamesAreChecked) {
  // A name must label one block only: not an uncertain key (here a multivariate normal group's),
  // not another group's name, not an unnamed group's label (its keys joined); and not be blank.
  const auto p = problems(base + "\n[uncertainty]\n" + own_pair +
                          correlated_pair("name = \"transition[bijstand->diagnose].rate\"\n") + R"()" + one_key_group(R"("transition[bijstand->diagnose].rate, population[0].count")", "state[diagnose].cost_eur_per_year", 6.0) +
                          R"([[uncertainty.multivariate_normal]]
keys = ["transition[bijstand->diagnose].rate", "population[0].count"]
mean = [0.1, 2.3]
covariance = [[0.01, 0], [0, 0.01]]
)" + one_key_group(R"("fit")", "horizon_years") + one_key_group(R"("fit")", "state[diagnose].trede") +
                          one_key_group(R"("\t\n")", "transition[diagnose->exit].rate") +
                          one_key_group("3", "transition[diagnose->exit].rate"));
  const std::string all = ::testing::PrintToString(p);
  EXPECT_TRUE(mentions(p, "u.toml:29: uncertainty.correlated[0].name: 'transition[bijstand->diagnose].rate' is an uncertain key"))
      << all;
  // (A later unnamed group: the name is reported, at the named group.)
  EXPECT_TRUE(mentions(p, "u.toml:33: uncertainty.multivariate_normal[0].name: 'transition[bijstand->diagnose].rate, "
                          "population[0].count' already labels the group at line 37 (its keys)"))
      << all;
  EXPECT_TRUE(mentions(p, "u.toml:47: uncertainty.multivariate_normal[3].name: 'fit' already labels the group at line 41 (its name)"))
      << all;
  EXPECT_TRUE(mentions(p, "u.toml:52: uncertainty.multivariate_normal[4].name: must not be blank")) << all;
  EXPECT_TRUE(mentions(p, "uncertainty.multivariate_normal[5].name: must be a string")) << all;
}

TEST(Uncertainty, ComparedScenariosKeepTheirLabelsApart) {
  // Scenarios compared on one draw set share their blocks; each label must still be one block's.
  const std::string pair = "\n[uncertainty]\n" + own_pair + correlated_pair("name = \"market\"\n");
  const std::string other = R"(
[[uncertainty.multivariate_normal]]
name = "market"
keys = ["transition[bijstand->diagnose].rate"]
mean = [-0.9]
covariance = [[0.04]]
)";
  auto draw_error = [](const model::Scenario& a, const model::Scenario& b) {
    const model::Scenario* both[] = {&a, &b};
    try {
      (void)mc::draw_parameters(both, 4, mc::PointMethod::sobol, 1);
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto a = model::parse_scenario(base + pair, "a.toml");
  const auto b = model::parse_scenario(base + other, "b.toml");
  EXPECT_NE(draw_error(a, b).find("b.toml:25: uncertainty: the group named 'market' shares its label with a different "
                                  "block of another compared scenario"),
            std::string::npos) << draw_error(a, b);
  // A name that is another scenario's uncertain key would label its group as that key.
  const auto k = model::parse_scenario(base + "\n" + one_key_group(R"("transition[diagnose->exit].rate")",
                                                                    "transition[bijstand->diagnose].rate"), "k.toml");
  EXPECT_NE(draw_error(a, k).find("k.toml:25: uncertainty: the group named 'transition[diagnose->exit].rate' is named "
                                  "after an uncertain key of another compared scenario"),
            std::string::npos) << draw_error(a, k);
  // The same group under another name: said so, with both names.
  std::string renamed = pair;
  renamed.replace(renamed.find("\"market\""), 8, "\"labour market\"");
  const auto c = model::parse_scenario(base + renamed, "c.toml");
  EXPECT_NE(draw_error(a, c).find("c.toml:28: uncertainty: the group of 'state[bijstand].cost_eur_per_year' is named "
                                  "'labour market' here and 'market' in another compared scenario"),
            std::string::npos) << draw_error(a, c);
  // Declared alike, they share the group's draws.
  const auto a2 = model::parse_scenario(base + pair, "a2.toml");
  EXPECT_EQ(draw_error(a, a2), "no error");
}

}  // namespace
