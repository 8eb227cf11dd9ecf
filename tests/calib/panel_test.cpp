// Panel data: the likelihood against an independent computation, recovery from data produced by
// trede's engine, interval coverage over repeated simulations, covariates, fixed and shared
// rates, statuses, and agreement with R's msm on a stored data set.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "calib/panel_detail.hpp"
#include "support.hpp"
#include "trede/calib/markov.hpp"
#include "trede/calib/simulate.hpp"
#include "trede/error.hpp"
#include "trede/model/load.hpp"

namespace trede::calib_test {
namespace {

using Matrix = std::vector<double>;  // row-major n x n

// exp(A) by scaling and squaring of a Taylor series, in plain doubles: independent of the
// eigen-decomposition and Padé code in the library.
Matrix expm_taylor(Matrix a, std::size_t n) {
  double norm = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double row = 0;
    for (std::size_t j = 0; j < n; ++j) row += std::abs(a[i * n + j]);
    norm = std::max(norm, row);
  }
  int squarings = 0;
  while (norm > 0.01) norm /= 2, ++squarings;
  for (auto& x : a) x /= std::ldexp(1.0, squarings);
  auto mul = [n](const Matrix& x, const Matrix& y) {
    Matrix z(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < n; ++k)
        for (std::size_t j = 0; j < n; ++j) z[i * n + j] += x[i * n + k] * y[k * n + j];
    return z;
  };
  Matrix result(n * n, 0.0), term(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) result[i * n + i] = term[i * n + i] = 1.0;
  for (int k = 1; k <= 20; ++k) {
    term = mul(term, a);
    for (auto& x : term) x /= k;
    for (std::size_t i = 0; i < n * n; ++i) result[i] += term[i];
  }
  for (int s = 0; s < squarings; ++s) result = mul(result, result);
  return result;
}

const char* small_data =
    "id,time,state\n"
    "1,0,bijstand\n1,0.7,traject\n1,1.9,werk\n1,3.1,werk\n1,4.0,exit\n"
    "2,0,bijstand\n2,1.1,bijstand\n2,2.5,traject\n2,2.6,bijstand\n"
    "3,0,traject\n3,0.3,werk\n3,2.0,bijstand\n3,2.9,exit\n"
    "4,0,werk\n4,5.5,werk\n";

TEST(CalibPanel, LogLikelihoodEqualsADirectComputation) {
  const auto s = model::load_scenario(ladder4_path());
  const auto d = parse_csv(small_data, "small.csv", s);
  const std::size_t n = 4;
  // q: bijstand, traject, werk, exit
  Matrix q = {0, 0.6, 0, 0.08,  //
              0.9, 0, 0.5, 0,   //
              0.25, 0, 0, 0.04,  //
              0, 0, 0, 0};
  Matrix qd = q;
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < n; ++j) sum += q[i * n + j];
    qd[i * n + i] = -sum;
  }
  double direct = 0;
  for (const auto& sub : d.subjects)
    for (std::size_t i = 0; i + 1 < sub.time_years.size(); ++i) {
      Matrix a = qd;
      for (auto& x : a) x *= sub.time_years[i + 1] - sub.time_years[i];
      direct += std::log(expm_taylor(a, n)[sub.state[i] * n + sub.state[i + 1]]);
    }
  const double ll = panel_log_likelihood(d, q);
  std::printf("direct %.15g, library %.15g\n", direct, ll);
  EXPECT_NEAR(ll, direct, 1e-10 * std::abs(direct));
  // The fitting code evaluates the same likelihood: starting at these rates with no iterations
  // allowed it reports the value at the start.
  FitOptions o;
  o.max_iterations = 0;
  o.starts = 1;
  const auto fit = fit_panel(s, d, {}, o);
  EXPECT_NEAR(fit.log_likelihood, direct, 1e-10 * std::abs(direct));
  EXPECT_EQ(fit.status, FitStatus::max_iterations);

  // Two states: P(t)[0][1] = a/(a+b) (1 - e^{-(a+b)t}) in closed form.
  PanelData two;
  two.state_names = {"x", "y"};
  two.subjects.push_back({"1", {0.0, 1.3, 2.0, 4.5}, {0, 1, 1, 0}, {}, {1, 2, 3, 4}});
  const double a = 0.7, b = 0.3;
  auto p = [&](int from, int to, double t) {
    const double e = std::exp(-(a + b) * t), pi1 = a / (a + b);
    const double p01 = pi1 * (1 - e), p10 = (1 - pi1) * (1 - e);
    if (from == 0) return to == 1 ? p01 : 1 - p01;
    return to == 0 ? p10 : 1 - p10;
  };
  const double closed = std::log(p(0, 1, 1.3)) + std::log(p(1, 1, 0.7)) + std::log(p(1, 0, 2.5));
  EXPECT_NEAR(panel_log_likelihood(two, {0, a, b, 0}), closed, 1e-12);
}

