// Event histories: the closed form (occurrences ÷ exposure), piecewise hazards, covariates by
// Newton–Raphson, and interval coverage on histories simulated by trede's engine and by the
// exact Markov process.

#include <gtest/gtest.h>

#include <cmath>

#include "support.hpp"
#include "trede/calib/markov.hpp"
#include "trede/calib/simulate.hpp"
#include "trede/error.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace trede::calib_test {
namespace {

std::string three_state(const std::string& bw_hazard) {
  return R"(
name = "three"
horizon_years = 5
[attributes.age]
type = "number"
center = 40
default = 40
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
)" + bw_hazard + R"(
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
}

// Three people; rows are the times states were entered, the last row ends follow-up.
const char* histories =
    "id,time,state,age\n"
    "a,0,bijstand,30\na,1.0,werk,30\na,3.0,bijstand,30\na,3.5,exit,30\n"
    "b,0,bijstand,50\nb,2.0,bijstand,50\nb,4.0,werk,50\nb,6.0,werk,50\n"
    "c,0,werk,40\nc,0.5,bijstand,40\nc,1.5,bijstand,40\n";

TEST(CalibExact, EqualsTheClosedForm) {
  const auto s = model::parse_scenario(three_state("rate = 0.5"), "three.toml");
  const auto d = parse_csv(histories, "h.csv", s);
  const FitResult r = fit_exact(s, d);
  EXPECT_EQ(r.status, FitStatus::converged);
  // By hand: bijstand exposure 1 + 0.5 + 4 + 1 = 6.5 years with 2 moves to werk and 1 to exit;
  // werk exposure 2 + 2 + 0.5 = 4.5 years with 2 moves back.
  struct Edge {
    const char* name;
    double d, E;
  };
  double ll = 0;
  for (const Edge& e : {Edge{"bijstand->werk", 2, 6.5}, Edge{"werk->bijstand", 2, 4.5}, Edge{"bijstand->exit", 1, 6.5}}) {
    const double rate = e.d / e.E;
    const Estimate& est = estimate(r, e.name);
    EXPECT_NEAR(est.estimate, rate, 1e-12 * rate) << e.name;
    EXPECT_NEAR(est.se, rate / std::sqrt(e.d), 1e-9 * rate) << e.name;
    EXPECT_NEAR(est.lower, rate * std::exp(-z95 / std::sqrt(e.d)), 1e-9 * rate) << e.name;
    EXPECT_NEAR(est.upper, rate * std::exp(z95 / std::sqrt(e.d)), 1e-9 * rate) << e.name;
    ll += e.d * std::log(rate) - rate * e.E;
  }
  EXPECT_NEAR(r.log_likelihood, ll, 1e-10);
  EXPECT_NEAR(r.aic, -2 * ll + 2 * 3, 1e-9);
  EXPECT_EQ(r.transitions, 5u);
  EXPECT_EQ(r.subjects, 3u);
  // q holds the rates, rows sum to zero.
  const auto S = r.states.size();
  EXPECT_NEAR(r.q[0 * S + 1], 2 / 6.5, 1e-12);
  EXPECT_NEAR(r.q[0 * S + 0], -3 / 6.5, 1e-12);
}

TEST(CalibExact, PiecewiseHazardsSplitExposureByTimeInState) {
  const auto s = model::parse_scenario(three_state("hazard = \"table\"\nbreaks = [0, 1]\nrates = [0.3, 0.6]"), "pw.toml");
  const auto d = parse_csv(histories, "h.csv", s);
  const FitResult r = fit_exact(s, d);
  // Time in bijstand: a [0,1) then a move at exactly 1 (counted in the first piece, which holds
  // up to 1), a again [0,0.5); b [0,1) + [1,4) with the move at 4; c [0,1).
  EXPECT_NEAR(estimate(r, "bijstand->werk [0, 1) y").estimate, 1 / 3.5, 1e-12);
  EXPECT_NEAR(estimate(r, "bijstand->werk [1, inf) y").estimate, 1 / 3.0, 1e-12);
  EXPECT_NEAR(estimate(r, "bijstand->exit").estimate, 1 / 6.5, 1e-12);
}

TEST(CalibExact, ZeroMovesGiveZeroAndAnExactUpperBound) {
  const auto s = model::parse_scenario(three_state("rate = 0.5"), "three.toml");
  const auto d = parse_csv("id,time,state\na,0,bijstand\na,2,werk\na,6,werk\n", "h.csv", s);
  const FitResult r = fit_exact(s, d);
  const Estimate& e = estimate(r, "bijstand->exit");
  EXPECT_EQ(e.estimate, 0.0);
  EXPECT_NEAR(e.upper, -std::log(0.025) / 2.0, 1e-12);
  EXPECT_FALSE(r.notes.empty());
}

TEST(CalibExact, MoveAlongNoTransitionNamesTheLine) {
  const auto s = model::parse_scenario(three_state("rate = 0.5"), "three.toml");
  const auto d = parse_csv("id,time,state\na,0,werk\na,2,exit\n", "h.csv", s);
  try {
    (void)fit_exact(s, d);
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].to_string(),
              "h.csv:3: state: id 'a' moves from 'werk' to 'exit', which is not a transition of the scenario");
  }
}

