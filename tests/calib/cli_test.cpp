// `trede calibrate` end to end on the example files in models/calibration/, and agreement with
// R's msm on the same panel data (reference values from bench/calib_msm.R, msm 1.7).

#include <gtest/gtest.h>

#include <cmath>

#include "support.hpp"
#include "trede/io/calibration.hpp"
#include "trede/calib/markov.hpp"
#include "trede/calib/report.hpp"
#include "trede/model/load.hpp"

namespace trede::calib_test {
namespace {

std::string models() { return source_dir() + "/models/calibration/"; }

// msm(s ~ time, subject = id, data = panel.csv, qmatrix = <ladder4 rates>) with delta-method
// intervals (qmatrix.msm(m, ci = "delta")): estimate, lower, upper; -2 log L 8567.665621; and
// sojourn.msm(m).
TEST(CalibPanel, AgreesWithMsmOnTheExampleData) {
  const auto s = model::load_scenario(models() + "ladder4.toml");
  const auto d = read_csv(models() + "panel.csv", s);
  const FitResult f = fit_panel(s, d);
  ASSERT_EQ(f.status, FitStatus::converged);
  EXPECT_NEAR(-2 * f.log_likelihood, 8567.665621, 2e-6);
  struct Ref {
    const char* edge;
    double est, lo, hi;
  };
  for (const Ref& r : {Ref{"bijstand->traject", 0.55635, 0.50903, 0.60807}, Ref{"bijstand->exit", 0.08018, 0.06915, 0.09296},
                       Ref{"traject->werk", 0.46062, 0.41273, 0.51408}, Ref{"traject->bijstand", 0.84536, 0.73479, 0.97258},
                       Ref{"werk->bijstand", 0.20929, 0.17114, 0.25594}, Ref{"werk->exit", 0.04986, 0.03282, 0.07574}}) {
    const Estimate& e = estimate(f, r.edge);
    // msm prints 5 decimals and stops its quasi-Newton search a little short of the maximum
    // (about 1e-5 relative here); trede's scoring converges to 1e-8.
    EXPECT_NEAR(e.estimate, r.est, 2e-5) << r.edge;
    EXPECT_NEAR(e.lower, r.lo, 2e-5) << r.edge;
    EXPECT_NEAR(e.upper, r.hi, 2e-5) << r.edge;
  }
  // sojourn.msm(m): mean sojourn times with their intervals.
  const double soj[3][3] = {{1.5710297, 1.4496459, 1.7025773}, {0.7657032, 0.6953681, 0.8431526}, {3.8588277, 3.2332091, 4.6055020}};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(f.sojourn[i], soj[i][0], 1e-4 * soj[i][0]) << f.states[i];
    EXPECT_NEAR(f.sojourn_lower[i], soj[i][1], 1e-4 * soj[i][1]) << f.states[i];
    EXPECT_NEAR(f.sojourn_upper[i], soj[i][2], 1e-4 * soj[i][2]) << f.states[i];
  }
  EXPECT_TRUE(std::isinf(f.sojourn[3]));  // exit is absorbing
}

TEST(CalibCli, PanelFitWritesAValidScenarioAndAReport) {
  const auto dir = temp_dir("cli-panel");
  const auto out = (dir / "calibrated.toml").string(), rep = (dir / "fit.h5").string();
  const auto c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() + "panel.csv -o " + out +
                     " --report " + rep);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  for (const char* what : {"status: converged", "bijstand->traject", "95% lower", "-2 log L: 8567.66562", "AIC: 8579.66562",
                           "starting points:", "wrote "})
    EXPECT_NE(c.output.find(what), std::string::npos) << what << "\n" << c.output;
  const auto v = run(cli() + " validate " + out);
  EXPECT_EQ(v.exit_code, 0) << v.output;
  const auto calibrated = model::load_scenario(out);
  EXPECT_NEAR(calibrated.transitions[0].hazard.rate, 0.55635, 6e-6);
  const trede::io::CalibrationReport r = trede::io::read_calibration(rep);
  EXPECT_EQ(r.method, "panel");
  EXPECT_NEAR(-2 * r.log_likelihood, 8567.665621, 2e-6);
  EXPECT_EQ(r.calibrated_text, read_file(out));
  EXPECT_NE(r.command_line.find("calibrate"), std::string::npos);

