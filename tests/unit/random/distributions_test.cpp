// trede::random distribution functions: normal_cdf / normal_sf / normal_quantile and the
// regularised incomplete gamma functions with the inverse of the upper one. Reference values
// come from mpmath at 50 digits, evaluated at the exact double arguments used here.

#include "trede/random/distributions.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace {

using trede::random::log_unit;
using trede::random::gamma_p;
using trede::random::gamma_q;
using trede::random::gamma_q_inverse;
using trede::random::normal_cdf;
using trede::random::normal_quantile;
using trede::random::normal_sf;

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double eps = std::numeric_limits<double>::epsilon();

double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI); }

// |got - want| <= rel * |want|, with the values in the failure message.
::testing::AssertionResult rel_near(double got, double want, double rel) {
  if (std::fabs(got - want) <= rel * std::fabs(want)) return ::testing::AssertionSuccess();
  char buf[256];
  std::snprintf(buf, sizeof buf, "got %.17g, want %.17g (relative error %.3g > %.3g)", got, want,
                std::fabs(got - want) / std::fabs(want), rel);
  return ::testing::AssertionFailure() << buf;
}

// ---- normal --------------------------------------------------------------------------------------

// ---- log_unit ----------------------------------------------------------------------------------------

// Units in the last place between two doubles of the same sign.
double ulps(double a, double b) { return std::fabs(a - b) / std::fabs(std::nextafter(b, 0.0) - b); }

// At 1 and at powers of two, where ln x = -k ln 2 is k ln 2 added in two parts, the result is
// the correctly rounded one (as the C library's).
TEST(LogUnit, IsExactAtOneAndAtPowersOfTwo) {
  EXPECT_EQ(log_unit(1.0), 0.0);
  for (int k = 1; k <= 53; ++k) EXPECT_EQ(log_unit(std::ldexp(1.0, -k)), std::log(std::ldexp(1.0, -k))) << k;
}

// Within 1 ulp of the C library's logarithm (itself within about half an ulp of the exact value)
// over every binade of (0, 1] that a 53-bit uniform reaches, and next to 1, where ln x is small
// and the relative error would show first.
TEST(LogUnit, IsWithinOneUlpAcrossTheUnitInterval) {
  double worst = 0.0;
  for (int k = 0; k <= 53; ++k)
    for (int i = 0; i < 4096; ++i) {
      const double x = std::ldexp(1.0 + i / 4096.0, -k - 1) * (1.0 + 0x1.0p-40 * i);
      if (!(x <= 1.0)) continue;
      worst = std::max(worst, ulps(log_unit(x), std::log(x)));
    }
  for (int i = 1; i < 100000; ++i) {
    const double x = 1.0 - i * 0x1.0p-53;
    worst = std::max(worst, ulps(log_unit(x), std::log(x)));
  }
  EXPECT_LE(worst, 1.0);
}

// Below 1 ulp of the exact logarithm (the x87 long double's logl, 11 bits more than a double),
// where it is hardest: next to 1, across the band where the table's centre is 1 and the
// intervals just below it (|ln x| about 2^-6 there, rounding the reduced argument costs most),
// and over 53-bit uniforms. (Against quadruple precision, 10^8 points each: 0.68 ulp at most.)
TEST(LogUnit, IsBelowOneUlpOfTheExactLogarithm) {
  static_assert(std::numeric_limits<long double>::digits >= 64, "needs an extended long double");
  const auto error = [](double x) {
    const long double exact = std::log(static_cast<long double>(x));
    const double ulp = std::ldexp(1.0, std::ilogb(static_cast<double>(exact)) - 52);
    return static_cast<double>(std::fabs(static_cast<long double>(log_unit(x)) - exact)) / ulp;
  };
  double worst = 0.0;
  std::uint64_t w = 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 2'000'000; ++i) {
    w = w * 6364136223846793005u + 1442695040888963407u;
    const double f = static_cast<double>(w >> 11) * 0x1.0p-53;
    worst = std::max(worst, error(1.0 - 0x1.0p-5 * f - 0x1.0p-60));  // [1 - 2^-5, 1)
    worst = std::max(worst, error(static_cast<double>((w >> 11) + 1) * 0x1.0p-53));
  }
  EXPECT_LT(worst, 1.0);
}

