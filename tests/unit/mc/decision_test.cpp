// Decision summaries against closed forms: EVPI of two options with normal net benefits,
// acceptability curves of constructed cases with known probabilities, Fieller's set (exact
// membership and coverage over repeated synthetic data), the bootstrap set's coverage, paired
// differences, and the probability of being best with ties.

#include "trede/mc/decision.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "psa_test_support.hpp"
#include "trede/error.hpp"
#include "trede/mc/compare.hpp"
#include "trede/random/distributions.hpp"

namespace trede::mc {
namespace {

using trede::test::expect_z;

// EVPI of a choice between NB_0 and NB_1 with NB_1 − NB_0 ~ N(μ, σ²):
// E[max(0, X)] − max(0, μ) = μΦ(μ/σ) + σφ(μ/σ) − max(0, μ) = σφ(μ/σ) − |μ|Φ(−|μ|/σ).
double normal_evpi(double mu, double sigma) {
  const double z = std::fabs(mu) / sigma;
  return sigma * std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI) - std::fabs(mu) * random::normal_cdf(-z);
}

TEST(Evpi, MatchesTheClosedFormForTwoOptionsWithNormalNetBenefits) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  constexpr std::size_t D = 100000;
  for (const double mu : {0.0, 0.5, -1.3, 2.5}) {
    trede::test::Uniforms u(seed, static_cast<std::uint64_t>(100 * (mu + 10)));
    // Both options vary (a large common part, which EVPI must ignore), sd of the difference 2.
    std::vector<double> nb(2 * D);
    for (std::size_t d = 0; d < D; ++d) {
      const double common = 1e6 + 5e3 * u.normal();
      nb[d] = common + 1.6 * u.normal();
      nb[D + d] = common + mu * 2.0 + 1.2 * u.normal();  // difference N(2μ, 1.2² + 1.6² = 2²)
    }
    const Evpi e = evpi({nb, 2, D});
    expect_z(e.value, normal_evpi(2.0 * mu, 2.0), e.se, "EVPI at μ/σ = " + std::to_string(mu), seed);
    if (mu != 0.0) {
      EXPECT_EQ(e.best_option, mu > 0.0 ? 1u : 0u);
    }
  }
  // The closed form itself at a point: σ = 1, μ = 0 gives φ(0) = 0.3989.
  EXPECT_NEAR(normal_evpi(0.0, 1.0), 0.3989422804014327, 1e-15);
}

TEST(Acceptability, CurvesEvpiAndFrontierOfANormalTwoOptionCase) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // ΔE ~ N(10, 4²), ΔC ~ N(5000, 3000²), correlation 0.5: INB(λ) = λΔE − ΔC is normal with
  // mean 10λ − 5000 and variance 16λ² + 9e6 − 2λ·0.5·4·3000.
  constexpr std::size_t D = 60000;
  trede::test::Uniforms u(seed);
  std::vector<double> e(2 * D), c(2 * D);
  for (std::size_t d = 0; d < D; ++d) {
    const double z1 = u.normal(), z2 = u.normal();
    e[d] = 100.0 + u.normal();
    c[d] = 1e7 + 1e4 * u.normal();
    e[D + d] = e[d] + 10.0 + 4.0 * z1;
    c[D + d] = c[d] + 5000.0 + 3000.0 * (0.5 * z1 + std::sqrt(0.75) * z2);
  }
  const std::vector<double> lambda = {0.0, 200.0, 500.0, 800.0, 2000.0};
  const Acceptability a = acceptability({e, 2, D}, {c, 2, D}, lambda);
  ASSERT_EQ(a.probability.size(), 2 * lambda.size());
  for (std::size_t l = 0; l < lambda.size(); ++l) {
    const double lam = lambda[l];
    const double mu = 10.0 * lam - 5000.0;
    const double sigma = std::sqrt(16.0 * lam * lam + 9e6 - 2.0 * lam * 0.5 * 4.0 * 3000.0);
    const double p1 = random::normal_cdf(mu / sigma);
    const std::string at = "λ = " + std::to_string(lam);
    expect_z(a.ceac(1, l), p1, trede::test::binomial_se(p1, D), "CEAC of option 1 at " + at, seed);
    EXPECT_DOUBLE_EQ(a.ceac(0, l) + a.ceac(1, l), 1.0);
    expect_z(a.evpi[l], normal_evpi(mu, sigma), a.evpi_se[l], "EVPI at " + at, seed);
    const std::size_t best = a.expected_net_benefit[1 * lambda.size() + l] > a.expected_net_benefit[l] ? 1 : 0;
    EXPECT_EQ(a.frontier_option[l], best) << at;
    EXPECT_EQ(a.frontier_probability[l], a.ceac(best, l)) << at;
  }
  // λ = 500 is the break-even of the means: the frontier switches from option 0 to option 1.
  EXPECT_EQ(a.frontier_option.front(), 0u);
  EXPECT_EQ(a.frontier_option.back(), 1u);
}