// The analytic score (eigen-decomposition path and Padé/Fréchet path) against central
// differences of the log-likelihood, with covariates and at a point away from the maximum.
TEST(CalibPanel, ScoreEqualsFiniteDifferencesOnBothPaths) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path(), {"transition[bijstand->traject].covariates.age=-0.03"});
  SimulateOptions o;
  o.people = 150;
  o.seed = sd;
  o.covariates = {{"age", 40, 10}};
  const auto d = simulate_markov_data(s, o);
  ModelSpec spec;
  spec.covariates.push_back({"age", {"bijstand->traject", "werk->bijstand"}, false});
  spec.fixed["werk->exit"] = 0.05;
  // 5 log rates, then 2 betas.
  const std::vector<double> theta = {std::log(0.5), std::log(0.1), std::log(0.7), std::log(1.1), std::log(0.3), -0.02, 0.01};
  std::vector<double> g_eigen, g_pade;
  const double ll = detail::panel_score(s, d, spec, theta, &g_eigen, false);
  const double ll_pade = detail::panel_score(s, d, spec, theta, &g_pade, true);
  EXPECT_NEAR(ll, ll_pade, 1e-9 * std::abs(ll));
  ASSERT_EQ(g_eigen.size(), theta.size());
  for (std::size_t u = 0; u < theta.size(); ++u) {
    const double h = 1e-5;
    auto tp = theta, tm = theta;
    tp[u] += h;
    tm[u] -= h;
    const double fd = (detail::panel_score(s, d, spec, tp, nullptr, false) - detail::panel_score(s, d, spec, tm, nullptr, false)) / (2 * h);
    EXPECT_NEAR(g_eigen[u], fd, 1e-5 * (1 + std::abs(fd))) << "parameter " << u;
    EXPECT_NEAR(g_pade[u], g_eigen[u], 1e-7 * (1 + std::abs(fd))) << "parameter " << u;
  }
}

// A defective Q (a chain whose states have the same exit rate: a Jordan block) takes the Padé
// path; its likelihood still equals the direct computation and the fit still converges.
TEST(CalibPanel, DefectiveIntensityMatrixFallsBackToPade) {
  const auto s = model::parse_scenario(R"(
name = "chain"
horizon_years = 5
[[state]]
name = "a"
trede = 2
[[state]]
name = "b"
trede = 3
[[state]]
name = "c"
absorbing = true
[[transition]]
from = "a"
to = "b"
rate = 1.0
[[transition]]
from = "b"
to = "c"
rate = 1.0
[[population]]
state = "a"
count = 100
)",
                                       "chain.toml");
  const auto d = parse_csv("id,time,state\n1,0,a\n1,0.5,a\n1,1.7,b\n1,2.2,c\n2,0,a\n2,1.0,b\n2,2.5,b\n3,0,a\n3,3,c\n", "chain.csv", s);
  const std::size_t n = 3;
  const Matrix qd = {-1, 1, 0, 0, -1, 1, 0, 0, 0};
  double direct = 0;
  for (const auto& sub : d.subjects)
    for (std::size_t i = 0; i + 1 < sub.time_years.size(); ++i) {
      Matrix a = qd;
      for (auto& x : a) x *= sub.time_years[i + 1] - sub.time_years[i];
      direct += std::log(expm_taylor(a, n)[sub.state[i] * n + sub.state[i + 1]]);
    }
  EXPECT_NEAR(panel_log_likelihood(d, {0, 1, 0, 0, 0, 1, 0, 0, 0}), direct, 1e-10 * std::abs(direct));
  std::vector<double> g;
  const double ll = detail::panel_score(s, d, {}, {0.0, 0.0}, &g, false);
  EXPECT_NEAR(ll, direct, 1e-10 * std::abs(direct));
  for (std::size_t u = 0; u < 2; ++u) {
    // h = 1e-4: the truncation error (h²) stays below 1e-7, and the points either side are
    // only nearly defective.
    std::vector<double> tp = {0.0, 0.0}, tm = tp;
    tp[u] += 1e-4;
    tm[u] -= 1e-4;
    const double fd = (detail::panel_score(s, d, {}, tp, nullptr, false) - detail::panel_score(s, d, {}, tm, nullptr, false)) / 2e-4;
    EXPECT_NEAR(g[u], fd, 1e-6 * (1 + std::abs(fd))) << u;
  }
  const FitResult f = fit_panel(s, d);
  EXPECT_EQ(f.status, FitStatus::converged) << f.message;
}

