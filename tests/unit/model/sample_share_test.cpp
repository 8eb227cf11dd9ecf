// sample_share: a sample of the population scales every extensive input — people, inflow,
// places and fixed organisation costs — so that extensive results are the share of the
// full-scale ones.

#include <gtest/gtest.h>

#include <charconv>
#include <string>

#include "model/numeric_rules.hpp"
#include "trede/error.hpp"
#include "trede/model/key_path.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

const std::string model_text = R"(
horizon_years = 2
[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"
[[state]]
name = "traject"
trede = 3
functionality = "B"
capacity = 1000
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "bijstand"
to = "traject"
rate = 0.5
[[transition]]
from = "traject"
to = "exit"
rate = 1
[[population]]
state = "bijstand"
count = 12345
[[inflow]]
state = "bijstand"
rate_per_year = { 2025 = 1000, 2026 = 2000 }
[organisation_costs.SOB]
fixed_eur_per_year = 5e6
eur_per_person_year = 300
[[region]]
name = "Nederland"
organisation_model = "gecombineerd"
share = 1
)";

TEST(SampleShare, ScalesPeopleInflowPlacesAndFixedCosts) {
  const auto full = model::parse_scenario(model_text, "s.toml");
  const auto tenth = model::parse_scenario(model_text, "s.toml", {"sample_share=0.1"});
  EXPECT_EQ(full.sample_share, 1.0);
  EXPECT_EQ(tenth.sample_share, 0.1);
  const auto &f = full.regions.front(), &t = tenth.regions.front();
  EXPECT_EQ(t.initial.front().count, 1235u) << "12345 x 0.1, rounded to whole people";
  EXPECT_DOUBLE_EQ(t.inflows.front().rate_per_year.at(2025.5), 100.0);
  EXPECT_DOUBLE_EQ(t.inflows.front().rate_per_year.at(2026.5), 200.0);
  const auto traject = full.state_index("traject");
  EXPECT_EQ(f.places[traject].at(2025.0), 1000.0);
  EXPECT_EQ(t.places[traject].at(2025.0), 100.0);
  ASSERT_EQ(tenth.organisation_costs.size(), 1u);
  EXPECT_DOUBLE_EQ(tenth.organisation_costs.front().fixed_eur_per_year, 5e5) << "fixed costs scale with the sample";
  EXPECT_DOUBLE_EQ(tenth.organisation_costs.front().eur_per_person_year, 300.0) << "costs per person do not";
}

TEST(SampleShare, IsAShareAndNeedsPopulationsItCanSample) {
  for (const char* bad : {"sample_share=0", "sample_share=1.5", "sample_share=-0.1"}) {
    try {
      (void)model::parse_scenario(model_text, "s.toml", {bad});
      FAIL() << bad;
    } catch (const ModelError& e) {
      EXPECT_EQ(e.diagnostics().front().key, "sample_share") << e.what();
    }
  }
}

TEST(StateCapacity, SetWhereEveryRegionGivesItsOwnPlacesIsRefused) {
  // The state's capacity reaches only regions without places of their own: set where it can
  // have no effect, it is refused (never silently ignored), and the region's key is named.
  const std::string own = model_text + "[region.capacity]\ntraject = 40\n";
  const auto s = model::parse_scenario(own, "s.toml");
  EXPECT_EQ(s.regions.front().places[s.state_index("traject")].at(2025.0), 40.0);
  try {
    (void)model::parse_scenario(own, "s.toml", {"state[traject].capacity=3000"});
    FAIL() << "a capacity no region takes was accepted";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("has no effect"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("region[NAME].capacity.traject"), std::string::npos) << e.what();
  }
  const model::KeyPath key = model::KeyPath::parse("state[traject].capacity");
  const double v = 3000;
  EXPECT_THROW((void)model::with_values(s, std::span<const model::KeyPath>(&key, 1), std::span<const double>(&v, 1)),
               ModelError);
  // Without places of its own the region takes it (times its share).
  EXPECT_NO_THROW((void)model::parse_scenario(model_text, "s.toml", {"state[traject].capacity=3000"}));
}

}  // namespace

namespace {

// with_values writes most keys straight into the loaded scenario (its fast path); in a sample it
// must scale them as loading again does. Each extensive key, and a handover delay's parameter
// (fast since 2026-12-07), against parsing with the same override.
TEST(SampleShare, ValuesSetOnASampleEqualLoadingAgain) {
  const std::string text = model_text + R"(
[[handover]]
from = "sociale_dienst"
to = "SOB"
delay = { dist = "gamma", shape = 2, scale = 0.05 }
leakage = 0.1
leak_to = "exit"
)";
  const auto base = model::parse_scenario(text, "s.toml", {"sample_share=0.1"});
  const struct {
    const char* key;
    double value;
  } cases[] = {{"population[0].count", 5555}, {"inflow[0].rate_per_year.2026", 3333},
               {"inflow[0].rate_per_year", 777}, {"state[traject].capacity", 4321},
               {"organisation_costs.SOB.fixed_eur_per_year", 7e6}, {"handover[0].delay.scale", 0.08},
               {"handover[0].delay.shape", 3}};
  for (const auto& c : cases) {
    const model::KeyPath key = model::KeyPath::parse(c.key);
    model::Scenario direct = base;  // the fast path itself, not a parse behind with_values
    ASSERT_TRUE(model::detail::apply_values_fast(direct, std::span<const model::KeyPath>(&key, 1),
                                                 std::span<const double>(&c.value, 1)))
        << c.key << " took no fast path";
    const auto fast = model::with_values(base, std::span<const model::KeyPath>(&key, 1), std::span<const double>(&c.value, 1));
    char number[32];
    const auto end = std::to_chars(number, number + sizeof number, c.value).ptr;  // shortest, as --set would read it
    const std::string set = std::string(c.key) + "=" + std::string(number, end);
    const auto loaded = model::parse_scenario(text, "s.toml", {"sample_share=0.1", set});
    EXPECT_TRUE(fast == loaded) << c.key;
    direct.overrides = loaded.overrides;
    EXPECT_TRUE(direct == loaded) << c.key;
  }
}

}  // namespace
