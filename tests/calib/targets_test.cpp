// Aggregate targets: the file format and its errors, and recovery of known parameters of a small
// scenario from targets simulated by the scenario itself (simulated method of moments with
// common random numbers).

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <iterator>

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
      {"id": "catalogue entry", "year": 2020, "value": 1},
      {"id": "one object", "year": 2028, "value": {"x": 0.3, "y": 0.6}, "cv": 0.1, "model": {"kind": "share", "states": ["werk"], "of": ["bijstand", "werk"], "value_key": "y"}}
    ]})",
                                "t.json", smm());
  EXPECT_EQ(ts.replicates, 8u);
  EXPECT_EQ(ts.seed, 3u);
  ASSERT_EQ(ts.parameters.size(), 1u);
  EXPECT_TRUE(ts.parameters[0].log_scale);
  ASSERT_EQ(ts.targets.size(), 5u);
  EXPECT_EQ(ts.targets[0].times, (std::vector<double>{2026, 2027}));  // end of each year
  EXPECT_EQ(ts.targets[0].sd, (std::vector<double>{20, 20}));
  EXPECT_EQ(ts.targets[1].edges, (std::vector<std::string>{"bijstand->werk", "bijstand->exit"}));
  EXPECT_DOUBLE_EQ(ts.targets[1].sd[0], 30.0);
  EXPECT_EQ(ts.targets[2].times, (std::vector<double>{2027}));
  EXPECT_EQ(ts.targets[2].values, (std::vector<double>{0.5}));
  EXPECT_EQ(ts.targets[2].sd, (std::vector<double>{0.05}));  // 10% assumed
  EXPECT_EQ(ts.targets[3].scale, 100);
  // "value" as an object of named values, as "values" may be (it was read as a list of one object)
  EXPECT_EQ(ts.targets[4].values, (std::vector<double>{0.6}));
  EXPECT_EQ(ts.skipped, (std::vector<std::string>{"catalogue entry"}));
  EXPECT_EQ(ts.notes.size(), 1u);
}

TEST(CalibTargets, ProblemsNameTheTargetAndMember) {
  auto p = problems(R"([{"id": "a", "years": [2025], "values": [1], "model": {"kind": "stock", "states": ["wrek"]}}])");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].to_string(), "t.json:1: targets[a].model.states: unknown state 'wrek'");
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

// Every problem of a target file names the file and the line of the member at fault.
TEST(CalibTargets, MemberProblemsNameTheirLine) {
  const auto p = problems(R"({
  "replicates": 1,
  "sed": 3,
  "parameters": [
    {"key": "transition[bijstand->werk].rate", "lower": 0.1, "upper": 1,
     "log": "yes", "start": 7}
  ],
  "targets": [
    {"id": "a", "years": [2025], "values": [1],
     "model": {"kind": "stock",
               "states": ["wrek"]}},
    {"id": "b",
     "years": [2025, "2026"],
     "values": [1, 2],
     "model": {"kind": "stock", "states": ["werk"], "at": 5}}
  ]
})");
  struct Want {
    int line;
    const char* key;
    const char* message;
  };
  const Want want[] = {{3, "sed", "unknown member (allowed: targets, parameters, replicates, seed, description) (did you mean 'seed'?)"},
                       {2, "replicates", "must be a whole number >= 2"},
                       {6, "parameters[0].start", "must lie within the bounds"},
                       {6, "parameters[0].log", "must be true or false"},
                       {15, "targets[b].model.at", "must be a string"},
                       {13, "targets[b].years", "must be numbers (calendar years)"},
                       {14, "targets[b].values", "2 values for 1 times"}};
  std::string all;
  for (const auto& d : p) all += d.to_string() + "\n";
  ASSERT_EQ(p.size(), std::size(want)) << all;
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(p[i].file, "t.json");
    EXPECT_EQ(p[i].line, want[i].line) << p[i].to_string();
    EXPECT_EQ(p[i].key, want[i].key) << p[i].to_string();
    EXPECT_EQ(p[i].message, want[i].message) << p[i].to_string();
  }
  // The checks against the scenario name the line of the target's model, or of its times.
  const auto q = problems("[\n{\"id\": \"a\", \"years\": [2025], \"values\": [1],\n \"model\": {\"kind\": \"stock\", \"states\": [\"wrek\"]}},\n"
                          "{\"id\": \"b\", \"values\": [1], \"model\": {\"kind\": \"stock\", \"states\": [\"werk\"]},\n\n \"times\": [2025.5]}]");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].to_string(), "t.json:3: targets[a].model.states: unknown state 'wrek'");
  EXPECT_EQ(q[1].line, 6) << q[1].to_string();
  EXPECT_EQ(q[1].key, "targets[b].times");
}

