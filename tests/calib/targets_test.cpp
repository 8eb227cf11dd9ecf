// Aggregate targets: the file format and its errors, and recovery of known parameters of a small
// scenario from targets simulated by the scenario itself (simulated method of moments with
// common random numbers).

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "support.hpp"
#include "trede/calib/targets.hpp"
#include "trede/error.hpp"
#include "trede/model/load.hpp"

namespace trede::calib_test {
namespace {

const char* smm_scenario = R"(
name = "smm"
start_year = 2025
horizon_years = 5
[report]
step_years = 1
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
rate = 0.4
[[transition]]
from = "werk"
to = "bijstand"
rate = 0.2
[[transition]]
from = "bijstand"
to = "exit"
rate = 0.05
[[population]]
state = "bijstand"
count = 2000
)";

model::Scenario smm() { return model::parse_scenario(smm_scenario, "smm.toml"); }

std::vector<Diagnostic> problems(const std::string& json) {
  try {
    (void)parse_targets(json, "t.json", smm());
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected a ModelError for " << json;
  return {};
}

std::string list(const std::vector<double>& v) {
  std::string s = "[";
  char buf[64];
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.10g", v[i]);
    s += (i ? ", " : "") + std::string(buf);
  }
  return s + "]";
}

TEST(CalibTargets, ReadsKindsTimesValuesAndUncertainty) {
  const auto ts = parse_targets(R"({
    "replicates": 8, "seed": 3,
    "parameters": [{"key": "transition[bijstand->werk].rate", "lower": 0.1, "upper": 1, "log": true}],
    "targets": [
      {"id": "werk", "years": [2025, 2026], "values": [400, 600], "sd": 20, "model": {"kind": "stock", "states": ["werk"]}},
      {"id": "uit", "times": [2027], "value": 300, "cv": 0.1, "model": {"kind": "flow", "from": ["bijstand"], "to": ["werk", "exit"]}},
      {"id": "share", "year": 2027, "values": {"a": 0.4, "b": 0.5}, "model": {"kind": "share", "states": ["werk"], "of": ["bijstand", "werk"], "value_key": "b", "at": "start"}},
      {"id": "rate", "years": [2026], "values": [20], "sd": [2], "model": {"kind": "rate", "edges": ["werk->bijstand"], "of": ["werk"], "scale": 100}},
      {"id": "catalogue entry", "year": 2020, "value": 1}
    ]})",
                                "t.json", smm());
  EXPECT_EQ(ts.replicates, 8u);
  EXPECT_EQ(ts.seed, 3u);
  ASSERT_EQ(ts.parameters.size(), 1u);
  EXPECT_TRUE(ts.parameters[0].log_scale);
  ASSERT_EQ(ts.targets.size(), 4u);
  EXPECT_EQ(ts.targets[0].times, (std::vector<double>{2026, 2027}));  // end of each year
  EXPECT_EQ(ts.targets[0].sd, (std::vector<double>{20, 20}));
  EXPECT_EQ(ts.targets[1].edges, (std::vector<std::string>{"bijstand->werk", "bijstand->exit"}));
  EXPECT_DOUBLE_EQ(ts.targets[1].sd[0], 30.0);
  EXPECT_EQ(ts.targets[2].times, (std::vector<double>{2027}));
  EXPECT_EQ(ts.targets[2].values, (std::vector<double>{0.5}));
  EXPECT_EQ(ts.targets[2].sd, (std::vector<double>{0.05}));  // 10% assumed
  EXPECT_EQ(ts.targets[3].scale, 100);
  EXPECT_EQ(ts.skipped, (std::vector<std::string>{"catalogue entry"}));
  EXPECT_EQ(ts.notes.size(), 1u);
}

TEST(CalibTargets, ProblemsNameTheTargetAndMember) {
  auto p = problems(R"([{"id": "a", "years": [2025], "values": [1], "model": {"kind": "stock", "states": ["wrek"]}}])");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].to_string(), "t.json: targets[a].model.states: unknown state 'wrek'");
  p = problems(R"([{"id": "a", "times": [2025.5], "values": [1], "model": {"kind": "stock", "states": ["werk"]}}])");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].message.find("2025.5 is not a report time"), std::string::npos);
  p = problems(R"([{"id": "a", "times": [2026.5], "values": [1], "model": {"kind": "flow", "edges": ["werk->bijstand"]}}])");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].message.find("not a union of report periods"), std::string::npos);
  p = problems(R"([{"id": "a", "years": [2025, 2026], "values": [1], "model": {"kind": "cost", "edgs": []}}])");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].key, "targets[a].model.edgs");
  EXPECT_EQ(p[1].key, "targets[a].model.kind");
  p = problems(R"([{"id": "a", "years": [2025, 2026], "values": [1], "model": {"kind": "flow", "edges": ["x->y"]}}])");
  EXPECT_EQ(p[0].key, "targets[a].values");
  p = problems("[{\"id\": \"a\",\n \"years\": [2025,]}]");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].line, 2);
  EXPECT_NE(p[0].message.find("JSON syntax error"), std::string::npos);
  EXPECT_THROW((void)parse_parameter_bound("transition[a->b].rate=1:0.5"), ModelError);
  EXPECT_THROW((void)parse_parameter_bound("transition[a->b].rate"), ModelError);
  EXPECT_THROW((void)parse_parameter_bound("x=log:0:1"), ModelError);
  const auto b = parse_parameter_bound("transition[a->b].rate=0.1:2:0.5");
  EXPECT_EQ(b.key, "transition[a->b].rate");
  EXPECT_EQ(b.start, 0.5);
}