TEST(Acceptability, ConstructedCaseHasTheKnownProbabilities) {
  // Four draws, three options. Effects and costs per draw (option-major):
  //   draw:          0     1     2     3
  //   E option 0:    0     0     0     0        C option 0:  0   0   0   0
  //   E option 1:    1     1     2     1        C option 1: 10  30  10  50
  //   E option 2:    2     3     2     0        C option 2: 40  40  30  20
  // NB_k = λE − C. At λ = 0 option 0 (no cost) wins every draw. At λ = 20:
  //   NB_1 = 10, −10, 30, −30; NB_2 = 0, 20, 10, −20 → winners 1, 2, 1, 0 → (1/4, 2/4, 1/4).
  // At λ = 40: NB_1 = 30, 10, 70, −10; NB_2 = 40, 80, 50, −20 → winners 2, 2, 1, 0 → (1/4, 1/4, 2/4).
  // At λ = 10: NB_1 = 0, −20, 10, −40; NB_2 = −20, −10, −10, −20 → 0 ties with 1 in draw 0:
  //   draw 0 shared (0 and 1), draws 1 and 3 → 0, draw 2 → 1: (0.5 + 2, 0.5 + 1, 0)/4.
  const std::vector<double> e = {0, 0, 0, 0, 1, 1, 2, 1, 2, 3, 2, 0};
  const std::vector<double> c = {0, 0, 0, 0, 10, 30, 10, 50, 40, 40, 30, 20};
  const std::vector<double> lambda = {0.0, 10.0, 20.0, 40.0};
  const Acceptability a = acceptability({e, 3, 4}, {c, 3, 4}, lambda);
  const std::vector<std::vector<double>> expected = {{1, 0, 0}, {2.5 / 4, 1.5 / 4, 0}, {0.25, 0.5, 0.25}, {0.25, 0.25, 0.5}};
  for (std::size_t l = 0; l < lambda.size(); ++l)
    for (std::size_t k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(a.ceac(k, l), expected[l][k]) << "λ " << lambda[l] << " option " << k;
  // Expected NB at λ = 40: option 0: 0, option 1: 40·1.25 − 25 = 25, option 2: 40·1.75 − 32.5 = 37.5.
  EXPECT_DOUBLE_EQ(a.expected_net_benefit[0 * 4 + 3], 0.0);
  EXPECT_DOUBLE_EQ(a.expected_net_benefit[1 * 4 + 3], 25.0);
  EXPECT_DOUBLE_EQ(a.expected_net_benefit[2 * 4 + 3], 37.5);
  EXPECT_EQ(a.frontier_option[3], 2u);
  EXPECT_DOUBLE_EQ(a.frontier_probability[3], 0.5);
  // EVPI at λ = 40: per-draw max(0, NB_1, NB_2) − NB_2 = 0, 0, 20, 20 → 10.
  EXPECT_DOUBLE_EQ(a.evpi[3], 10.0);
}

TEST(ProbabilityBest, SharesTiesAndHonoursTheDirection) {
  // Option-major, 3 options × 4 draws.
  const std::vector<double> v = {1, 5, 2, 0,  //
                                 3, 5, 1, 0,  //
                                 2, 4, 2, 0};
  const auto high = probability_best({v, 3, 4}, true);
  EXPECT_DOUBLE_EQ(high[0], (0 + 0.5 + 0.5 + 1.0 / 3) / 4);
  EXPECT_DOUBLE_EQ(high[1], (1 + 0.5 + 0 + 1.0 / 3) / 4);
  EXPECT_DOUBLE_EQ(high[2], (0 + 0 + 0.5 + 1.0 / 3) / 4);
  const auto low = probability_best({v, 3, 4}, false);
  EXPECT_DOUBLE_EQ(low[0], (1 + 0 + 0 + 1.0 / 3) / 4);
  EXPECT_DOUBLE_EQ(low[1], (0 + 0 + 1 + 1.0 / 3) / 4);
  EXPECT_DOUBLE_EQ(low[2], (0 + 1 + 0 + 1.0 / 3) / 4);
}

TEST(DrawDifference, AgreesWithTheComparisonsPairedDifferenceAndAddsTheSpread) {
  const std::vector<double> a = {3, 5, 4, 9, 7, 6, 5, 8};
  const std::vector<double> b = {1, 2, 2, 3, 1, 4, 5, 2};
  const DrawDifference d = draw_difference(a, b, 0.9);
  const Difference ref = paired_difference(a, b, a.size(), 0.9);
  EXPECT_DOUBLE_EQ(d.mean, ref.mean[0]);
  EXPECT_DOUBLE_EQ(d.sd, ref.sd[0]);
  EXPECT_DOUBLE_EQ(d.lower, ref.lo[0]);
  EXPECT_DOUBLE_EQ(d.upper, ref.hi[0]);
  // Differences 2 3 2 6 6 2 0 6 → sorted 0 2 2 2 3 6 6 6; type-7 quantiles at 0.05 and 0.95.
  EXPECT_DOUBLE_EQ(d.q_lower, 0.0 + 0.35 * 2.0);
  EXPECT_DOUBLE_EQ(d.q_upper, 6.0);
  EXPECT_DOUBLE_EQ(d.probability_positive, (7 + 0.5) / 8);
  EXPECT_THROW((void)draw_difference(a, std::vector<double>{1, 2}), Error);
}

TEST(DecisionSummaries, RejectValuesThatAreNotFinite) {
  const std::vector<double> v = {1, 2, std::nan(""), 4, 5, 6};
  try {
    (void)probability_best({v, 2, 3});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("probability_best: value 2 of 6 is not a finite number"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)evpi({v, 2, 3}), Error);
  EXPECT_THROW((void)acceptability({v, 2, 3}, {v, 2, 3}, std::vector<double>{1.0}), Error);
  EXPECT_THROW((void)draw_difference(std::span(v).first(3), std::span(v).last(3)), Error);
}

TEST(FiellerInterval, ContainsExactlyTheRatiosTheQuadraticAccepts) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  trede::test::Uniforms u(seed);
  int kinds[3] = {0, 0, 0};
  for (int trial = 0; trial < 3000; ++trial) {
    const double a = 3.0 * u.normal(), b = 2.0 * u.normal();
    const double va = 0.1 + u(), vb = 0.1 + u(), cov = (2.0 * u() - 1.0) * std::sqrt(va * vb);
    const double t = 1.0 + 2.0 * u();
    const RatioInterval r = fieller_interval(a, b, va, vb, cov, t);
    ++kinds[static_cast<int>(r.kind)];
    for (int k = 0; k < 20; ++k) {
      const double rho = 10.0 * std::tan(M_PI * (u() - 0.5));
      const double q = (a - rho * b) * (a - rho * b) - t * t * (va - 2.0 * rho * cov + rho * rho * vb);
      const bool inside = r.kind == RatioInterval::Kind::bounded     ? r.lower <= rho && rho <= r.upper
                          : r.kind == RatioInterval::Kind::exclusive ? rho <= r.lower || rho >= r.upper
                                                                     : true;
      if (std::fabs(q) > 1e-9 * (1.0 + rho * rho)) {
        EXPECT_EQ(inside, q <= 0.0) << "ρ " << rho << " q " << q;
      }
    }
  }
  for (int k : kinds) EXPECT_GT(k, 30) << "each kind of set should occur";
}