TEST(CalibPanel, ImpossibleChangeOfStateNamesTheLine) {
  const auto s = model::load_scenario(ladder4_path());
  const auto d = parse_csv("id,time,state\n1,0,werk\n1,1,werk\n1,2,exit\n", "p.csv", s);
  try {
    ModelSpec spec;
    spec.fixed = {{"werk->exit", 0.0}, {"bijstand->exit", 0.0}};
    (void)fit_panel(s, d, spec);
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].line, 4);
    EXPECT_NE(e.diagnostics()[0].message.find("no path from 'werk' to 'exit'"), std::string::npos) << e.what();
  }
}

TEST(CalibPanel, BadSpecsAreModelErrors) {
  const auto s = model::load_scenario(ladder4_path());
  const auto d = parse_csv(small_data, "small.csv", s);
  ModelSpec unknown, lonely, no_column;
  unknown.fixed = {{"werk->traject", 0.1}};  // not a transition
  lonely.shared = {{"werk->exit"}};         // a group of one
  no_column.covariates = {{"age", {}, false}};  // not read from the data
  EXPECT_THROW((void)fit_panel(s, d, unknown), ModelError);
  EXPECT_THROW((void)fit_panel(s, d, lonely), ModelError);
  EXPECT_THROW((void)fit_panel(s, d, no_column), ModelError);
}

// Recovery from panel data produced by trede's engine (one person per replicate, report times
// at that person's irregular visits): 3,000 people, about 6 visits each.
TEST(CalibPanel, RecoversRatesFromEnginePanelData) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path());
  SimulateOptions o;
  o.people = 3000;
  o.follow_up_years = 5.0;
  o.mean_visit_gap_years = 0.85;
  o.seed = sd;
  const auto d = simulate_engine_data(s, o);
  ASSERT_EQ(d.subjects.size(), 3000u);
  std::printf("engine panel: %zu people, %zu observations\n", d.subjects.size(), d.observations());
  EXPECT_GT(d.observations(), 5u * 3000u);
  // The fit starts elsewhere than the truth: every scenario rate doubled.
  const auto start = model::load_scenario(ladder4_path(), {"transition[bijstand->traject].rate=1.2", "transition[traject->werk].rate=1.0",
                                                           "transition[werk->bijstand].rate=0.5"});
  const FitResult f = fit_panel(start, d);
  std::printf("%s", summary(f).c_str());
  EXPECT_EQ(f.status, FitStatus::converged);
  for (const auto& e : f.estimates) {
    const double truth = true_rate(s, e.name);
    EXPECT_LT(std::abs(std::log(e.estimate) - std::log(truth)), 4 * e.se / e.estimate)
        << e.name << " estimate " << e.estimate << " truth " << truth << " se " << e.se;
  }
  // Every start reaches the same maximum.
  for (const auto& st : f.starts) EXPECT_NEAR(st.log_likelihood, f.log_likelihood, 1e-4) << st.label;
}