// A misspelt member of a fitted target is an error, not ignored (a `vc` for `cv` used to fall
// back to the assumed 10 % with only a note); the describing members of the catalogue are fine.
TEST(CalibTargets, UnknownMembersOfATargetAreErrors) {
  const auto p = problems(R"([
  {"id": "a", "years": [2025], "values": [1], "vc": 0.05,
   "model": {"kind": "stock", "states": ["werk"]}},
  {"id": "b", "years": [2025], "valeus": [1], "values": [2], "quantity": "people", "unit": "persons",
   "source": "CBS", "kind": "stock", "status": "final", "notes": "n", "description": "d",
   "model": {"kind": "stock", "states": ["werk"]}}
])");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].line, 2);
  EXPECT_EQ(p[0].key, "targets[a].vc");
  EXPECT_EQ(p[0].message.rfind("unknown member (did you mean 'cv'?)", 0), 0u) << p[0].message;
  EXPECT_EQ(p[1].line, 4);
  EXPECT_EQ(p[1].key, "targets[b].valeus");
}

// Members of the wrong JSON type, and any depth of nesting, are problems with a line, never a
// JSON library exception or a crash.
TEST(CalibTargets, WrongTypesAndDeepNestingAreProblems) {
  for (const char* text :
       {R"([{"id": 5}])", R"([{"id": "a", "years": "x", "values": [1], "model": {"kind": "stock", "states": ["werk"]}}])",
        R"([{"id": "a", "years": [2025], "values": {"x": 1}, "model": {"kind": "stock", "states": ["werk"], "value_key": 3}}])",
        R"([{"id": "a", "years": [2025], "values": [1], "model": {"kind": 5, "states": ["werk"]}}])",
        R"([{"id": "a", "years": [2025], "values": [1], "model": {"kind": "stock", "states": [["werk"]]}}])",
        R"({"targets": {}, "parameters": [{"key": 1, "lower": 0, "upper": 1}], "seed": -1})",
        R"({"targets": [], "parameters": [{"key": "x[", "lower": 0, "upper": 1}]})", "\"targets\"", "1e999", "null"}) {
    const auto p = problems(text);
    ASSERT_FALSE(p.empty()) << text;
    for (const auto& d : p) EXPECT_EQ(d.file, "t.json") << text;
  }
  const std::string deep = "[\n" + std::string(100000, '[') + std::string(100000, ']') + "]";
  const auto p = problems(deep);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].to_string(), "t.json:2: JSON nested deeper than 64 levels");
  const auto ok = problems(std::string(64, '[') + std::string(64, ']'));  // as deep as allowed: a plain problem
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].to_string(), "t.json:1: targets[0]: must be an object");
}

