// Population CSV files ([[population]] csv = "..."): header columns, quoted fields, comments,
// category levels, defaults for absent columns, and errors that name the CSV file and its line.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "trede/error.hpp"
#include "trede/model/load.hpp"
#include "trede/model/scenario.hpp"

namespace {

using trede::Diagnostic;
using trede::ModelError;
using namespace trede::model;
namespace fs = std::filesystem;

// A scratch directory per test, removed afterwards.
class PopulationCsv : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("trede_unit_csv_" + std::to_string(::getpid()) + "_" + std::string(info->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) const {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  // The scenario reading `csv` (relative to the scenario's directory), plus extra population
  // tables in `more`.
  static std::string scenario(const std::string& csv = "pop.csv", const std::string& more = "",
                              const std::string& trede = "2") {
    return R"(horizon_years = 5

[attributes]
age = { type = "age" }
geslacht = { type = "category", levels = ["man", "vrouw"], default = "man" }
regio = { type = "category", levels = ["noord, oost", "zuid", "zeg \"hoi\""], default = "zuid" }

[[state]]
name = "bijstand"
trede = )" + trede + R"(

[[state]]
name = "diagnose"
trede = 3

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "diagnose"
rate = 0.5

[[transition]]
from = "diagnose"
to = "exit"
rate = 0.2

[[population]]
csv = ")" + csv + "\"\n" + more;
  }

  Scenario parse(const std::string& text) const { return parse_scenario(text, "s.toml", {}, dir_.string()); }

  std::vector<Diagnostic> errors(const std::string& text) const {
    try {
      (void)parse(text);
    } catch (const ModelError& e) {
      return e.diagnostics();
    }
    ADD_FAILURE() << "no ModelError";
    return {};
  }

  static std::string dump(const std::vector<Diagnostic>& ds) {
    std::string s;
    for (const auto& d : ds) s += "  " + d.to_string() + "\n";
    return s;
  }

  static std::size_t attr(const Scenario& s, const std::string& name) {
    return static_cast<std::size_t>(s.find_attribute(name) - s.attributes.data());
  }

  fs::path dir_;
};

TEST_F(PopulationCsv, ReadsRowsWithQuotesCommentsAndLevels) {
  write("pop.csv",
        "# people at the start, exported 2025-01-01\n"      // 1
        "\n"                                                  // 2
        "state,time_in_state,age,geslacht,regio\n"           // 3
        "bijstand,1.5,30,man,zuid\n"                          // 4
        "\"diagnose\", 0 ,\"45.5\",\"vrouw\",\"noord, oost\"\n"  // 5
        "  # a comment between rows\n"                        // 6
        "bijstand,2,50,\"man\",\"zeg \"\"hoi\"\"\"\n"         // 7
        "bijstand,0.25,61,vrouw,zuid\r\n"                     // 8: CRLF
        "   \n");                                             // 9: blank
  const Scenario s = parse(scenario());
  ASSERT_EQ(s.regions.front().individuals.size(), 4u);
  EXPECT_EQ(s.initial_population(), 4u);
  EXPECT_TRUE(s.regions.front().initial.empty());
  const std::size_t age = attr(s, "age"), sex = attr(s, "geslacht"), regio = attr(s, "regio");
  const auto bijstand = s.state_index("bijstand"), diagnose = s.state_index("diagnose");

  const Individual& a = s.regions.front().individuals[0];
  EXPECT_EQ(a.state, bijstand);
  EXPECT_EQ(a.time_in_state, 1.5);
  ASSERT_EQ(a.attributes.size(), 3u);
  EXPECT_EQ(a.attributes[age], 30.0);
  EXPECT_EQ(a.attributes[sex], 0.0);
  EXPECT_EQ(a.attributes[regio], 1.0);

  const Individual& b = s.regions.front().individuals[1];
  EXPECT_EQ(b.state, diagnose);
  EXPECT_EQ(b.time_in_state, 0.0);
  EXPECT_EQ(b.attributes[age], 45.5);
  EXPECT_EQ(b.attributes[sex], 1.0);
  EXPECT_EQ(b.attributes[regio], 0.0);  // "noord, oost": the comma is inside quotes

  const Individual& c = s.regions.front().individuals[2];
  EXPECT_EQ(c.time_in_state, 2.0);
  EXPECT_EQ(c.attributes[regio], 2.0);  // zeg "hoi": doubled quotes inside quotes

  const Individual& d = s.regions.front().individuals[3];
  EXPECT_EQ(d.time_in_state, 0.25);
  EXPECT_EQ(d.attributes[age], 61.0);
  EXPECT_EQ(d.attributes[sex], 1.0);  // no stray '\r' in the last field
}

// What Dutch Excel writes ("CSV (gescheiden door lijstscheidingsteken)"): a byte-order mark,
// ';' between fields, decimal commas, CRLF line ends. The same people as a plain comma file.
TEST_F(PopulationCsv, ReadsFilesFromDutchExcel) {
  write("pop.csv", "\xEF\xBB\xBFstate;time_in_state;age;geslacht;regio\r\n"
                   "bijstand;1,5;30;man;zuid\r\n"
                   "diagnose;0;45,5;vrouw;\"noord, oost\"\r\n"
                   "bijstand;0,25;61;vrouw;zuid\r\n");
  const Scenario nl = parse(scenario());
  write("pop.csv", "state,time_in_state,age,geslacht,regio\nbijstand,1.5,30,man,zuid\n"
                   "diagnose,0,45.5,vrouw,\"noord, oost\"\nbijstand,0.25,61,vrouw,zuid\n");
  const Scenario en = parse(scenario());
  ASSERT_EQ(nl.regions.front().individuals.size(), 3u);
  EXPECT_EQ(nl.regions.front().individuals, en.regions.front().individuals);
  EXPECT_EQ(nl.regions.front().individuals[1].attributes[attr(nl, "age")], 45.5);
  // Tab-separated, and Excel's "sep=" line.
  write("pop.csv", "state\ttime_in_state\tage\tgeslacht\tregio\nbijstand\t1,5\t30\tman\tzuid\n"
                   "diagnose\t0\t45,5\tvrouw\tnoord, oost\nbijstand\t0,25\t61\tvrouw\tzuid\n");
  EXPECT_EQ(parse(scenario()).regions.front().individuals, en.regions.front().individuals);
  write("pop.csv", "sep=;\nstate;time_in_state;age;geslacht;regio\nbijstand;1,5;30;man;zuid\n"
                   "diagnose;0;45,5;vrouw;noord, oost\nbijstand;0,25;61;vrouw;zuid\n");
  EXPECT_EQ(parse(scenario()).regions.front().individuals, en.regions.front().individuals);
}

// Where a file does not say which separator it uses, the message says exactly that, with the line.
TEST_F(PopulationCsv, AmbiguousSeparatorsAreNamedWithTheirLines) {
  const std::string path = write("pop.csv", "state;age\nbijstand;30,5\nbijstand;31.5\n");
  auto ds = errors(scenario());
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(), path + ":3: age: '31.5' has a decimal point, but line 2 has a decimal comma ('30,5'): "
                                      "a file must use one decimal separator");
  write("pop.csv", "state;age\nbijstand;1.234\nbijstand;30\n");
  ds = errors(scenario());
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(), path + ":2: row: '1.234' in a file separated by ';' may be 1.234 or a whole number with "
                                      "a thousands separator; write it without the thousands separator (or with a decimal "
                                      "comma)");
  write("pop.csv", "state;age\nbijstand;1.234,5\n");
  ds = errors(scenario());
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].message, "'1.234,5' has both '.' and ','; write numbers without a thousands separator");
  write("pop.csv", "state;age,geslacht\nbijstand;30\n");
  ds = errors(scenario());
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(), path + ":1: header: the header has ';' and ',' outside quotes: cannot tell which "
                                      "separates the columns; use one of them");
  // With plain decimal points a ';' file is not ambiguous: 0.125 is no thousands separator.
  write("pop.csv", "state;age\nbijstand;0.125\nbijstand;1.234\nbijstand;2.5\n");
  EXPECT_EQ(parse(scenario()).regions.front().individuals[1].attributes[0], 1.234);
}