// Coverage over 50 data sets made by the engine: 6 rates x 50 = 300 intervals.
TEST(CalibPanel, EnginePanelIntervalsCoverTheTrueRates) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path());
  int covered = 0, total = 0;
  FitOptions fo;
  fo.starts = 1;
  for (int rep = 0; rep < 50; ++rep) {
    SimulateOptions o;
    o.people = 1500;
    o.mean_visit_gap_years = 0.85;
    o.schedules = 30;
    o.seed = sd + 1000 * static_cast<std::uint64_t>(rep);
    const auto d = simulate_engine_data(s, o);
    const FitResult f = fit_panel(s, d, {}, fo);
    ASSERT_EQ(f.status, FitStatus::converged) << f.message;
    for (const auto& e : f.estimates) {
      const double truth = true_rate(s, e.name);
      covered += e.lower <= truth && truth <= e.upper;
      ++total;
    }
  }
  std::printf("engine panel data: %d of %d intervals covered (%.1f%%)\n", covered, total, 100.0 * covered / total);
  EXPECT_GE(covered, static_cast<int>(std::floor(0.95 * total - 4 * std::sqrt(total * 0.95 * 0.05))));
}

// Coverage with covariates, on the exact Markov process with irregular visits (rates and an age
// effect on two transitions): 50 data sets of 2,000 people.
TEST(CalibPanel, MarkovPanelWithCovariatesCoversTheTruth) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path(), {"transition[bijstand->traject].covariates.age=-0.03",
                                                       "transition[werk->bijstand].covariates.age=0.04"});
  ModelSpec spec;
  spec.covariates.push_back({"age", {"bijstand->traject", "werk->bijstand"}, false});
  int covered = 0, total = 0;
  FitOptions fo;
  fo.starts = 1;
  for (int rep = 0; rep < 50; ++rep) {
    SimulateOptions o;
    o.people = 2000;
    o.seed = sd + static_cast<std::uint64_t>(rep);
    o.covariates = {{"age", 40, 10}};
    const auto d = simulate_markov_data(s, o);
    const FitResult f = fit_panel(s, d, spec, fo);
    ASSERT_EQ(f.status, FitStatus::converged) << f.message;
    for (const auto& e : f.estimates) {
      const double truth = e.kind == "beta" ? (e.name == "beta[age] bijstand->traject" ? -0.03 : 0.04) : true_rate(s, e.name);
      covered += e.lower <= truth && truth <= e.upper;
      ++total;
    }
  }
  std::printf("Markov panel data with covariates: %d of %d intervals covered (%.1f%%)\n", covered, total,
              100.0 * covered / total);
  EXPECT_EQ(total, 50 * 8);
  EXPECT_GE(covered, static_cast<int>(std::floor(0.95 * total - 4 * std::sqrt(total * 0.95 * 0.05))));
}

TEST(CalibPanel, FixedAndSharedRatesAreHonoured) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path(), {"transition[werk->exit].rate=0.08"});
  SimulateOptions o;
  o.people = 2000;
  o.seed = sd;
  const auto d = simulate_markov_data(s, o);
  ModelSpec spec;
  spec.fixed["traject->bijstand"] = 0.9;
  spec.shared.push_back({"bijstand->exit", "werk->exit"});
  const FitResult f = fit_panel(s, d, spec);
  EXPECT_EQ(f.status, FitStatus::converged);
  EXPECT_EQ(f.parameters, 4u);  // 6 rates, one fixed, two sharing one parameter
  EXPECT_TRUE(estimate(f, "traject->bijstand").fixed);
  EXPECT_EQ(estimate(f, "traject->bijstand").estimate, 0.9);
  EXPECT_EQ(estimate(f, "bijstand->exit").estimate, estimate(f, "werk->exit").estimate);
  EXPECT_LT(std::abs(estimate(f, "werk->exit").estimate - 0.08), 4 * estimate(f, "werk->exit").se);
}

TEST(CalibPanel, ExactAbsorbingTimesAreUsed) {
  const std::uint64_t sd = seed();
  const auto s = model::load_scenario(ladder4_path());
  SimulateOptions o;
  o.people = 2000;
  o.seed = sd;
  auto d = simulate_markov_data(s, o);
  FitOptions fo;
  fo.exact_absorbing = true;
  // The generator records entry into exit at the next visit; with exact_absorbing the model
  // takes that time as exact, which it is not here, so only check that it runs and converges,
  // and that it differs from the panel treatment.
  const FitResult a = fit_panel(s, d, {}, fo);
  const FitResult b = fit_panel(s, d);
  EXPECT_EQ(a.status, FitStatus::converged);
  EXPECT_NE(a.log_likelihood, b.log_likelihood);
}