// An uncertainty is the denominator of every residual: it must be finite, > 0 and at least
// 1e-6 x max(|value|, 1); a cv at least 1e-6, and none for a value of 0 (sd = 1e-308 made every
// residual infinite, and a value of 0 with a cv had an sd of 1e-12).
TEST(CalibTargets, AbsurdUncertaintiesAreRefused) {
  auto one = [](const std::string& uncertainty, const std::string& value = "200") {
    return R"([{"id": "a", "years": [2025], "values": [)" + value + "], " + uncertainty +
           R"(, "model": {"kind": "stock", "states": ["werk"]}}])";
  };
  for (const std::string u : {R"("sd": 1e-308)", R"("sd": 0)", R"("sd": -2)", R"("sd": "5")", R"("sd": [1e-300])",
                              R"("sd": [1, 2])", R"("cv": 1e-308)", R"("cv": 0)", R"("cv": -0.1)"}) {
    const auto p = problems(one(u));
    ASSERT_EQ(p.size(), 1u) << u;
    EXPECT_EQ(p[0].line, 1);
    EXPECT_TRUE(p[0].key == "targets[a].sd" || p[0].key == "targets[a].cv") << p[0].to_string();
  }
  for (const std::string u : {R"("cv": 0.1)", R"("model2": 0)"}) {
    const auto p = problems(one(u == R"("model2": 0)" ? R"("description": "no cv: 10% assumed")" : u, "0"));
    ASSERT_EQ(p.size(), 1u) << u;
    EXPECT_NE(p[0].message.find("no uncertainty for a value of 0: give sd"), std::string::npos) << p[0].to_string();
  }
  // The smallest accepted: 1e-6 of the value (or of 1).
  EXPECT_EQ(parse_targets(one(R"("sd": 2e-4)"), "t.json", smm()).targets[0].sd[0], 2e-4);
  EXPECT_EQ(parse_targets(one(R"("sd": 1e-6)", "0"), "t.json", smm()).targets[0].sd[0], 1e-6);
  EXPECT_DOUBLE_EQ(parse_targets(one(R"("cv": 1e-6)"), "t.json", smm()).targets[0].sd[0], 2e-4);
}

// A parameter of the fit that the scenario refuses (a bad key, a bound outside the key's range,
// a key that moves the report grid) is reported at the file and line of its entry, or as the
// --param the user typed; never as a --set the user did not type.
TEST(CalibTargets, ParameterProblemsNameWhereTheParameterWasGiven) {
  const auto ts = parse_targets(R"({
  "parameters": [
    {"key": "transition[bijstand->wrek].rate", "lower": 0.1, "upper": 1},
    {"key": "transition[werk->bijstand].rate", "lower": -1, "upper": 1},
    {"key": "horizon_years", "lower": 4, "upper": 6}
  ],
  "targets": [{"id": "a", "years": [2025], "values": [200], "sd": 20, "model": {"kind": "stock", "states": ["werk"]}}]
})",
                                "t.json", smm());
  std::vector<ParameterBound> params = ts.parameters;
  params.push_back(parse_parameter_bound("transition[bijstand->exit].rate=0:2000000"));
  try {
    (void)fit_targets(smm(), ts, params);
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    const auto& d = e.diagnostics();
    ASSERT_EQ(d.size(), 4u) << e.what();
    for (const auto& x : d) EXPECT_EQ(x.file.find("--set"), std::string::npos) << x.to_string();
    EXPECT_EQ(d[0].file, "t.json");
    EXPECT_EQ(d[0].line, 3);
    EXPECT_NE(d[0].message.find("did you mean 'bijstand->werk'"), std::string::npos) << d[0].to_string();
    EXPECT_EQ(d[1].to_string(), "t.json:4: transition[werk->bijstand].rate: at its lower bound -1: must be >= 0 (got -1)");
    EXPECT_EQ(d[2].line, 5);
    EXPECT_EQ(d[2].key, "horizon_years");
    EXPECT_NE(d[2].message.find("changes the report grid"), std::string::npos) << d[2].to_string();
    EXPECT_EQ(d[3].file, "--param 'transition[bijstand->exit].rate=0:2000000'");
    EXPECT_EQ(d[3].line, 0);
    EXPECT_NE(d[3].message.find("at its upper bound 2e+06: must be at most 1e+06 per year (got 2e+06)"), std::string::npos) << d[3].to_string();
  }
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
    {"id": "werk_stock", "years": [2025, 2026, 2027, 2028, 2029], "values": [0, 0, 0, 0, 0], "sd": 1,
     "model": {"kind": "stock", "states": ["werk"]}},
    {"id": "to_work", "years": [2025, 2026, 2027, 2028, 2029], "values": [0, 0, 0, 0, 0], "sd": 1,
     "model": {"kind": "flow", "edges": ["bijstand->werk"]}},
    {"id": "job_loss_rate", "years": [2026, 2028], "values": [0, 0], "sd": 1,
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
