// EVPPI by regression against closed forms: a linear-Gaussian model (one parameter, a pair,
// a group of four fitted additively), a nonlinear model (lognormal payoff, an option-pricing
// formula), and an interaction that only a joint fit can see. Each estimate is averaged over
// independent PSA samples and held to 4 standard errors of that average, so a bias of the
// regression method would show.

#include "trede/mc/evppi.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "mc/spline_smoother.hpp"
#include "psa_test_support.hpp"
#include "trede/error.hpp"
#include "trede/mc/decision.hpp"
#include "trede/random/distributions.hpp"

namespace trede::mc {
namespace {

using trede::test::expect_z;

// E[max(0, X)] − max(0, μ) for X ~ N(μ, σ²).
double normal_gain(double mu, double sigma) {
  const double z = std::fabs(mu) / sigma;
  return sigma * std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi) - std::fabs(mu) * random::normal_cdf(-z);
}

struct Sample {
  std::vector<double> theta;  // [D, P]
  std::vector<double> nb;     // [2, D]: option 0 has NB 0, option 1 has INB
};

// D draws of P independent standard normal parameters and INB = f(θ) + noise·N(0, 1).
Sample sample(std::size_t D, std::size_t P, const std::function<double(const double*)>& f, double noise,
              trede::test::Uniforms& u) {
  Sample s{std::vector<double>(D * P), std::vector<double>(2 * D, 0.0)};
  for (std::size_t d = 0; d < D; ++d) {
    for (std::size_t j = 0; j < P; ++j) s.theta[d * P + j] = u.normal();
    s.nb[D + d] = f(&s.theta[d * P]) + noise * u.normal();
  }
  return s;
}

// Mean EVPPI of `group` over `repeats` samples, held to the closed form `expected`.
void check_evppi(const std::string& what, std::size_t D, std::size_t P, const std::vector<std::size_t>& group,
                 const std::function<double(const double*)>& f, double noise, double expected, std::uint64_t seed,
                 std::size_t repeats = 20) {
  trede::test::Uniforms u(seed, std::hash<std::string>{}(what));
  std::vector<double> est(repeats);
  for (std::size_t r = 0; r < repeats; ++r) {
    const Sample s = sample(D, P, f, noise, u);
    est[r] = evppi({s.theta, D, P}, group, {s.nb, 2, D}).value;
  }
  const auto m = trede::test::mean_se(est);
  expect_z(m.mean, expected, m.se, what, seed);
}

TEST(Evppi, LinearGaussianModelMatchesItsClosedForm) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // INB = μ + Σ b_j θ_j + ε: E[INB | θ_G] ~ N(μ, Σ_{j∈G} b_j²), so EVPPI(G) = normal_gain(μ, σ_G).
  const std::vector<double> b = {1.0, 0.6, 0.5, 0.4, 0.8};
  const double mu = 0.3;
  const auto f = [&](const double* t) {
    double s = mu;
    for (std::size_t j = 0; j < b.size(); ++j) s += b[j] * t[j];
    return s;
  };
  check_evppi("θ0", 2000, 5, {0}, f, 0.5, normal_gain(mu, 1.0), seed);
  check_evppi("θ4", 2000, 5, {4}, f, 0.5, normal_gain(mu, 0.8), seed);
  check_evppi("θ0, θ1", 2000, 5, {0, 1}, f, 0.5, normal_gain(mu, std::sqrt(1.0 + 0.36)), seed);
  check_evppi("θ0..θ3 (additive)", 2000, 5, {0, 1, 2, 3}, f, 0.5,
              normal_gain(mu, std::sqrt(1.0 + 0.36 + 0.25 + 0.16)), seed);
}

TEST(Evppi, NonlinearPayoffMatchesTheOptionPricingFormula) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // INB = exp(θ0) − 2 + θ1 + noise: E[INB | θ0] = e^θ0 − 2 with θ0 ~ N(0, 1), so
  // E[max(0, e^θ0 − 2)] = e^{1/2} Φ(1 − ln 2) − 2 Φ(−ln 2) and max(0, E[e^θ0 − 2]) = 0.
  const double expected = std::exp(0.5) * random::normal_cdf(1.0 - std::log(2.0)) - 2.0 * random::normal_cdf(-std::log(2.0));
  check_evppi("exp(θ0) payoff", 3000, 2, {0}, [](const double* t) { return std::exp(t[0]) - 2.0 + t[1]; }, 0.5,
              expected, seed);
}

// E[max(0, θ0θ1 + c)] − max(0, c) for independent standard normals: given θ0 = a, θ0θ1 + c is
// N(c, a²), so the inner expectation is cΦ(c/|a|) + |a|φ(c/|a|); integrated over a by Simpson.
double product_gain(double c) {
  constexpr int steps = 20000;
  constexpr double lo = -12.0, hi = 12.0, h = (hi - lo) / steps;
  double s = 0.0;
  for (int i = 0; i <= steps; ++i) {
    const double a = lo + i * h, phi_a = std::exp(-0.5 * a * a) / std::sqrt(2.0 * std::numbers::pi);
    const double inner = a == 0.0 ? std::max(c, 0.0)
                                  : c * random::normal_cdf(c / std::fabs(a)) +
                                        std::fabs(a) * std::exp(-0.5 * c * c / (a * a)) / std::sqrt(2.0 * std::numbers::pi);
    s += (i == 0 || i == steps ? 1.0 : (i % 2 ? 4.0 : 2.0)) * inner * phi_a;
  }
  return s * h / 3.0 - std::max(c, 0.0);
}