// The reduction cuts [0.6875, 1.375) into 128 intervals, each with its own table entry: within
// 1 ulp at both ends and the middle of every interval, in every binade a 53-bit uniform reaches.
TEST(LogUnit, IsWithinOneUlpAtTheEdgesOfEveryTableInterval) {
  double worst = 0.0;
  for (std::uint64_t i = 0; i <= 128; ++i) {
    const std::uint64_t edge = 0x3fe6000000000000u + (i << 45);
    for (int k = 0; k <= 53; ++k)
      for (const std::uint64_t b : {edge, edge - 1, edge + 1, edge + (std::uint64_t{1} << 44)}) {
        const double x = std::ldexp(std::bit_cast<double>(b), -k);
        if (!(x <= 1.0) || !(x > 0x1.0p-54)) continue;
        worst = std::max(worst, ulps(log_unit(x), std::log(x)));
      }
  }
  EXPECT_LE(worst, 1.0);
}

// -log_unit(U) of uniform U is Exp(1): mean 1 and P(E > 2) = e^-2 within 4 standard errors.
TEST(LogUnit, GivesStandardExponentialsFromUniforms) {
  const int n = 1 << 18;
  double sum = 0.0;
  int above = 0;
  for (int i = 0; i < n; ++i) {
    const double u = (i + 0.5) / n;  // a deterministic uniform grid
    const double e = -log_unit(u);
    sum += e;
    above += e > 2.0;
  }
  EXPECT_NEAR(sum / n, 1.0, 4.0 / std::sqrt(n));
  const double p = std::exp(-2.0);
  EXPECT_NEAR(static_cast<double>(above) / n, p, 4 * std::sqrt(p * (1 - p) / n));
}

TEST(NormalQuantile, MatchesKnownValuesToFullPrecision) {
  // mpmath, 60 digits, at the double nearest to each p (tails solved on log Φ).
  struct Case {
    double p, z;
  };
  const Case cases[] = {
      {0.975, 1.959963984540053855604},   {0.025, -1.95996398454005421178},
      {1e-10, -6.3613409024040561991},    {1e-5, -4.264890793922824610234},
      {0.3, -0.5244005127080408159695},
      {1e-300, -37.04709629936119923655},
      {2.2250738585072014e-308, -37.51937934714449982068},  // smallest normal double
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("p = " + std::to_string(c.p));
    EXPECT_TRUE(rel_near(normal_quantile(c.p), c.z, 2e-15));
  }
}

// The header promises about 1e-15 relative accuracy on all of (0, 1). Next to p = 1/2 the
// quantile is tiny, and Φ(x) - p (the Halley residual) cancels to nothing, so the rational
// start's 1e-9 relative error would survive unless the residual is formed from p - 1/2.
TEST(NormalQuantile, IsRelativelyAccurateNextToOneHalf) {
  struct Case {
    double p, z;
  };
  const Case cases[] = {
      {0.5 + 0x1.0p-53, 2.782916424671766922234e-16},
      {0.5 + 0x1.0p-20, 2.390507006295574061282e-6},
      {0.50000001, 2.506628287226204437664e-8},
      {0.501, 0.002506630899571766231699},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("p = 0.5 + " + std::to_string(c.p - 0.5));
    EXPECT_TRUE(rel_near(normal_quantile(c.p), c.z, 2e-15));
    EXPECT_TRUE(rel_near(normal_quantile(1.0 - c.p), -c.z, 2e-15));
  }
}

// Subnormal p is still inside (0, 1): the quantile is finite there (the lognormal hazard
// inverts e^{-y}, which is subnormal for y between about 708 and 745).
TEST(NormalQuantile, IsFiniteForSubnormalProbabilities) {
  EXPECT_TRUE(rel_near(normal_quantile(1e-320), -38.26912534303265101818, 1e-14));
  EXPECT_TRUE(rel_near(normal_quantile(5e-324), -38.46740561714434625078, 1e-14));  // smallest double
  double prev = normal_quantile(2.2250738585072014e-308);
  // Stop when dividing no longer shrinks p: the smallest subnormal divided by 1.25 rounds back to itself.
  for (double p = 2.2250738585072014e-308 / 1.25; p > 0.0;) {
    const double z = normal_quantile(p);
    ASSERT_TRUE(std::isfinite(z)) << "p = " << p << ": " << z;
    EXPECT_LE(z, prev) << "p = " << p;
    prev = z;
    const double next = p / 1.25;
    if (!(next < p)) break;
    p = next;
  }
}