  // Readable from Python as documented (h5py), when h5py is installed.
  write_file(dir / "read.py", "import sys, h5py\n"
                              "f = h5py.File(sys.argv[1])\n"
                              "names = list(f['estimates/name'].asstr())\n"
                              "i = names.index('bijstand->traject')\n"
                              "print(f.attrs['status'], round(float(f.attrs['minus2_log_likelihood']), 4),\n"
                              "      round(float(f['estimates/estimate'][i]), 5), f['q/estimate'].shape,\n"
                              "      f['parameters/covariance'].shape, round(float(f['sojourn/estimate'][0]), 4))\n");
  const auto py = run(std::string(TREDE_PYTHON) + " " + (dir / "read.py").string() + " " + rep);
  EXPECT_EQ(py.exit_code, 0) << py.output;
  EXPECT_EQ(py.output, "converged 8567.6656 0.55635 (4, 4) (6, 6) 1.571\n") << py.output;
}

// Age on two rates; msm 1.7 on the same file (covariates = list("1-2" = ~a, "3-1" = ~a) with
// a = age - 40) gives -2 log L 5428.708 and betas -0.031971 (se 0.004594), 0.004288 (se 0.011389).
TEST(CalibCli, PanelFitWithCovariatesWritesTheirEffects) {
  const auto dir = temp_dir("cli-covariates");
  const auto out = (dir / "calibrated.toml").string();
  const auto c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() +
                     "panel_age.csv --covariates age --covariate-on 'age=bijstand->traject,werk->bijstand' -o " + out);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("-2 log L: 5428.70"), std::string::npos) << c.output;
  const auto s = model::load_scenario(out);
  ASSERT_EQ(s.transitions[0].covariates.size(), 1u);
  EXPECT_NEAR(s.transitions[0].covariates[0].beta, -0.031971, 2e-6);
  ASSERT_EQ(s.transitions[4].covariates.size(), 1u);
  EXPECT_NEAR(s.transitions[4].covariates[0].beta, 0.004288, 2e-6);
  EXPECT_TRUE(s.transitions[1].covariates.empty());
  const auto bad = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() +
                       "panel_age.csv --covariate-on 'age=bijstand->traject'");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

TEST(CalibCli, EventHistoryFitWithFixedAndSharedRates) {
  const auto dir = temp_dir("cli-exact");
  const auto out = (dir / "calibrated.toml").string();
  const auto c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() +
                     "histories.csv --exact --fix 'traject->bijstand=0.9' --share 'bijstand->exit,werk->exit' -o " + out);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("event histories"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("fixed"), std::string::npos) << c.output;
  const auto s = model::load_scenario(out);
  EXPECT_EQ(s.transitions[3].hazard.rate, 0.9);
  EXPECT_EQ(s.transitions[1].hazard.rate, s.transitions[5].hazard.rate);
}