TEST(Evppi, AnInteractionIsSeenOnlyByTheJointFit) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // The closed form at c = 0: E|θ0θ1|/2 = (2/π)/2 = 1/π.
  EXPECT_NEAR(product_gain(0.0), 1.0 / std::numbers::pi, 1e-9);
  // INB = θ0·θ1 + 0.4 + noise: E[INB | θ0] = 0.4 for every θ0 (EVPPI 0), while
  // E[INB | θ0, θ1] = θ0θ1 + 0.4. (The offset keeps the options apart on average: at an exact
  // tie the estimator's max(0, mean) term has a bias of order σ/√D.)
  const auto f = [](const double* t) { return t[0] * t[1] + 0.4; };
  check_evppi("θ0·θ1 jointly", 3000, 3, {0, 1}, f, 0.3, product_gain(0.4), seed);
  // Alone, the regression finds only noise: EVPPI far below the joint value.
  trede::test::Uniforms u(seed, 77);
  const Sample s = sample(3000, 3, f, 0.3, u);
  const EvppiValue alone = evppi({s.theta, 3000, 3}, std::vector<std::size_t>{0}, {s.nb, 2, 3000});
  EXPECT_LT(alone.value, 0.2 * product_gain(0.4)) << trede::test::seed_note(seed);
}

TEST(Evppi, OverAGridOfWillingnessToPayIsBelowEvpiAndNearItForAllParameters) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // Three options; effects and costs depend on two parameters without noise, so EVPPI of both
  // equals EVPI up to the regression's small error, and EVPPI of one is below it.
  constexpr std::size_t D = 3000;
  trede::test::Uniforms u(seed);
  std::vector<double> theta(2 * D), e(3 * D), c(3 * D);
  for (std::size_t d = 0; d < D; ++d) {
    const double a = u.normal(), b = u.normal();
    theta[2 * d] = std::exp(a), theta[2 * d + 1] = b;  // any monotone transform: the fit works on rank scores
    e[d] = 10.0, c[d] = 1000.0;
    e[D + d] = 12.0 + 0.8 * a, c[D + d] = 1300.0 + 60.0 * b;
    e[2 * D + d] = 13.0 + 1.5 * a + 0.5 * b, c[2 * D + d] = 1500.0 + 80.0 * b * b;
  }
  const std::vector<double> lambda = {50.0, 150.0, 300.0};
  const Evppi both = evppi({theta, D, 2}, std::vector<std::size_t>{0, 1}, {e, 3, D}, {c, 3, D}, lambda);
  const Evppi first = evppi({theta, D, 2}, std::vector<std::size_t>{0}, {e, 3, D}, {c, 3, D}, lambda);
  const Acceptability a = acceptability({e, 3, D}, {c, 3, D}, lambda);
  for (std::size_t l = 0; l < lambda.size(); ++l) {
    EXPECT_DOUBLE_EQ(both.evpi[l], a.evpi[l]);
    EXPECT_NEAR(both.value[l], a.evpi[l], 0.02 * a.evpi[l] + 1e-9) << "λ " << lambda[l];
    EXPECT_LE(first.value[l], both.value[l] + 1e-9) << "λ " << lambda[l];
  }
  EXPECT_GT(both.r_squared_effect[1], 0.999);
  EXPECT_NE(both.method.find("tensor-product"), std::string::npos) << both.method;
}

TEST(Evppi, RejectsMismatchedShapesAndTooFewDraws) {
  const std::vector<double> theta(40, 0.5), nb(2 * 40, 1.0);
  EXPECT_THROW((void)evppi({theta, 40, 1}, std::vector<std::size_t>{0}, {nb, 2, 30}), Error);
  EXPECT_THROW((void)evppi({theta, 40, 1}, std::vector<std::size_t>{1}, {nb, 2, 40}), Error);
  std::vector<double> varied(40);
  for (std::size_t i = 0; i < 40; ++i) varied[i] = static_cast<double>(i);
  EXPECT_THROW((void)evppi({varied, 20, 2}, std::vector<std::size_t>{0, 1}, {std::span(nb).first(40), 2, 20}), Error);
}

TEST(SplineSmoother, RecoversASmoothCurveAndChoosesLittleSmoothingForIt) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  trede::test::Uniforms u(seed);
  constexpr std::size_t D = 2000;
  std::vector<double> x(D), y(D), truth(D);
  for (std::size_t d = 0; d < D; ++d) {
    x[d] = u();
    truth[d] = std::sin(2.0 * std::numbers::pi * x[d]) + 0.5 * x[d];
    y[d] = truth[d] + 0.2 * u.normal();
  }
  const detail::SplineSmoother s({x, D, 1}, std::vector<std::size_t>{0});
  const auto f = s.fit(y);
  double mse = 0.0;
  for (std::size_t d = 0; d < D; ++d) mse += (f.fitted[d] - truth[d]) * (f.fitted[d] - truth[d]) / D;
  // A good smoother's error is about σ²·edf/D (here 0.04·edf/2000, edf ≈ 10): far below σ².
  EXPECT_LT(mse, 0.04 * 25.0 / D) << "edf " << f.edf;
  EXPECT_GT(f.edf, 4.0);
  EXPECT_LT(f.edf, 20.0);
  EXPECT_NEAR(f.residual_variance(), 0.04, 0.04 * 4.0 * std::sqrt(2.0 / D));
  // A constant parameter carries no information: the fit is the mean.
  const std::vector<double> same(D, 3.0);
  const auto flat = detail::SplineSmoother({same, D, 1}, std::vector<std::size_t>{0}).fit(y);
  EXPECT_DOUBLE_EQ(flat.fitted[0], flat.mean);
}

}  // namespace
}  // namespace trede::mc
