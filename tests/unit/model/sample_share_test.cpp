// sample_share: a sample of the population scales every extensive input — people, inflow,
// places and fixed organisation costs — so that extensive results are the share of the
// full-scale ones.

#include <gtest/gtest.h>

#include <string>

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
