// Input limits: every number has a valid range checked by the loader with file, line and key
// (docs/scenario-format.md, "Valid ranges"); text that would exhaust the TOML parser's stack is
// refused before parsing; engine limits (states, regions) are the loader's errors; a scenario
// file that cannot be read says why.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "trede/error.hpp"
#include "trede/model/limits.hpp"
#include "trede/model/load.hpp"

namespace {

using trede::Diagnostic;
using trede::ModelError;
using namespace trede::model;

// Two states and one transition; `top` goes before the first table, `state`, `transition` and
// `tail` into the first state, the transition and after the population.
std::string scenario(const std::string& top = "", const std::string& state = "", const std::string& transition = "rate = 0.5",
                     const std::string& tail = "") {
  return top + "\nhorizon_years = 5\n\n[[state]]\nname = \"a\"\ntrede = 2\n" + state +
         "\n\n[[state]]\nname = \"b\"\nabsorbing = true\n\n[[transition]]\nfrom = \"a\"\nto = \"b\"\n" + transition +
         "\n\n[[population]]\nstate = \"a\"\ncount = 10\n" + tail;
}

std::vector<Diagnostic> errors_of(const std::string& text) {
  try {
    (void)parse_scenario(text, "x.toml");
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "accepted:\n" << text.substr(0, 400);
  return {};
}

// The one diagnostic of parsing `text`, as "file:line: key: message".
std::string error_of(const std::string& text) {
  const auto ds = errors_of(text);
  EXPECT_EQ(ds.size(), 1u);
  std::string all;
  for (const auto& d : ds) all += (all.empty() ? "" : " | ") + d.to_string();
  return all;
}

TEST(Limits, TextThatWouldExhaustTheParsersStackIsRefusedFirst) {
  std::string dotted = "a";
  for (int i = 0; i < 35000; ++i) dotted += ".a";
  EXPECT_EQ(error_of(scenario() + dotted + " = 1\n"),
            "x.toml:21: a dotted key or table header has more than 32 parts");
  EXPECT_EQ(error_of(scenario() + "[" + dotted + "]\n"),
            "x.toml:21: a dotted key or table header has more than 32 parts");
  EXPECT_EQ(error_of("x = " + std::string(35000, '[') + std::string(35000, ']') + "\n" + scenario()),
            "x.toml:1: arrays and inline tables are nested more than 64 deep");
  std::string inline_tables = "y = ";
  for (int i = 0; i < 5000; ++i) inline_tables += "{a=";
  EXPECT_EQ(error_of(scenario() + inline_tables + "1" + std::string(5000, '}') + "\n"),
            "x.toml:21: arrays and inline tables are nested more than 64 deep");
  EXPECT_EQ(error_of(scenario() + std::string(2000, 'k') + " = 1\n"),
            "x.toml:21: a key or value of more than 1024 characters outside quotes");
  // Strings and comments may hold anything.
  EXPECT_NO_THROW((void)parse_scenario("description = \"" + dotted + std::string(3000, '[') + "\"  # " + dotted + "\n" +
                                           scenario(),
                                       "x.toml"));
  // --set values and keys are checked the same way.
  try {
    (void)parse_scenario(scenario(), "x.toml", {"name=" + std::string(100, '[') + std::string(100, ']')});
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_EQ(e.diagnostics()[0].message, "arrays and inline tables are nested more than 64 deep");
  }
  EXPECT_THROW((void)parse_scenario(scenario(), "x.toml", {dotted + "=1"}), ModelError);
}

TEST(Limits, RatesAboveTheLargestRateAreRefused) {
  EXPECT_EQ(error_of(scenario("", "", "rate = 1e308")),
            "x.toml:16: transition[a->b].rate: must be at most 1e+06 per year (got 1e+308)");
  EXPECT_EQ(error_of(scenario("", "", "rate = { 2025 = 1, 2027 = 2e6 }")),
            "x.toml:16: transition[a->b].rate.2027: must be at most 1e+06 per year (got 2e+06)");
  EXPECT_EQ(error_of(scenario("", "", "rate = 1000\nmultiplier = { 2026 = 5000 }")),
            "x.toml:17: transition[a->b].multiplier: the rate times the multiplier reaches 5e+06 per year; at most 1e+06 "
            "per year (a cycle of faster moves never ends)");
  EXPECT_EQ(error_of(scenario("", "", "hazard = \"weibull\"\nshape = 1\nscale = 1e-9")),
            "x.toml:18: transition[a->b].scale: must be at least 1e-06 years (got 1e-09)");
  EXPECT_EQ(error_of(scenario("", "", "hazard = \"table\"\nbreaks = [0]\nrates = [1e7]")),
            "x.toml:18: transition[a->b].rates[0]: must be at most 1e+06 per year (got 1e+07)");
  EXPECT_NO_THROW((void)parse_scenario(scenario("", "", "rate = 1e6"), "x.toml"));
}

TEST(Limits, CalendarYearsAndHorizonHaveRanges) {
  EXPECT_EQ(error_of(scenario("start_year = 1e300")),
            "x.toml:1: start_year: must be a calendar year from 1000 to 9999 (got 1e+300)");
  std::string long_run = scenario();
  long_run.replace(long_run.find("horizon_years = 5"), 17, "horizon_years = 1e9");
  EXPECT_EQ(error_of(long_run), "x.toml:2: horizon_years: must be at most 10000 years (got 1e+09)");
  EXPECT_EQ(error_of(scenario("", "", "rate = { 2025 = 1, 1 = 2 }")),
            "x.toml:16: transition[a->b].rate.1: key must be a calendar year from 1000 to 9999 (got 1)");
}

TEST(Limits, WholeNumbersTooLargeSaySoNotThatTheyAreNotWhole) {
  EXPECT_EQ(error_of(scenario("", "capacity = 9223372036854775807")),
            "x.toml:7: state[a].capacity: must be at most 9007199254740992 places (got 9223372036854775808)");
  EXPECT_EQ(error_of(scenario("", "capacity = 1e300")),
            "x.toml:7: state[a].capacity: must be at most 9007199254740992 places (got 1e+300)");
  // 2^53 + 1 rounds to 2^53 as a double, and was accepted as 2^53 (an audit); 2^53 itself is fine
  EXPECT_EQ(error_of(scenario("", "capacity = 9007199254740993")),
            "x.toml:7: state[a].capacity: must be at most 9007199254740992 places (got 9007199254740994)");
  EXPECT_NO_THROW((void)parse_scenario(scenario("", "capacity = 9007199254740992"), "x.toml"));
  std::string many = scenario();
  many.replace(many.find("count = 10"), 10, "count = 1e19");
  EXPECT_EQ(error_of(many), "x.toml:20: population[0].count: must be at most 2147483647 people (got 1e+19)");
  many.replace(many.find("count = 1e19"), 12, "count = 2.5");
  EXPECT_EQ(error_of(many), "x.toml:20: population[0].count: must be a whole number of people (got 2.5)");
}

TEST(Limits, CategoricalWeightsThatOverflowWhenSummedAreRefused) {
  const std::string tail = "attributes = { g = { dist = \"categorical\", values = [1, 2], weights = [1e308, 1e308] } }\n";
  EXPECT_EQ(error_of(scenario("", "", "rate = 0.5", tail + "[attributes.g]\ntype = \"number\"\n")),
            "x.toml:21: population[0].attributes.g.weights: the weights sum to more than the largest number (about "
            "1.8e308); divide them by a common factor");
}

TEST(Limits, MoreStatesOrRegionsThanTheEngineHoldsAreTheLoadersError) {
  std::string states = "horizon_years = 5\n";
  for (std::size_t i = 0; i <= limits::max_states; ++i) states += "[[state]]\nname = \"s" + std::to_string(i) + "\"\ntrede = 2\n";
  const auto ds = errors_of(states);
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds[0].to_string(),
            "x.toml:2: state: 65536 states (with the generated waiting states); at most 65535: the engine stores a "
            "person's state in 16 bits");
  std::string regions = scenario();
  for (std::size_t i = 0; i <= limits::max_regions; ++i) regions += "[[region]]\nname = \"r" + std::to_string(i) + "\"\n";
  const auto rs = errors_of(regions);
  ASSERT_FALSE(rs.empty());
  EXPECT_EQ(rs[0].to_string(),
            "x.toml:21: region: 65536 regions; at most 65535: the engine stores a person's region in 16 bits");
}

TEST(Limits, AScenarioFileThatCannotBeReadSaysWhy) {
  const auto dir = std::filesystem::temp_directory_path() / ("trede-limits-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto message = [](const std::string& path) {
    try {
      (void)load_scenario(path);
    } catch (const trede::IoError& e) {
      return std::string(e.what());
    }
    return std::string("(read)");
  };
  EXPECT_EQ(message((dir / "nergens.toml").string()), (dir / "nergens.toml").string() + ": cannot open scenario file: no such file");
  EXPECT_EQ(message(dir.string()), dir.string() + ": is a directory, not a scenario file");
  const auto locked = dir / "locked.toml";
  std::ofstream(locked) << scenario();
  std::filesystem::permissions(locked, std::filesystem::perms::none);
  if (::geteuid() != 0) {  // root reads it anyway
    EXPECT_EQ(message(locked.string()), locked.string() + ": cannot open scenario file: permission denied");
  }
  std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
  std::filesystem::remove_all(dir);
}

}  // namespace