TEST(IncrementalRatio, FiellerAndBootstrapSetsCoverTheTrueRatioAtTheirLevel) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // Per-draw (ΔE, ΔC) bivariate normal: means (2, 3000), sds (5, 4000), correlation 0.4. The
  // true incremental ratio is 1500; ΔE is clearly positive, so both sets are mostly bounded.
  constexpr std::size_t n = 300, repetitions = 1000;
  constexpr double ratio = 1500.0;
  trede::test::Uniforms u(seed);
  std::vector<double> e(n), e0(n, 0.0), c(n), c0(n, 0.0);
  int fieller = 0, boot = 0, bounded = 0;
  const auto covers = [](const RatioInterval& r, double x) {
    switch (r.kind) {
      case RatioInterval::Kind::bounded: return r.lower <= x && x <= r.upper;
      case RatioInterval::Kind::exclusive: return x <= r.lower || x >= r.upper;
      case RatioInterval::Kind::unbounded: return true;
    }
    return false;
  };
  for (std::size_t rep = 0; rep < repetitions; ++rep) {
    for (std::size_t d = 0; d < n; ++d) {
      const double z1 = u.normal(), z2 = u.normal();
      e[d] = 2.0 + 5.0 * z1;
      c[d] = 3000.0 + 4000.0 * (0.4 * z1 + std::sqrt(1.0 - 0.16) * z2);
    }
    const IncrementalRatio r = incremental_ratio(e, e0, c, c0, {0.95, 500, seed + rep});
    fieller += covers(r.fieller, ratio);
    boot += covers(r.bootstrap, ratio);
    bounded += r.fieller.kind == RatioInterval::Kind::bounded;
  }
  const double se = trede::test::binomial_se(0.95, repetitions);
  expect_z(fieller / double(repetitions), 0.95, se, "Fieller coverage", seed);
  expect_z(boot / double(repetitions), 0.95, se, "bootstrap coverage", seed);
  EXPECT_GT(bounded, 900);
}

