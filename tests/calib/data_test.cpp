// Long-format CSV data: what is read, and every kind of bad file with the line it names.

#include <gtest/gtest.h>

#include "support.hpp"
#include "trede/calib/data.hpp"
#include "trede/error.hpp"
#include "trede/model/load.hpp"

namespace trede::calib_test {
namespace {

const char* scenario_text = R"(
name = "csv"
horizon_years = 5
[attributes.age]
type = "number"
center = 40
default = 40
[attributes.sex]
type = "category"
levels = ["man", "vrouw", "x"]
default = "man"
[[state]]
name = "bijstand"
trede = 2
[[state]]
name = "werk"
trede = 6
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "bijstand"
to = "werk"
rate = 0.5
[[transition]]
from = "werk"
to = "bijstand"
rate = 0.2
[[transition]]
from = "bijstand"
to = "exit"
rate = 0.1
[[population]]
state = "bijstand"
count = 10
)";

model::Scenario scenario() { return model::parse_scenario(scenario_text, "csv.toml"); }

// The diagnostics of a parse that must fail.
std::vector<Diagnostic> problems(const std::string& csv, CsvOptions o = {}) {
  try {
    (void)parse_csv(csv, "data.csv", scenario(), o);
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected a ModelError for:\n" << csv;
  return {};
}

TEST(CalibCsv, ReadsSubjectsStatesAndCenteredCovariates) {
  const auto d = parse_csv("# comment\nid,time,state,age,sex,ignored\n"
                           "a,2025,bijstand,30,vrouw,zz\n"
                           "a,2025.5,werk,30,vrouw,zz\n"
                           "\n"
                           "b,0,werk,50,x,\n"
                           "b,1.25,exit,51,x,\n",
                           "data.csv", scenario(), {.covariates = {"age", "sex"}});
  ASSERT_EQ(d.subjects.size(), 2u);
  EXPECT_EQ(d.observations(), 4u);
  EXPECT_EQ(d.covariate_names, (std::vector<std::string>{"age", "sex=vrouw", "sex=x"}));
  const auto& a = d.subjects[0];
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.line, (std::vector<int>{3, 4}));
  EXPECT_DOUBLE_EQ(a.time_years[1], 2025.5);
  EXPECT_EQ(d.state_names[a.state[1]], "werk");
  EXPECT_DOUBLE_EQ(d.covariate(a, 0, 0), -10.0);  // 30 - center 40
  EXPECT_DOUBLE_EQ(d.covariate(a, 0, 1), 1.0);
  EXPECT_DOUBLE_EQ(d.covariate(a, 0, 2), 0.0);
  const auto& b = d.subjects[1];
  EXPECT_DOUBLE_EQ(d.covariate(b, 1, 0), 11.0);
  EXPECT_DOUBLE_EQ(d.covariate(b, 1, 1), 0.0);
  EXPECT_DOUBLE_EQ(d.covariate(b, 1, 2), 1.0);
  EXPECT_EQ(d.sha256.size(), 64u);
}

// Dutch Excel: byte-order mark, ';' and decimal commas; the same data as the comma file.
TEST(CalibCsv, ReadsFilesFromDutchExcel) {
  const auto en = parse_csv("id,time,state,age\na,0,bijstand,30.5\na,1.25,werk,30.5\n", "data.csv", scenario(),
                            {.covariates = {"age"}});
  const auto nl = parse_csv("\xEF\xBB\xBFid;time;state;age\r\na;0;bijstand;30,5\r\na;1,25;werk;30,5\r\n", "data.csv",
                            scenario(), {.covariates = {"age"}});
  ASSERT_EQ(nl.subjects.size(), 1u);
  EXPECT_EQ(nl.subjects[0].time_years, en.subjects[0].time_years);
  EXPECT_EQ(nl.subjects[0].state, en.subjects[0].state);
  EXPECT_EQ(nl.subjects[0].covariates, en.subjects[0].covariates);
  const auto p = problems("id;time;state\na;0,5;bijstand\na;1.5;werk\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].to_string(), "data.csv:3: time: '1.5' has a decimal point, but line 2 has a decimal comma ('0,5'): a file "
                              "must use one decimal separator");
}

TEST(CalibCsv, ADirectoryIsNotADataFile) {
  const auto dir = temp_dir("csvdir");
  try {
    (void)read_csv(dir.string(), scenario());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": cannot open data file: is a directory, not a file");
  }
}