// Little data on a nine-state ladder: rates out of states hardly seen are not determined. The fit
// says so in its status and notes, and still estimates what the data do determine.
TEST(CalibPanel, UndeterminedRatesGiveAStatusNotAnException) {
  const auto s = model::load_scenario(source_dir() + "/models/ladder-bm.toml");
  SimulateOptions o;
  o.people = 150;
  o.follow_up_years = 1.0;
  o.mean_visit_gap_years = 0.3;
  o.seed = 5;
  const auto d = simulate_markov_data(s, o);
  FitResult f;
  EXPECT_NO_THROW(f = fit_panel(s, d));
  EXPECT_EQ(f.status, FitStatus::singular_information) << f.message;
  EXPECT_FALSE(f.notes.empty());
  const Estimate& e = estimate(f, "bijstand->diagnose");
  EXPECT_TRUE(std::isfinite(e.se) && e.se > 0);
  EXPECT_TRUE(std::isfinite(f.sojourn_upper[0]));
  EXPECT_TRUE(std::isnan(estimate(f, "afspraakbaan->exit").se));
}

TEST(CalibPanel, NonConvergenceIsAStatusNotAnException) {
  const auto s = model::load_scenario(ladder4_path());
  SimulateOptions o;
  o.people = 300;
  const auto d = simulate_markov_data(s, o);
  FitOptions fo;
  fo.max_iterations = 1;
  fo.starts = 1;
  FitResult f;
  EXPECT_NO_THROW(f = fit_panel(s, d, {}, fo));
  EXPECT_EQ(f.status, FitStatus::max_iterations);
  EXPECT_EQ(f.iterations, 1);
}


// ---- Honest statuses (a fit is labelled converged only where the optimality checks pass) ----

const char* const ladder4_edges[] = {"bijstand->traject", "bijstand->exit", "traject->werk",
                                     "traject->bijstand", "werk->bijstand", "werk->exit"};

// ladder4 with the given starting rates, in the order of `ladder4_edges`.
model::Scenario ladder4_starting_at(const std::vector<double>& rates) {
  std::vector<std::string> sets;
  char buf[128];
  for (std::size_t i = 0; i < rates.size(); ++i) {
    std::snprintf(buf, sizeof buf, "transition[%s].rate=%.17g", ladder4_edges[i], rates[i]);
    sets.emplace_back(buf);
  }
  return model::load_scenario(ladder4_path(), sets);
}

// An independent check that `theta` is a local maximum of the panel log-likelihood: no move of
// one parameter by ±0.001 to ±1 (log scale), and no move along the score, raises log L by more
// than `slack`. Returns the largest gain found.
double largest_gain_near(const model::Scenario& s, const PanelData& d, const std::vector<double>& theta) {
  const double ll = detail::panel_score(s, d, {}, theta, nullptr, false);
  std::vector<double> g;
  (void)detail::panel_score(s, d, {}, theta, &g, false);
  double norm = 0;
  for (double x : g) norm = std::max(norm, std::abs(x));
  double gain = -std::numeric_limits<double>::infinity();
  for (double step : {1e-3, 1e-2, 1e-1, 1.0})
    for (std::size_t u = 0; u <= theta.size(); ++u)
      for (double sign : {-1.0, 1.0}) {
        auto t = theta;
        if (u < theta.size()) t[u] += sign * step;
        else if (norm > 0)
          for (std::size_t k = 0; k < t.size(); ++k) t[k] += sign * step * g[k] / norm;
        const double l = detail::panel_score(s, d, {}, t, nullptr, false);
        if (std::isfinite(l)) gain = std::max(gain, l - ll);
      }
  return gain;
}