TEST(CalibTargets, TheSharedCatalogueNeedsModelMappings) {
  const auto path = std::filesystem::path(source_dir()) / "models" / "participatiewet" / "data" / "calibration_targets.json";
  try {
    (void)read_targets(path.string(), smm());
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_NE(e.diagnostics()[0].message.find("no target has a `model` member"), std::string::npos) << e.what();
  }
}

// Targets simulated from the scenario at known rates (many replicates, another seed) are fitted
// back from a start far away; the estimates must land within 4 standard errors (sandwich) and
// within 10 % of the truth.
TEST(CalibTargets, RecoversKnownParametersFromItsOwnSimulatedTargets) {
  const std::uint64_t sd = seed();
  const auto truth = smm();
  const std::string skeleton = R"([
    {"id": "werk_stock", "years": [2025, 2026, 2027, 2028, 2029], "values": [0, 0, 0, 0, 0], "cv": 0.03,
     "model": {"kind": "stock", "states": ["werk"]}},
    {"id": "to_work", "years": [2025, 2026, 2027, 2028, 2029], "values": [0, 0, 0, 0, 0], "cv": 0.03,
     "model": {"kind": "flow", "edges": ["bijstand->werk"]}},
    {"id": "job_loss_rate", "years": [2026, 2028], "values": [0, 0], "cv": 0.03,
     "model": {"kind": "rate", "edges": ["werk->bijstand"], "of": ["werk"]}}])";
  const auto shape = parse_targets(skeleton, "t.json", truth);
  const auto sim = simulate_targets(truth, shape, 64, sd + 1);
  const std::string json = R"([
    {"id": "werk_stock", "years": [2025, 2026, 2027, 2028, 2029], "values": )" + list(sim.mean[0]) + R"(, "cv": 0.03,
     "model": {"kind": "stock", "states": ["werk"]}},
    {"id": "to_work", "years": [2025, 2026, 2027, 2028, 2029], "values": )" + list(sim.mean[1]) + R"(, "cv": 0.03,
     "model": {"kind": "flow", "edges": ["bijstand->werk"]}},
    {"id": "job_loss_rate", "years": [2026, 2028], "values": )" + list(sim.mean[2]) + R"(, "cv": 0.03,
     "model": {"kind": "rate", "edges": ["werk->bijstand"], "of": ["werk"]}}])";
  const auto targets = parse_targets(json, "t.json", truth);
  MomentOptions o;
  o.replicates = 8;
  o.seed = sd;
  const FitResult f = fit_targets(truth, targets,
                                  {parse_parameter_bound("transition[bijstand->werk].rate=log:0.05:2:0.15"),
                                   parse_parameter_bound("transition[werk->bijstand].rate=log:0.02:1:0.6")},
                                  o);
  std::printf("%s", summary(f).c_str());
  EXPECT_EQ(f.status, FitStatus::converged) << f.message;
  for (const auto& [key, value] : {std::pair{"transition[bijstand->werk].rate", 0.4}, std::pair{"transition[werk->bijstand].rate", 0.2}}) {
    const Estimate& e = estimate(f, key);
    EXPECT_TRUE(std::isfinite(e.se) && e.se > 0) << key;
    EXPECT_LT(std::abs(e.estimate - value), 4 * e.se) << key << " " << e.estimate << " se " << e.se;
    EXPECT_LT(std::abs(e.estimate - value), 0.1 * value) << key << " " << e.estimate;
  }
  EXPECT_EQ(f.targets.size(), 12u);
  for (const auto& t : f.targets) EXPECT_LT(std::abs(t.z), 3.0) << t.id << " " << t.time;

  // The same fit on one thread: bitwise the same (replicates depend only on seed and index).
  o.threads = 1;
  const FitResult serial = fit_targets(truth, targets,
                                       {parse_parameter_bound("transition[bijstand->werk].rate=log:0.05:2:0.15"),
                                        parse_parameter_bound("transition[werk->bijstand].rate=log:0.02:1:0.6")},
                                       o);
  EXPECT_EQ(serial.theta, f.theta);
  EXPECT_EQ(serial.objective, f.objective);
  EXPECT_EQ(serial.evaluations, f.evaluations);
}

}  // namespace
}  // namespace trede::calib_test