TEST_F(PopulationCsv, ADirectoryIsNotAFile) {
  fs::create_directories(dir_ / "pop.csv");
  const auto ds = errors(scenario());
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].message, "cannot open population file '" + (dir_ / "pop.csv").string() + "': is a directory, not a file");
}

TEST_F(PopulationCsv, AbsentColumnsTakeDefaultsAndTimeInStateZero) {
  write("pop.csv", "age,state\n40,bijstand\n41,diagnose\n");
  const Scenario s = parse(scenario());
  ASSERT_EQ(s.regions.front().individuals.size(), 2u);
  EXPECT_EQ(s.regions.front().individuals[0].time_in_state, 0.0);
  EXPECT_EQ(s.regions.front().individuals[0].attributes[attr(s, "age")], 40.0);
  EXPECT_EQ(s.regions.front().individuals[0].attributes[attr(s, "geslacht")], 0.0);  // default "man"
  EXPECT_EQ(s.regions.front().individuals[1].attributes[attr(s, "regio")], 1.0);     // default "zuid"
  EXPECT_EQ(s.regions.front().individuals[1].state, s.state_index("diagnose"));
}

TEST_F(PopulationCsv, CombinesWithGroupsAndResolvesPathsFromTheScenarioFile) {
  fs::create_directories(dir_ / "data");
  write("data/pop.csv", "state,age\nbijstand,30\n");
  const std::string text = scenario("data/pop.csv", "[[population]]\nstate = \"diagnose\"\ncount = 5\n"
                                                    "attributes = { age = 50 }\n");
  write("s.toml", text);
  // Through load_scenario: the CSV path is relative to the scenario file's directory.
  const Scenario s = load_scenario((dir_ / "s.toml").string());
  EXPECT_EQ(s.regions.front().individuals.size(), 1u);
  ASSERT_EQ(s.regions.front().initial.size(), 1u);
  EXPECT_EQ(s.regions.front().initial[0].count, 5u);
  EXPECT_EQ(s.initial_population(), 6u);
}