// The case of the issue: a one-start fit of models/calibration/panel.csv from every rate at 50
// stopped with status singular_information at log L = -86,236 (the optimum is -4,283.8) and
// called its start converged. It now reaches the optimum, and says converged only there.
TEST(CalibPanel, OneStartFromEveryRateAtFiftyReachesTheOptimum) {
  const auto reference = model::load_scenario(ladder4_path());
  const auto d = read_csv(source_dir() + "/models/calibration/panel.csv", reference);
  const FitResult best = fit_panel(reference, d);  // three starts from the scenario's own rates
  ASSERT_EQ(best.status, FitStatus::converged);

  const auto s = ladder4_starting_at(std::vector<double>(6, 50.0));
  const auto d50 = read_csv(source_dir() + "/models/calibration/panel.csv", s);
  FitOptions o;
  o.starts = 1;
  const FitResult f = fit_panel(s, d50, {}, o);
  std::printf("from rates of 50: %s, log L %.6f (optimum %.6f), %d iterations\n", to_string(f.status), f.log_likelihood,
              best.log_likelihood, f.iterations);
  EXPECT_EQ(f.status, FitStatus::converged) << f.message;
  EXPECT_NEAR(f.log_likelihood, best.log_likelihood, 1e-6);
  ASSERT_EQ(f.starts.size(), 1u);
  EXPECT_EQ(f.starts[0].status, f.status);
  EXPECT_LT(largest_gain_near(s, d50, f.theta), 1e-3);
}

// From starting rates drawn at random over six orders of magnitude, every one-start fit that
// says converged (or singular_information, which is converged without some standard errors) is
// at a local maximum by the independent check above, and a start's status is the fit's.
TEST(CalibPanel, ConvergedOnlyWhereNoMoveRaisesTheLikelihood) {
  const std::uint64_t sd = seed();
  const auto reference = model::load_scenario(ladder4_path());
  const auto d = read_csv(source_dir() + "/models/calibration/panel.csv", reference);
  std::uint64_t state = sd;
  auto uniform = [&state] {  // splitmix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  };
  FitOptions o;
  o.starts = 1;
  int converged = 0;
  for (int k = 0; k < 16; ++k) {
    std::vector<double> rates(6);
    for (double& r : rates) r = std::pow(10.0, -3.0 + 6.0 * uniform());
    const auto s = ladder4_starting_at(rates);
    const FitResult f = fit_panel(s, d, {}, o);
    ASSERT_EQ(f.starts.size(), 1u);
    EXPECT_EQ(f.starts[0].status, f.status);
    if (f.status != FitStatus::converged && f.status != FitStatus::singular_information) continue;
    ++converged;
    const double gain = largest_gain_near(s, d, f.theta);
    EXPECT_LT(gain, 1e-3) << "start " << k << " says " << to_string(f.status) << " at log L " << f.log_likelihood
                          << " but a move gains " << gain;
  }
  std::printf("%d of 16 starts converged\n", converged);
  EXPECT_GE(converged, 8);
}

// A start that stops where the score is not zero is reported as stuck: status not_improving for
// the fit and its start, with the reason in the message. Here the rates among bijstand, traject
// and werk are driven towards the largest rate a scenario may hold, where people move between
// them instantly: the likelihood is flat there (no move of up to a factor e changes it), 1,000
// below the optimum, and its score is not zero. (Should the optimiser one day get out of this
// start, choose another that it cannot leave.)
TEST(CalibPanel, AStuckStartIsReportedAsSuch) {
  const auto reference = model::load_scenario(ladder4_path());
  const auto d = read_csv(source_dir() + "/models/calibration/panel.csv", reference);
  const FitResult best = fit_panel(reference, d);
  const auto s = ladder4_starting_at({29.763, 8.93121, 37.1239, 129.551, 0.0223869, 5.33942});
  FitOptions o;
  o.starts = 1;
  const FitResult f = fit_panel(s, d, {}, o);
  std::printf("%s at log L %.6f: %s\n", to_string(f.status), f.log_likelihood, f.message.c_str());
  EXPECT_LT(f.log_likelihood, best.log_likelihood - 100);
  EXPECT_EQ(f.status, FitStatus::not_improving);
  ASSERT_EQ(f.starts.size(), 1u);
  EXPECT_EQ(f.starts[0].status, FitStatus::not_improving);
  EXPECT_NE(f.message.find("stuck"), std::string::npos) << f.message;
  // With the default three starts the crude estimates find the optimum; the stuck start keeps
  // its own status.
  const FitResult three = fit_panel(s, d);
  EXPECT_EQ(three.status, FitStatus::converged);
  EXPECT_EQ(three.starts[0].status, FitStatus::not_improving);
  EXPECT_EQ(three.starts[1].status, FitStatus::converged);
}

}  // namespace
}  // namespace trede::calib_test