TEST(CalibCli, BadInputExitsWithCodeTwoAndNamesTheLine) {
  const auto dir = temp_dir("cli-bad");
  write_file(dir / "bad.csv", "id,time,state\n1,0,bijstand\n1,0.5,wrek\n1,0.7,werk\n1,0.6,werk\n");
  auto c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + (dir / "bad.csv").string());
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("bad.csv:3: state: unknown state 'wrek' (did you mean 'werk'?)"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("bad.csv:5: time: time 0.6 is before the previous time"), std::string::npos) << c.output;
  c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + (dir / "missing.csv").string());
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("cannot open data file"), std::string::npos) << c.output;
  c = run(cli() + " calibrate " + models() + "ladder4.toml");
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("give --data FILE"), std::string::npos) << c.output;
  c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() + "panel.csv --fix 'nope->x=1'");
  EXPECT_EQ(c.exit_code, 2) << c.output;
  // a problem of --fix is named as the option, not blamed on the scenario file
  EXPECT_NE(c.output.find("--fix: fixed[nope->x]: unknown transition 'nope->x'"), std::string::npos) << c.output;
  EXPECT_EQ(c.output.find("ladder4.toml: fixed"), std::string::npos) << c.output;
  c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() +
          "panel.csv --share 'bijstand->exit,werk->exit' --share 'werk->exit,traject->werk'");
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("--share: shared[1]: 'werk->exit' is in two shared groups"), std::string::npos) << c.output;
  c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() +
          "panel_age.csv --covariates age --covariate-on 'age=nope->x'");
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("--covariate-on: covariates[age].on: unknown transition 'nope->x'"), std::string::npos) << c.output;
  c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() + "panel.csv -o " + (dir / "no/dir.toml").string());
  EXPECT_EQ(c.exit_code, 2) << c.output;
  write_file(dir / "t.json", R"([{"id": "x", "years": [2025], "values": [1], "model": {"kind": "stock", "states": ["nope"]}}])");
  c = run(cli() + " calibrate " + models() + "ladder4.toml --targets " + (dir / "t.json").string() +
          " --param 'transition[bijstand->traject].rate=0.1:1'");
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("t.json:1: targets[x].model.states: unknown state 'nope'"), std::string::npos) << c.output;
  c = run(cli() + " calibrate " + models() + "ladder4.toml --targets " + models() + "targets.json --param nosuchkey=0:1");
  EXPECT_EQ(c.exit_code, 2) << c.output;
}

// --data and --targets together: rates from the panel data, then werk->exit from the targets on
// the scenario with those rates.
TEST(CalibCli, TwoStagesDataThenTargets) {
  const auto dir = temp_dir("cli-two-stages");
  write_file(dir / "t.json", R"([{"id": "werk", "years": [2026, 2027, 2028, 2029], "values": [475, 639, 726, 763], "cv": 0.03,
                                  "model": {"kind": "stock", "states": ["werk"]}}])");
  const auto out = (dir / "calibrated.toml").string(), rep = (dir / "fit.h5").string();
  const auto c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() + "panel.csv --targets " +
                     (dir / "t.json").string() + " --param 'transition[werk->exit].rate=0.01:0.2' -n 4 -o " + out +
                     " --report " + rep);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("stage 1 of 2"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("stage 2 of 2"), std::string::npos) << c.output;
  const auto s = model::load_scenario(out);
  EXPECT_NEAR(s.transitions[0].hazard.rate, 0.55635, 2e-5);  // from the data (msm's value)
  const trede::io::CalibrationReport r = trede::io::read_calibration(rep);
  EXPECT_EQ(r.method, "panel+targets");
  ASSERT_EQ(r.estimates.size(), 7u);
  EXPECT_EQ(r.estimates[6].key, "transition[werk->exit].rate");
  EXPECT_NEAR(s.transitions[5].hazard.rate, r.estimates[6].estimate, 1e-8);
  EXPECT_EQ(r.covariance.size(), 49u);
  EXPECT_EQ(r.targets.size(), 4u);
}