TEST_F(PopulationCsv, BadRowsNameTheCsvFileLineAndColumn) {
  const std::string path = write("pop.csv",
                                 "state,time_in_state,age,geslacht\n"  // 1
                                 "bijstand,0,30,man\n"                 // 2
                                 "zz,0,30,man\n"                       // 3
                                 "bijstand,-1,30,man\n"                // 4
                                 "bijstand,0,dertig,man\n"             // 5
                                 "bijstand,0,30\n"                     // 6
                                 "bijstand,0,30,onbekend\n"            // 7
                                 "exit,0,30,man\n"                     // 8
                                 "bijstand,0,-2,man\n"                 // 9
                                 "\"bijstand,0,30,man\n");             // 10
  const auto ds = errors(scenario());
  ASSERT_EQ(ds.size(), 8u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(), path + ":3: state: unknown state 'zz'");
  EXPECT_EQ(ds[1].to_string(), path + ":4: time_in_state: must be a number of years >= 0 (got '-1')");
  EXPECT_EQ(ds[2].to_string(), path + ":5: age: must be a number (got 'dertig')");
  EXPECT_EQ(ds[3].to_string(), path + ":6: row: has 3 fields, the header has 4");
  EXPECT_EQ(ds[4].to_string(), path + ":7: geslacht: 'onbekend' is not a level of 'geslacht'");
  EXPECT_EQ(ds[5].to_string(), path + ":8: state: state 'exit' is absorbing; people cannot start there");
  EXPECT_EQ(ds[6].to_string(), path + ":9: age: must be >= 0 (got '-2')");
  EXPECT_EQ(ds[7].to_string(), path + ":10: row: unterminated quote");
}

TEST_F(PopulationCsv, HeaderProblemsAreReported) {
  const std::string path = write("pop.csv", "# header follows\nstaat,age,leeftijd,age\nbijstand,1,2,3\n");
  const auto ds = errors(scenario());
  EXPECT_EQ(ds.size(), 4u) << dump(ds);
  auto has = [&](const std::string& key, const std::string& msg) {
    return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
      return d.file == path && d.line == 2 && d.key == key && d.message.rfind(msg, 0) == 0;
    });
  };
  EXPECT_TRUE(has("staat", "unknown column: expected state, time_in_state or a declared attribute")) << dump(ds);
  EXPECT_TRUE(has("leeftijd", "unknown column")) << dump(ds);
  EXPECT_TRUE(has("age", "column named twice in the header")) << dump(ds);
  EXPECT_TRUE(has("state", "missing required column 'state'")) << dump(ds);
}

TEST_F(PopulationCsv, MissingAttributeColumnWithoutDefaultIsAnError) {
  const std::string path = write("pop.csv", "state\nbijstand\n");
  const auto ds = errors(scenario());
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(), path + ":1: age: missing column for attribute 'age' (and it has no default)");
}

TEST_F(PopulationCsv, ListsTwentyBadRowsAndCountsTheRest) {
  std::string csv = "state,age\n";
  for (int i = 0; i < 25; ++i) csv += "nergens,30\n";
  const std::string path = write("pop.csv", csv);
  const auto ds = errors(scenario());
  ASSERT_EQ(ds.size(), 21u) << dump(ds);
  EXPECT_EQ(ds[0].line, 2);
  EXPECT_EQ(ds[19].line, 21);
  EXPECT_EQ(ds[20].file, path);
  EXPECT_EQ(ds[20].key, "row");
  EXPECT_EQ(ds[20].message, "5 more bad rows not listed");
}

TEST_F(PopulationCsv, MissingFileIsReportedAtTheCsvKey) {
  const auto ds = errors(scenario("nergens.csv"));
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].file, "s.toml");
  EXPECT_EQ(ds[0].line, 31);
  EXPECT_EQ(ds[0].key, "population[0].csv");
  EXPECT_EQ(ds[0].message, "cannot open population file '" + (dir_ / "nergens.csv").string() + "': no such file");
}

// Problems in the scenario and in its CSV file come together in one ModelError.
TEST_F(PopulationCsv, ScenarioAndCsvProblemsAreReportedTogether) {
  const std::string path = write("pop.csv", "state,age\nzz,30\n");
  const auto ds = errors(scenario("pop.csv", "", "9"));
  ASSERT_EQ(ds.size(), 2u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(),
            "s.toml:10: state[bijstand].trede: must be a participatieladder rung 1..6, or 0 for off the ladder "
            "(got 9)");
  EXPECT_EQ(ds[1].to_string(), path + ":2: state: unknown state 'zz'");
}

TEST_F(PopulationCsv, CsvExcludesGroupKeys) {
  write("pop.csv", "state,age\nbijstand,30\n");
  const auto ds = errors(scenario("pop.csv", "count = 3\n"));
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].key, "population[0].count");
  EXPECT_EQ(ds[0].message, "not used with csv (the file gives each person)");
}

}  // namespace
