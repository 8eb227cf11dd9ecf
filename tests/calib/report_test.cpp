// The calibrated scenario (text edits that leave everything else as it was, and load again) and
// the HDF5 fit report written and read back.

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "support.hpp"
#include "trede/io/calibration.hpp"
#include "trede/calib/markov.hpp"
#include "model/text_edit.hpp"
#include "trede/calib/report.hpp"
#include "trede/calib/simulate.hpp"
#include "trede/error.hpp"
#include "trede/model/load.hpp"

namespace trede::calib_test {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream is(text);
  for (std::string l; std::getline(is, l);) out.push_back(l);
  return out;
}

const char* edit_me = R"(# a comment that must stay
name = "edit"   # trailing comment
horizon_years = 5

[attributes.age]
type = "number"
default = 40

[attributes.new]
type = "number"
default = 0

[[state]]
name = "a"
trede = 2

[[state]]
name = "b"
trede = 3

[[transition]]
from = "a"
to = "b"
rate = 0.5   # per year
covariates = { age = 0.01 }

[[transition]]
id = "back"
from = "b"
to = "a"
hazard = "table"
breaks = [0,
          1]
rates = [0.1,
         0.2]

[transition.covariates]
age = 0.5

[[population]]
state = "a"
count = 10
)";

TEST(CalibScenarioText, EditsOnlyTheCalibratedValues) {
  const std::vector<ScenarioEdit> edits = {
      {"transition[a->b].rate", "0.75", "calibrated"},
      {"transition[a->b].covariates.age", "-0.02", "calibrated"},
      {"transition[back].rates", "[0.3, 0.4]", "calibrated"},
      {"transition[back].covariates.age", "0.25", "calibrated"},
      {"transition[1].covariates.new", "1", ""},
      {"horizon_years", "7", "changed"},
      {"population[0].count", "12", "calibrated"},
  };
  const std::string out = apply_edits(edit_me, "edit.toml", edits, "header line one\nline two");
  const auto before = lines(edit_me), after = lines(out);
  EXPECT_EQ(after[0], "# header line one");
  EXPECT_EQ(after[1], "# line two");
  // Every unedited line is still there, in order.
  const std::set<std::string> edited = {"horizon_years = 5", "rate = 0.5   # per year", "covariates = { age = 0.01 }",
                                        "rates = [0.1,", "         0.2]", "age = 0.5", "count = 10"};
  std::size_t j = 0;
  for (const auto& l : before) {
    if (edited.count(l)) continue;
    while (j < after.size() && after[j] != l) ++j;
    EXPECT_LT(j, after.size()) << "line lost: " << l;
  }
  EXPECT_NE(out.find("rate = 0.75  # calibrated | per year"), std::string::npos) << out;
  EXPECT_NE(out.find("covariates = { age = -0.02 }  # calibrated"), std::string::npos) << out;
  EXPECT_NE(out.find("rates = [0.3, 0.4]  # calibrated"), std::string::npos) << out;
  EXPECT_NE(out.find("age = 0.25  # calibrated\nnew = 1"), std::string::npos) << out;
  // It loads, with the new values.
  const auto s = model::parse_scenario(out, "edited.toml");
  EXPECT_EQ(s.horizon_years, 7);
  EXPECT_EQ(s.transitions[0].hazard.rate, 0.75);
  ASSERT_EQ(s.transitions[0].covariates.size(), 1u);
  EXPECT_EQ(s.transitions[0].covariates[0].beta, -0.02);
  EXPECT_EQ(s.transitions[1].hazard.rates, (std::vector<double>{0.3, 0.4}));
  EXPECT_EQ(s.initial_population(), 12u);
}

TEST(CalibScenarioText, KeysThatAreNotInTheFileAreErrors) {
  try {
    (void)apply_edits(edit_me, "edit.toml", {{"transition[x->y].rate", "1", ""}, {"state[zz].capacity", "3", ""}}, "");
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[0].key, "transition[x->y].rate");
    EXPECT_NE(e.diagnostics()[0].message.find("no [[transition]] element 'x->y'"), std::string::npos);
  }
}

// A transition with an id is found by from->to too, as --set finds it (the old text editor did
// not), and the splice leaves the id and every other byte alone.
TEST(CalibScenarioText, ATransitionWithAnIdIsWrittenBackWhenAddressedByFromTo) {
  const std::string out = apply_edits(edit_me, "edit.toml", {{"transition[b->a].covariates.age", "0.125", "fitted"}}, "");
  EXPECT_NE(out.find("age = 0.125  # fitted"), std::string::npos) << out;
  EXPECT_NE(out.find("id = \"back\""), std::string::npos);
  std::string expected = edit_me;
  expected.replace(expected.find("age = 0.5"), 9, "age = 0.125  # fitted");
  EXPECT_EQ(out, expected);
}

// Values are spliced at toml++'s source positions, which count code points: a line with
// non-ASCII letters before the value is edited in the right place.
TEST(CalibScenarioText, SplicesAfterNonAsciiTextAndIntoInlineTables) {
  const std::string text =
      "name = \"Súdwest-Fryslân\"\nhorizon_years = 5\n[[region]]\nname = \"Súdwest-Fryslân\"\n"
      "capacity = { beschut = 5 }   # plaatsen\n";
  const std::string out = apply_edits(text, "u.toml",
                                      {{"region[Súdwest-Fryslân].capacity.beschut", "7", "c"},
                                       {"region[0].capacity.tussengroep", "2", ""},
                                       {"region[0].share", "0.5", ""}},
                                      "");
  EXPECT_EQ(out,
            "name = \"Súdwest-Fryslân\"\nhorizon_years = 5\n[[region]]\nname = \"Súdwest-Fryslân\"\n"
            "capacity = { beschut = 7, tussengroep = 2 }  # c | plaatsen\nshare = 0.5\n");
}