TEST(CalibCli, TargetsFitWritesAValidScenario) {
  const auto dir = temp_dir("cli-targets");
  const auto out = (dir / "calibrated.toml").string(), rep = (dir / "fit.h5").string();
  const auto c = run(cli() + " calibrate " + models() + "ladder4.toml --targets " + models() + "targets.json -n 6 -o " + out +
                     " --report " + rep);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("fit per target:"), std::string::npos) << c.output;
  const auto s = model::load_scenario(out);
  const trede::io::CalibrationReport r = trede::io::read_calibration(rep);
  EXPECT_EQ(r.method, "targets");
  EXPECT_FALSE(r.targets.empty());
  ASSERT_EQ(r.estimates.size(), 2u);
  for (const auto& e : r.estimates) {
    bool found = false;
    for (const auto& t : s.transitions)
      if (e.key == "transition[" + t.id + "].rate") {
        found = true;
        EXPECT_NEAR(t.hazard.rate, e.estimate, 1e-8 * e.estimate);
      }
    EXPECT_TRUE(found) << e.key;
  }
}

// The status the command prints, writes into the calibrated scenario and into the report is the
// one the fit reached: a stuck one-start fit says not_improving everywhere (the start included)
// with a warning; a fit that converged with a singular information matrix warns too; from every
// rate at 50 the single start reaches the optimum and says converged without a warning.
TEST(CalibCli, TheStatusIsTheOneReachedAndEveryOtherThanConvergedWarns) {
  const auto dir = temp_dir("cli-status");
  const std::string stuck = " --set 'transition[bijstand->traject].rate=29.763' --set 'transition[bijstand->exit].rate=8.93121'"
                            " --set 'transition[traject->werk].rate=37.1239' --set 'transition[traject->bijstand].rate=129.551'"
                            " --set 'transition[werk->bijstand].rate=0.0223869' --set 'transition[werk->exit].rate=5.33942'";
  write_file(dir / "starts.py", "import sys, h5py\n"
                                "f = h5py.File(sys.argv[1])\n"
                                "print('report', f.attrs['status'], '/starts/status', *f['starts/status'].asstr())\n");
  auto starts = [&](const std::string& report) {
    return run(std::string(TREDE_PYTHON) + " " + (dir / "starts.py").string() + " " + report).output;
  };
  auto c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() + "panel.csv --starts 1" + stuck + " -o " +
               (dir / "stuck.toml").string() + " --report " + (dir / "stuck.h5").string());
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("warning: the fit ended with status not_improving (stuck:"), std::string::npos) << c.output;
  EXPECT_NE(read_file(dir / "stuck.toml").find("status not_improving"), std::string::npos);
  EXPECT_EQ(trede::io::read_calibration((dir / "stuck.h5").string()).status, "not_improving");
  EXPECT_NE(starts((dir / "stuck.h5").string()).find("report not_improving /starts/status not_improving"), std::string::npos);

  std::string fifty;
  for (const char* e : {"bijstand->traject", "bijstand->exit", "traject->werk", "traject->bijstand", "werk->bijstand", "werk->exit"})
    fifty += std::string(" --set 'transition[") + e + "].rate=50'";
  c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + models() + "panel.csv --starts 1" + fifty + " --report " +
          (dir / "fifty.h5").string());
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("status: converged"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("log-likelihood: -4283.83281"), std::string::npos) << c.output;
  EXPECT_EQ(c.output.find("warning:"), std::string::npos) << c.output;
  EXPECT_NE(starts((dir / "fifty.h5").string()).find("report converged /starts/status converged"), std::string::npos);

  // Three people who only ever move between bijstand and traject: no rate out of werk, and no
  // rate into exit, is determined.
  write_file(dir / "few.csv", "id,time,state\n1,0,bijstand\n1,1,traject\n1,2,bijstand\n1,3,bijstand\n2,0,traject\n"
                              "2,0.5,bijstand\n2,1.7,traject\n2,3,traject\n3,0,bijstand\n3,2,bijstand\n3,2.5,traject\n");
  c = run(cli() + " calibrate " + models() + "ladder4.toml --data " + (dir / "few.csv").string() + " -o " +
          (dir / "few.toml").string());
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("warning: the fit ended with status singular_information"), std::string::npos) << c.output;
}

}  // namespace
}  // namespace trede::calib_test