TEST(NormalQuantile, IsZeroAtOneHalfAndOddAboutIt) {
  EXPECT_EQ(normal_quantile(0.5), 0.0);
  for (double p : {1e-300, 1e-20, 1e-8, 0.01, 0.1, 0.25, 0.4, 0.49}) {
    // 1 - p is exact only for p >= 0.25 or so; compare against the quantile of the rounded 1 - p.
    const double upper = 1.0 - p;
    EXPECT_EQ(normal_quantile(upper), -normal_quantile(1.0 - upper)) << "p = " << p;
  }
}

TEST(NormalQuantile, IsInfiniteAtTheEndsAndNanOutside) {
  EXPECT_EQ(normal_quantile(0.0), -inf);
  EXPECT_EQ(normal_quantile(1.0), inf);
  EXPECT_TRUE(std::isnan(normal_quantile(-1e-300)));
  EXPECT_TRUE(std::isnan(normal_quantile(1.0 + eps)));
  EXPECT_TRUE(std::isnan(normal_quantile(std::numeric_limits<double>::quiet_NaN())));
}

// z -> p = Φ(z) -> Φ⁻¹(p) gives z back, from z = -37.5 (p near the smallest subnormal) through
// the centre into the upper tail. The tolerance is the quantile's own 1e-15 relative accuracy
// plus the error that rounding p to a double (relative eps) causes in z, eps·Φ(z)/φ(z).
TEST(NormalQuantile, InvertsCdfToFullPrecision) {
  int checked = 0;
  for (int i = 0; i <= 3600; ++i) {
    const double z = -37.5 + 0.0125 * i;  // up to 7.5
    const double p = normal_cdf(z);
    if (!(p > 0.0) || !(p < 1.0)) continue;
    const double tol = 4e-15 * std::max(1.0, std::fabs(z)) + 4.0 * eps * p / normal_pdf(z);
    const double back = normal_quantile(p);
    ASSERT_NEAR(back, z, tol) << "z = " << z << ", p = " << p;
    ++checked;
  }
  EXPECT_GT(checked, 3500);
}

// p -> z = Φ⁻¹(p) -> Φ(z) gives p back, on a log grid over the lower half and its mirror
// image. Φ'(z)·|z| error bound: a relative error δ in z moves p by about φ(z)|z|δ.
TEST(NormalQuantile, CdfOfQuantileGivesProbabilityBack) {
  for (double lp = -307.0; lp <= std::log10(0.5); lp += 0.25) {
    const double p = std::pow(10.0, lp);
    const double z = normal_quantile(p);
    const double tol = 8.0 * eps * p + 4e-15 * normal_pdf(z) * std::fabs(z) * std::max(1.0, std::fabs(z));
    ASSERT_NEAR(normal_cdf(z), p, tol) << "p = " << p;
    // Upper half through the survival function, where 1 - p is not representable but sf(z) is.
    ASSERT_NEAR(normal_sf(-z), p, tol) << "p = " << p;
  }
}

TEST(NormalCdf, MatchesKnownValuesAndComplementsSurvival) {
  EXPECT_EQ(normal_cdf(0.0), 0.5);
  // Φ is as well conditioned as z allows: relative change z² per relative change of z, so the
  // tolerance is (1 + z²) × a few eps (the division z/√2 alone rounds z).
  EXPECT_TRUE(rel_near(normal_cdf(-1.0), 0.15865525393145705141, 8 * eps));
  EXPECT_TRUE(rel_near(normal_sf(10.0), 7.619853024160526065973e-24, 101 * 4 * eps));
  EXPECT_TRUE(rel_near(normal_cdf(-10.0), 7.619853024160526065973e-24, 101 * 4 * eps));
  EXPECT_TRUE(rel_near(normal_cdf(-30.0), 4.906713927148187059534e-198, 901 * 4 * eps));
  for (double z = -8.0; z <= 8.0; z += 0.125) EXPECT_NEAR(normal_cdf(z) + normal_sf(z), 1.0, 2 * eps) << z;
}