TEST(CalibExact, MultipliersAndMovesAlongZeroRatesAreErrors) {
  const auto s = model::parse_scenario(three_state("rate = 0.5\nmultiplier = 1.5"), "m.toml");
  const auto d = parse_csv(histories, "h.csv", s);
  try {
    (void)fit_exact(s, d);
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].key, "transition[bijstand->werk].rate");
    EXPECT_NE(e.diagnostics()[0].message.find("has a multiplier"), std::string::npos);
  }
  ModelSpec spec;
  spec.fixed["bijstand->werk"] = 0.0;
  try {
    (void)fit_exact(s, d, spec);
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[0].to_string(), "h.csv:3: state: id 'a' moves along bijstand->werk, which is fixed at rate 0");
  }
}

// Event histories recorded by the engine itself: its per-period flows and person-years are the
// sufficient statistics of the exponential model. 50 replicates of ladder4 (3,000 people, 5
// years) are 50 independent data sets; the 95 % intervals must cover the true rates about 95 %
// of the time.
TEST(CalibExact, EngineHistoriesIntervalsCoverTheTrueRates) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path());
  mc::RunOptions ro;
  ro.replicates = 50;
  ro.seed = sd;
  const auto e = mc::run(s, ro);
  const auto& L = e.layout;
  int covered = 0, total = 0;
  for (std::size_t r = 0; r < e.replicates; ++r) {
    ExactCounts c;
    c.moves.assign(s.transitions.size(), 0.0);
    c.person_years.assign(s.states.size(), 0.0);
    for (std::size_t p = 0; p < L.P(); ++p) {
      for (std::size_t ed = 0; ed < L.E(); ++ed)
        for (std::size_t t = 0; t < s.transitions.size(); ++t)
          if (L.edges[ed].kind == engine::EdgeKind::transition && L.edges[ed].id == s.transitions[t].id)
            c.moves[t] += e.values<std::int32_t>("flows")[(r * L.P() + p) * L.E() + ed];
      for (std::size_t st = 0; st < L.S(); ++st)
        c.person_years[st] += e.values<double>("person_years")[(r * L.P() + p) * L.S() + st];
    }
    const FitResult f = fit_exact_counts(s, c);
    for (const auto& est : f.estimates) {
      const double truth = true_rate(s, est.name);
      covered += est.lower <= truth && truth <= est.upper;
      ++total;
    }
  }
  const double rate = static_cast<double>(covered) / total;
  std::printf("engine event histories: %d of %d intervals covered (%.1f%%)\n", covered, total, 100 * rate);
  // Binomial(300, 0.95): sd 3.8 intervals; accept within 4 sd.
  EXPECT_GE(covered, static_cast<int>(std::floor(0.95 * total - 4 * std::sqrt(total * 0.95 * 0.05))));
  EXPECT_LE(covered, total);
}

// The same through the CSV path: exact histories of the Markov process with an age effect on
// two transitions, fitted by Newton–Raphson; coverage of rates and betas over 50 data sets.
TEST(CalibExact, MarkovHistoriesWithCovariatesCoverTheTruth) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path(), {"transition[bijstand->traject].covariates.age=-0.03",
                                                       "transition[traject->werk].covariates.age=0.02"});
  ModelSpec spec;
  spec.covariates.push_back({"age", {"bijstand->traject", "traject->werk"}, false});
  int covered = 0, total = 0;
  double ll_sum = 0;
  for (int rep = 0; rep < 50; ++rep) {
    SimulateOptions o;
    o.people = 2000;
    o.exact = true;
    o.seed = sd + static_cast<std::uint64_t>(rep);
    o.covariates = {{"age", 40, 10}};
    const auto d = simulate_markov_data(s, o);
    const FitResult f = fit_exact(s, d, spec);
    ASSERT_EQ(f.status, FitStatus::converged) << f.message;
    ll_sum += f.log_likelihood;
    for (const auto& est : f.estimates) {
      double truth = 0;
      if (est.kind == "beta") truth = est.name == "beta[age] bijstand->traject" ? -0.03 : 0.02;
      else truth = true_rate(s, est.name);
      covered += est.lower <= truth && truth <= est.upper;
      ++total;
    }
  }
  const double rate = static_cast<double>(covered) / total;
  std::printf("Markov event histories with covariates: %d of %d intervals covered (%.1f%%)\n", covered, total, 100 * rate);
  EXPECT_EQ(total, 50 * 8);
  EXPECT_GE(covered, static_cast<int>(std::floor(0.95 * total - 4 * std::sqrt(total * 0.95 * 0.05))));
  EXPECT_TRUE(std::isfinite(ll_sum));
}

}  // namespace
}  // namespace trede::calib_test
