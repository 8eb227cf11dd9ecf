// describe(): what `trede validate` and Python's Scenario.describe() print must be what runs:
// the places, people and inflow of the regions, never the top-level template they came from.

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "trede/model/load.hpp"

namespace {

using namespace trede::model;

// The line of `text` that starts with `prefix` (after the indentation), or "".
std::string line_of(const std::string& text, const std::string& prefix) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    const std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    const auto first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, prefix.size(), prefix) == 0) return line;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

// Groningen takes the national reference model (45,000 ontwikkeltraject places, 2,000 tussengroep
// places) and gives itself 1,000 and 50: the run uses 1,000 and 50, and so must the summary.
TEST(Describe, ARegionalInstancePrintsTheRegionsPlacesNotTheNationalOnes) {
  const Scenario s = load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/participatiewet/groningen.toml");
  const std::string d = describe(s);
  EXPECT_EQ(d.find("45000"), std::string::npos) << d;
  EXPECT_EQ(d.find("capacity 2000"), std::string::npos) << d;
  EXPECT_TRUE(std::regex_search(line_of(d, "ontwikkeltraject "), std::regex("capacity 1000,"))) << d;
  EXPECT_TRUE(std::regex_search(line_of(d, "tussengroep "), std::regex("capacity 50,"))) << d;
  EXPECT_TRUE(std::regex_search(line_of(d, "beschut_werk "),
                                std::regex(R"(capacity 130 \(160 from 2027, 190 from 2030, 220 from 2033\))")))
      << d;
  const std::string region = line_of(d, "Groningen ");
  EXPECT_NE(region.find("model groningen_2024"), std::string::npos) << d;
  EXPECT_NE(region.find("share 1"), std::string::npos) << d;
  EXPECT_NE(region.find(std::to_string(s.initial_population()) + " people at start"), std::string::npos) << d;
  const std::string places = line_of(d, "places: ");
  EXPECT_NE(places.find("ontwikkeltraject 1000 (own)"), std::string::npos) << d;
  EXPECT_NE(places.find("tussengroep 50 (own)"), std::string::npos) << d;
}

// Two regions sharing a template: the state lines hold the totals that run (rounded shares),
// each region its own part; a rate by year is printed as its schedule.
TEST(Describe, RegionsWithSharesPrintTheirOwnPartsAndTheTotals) {
  const Scenario s = parse_scenario(R"(name = "twee"
horizon_years = 5

[[state]]
name = "bijstand"
trede = 2

[[state]]
name = "beschut"
trede = 5
capacity = { 2025 = 101, 2028 = 201 }

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "beschut"
rate = { 2025 = 0.5, 2028 = 0.8 }

[[transition]]
from = "beschut"
to = "exit"
rate = 0.1

[[population]]
state = "bijstand"
count = 1001

[[inflow]]
state = "bijstand"
rate_per_year = 100

[[region]]
name = "Noord"
share = 0.5

[[region]]
name = "Zuid"
share = 0.5

[region.capacity]
beschut = 7
)", "twee.toml");
  const std::string d = describe(s);
  // round(1001 × 0.5) = 501 people in each region; places round(101 × 0.5) = 51 (101 from 2028) for Noord, 7 for Zuid.
  EXPECT_EQ(line_of(d, "population at start: "), "population at start: 1002 people; inflow at the start: 100 a year (all regions)") << d;
  EXPECT_NE(line_of(d, "bijstand ").find("1002 at start  inflow 100/yr"), std::string::npos) << d;
  EXPECT_NE(line_of(d, "beschut ").find("capacity 58 (108 from 2028)"), std::string::npos) << d;
  EXPECT_NE(line_of(d, "Noord ").find("share 0.5  501 people at start, inflow 50 a year"), std::string::npos) << d;
  EXPECT_NE(line_of(d, "Zuid ").find("share 0.5  501 people at start, inflow 50 a year"), std::string::npos) << d;
  EXPECT_NE(d.find("places: beschut 51 (101 from 2028)\n"), std::string::npos) << d;
  EXPECT_NE(d.find("places: beschut 7 (own)\n"), std::string::npos) << d;
  EXPECT_NE(line_of(d, "bijstand->beschut ").find("rate 0.5 (0.8 from 2028)/yr"), std::string::npos) << d;
}

// What a PSA would draw is part of what runs: each block by its label, a large group in short.
TEST(Describe, UncertainParametersAreListedByBlock) {
  const std::string models = std::string(TREDE_SOURCE_DIR) + "/models/participatiewet/";
  const std::string g = describe(load_scenario(models + "groningen-uncertain.toml"));
  EXPECT_EQ(line_of(g, "uncertain parameters:"),
            "uncertain parameters: 6 keys in 5 blocks (drawn by a probabilistic sensitivity analysis, --draws)")
      << g;
  EXPECT_EQ(line_of(g, "handover[0].leakage"), "  handover[0].leakage ~ beta(a = 3.5, b = 31.5)") << g;
  EXPECT_EQ(line_of(g, "local labour market"),
            "  local labour market: correlated, 2 keys (transition[ontwikkeltraject->matching].rate ~ lognormal(median = "
            "0.35, sd_log = 0.3), transition[matching->regulier_werk].rate ~ lognormal(median = 0.8, sd_log = 0.3))")
      << g;
  const std::string n = describe(load_scenario(models + "nederland.toml"));
  EXPECT_TRUE(std::regex_search(line_of(n, "calibration of nederland.toml"),
                                std::regex(R"(: multivariate normal, 38 keys \(inflow\[0\]\.rate_per_year\.2023 \.\.\. )")))
      << n;
  EXPECT_EQ(line_of(describe(load_scenario(models + "groningen.toml")), "uncertain parameters:"), "");
}

}  // namespace