// ---- incomplete gamma ------------------------------------------------------------------------------

const std::vector<double> gamma_x_grid = {1e-12, 1e-8, 1e-3, 0.1, 0.5, 0.999, 1.0, 1.5, 2.0, 3.0,
                                          5.0,   10.0, 30.0, 100.0, 300.0, 700.0};

TEST(GammaP, ShapeOneIsTheExponentialCdf) {
  for (double x : gamma_x_grid) {
    SCOPED_TRACE("x = " + std::to_string(x));
    EXPECT_TRUE(rel_near(gamma_p(1.0, x), -std::expm1(-x), 1e-14));
    EXPECT_TRUE(rel_near(gamma_q(1.0, x), std::exp(-x), 1e-13));
  }
}

TEST(GammaP, ShapeOneHalfIsTheErrorFunction) {
  for (double x : gamma_x_grid) {
    SCOPED_TRACE("x = " + std::to_string(x));
    EXPECT_TRUE(rel_near(gamma_p(0.5, x), std::erf(std::sqrt(x)), 1e-14));
    if (x <= 600.0) {
      EXPECT_TRUE(rel_near(gamma_q(0.5, x), std::erfc(std::sqrt(x)), 1e-13));
    }
  }
}

// Q(n, x) = e^{-x} Σ_{k<n} x^k/k! and P(n, x) = e^{-x} Σ_{k>=n} x^k/k! (Poisson tails).
TEST(GammaP, IntegerShapesArePoissonTailSums) {
  for (int n = 1; n <= 25; ++n) {
    for (double x : gamma_x_grid) {
      if (x > 600.0) continue;
      long double term = 1.0L, below = 0.0L, above = 0.0L;
      for (int k = 0; k < n; ++k) {
        if (k > 0) term *= static_cast<long double>(x) / k;
        below += term;
      }
      for (int k = n;; ++k) {
        term *= static_cast<long double>(x) / k;
        above += term;
        if (k > x + 10 && term < 1e-25L * above) break;
      }
      const long double ex = std::exp(-static_cast<long double>(x));
      const double q = static_cast<double>(ex * below), p = static_cast<double>(ex * above);
      SCOPED_TRACE("n = " + std::to_string(n) + ", x = " + std::to_string(x));
      if (q > 1e-300) {
        EXPECT_TRUE(rel_near(gamma_q(n, x), q, 1e-12));
      }
      if (p > 1e-300) {
        EXPECT_TRUE(rel_near(gamma_p(n, x), p, 1e-12));
      }
    }
  }
}

TEST(GammaP, MatchesKnownValues) {
  // mpmath gammainc(a, ..., regularized=True), 20 digits.
  EXPECT_TRUE(rel_near(gamma_p(3.0, 2.0), 0.32332358381693654053, 1e-14));
  EXPECT_TRUE(rel_near(gamma_p(100.0, 100.0), 0.51329879827914866486, 1e-12));
  EXPECT_TRUE(rel_near(gamma_q(1000.0, 1100.0), 0.0010593232539299773489, 1e-10));
  EXPECT_TRUE(rel_near(gamma_p(0.1, 1e-5), 0.3323984050405032954, 1e-13));
  EXPECT_TRUE(rel_near(gamma_q(5.0, 30.0), 3.6243009520614880262e-9, 1e-13));
  EXPECT_TRUE(rel_near(gamma_q(2.5, 0.5), 0.96256577324729636896, 1e-14));
}

TEST(GammaP, LowerAndUpperSumToOneAndHandleTheEnds) {
  for (double a : {0.01, 0.3, 1.0, 2.5, 17.0, 250.0}) {
    for (double x : gamma_x_grid) EXPECT_NEAR(gamma_p(a, x) + gamma_q(a, x), 1.0, 4 * eps) << a << " " << x;
    EXPECT_EQ(gamma_p(a, 0.0), 0.0);
    EXPECT_EQ(gamma_q(a, 0.0), 1.0);
    EXPECT_EQ(gamma_p(a, inf), 1.0);
    EXPECT_EQ(gamma_q(a, inf), 0.0);
  }
}