TEST(IncrementalRatio, ReportsTheRatioOfMeansAndAnUnboundedSetWhenTheEffectIsNoise) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  trede::test::Uniforms u(seed);
  constexpr std::size_t n = 200;
  std::vector<double> e(n), e0(n), c(n), c0(n), z(n);
  for (double& v : z) v = u.normal();
  const double zbar = trede::test::mean_se(z).mean;
  for (std::size_t d = 0; d < n; ++d) {
    e0[d] = 50.0 + u.normal(), c0[d] = 1e6 + 100.0 * u.normal();
    e[d] = e0[d] + 0.01 * (z[d] - zbar);  // effect differences of mean 0: pure noise
    c[d] = c0[d] + 1000.0 + 10.0 * u.normal();
  }
  const IncrementalRatio r = incremental_ratio(e, e0, c, c0, {0.95, 400, 7});
  EXPECT_DOUBLE_EQ(r.ratio, r.delta_cost / r.delta_effect);
  EXPECT_NE(r.fieller.kind, RatioInterval::Kind::bounded);
  EXPECT_NE(r.bootstrap.kind, RatioInterval::Kind::bounded);
  EXPECT_GT(r.bootstrap_sign_change, 0.05);
  // Deterministic for a seed.
  const IncrementalRatio again = incremental_ratio(e, e0, c, c0, {0.95, 400, 7});
  EXPECT_EQ(again.bootstrap.lower, r.bootstrap.lower);
  EXPECT_EQ(again.bootstrap.upper, r.bootstrap.upper);
}

}  // namespace
}  // namespace trede::mc