TEST(CalibCsv, UnknownStateNamesLineAndSuggests) {
  const auto p = problems("id,time,state\na,0,bijstand\na,1,wrek\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].to_string(), "data.csv:3: state: unknown state 'wrek' (did you mean 'werk'?)");
}

TEST(CalibCsv, ManyProblemsListTheFirst50AndCountTheRest) {
  // 60 rows with an unknown state: 50 problems listed (each one a problem: "bad input (50
  // problems)"), the last saying how many more there are; exactly 50 say nothing more.
  std::string csv = "id,time,state\n";
  for (int i = 0; i < 60; ++i) csv += "p" + std::to_string(i) + ",0,nowhere\n";
  const auto p = problems(csv);
  ASSERT_EQ(p.size(), 50u);
  EXPECT_NE(p.back().message.find("(and 10 more problems not listed: the first 50 are)"), std::string::npos) << p.back().message;
  EXPECT_EQ(p.front().message.find("more problem"), std::string::npos);
  std::string fifty = "id,time,state\n";
  for (int i = 0; i < 50; ++i) fifty += "p" + std::to_string(i) + ",0,nowhere\n";
  const auto q = problems(fifty);
  ASSERT_EQ(q.size(), 50u);
  EXPECT_EQ(q.back().message.find("more problem"), std::string::npos) << q.back().message;
}

TEST(CalibCsv, UnsortedAndDuplicateTimes) {
  const auto p = problems("id,time,state\na,0,bijstand\na,2,werk\na,1,bijstand\nb,0,werk\nb,0,werk\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].line, 4);
  EXPECT_NE(p[0].message.find("is before the previous time of id 'a' (line 3)"), std::string::npos) << p[0].message;
  EXPECT_EQ(p[1].line, 6);
  EXPECT_NE(p[1].message.find("duplicate time 0 for id 'b' (also on line 5)"), std::string::npos) << p[1].message;
}

TEST(CalibCsv, MissingAndNonNumericValues) {
  const auto p = problems("id,time,state,age\na,,bijstand,30\na,1,,30\n,2,werk,30\nb,x1,werk,30\nb,3,werk,NA\nb,4,werk,old\n",
                          {.covariates = {"age"}});
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0].to_string(), "data.csv:2: time: missing value");
  EXPECT_EQ(p[1].to_string(), "data.csv:3: state: missing value");
  EXPECT_EQ(p[2].to_string(), "data.csv:4: id: missing value");
  EXPECT_EQ(p[3].to_string(), "data.csv:5: time: 'x1' is not a finite number (years)");
  EXPECT_EQ(p[4].to_string(), "data.csv:6: age: missing value");
  EXPECT_EQ(p[5].to_string(), "data.csv:7: age: 'old' is not a finite number");
}

TEST(CalibCsv, FieldCountSplitIdsAndMovesOutOfAbsorbingStates) {
  const auto p = problems("id,time,state\na,0,bijstand\na,1\nb,0,werk\na,2,werk\nc,0,exit\nc,1,bijstand\n");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].to_string(), "data.csv:3: has 2 fields, the header has 3");
  EXPECT_EQ(p[1].line, 5);
  EXPECT_NE(p[1].message.find("rows of id 'a' are split (it also appears from line 2)"), std::string::npos);
  EXPECT_EQ(p[2].line, 7);
  EXPECT_NE(p[2].message.find("absorbing state 'exit' since line 6"), std::string::npos);
}

TEST(CalibCsv, HeaderProblems) {
  auto p = problems("id,tijd,state\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].to_string(), "data.csv:1: time: missing column 'time' in the header (need id,time,state) (did you mean 'tijd'?)");
  p = problems("id,time,state,agee\na,0,werk,1\n", {.covariates = {"age", "leeftijd"}});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].to_string(), "data.csv:1: age: covariate column 'age' is not in the file (did you mean 'agee'?)");
  p = problems("id,time,state,leeftijd\na,0,werk,1\n", {.covariates = {"leeftijd"}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].message.find("is not an attribute of the scenario"), std::string::npos);
  p = problems("id,time,state,sex\na,0,werk,female\n", {.covariates = {"sex"}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].to_string(), "data.csv:2: sex: 'female' is not a level of sex");
  p = problems("");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].message.find("no header line"), std::string::npos);
  p = problems("id,time,state\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].message.find("no observations"), std::string::npos);
}

TEST(CalibCsv, MissingFileIsAnIoError) {
  EXPECT_THROW((void)read_csv("/nonexistent/data.csv", scenario()), IoError);
}

TEST(CalibCsv, ToCsvRoundTrips) {
  const auto d = parse_csv("id,time,state,age\na,0,bijstand,30\na,1.5,werk,31\nb,0,werk,45\n", "data.csv", scenario(),
                           {.covariates = {"age"}});
  const auto back = parse_csv(to_csv(d), "again.csv", scenario(), {.covariates = {"age"}});
  ASSERT_EQ(back.subjects.size(), 2u);
  EXPECT_EQ(back.subjects[0].time_years, d.subjects[0].time_years);
  EXPECT_EQ(back.subjects[0].covariates, d.subjects[0].covariates);
  EXPECT_EQ(back.subjects[1].state, d.subjects[1].state);
}

}  // namespace
}  // namespace trede::calib_test