// ---- inverse of the upper incomplete gamma --------------------------------------------------------

// x = Q⁻¹(a, q) puts Q(a, x) within the error that the evaluation of Q itself allows (relative
// eps times the size of the exponent a·ln x - x - lnΓ(a)), plus what a relative 1e-14 error in x
// moves Q by (density × 1e-14 x).
::testing::AssertionResult inverts(double a, double q) {
  const double x = gamma_q_inverse(a, q);
  if (!(x > 0.0) || !std::isfinite(x))
    return ::testing::AssertionFailure() << "a = " << a << ", q = " << q << ": x = " << x;
  const double lg = std::lgamma(a);
  const double density = std::exp((a - 1.0) * std::log(x) - x - lg);
  const double exponent = std::fabs(a * std::log(x)) + x + std::fabs(lg) + 1.0;
  // Compare the smaller tail, which carries the precision.
  const bool upper = q < 0.5;
  const double want = upper ? q : 1.0 - q;
  const double got = upper ? gamma_q(a, x) : gamma_p(a, x);
  const double tol = want * (1e-13 + 16.0 * eps * exponent) + 4e-14 * x * density;
  if (std::fabs(got - want) <= tol) return ::testing::AssertionSuccess();
  char buf[320];
  std::snprintf(buf, sizeof buf, "a = %.17g, q = %.17g: x = %.17g gives %s = %.17g, want %.17g (tol %.3g)", a, q,
                x, upper ? "Q" : "P", got, want, tol);
  return ::testing::AssertionFailure() << buf;
}

const double inverse_shapes[] = {0.05, 0.1, 0.3, 0.5, 0.9, 1.0, 1.5, 2.5, 7.0, 30.0, 100.0, 1000.0, 1e4};

TEST(GammaQInverse, RoundTripsOverShapesAndProbabilities) {
  const double qs[] = {1e-15, 1e-8, 1e-3, 0.01,  0.1,   0.3,         0.5,
                       0.7,   0.9,  0.99, 0.999, 1.0 - 1e-6, 1.0 - 1e-10};
  for (double a : inverse_shapes)
    for (double q : qs) {
      // For small shapes the answer for q near 1 is x ≈ (pΓ(a+1))^{1/a}, below the smallest
      // double: nothing to invert there.
      const double p = 1.0 - q;
      if (a < 1.0 && std::log(p * std::tgamma(a + 1.0)) / a < -700.0) continue;
      EXPECT_TRUE(inverts(a, q));
    }
}

// Deep in the upper tail, where 1 - q is 1 in double precision: the gamma hazard asks for
// Q⁻¹(a, e^{-y}) with y = H(x0) + E/m, which is large after a long stay or with a small
// covariate or calendar multiplier m.
TEST(GammaQInverse, RoundTripsDeepInTheUpperTail) {
  for (double a : inverse_shapes)
    for (double q : {1e-17, 1e-20, 1e-30, 1e-60, 1e-100, 1e-200, 1e-300}) EXPECT_TRUE(inverts(a, q));
}

TEST(GammaQInverse, ShapeOneIsMinusLogQ) {
  for (double q : {1e-300, 1e-20, 1e-5, 0.1, 0.5, 0.9, 0.999999}) {
    EXPECT_TRUE(rel_near(gamma_q_inverse(1.0, q), -std::log(q), 1e-13)) << "q = " << q;
  }
}

TEST(GammaQInverse, IsInfiniteAtZeroAndZeroAtOne) {
  for (double a : {0.1, 1.0, 50.0}) {
    EXPECT_EQ(gamma_q_inverse(a, 0.0), inf);
    EXPECT_EQ(gamma_q_inverse(a, 1.0), 0.0);
  }
}

TEST(GammaQInverse, IsDecreasingInQ) {
  for (double a : {0.2, 1.0, 3.0, 40.0}) {
    double prev = inf;
    for (double lq = -200.0; lq < 0.0; lq += 0.5) {
      const double x = gamma_q_inverse(a, std::pow(10.0, lq));
      EXPECT_LT(x, prev) << "a = " << a << ", q = 1e" << lq;
      prev = x;
    }
  }
}

}  // namespace