TEST(CalibScenarioText, MissingTablesBecomeInlineAndKeysCanBeRemoved) {
  const std::string out = model::detail::edit_text(edit_me, "edit.toml",
                                                   {{"report.times", "[2025, 2030]"}, {"transition[0].multiplier.2027", "2"}},
                                                   {"horizon_years", "transition[a->b].covariates.age"});
  EXPECT_EQ(out.find("horizon_years"), std::string::npos) << out;
  EXPECT_NE(out.find("covariates = {  }"), std::string::npos) << out;
  EXPECT_NE(out.find("report = { times = [2025, 2030] }"), std::string::npos) << out;
  EXPECT_NE(out.find("rate = 0.5   # per year\ncovariates = {  }\nmultiplier = { 2027 = 2 }\n"), std::string::npos) << out;
}

// A key that the file does not have because it comes from a base file (extends) is an error
// that says so, instead of a value silently added where it changes nothing or something else.
TEST(CalibScenarioText, AKeyOfABaseFileIsAClearError) {
  const std::string variant = "extends = \"base.toml\"\nhorizon_years = 3\n";
  try {
    (void)apply_edits(variant, "variant.toml", {{"transition[a->b].rate", "0.5", ""}}, "");
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].to_string(),
              "variant.toml: transition[a->b].rate: cannot write the calibrated value: no [[transition]] tables in this "
              "file (it may be defined in the base file named by `extends`; calibrate that file)");
  }
}

TEST(CalibReport, CalibratedScenarioAndReportRoundTrip) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path());
  SimulateOptions o;
  o.people = 800;
  o.seed = sd;
  o.covariates = {{"age", 40, 10}};
  const auto d = simulate_markov_data(s, o);
  ModelSpec spec;
  spec.covariates.push_back({"age", {"werk->bijstand"}, false});
  spec.fixed["werk->exit"] = 0.04;
  const FitResult f = fit_panel(s, d, spec);
  ASSERT_EQ(f.status, FitStatus::converged);
  Provenance prov{"trede calibrate test", "simulated.csv", d.sha256, ""};
  const std::string text = calibrated_scenario_text(s, f, prov);
  const auto dir = temp_dir("report");
  write_file(dir / "calibrated.toml", text);
  // The calibrated scenario loads (the library's loader and the CLI's validate) with the fitted values.
  const auto c = model::load_scenario((dir / "calibrated.toml").string());
  for (const auto& e : f.estimates) {
    if (e.key.empty()) continue;
    for (const auto& t : c.transitions)
      if (e.kind == "rate" && e.name == t.id) {
        EXPECT_NEAR(t.hazard.rate, e.estimate, 1e-8 * e.estimate) << t.id;
      }
  }
  const auto& wb = c.transitions[4];
  ASSERT_EQ(wb.id, "werk->bijstand");
  ASSERT_EQ(wb.covariates.size(), 1u);
  EXPECT_NEAR(wb.covariates[0].beta, estimate(f, "beta[age] werk->bijstand").estimate, 1e-8);
  EXPECT_EQ(c.transitions[5].hazard.rate, 0.04);  // fixed: unchanged
  const auto v = run(cli() + " validate " + (dir / "calibrated.toml").string());
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(text.find("# Calibrated by trede calibrate"), std::string::npos);

  trede::io::write_calibration((dir / "fit.h5").string(), f, s, text, prov);
  const trede::io::CalibrationReport r = trede::io::read_calibration((dir / "fit.h5").string());
  EXPECT_EQ(r.method, "panel");
  EXPECT_EQ(r.status, "converged");
  EXPECT_EQ(r.log_likelihood, f.log_likelihood);
  EXPECT_EQ(r.aic, f.aic);
  EXPECT_EQ(r.iterations, f.iterations);
  EXPECT_EQ(r.data_sha256, d.sha256);
  EXPECT_EQ(r.command_line, "trede calibrate test");
  ASSERT_EQ(r.estimates.size(), f.estimates.size());
  for (std::size_t i = 0; i < f.estimates.size(); ++i) {
    EXPECT_EQ(r.estimates[i].name, f.estimates[i].name);
    EXPECT_EQ(r.estimates[i].key, f.estimates[i].key);
    EXPECT_EQ(r.estimates[i].estimate, f.estimates[i].estimate);
    EXPECT_EQ(r.estimates[i].upper, f.estimates[i].upper);
    EXPECT_EQ(r.estimates[i].fixed, f.estimates[i].fixed);
  }
  EXPECT_EQ(r.covariance.size(), f.parameters * f.parameters);
  EXPECT_EQ(r.scenario_text, s.text);
  EXPECT_EQ(r.calibrated_text, text);
  EXPECT_THROW((void)trede::io::read_calibration((dir / "calibrated.toml").string()), IoError);
  EXPECT_THROW(trede::io::write_calibration((dir / "no" / "such" / "dir.h5").string(), f, s, text, prov), IoError);
}

}  // namespace
}  // namespace trede::calib_test
