// A calibration carries its sampling uncertainty: the estimates' covariance is written into the
// calibrated scenario's [uncertainty] table, and drawing from it (a PSA) gives bands that cover
// the truth at the nominal rate over repeated synthetic data sets. Also: the simulated-moments
// intervals cover the truth on synthetic targets with noise.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "support.hpp"
#include "trede/error.hpp"
#include "trede/calib/markov.hpp"
#include "trede/calib/report.hpp"
#include "trede/calib/simulate.hpp"
#include "trede/calib/targets.hpp"
#include "trede/mc/psa.hpp"
#include "trede/model/load.hpp"

namespace trede::calib_test {
namespace {

// Occupancy of `state` at `t` years for the exponential rates of `s` (Kolmogorov: p0 exp(Qt)),
// starting from the scenario's initial population.
double expected_occupancy(const model::Scenario& s, const std::string& state, double t) {
  const std::size_t n = s.states.size();
  std::vector<double> q(n * n, 0.0);
  for (const auto& tr : s.transitions) {
    q[tr.from * n + tr.to] += tr.hazard.rate;
    q[tr.from * n + tr.from] -= tr.hazard.rate;
  }
  const std::vector<double> p = matrix_exponential(q, t);
  std::vector<double> p0(n, 0.0);
  for (const auto& g : s.regions.front().initial) p0[g.state] += static_cast<double>(g.count);
  const std::size_t j = s.state_index(state);
  double occ = 0.0;
  for (std::size_t i = 0; i < n; ++i) occ += p0[i] * p[i * n + j];
  return occ;
}

TEST(CalibUncertainty, APanelFitWritesItsCovarianceIntoTheScenario) {
  const auto s = model::load_scenario(ladder4_path());
  SimulateOptions o;
  o.people = 3000;
  o.seed = seed();
  const FitResult f = fit_panel(s, simulate_markov_data(s, o), {}, {});
  ASSERT_EQ(f.status, FitStatus::converged) << f.message;
  const std::string text = calibrated_scenario_text(s, f, {});
  EXPECT_NE(text.find("[[uncertainty.multivariate_normal]]"), std::string::npos) << text;
  const model::Scenario c = model::parse_scenario(text, s.source_path);
  ASSERT_EQ(c.uncertainty.groups.size(), 1u);
  const auto& g = c.uncertainty.groups.front();
  ASSERT_EQ(g.keys.size(), f.parameters);
  EXPECT_EQ(g.name, "calibration (" + f.method + ")") << "the group is named, so EVPPI tables read it by name";
  // A scenario that already has a group of that name gets the next free one.
  model::Scenario named = s;
  named.uncertainty.groups.push_back(g);
  EXPECT_EQ(unused_group_name(named, g.name), g.name + " (2)");
  EXPECT_EQ(unused_group_name(s, g.name), g.name);
  // Each key's marginal is lognormal at the estimate with the log-scale standard error.
  for (std::size_t i = 0; i < g.keys.size(); ++i) {
    const Estimate* e = nullptr;
    for (const auto& x : f.estimates)
      if (x.key == g.keys[i]) e = &x;
    ASSERT_NE(e, nullptr) << g.keys[i];
    const auto& m = g.group.marginals()[i];
    EXPECT_EQ(m.family(), random::Family::lognormal);
    const std::size_t p = static_cast<std::size_t>(e->parameter);
    EXPECT_NEAR(std::log(m.quantile(0.5)), f.theta[p], 1e-9) << g.keys[i];
    EXPECT_NEAR(m.parameters()[1], std::sqrt(f.covariance[p * f.parameters + p]), 1e-9) << g.keys[i];
  }
  // A calibration of the calibrated scenario replaces the group instead of adding a second one.
  EXPECT_THROW((void)calibrated_scenario_text(c, f, {}), trede::ModelError) << "an earlier calibration's group must be removed first";
}

TEST(CalibUncertainty, PosteriorPredictiveBandsFromThePanelFitCoverTheTruth) {
  // Synthetic panel data from the truth, a fit, the covariance written into the scenario, a
  // PSA drawn from it, and the 95% band of the expected occupancy of werk after 3 years: over
  // repeated data sets it covers the truth's value about 95% of the time. (The normal
  // approximation needs enough people: with 1,500 per data set these bands covered 86-92% —
  // the maximum-likelihood estimate's small-sample bias in this nonlinear function of the
  // rates — with 4,000 and more, 95-99%.)
  const std::uint64_t sd = seed();
  const auto truth = model::load_scenario(ladder4_path());
  const double target = expected_occupancy(truth, "werk", 3.0);
  FitOptions fo;
  fo.starts = 1;
  const int reps = 100;
  int covered = 0;
  for (int rep = 0; rep < reps; ++rep) {
    SimulateOptions o;
    o.people = 4000;
    o.seed = sd + static_cast<std::uint64_t>(rep);
    const FitResult f = fit_panel(truth, simulate_markov_data(truth, o), {}, fo);
    ASSERT_EQ(f.status, FitStatus::converged) << f.message;
    const model::Scenario c = model::parse_scenario(calibrated_scenario_text(truth, f, {}), truth.source_path);
    const model::Scenario* one[] = {&c};
    const mc::DrawSet draws = mc::draw_parameters(one, 256, mc::PointMethod::sobol, sd + 1000 + static_cast<std::uint64_t>(rep));
    std::vector<double> y;
    for (std::size_t d = 0; d < draws.draws; ++d) y.push_back(expected_occupancy(mc::scenario_at_draw(c, draws, d), "werk", 3.0));
    std::sort(y.begin(), y.end());
    const double lo = y[static_cast<std::size_t>(0.025 * (y.size() - 1))], hi = y[static_cast<std::size_t>(0.975 * (y.size() - 1))];
    covered += lo <= target && target <= hi;
  }
  std::printf("posterior-predictive 95%% bands covered the truth in %d of %d synthetic data sets\n", covered, reps);
  const double se = std::sqrt(0.95 * 0.05 / reps);
  EXPECT_GE(covered / static_cast<double>(reps), 0.95 - 4 * se);
  EXPECT_LE(covered / static_cast<double>(reps), std::min(1.0, 0.95 + 4 * se));
}

const char* smm_text = R"(
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

std::string json_list(const std::vector<double>& v) {
  std::string s = "[";
  char buf[64];
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.10g", v[i]);
    s += (i ? ", " : "") + std::string(buf);
  }
  return s + "]";
}

TEST(CalibUncertainty, MomentFitIntervalsCoverTheTruthOnNoisyTargets) {
  // Observed figures = the truth's expected moments + noise with the declared sd (3%); the
  // sandwich covariance (data noise and the simulation noise of R replicates) must give 95%
  // intervals that cover the true rates about 95% of the time.
  const std::uint64_t sd = seed();
  const auto truth = model::parse_scenario(smm_text, "smm.toml");
  const std::string skeleton = R"([
    {"id": "werk_stock", "years": [2025, 2026, 2027, 2028, 2029], "values": [1, 1, 1, 1, 1], "cv": 0.03,
     "model": {"kind": "stock", "states": ["werk"]}},
    {"id": "job_loss", "years": [2026, 2028], "values": [1, 1], "cv": 0.03,
     "model": {"kind": "rate", "edges": ["werk->bijstand"], "of": ["werk"]}}])";
  const auto shape = parse_targets(skeleton, "t.json", truth);
  const auto expected = simulate_targets(truth, shape, 512, sd + 7);
  std::mt19937_64 rng(sd);
  std::normal_distribution<double> z(0.0, 1.0);
  const int reps = 40;
  int covered = 0, total = 0;
  for (int rep = 0; rep < reps; ++rep) {
    std::vector<std::vector<double>> obs = expected.mean;
    for (auto& row : obs)
      for (double& v : row) v *= 1.0 + 0.03 * z(rng);
    const std::string json = R"([
      {"id": "werk_stock", "years": [2025, 2026, 2027, 2028, 2029], "values": )" + json_list(obs[0]) + R"(, "cv": 0.03,
       "model": {"kind": "stock", "states": ["werk"]}},
      {"id": "job_loss", "years": [2026, 2028], "values": )" + json_list(obs[1]) + R"(, "cv": 0.03,
       "model": {"kind": "rate", "edges": ["werk->bijstand"], "of": ["werk"]}}])";
    MomentOptions o;
    o.replicates = 8;
    o.seed = sd + 100 + static_cast<std::uint64_t>(rep);
    const FitResult f = fit_targets(truth, parse_targets(json, "t.json", truth),
                                    {parse_parameter_bound("transition[bijstand->werk].rate=log:0.05:2:0.3"),
                                     parse_parameter_bound("transition[werk->bijstand].rate=log:0.02:1:0.3")},
                                    o);
    ASSERT_NE(f.status, FitStatus::failed) << f.message;
    for (const auto& e : f.estimates) {
      const double value = e.key == "transition[bijstand->werk].rate" ? 0.4 : 0.2;
      covered += e.lower <= value && value <= e.upper;
      ++total;
    }
  }
  std::printf("simulated-moments 95%% intervals covered the truth %d of %d times\n", covered, total);
  const double se = std::sqrt(0.95 * 0.05 / total);
  EXPECT_GE(covered / static_cast<double>(total), 0.95 - 4 * se);
}

}  // namespace
}  // namespace trede::calib_test
