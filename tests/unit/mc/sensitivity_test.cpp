// Sobol indices against the Ishigami function's analytic values (a = 7, b = 0.1): from the
// Saltelli design (scrambled Sobol and Latin hypercube base points), with standard errors that
// cover at their nominal rate on random base points, and from plain PSA draws by regression.

#include "trede/mc/sensitivity.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "psa_test_support.hpp"
#include "trede/error.hpp"

namespace trede::mc {
namespace {

using trede::test::expect_z;
constexpr double pi = std::numbers::pi;
constexpr double a = 7.0, b = 0.1;

// f(x) = sin x1 + a sin² x2 + b x3⁴ sin x1 with x_i ~ U(−π, π), from unit coordinates.
double ishigami(std::span<const double> u) {
  const double x1 = -pi + 2 * pi * u[0], x2 = -pi + 2 * pi * u[1], x3 = -pi + 2 * pi * u[2];
  return std::sin(x1) + a * std::sin(x2) * std::sin(x2) + b * std::pow(x3, 4) * std::sin(x1);
}

// Analytic variance decomposition: V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V3 = 0,
// V13 = b²π⁸(1/18 − 1/50) = 8b²π⁸/225, V = V1 + V2 + V13.
struct Truth {
  double V, S[3], ST[3];
};
Truth ishigami_truth() {
  const double V1 = 0.5 * std::pow(1.0 + b * std::pow(pi, 4) / 5.0, 2);
  const double V2 = a * a / 8.0;
  const double V13 = 8.0 * b * b * std::pow(pi, 8) / 225.0;
  const double V = V1 + V2 + V13;
  return {V, {V1 / V, V2 / V, 0.0}, {(V1 + V13) / V, V2 / V, V13 / V}};
}

TEST(SobolIndices, IshigamiTruthHasTheTextbookValues) {
  const Truth t = ishigami_truth();
  EXPECT_NEAR(t.V, 13.8446, 1e-4);
  EXPECT_NEAR(t.S[0], 0.3139, 1e-4);
  EXPECT_NEAR(t.S[1], 0.4424, 1e-4);
  EXPECT_NEAR(t.ST[0], 0.5576, 1e-4);
  EXPECT_NEAR(t.ST[2], 0.2437, 1e-4);
}

TEST(SobolIndices, SaltelliAndJansenEstimatorsRecoverIshigami) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  const Truth t = ishigami_truth();
  for (PointMethod method : {PointMethod::sobol, PointMethod::latin_hypercube}) {
    const std::string name = method == PointMethod::sobol ? "Sobol " : "LHS ";
    const SaltelliDesign d = saltelli_design(std::size_t{1} << 14, 3, {}, method, seed);
    std::vector<double> y(d.runs());
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = ishigami(d.points.point(i));
    const SobolIndices s = sobol_indices(d, y);
    // The variance over A and B against V, with the sample variance's SE from the 4th moment.
    const std::size_t n2 = 2 * d.base_points;
    double m4 = 0.0;
    for (std::size_t i = 0; i < n2; ++i) m4 += std::pow(y[i] - s.mean, 4) / n2;
    expect_z(s.variance, t.V, std::sqrt((m4 - s.variance * s.variance) / n2), name + "variance", seed);
    for (int j = 0; j < 3; ++j) {
      expect_z(s.first_order[j], t.S[j], s.first_order_se[j], name + "S" + std::to_string(j + 1), seed);
      expect_z(s.total[j], t.ST[j], s.total_se[j], name + "ST" + std::to_string(j + 1), seed);
      EXPECT_LT(s.first_order_se[j], 0.03);
      EXPECT_LT(s.total_se[j], 0.03);
    }
  }
}

TEST(SobolIndices, StandardErrorsCoverAtTheirNominalRateOnRandomBasePoints) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  const Truth t = ishigami_truth();
  constexpr std::size_t n = 2000, repetitions = 300;
  trede::test::Uniforms u(seed);
  std::vector<double> y(5 * n), A(3), B(3), AB(3);
  int covered_first = 0, covered_total = 0, checks = 0;
  for (std::size_t r = 0; r < repetitions; ++r) {
    for (std::size_t j = 0; j < n; ++j) {
      for (int c = 0; c < 3; ++c) A[c] = u(), B[c] = u();
      y[j] = ishigami(A);
      y[n + j] = ishigami(B);
      for (int g = 0; g < 3; ++g) {
        AB = A;
        AB[g] = B[g];
        y[(2 + g) * n + j] = ishigami(AB);
      }
    }
    const SobolIndices s = sobol_indices(y, n, 3);
    for (int g = 0; g < 2; ++g) {  // S3 = 0 exactly has a degenerate estimator; check groups 1 and 2
      covered_first += std::fabs(s.first_order[g] - t.S[g]) <= 1.959964 * s.first_order_se[g];
      covered_total += std::fabs(s.total[g] - t.ST[g]) <= 1.959964 * s.total_se[g];
      ++checks;
    }
  }
  const double se = trede::test::binomial_se(0.95, checks);
  expect_z(covered_first / double(checks), 0.95, se, "coverage of first-order intervals", seed);
  expect_z(covered_total / double(checks), 0.95, se, "coverage of total-index intervals", seed);
}

TEST(SobolIndices, RejectsOutputsThatDoNotMatchTheDesign) {
  const SaltelliDesign d = saltelli_design(16, 2, {}, PointMethod::sobol, 1);
  EXPECT_THROW((void)sobol_indices(d, std::vector<double>(d.runs() - 1)), Error);
  EXPECT_THROW((void)sobol_indices(d, std::vector<double>(d.runs(), 1.0)), Error);  // no variance
}

TEST(FirstOrderIndices, GivenDataRegressionRecoversIshigami) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  const Truth t = ishigami_truth();
  // Average over independent PSA samples, so any bias of the regression estimator would show.
  constexpr std::size_t D = 4000, repeats = 10;
  trede::test::Uniforms u(seed);
  std::vector<std::vector<double>> est(3);
  std::vector<double> theta(3 * D), y(D);
  for (std::size_t r = 0; r < repeats; ++r) {
    for (std::size_t d = 0; d < D; ++d) {
      for (int c = 0; c < 3; ++c) theta[3 * d + c] = -pi + 2 * pi * u();
      std::vector<double> unit = {(theta[3 * d] + pi) / (2 * pi), (theta[3 * d + 1] + pi) / (2 * pi),
                                  (theta[3 * d + 2] + pi) / (2 * pi)};
      y[d] = ishigami(unit);
    }
    const FirstOrderIndices f = first_order_indices({theta, D, 3}, y);
    for (int j = 0; j < 3; ++j) est[j].push_back(f.first_order[j]);
    if (r == 0) {
      for (int j = 0; j < 3; ++j) EXPECT_GT(f.se[j], 0.0);
    }
  }
  for (int j = 0; j < 3; ++j) {
    const auto m = trede::test::mean_se(est[j]);
    // Untruncated, the estimate of S3 = 0 is unbiased too.
    expect_z(m.mean, t.S[j], m.se, "given-data S" + std::to_string(j + 1), seed);
  }
}

TEST(FirstOrderIndices, LinearModelSharesVarianceByCoefficient) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // Y = 3θ0 + 2θ1 + θ2 (groups {0}, {1, 2}): S = 9/14 and 5/14.
  constexpr std::size_t D = 5000;
  trede::test::Uniforms u(seed);
  std::vector<double> theta(3 * D), y(D);
  for (std::size_t d = 0; d < D; ++d) {
    for (int c = 0; c < 3; ++c) theta[3 * d + c] = u.normal();
    y[d] = 3 * theta[3 * d] + 2 * theta[3 * d + 1] + theta[3 * d + 2];
  }
  const std::vector<std::vector<std::size_t>> groups = {{0}, {1, 2}};
  const FirstOrderIndices f = first_order_indices({theta, D, 3}, y, groups);
  ASSERT_EQ(f.first_order.size(), 2u);
  expect_z(f.first_order[0], 9.0 / 14.0, f.se[0], "S of θ0", seed);
  expect_z(f.first_order[1], 5.0 / 14.0, f.se[1], "S of {θ1, θ2}", seed);
  EXPECT_NE(f.method[1].find("2 parameters"), std::string::npos) << f.method[1];
}

// A group with too many parameters for the draws gets NaN and a reason; the groups before it
// keep exactly the estimates they have without it.
TEST(FirstOrderIndices, AGroupTooLargeForTheDrawsIsLeftWithAReason) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  constexpr std::size_t D = 24, P = 12;
  trede::test::Uniforms u(seed);
  std::vector<double> theta(P * D), y(D);
  for (std::size_t d = 0; d < D; ++d) {
    for (std::size_t c = 0; c < P; ++c) theta[P * d + c] = u.normal();
    y[d] = 2 * theta[P * d] + theta[P * d + 1];
  }
  std::vector<std::size_t> all(P);
  for (std::size_t c = 0; c < P; ++c) all[c] = c;
  const std::vector<std::vector<std::size_t>> two = {{0}, {1}};
  const std::vector<std::vector<std::size_t>> three = {{0}, {1}, all};
  const FirstOrderIndices a = first_order_indices({theta, D, P}, y, two);
  const FirstOrderIndices b = first_order_indices({theta, D, P}, y, three);
  ASSERT_EQ(b.first_order.size(), 3u);
  ASSERT_EQ(b.se.size(), 3u);
  ASSERT_EQ(b.r_squared.size(), 3u);
  ASSERT_EQ(b.method.size(), 3u);
  for (std::size_t g = 0; g < 2; ++g) {
    EXPECT_EQ(b.first_order[g], a.first_order[g]);
    EXPECT_EQ(b.se[g], a.se[g]);
  }
  EXPECT_TRUE(std::isnan(b.first_order[2]) && std::isnan(b.se[2]) && std::isnan(b.r_squared[2]));
  EXPECT_EQ(b.method[2].rfind("not estimated: ", 0), 0u) << b.method[2];
  EXPECT_NE(b.method[2].find("too few"), std::string::npos) << b.method[2];
}

// Many small and null keys at a realistic PSA size: the estimates of the keys without effect
// average 0 and the sum of all estimates averages the true sum (1 for an additive model), where
// truncated estimates would add up to about 1.1.
TEST(FirstOrderIndices, ManyKeysAtFewDrawsSumWithoutBias) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  constexpr std::size_t D = 256, P = 25, repeats = 40;
  std::vector<double> a(P, 0.0);  // Y = Σ a_j θ_j: three large, seven small, fifteen without effect
  a[0] = 3.0, a[1] = 1.5, a[2] = 1.0;
  for (std::size_t j = 3; j < 10; ++j) a[j] = 0.2;
  double total = 0.0;
  for (double c : a) total += c * c;
  trede::test::Uniforms u(seed);
  std::vector<double> sums, nulls, first;
  std::vector<double> theta(P * D), y(D);
  for (std::size_t r = 0; r < repeats; ++r) {
    for (std::size_t d = 0; d < D; ++d) {
      y[d] = 0.0;
      for (std::size_t j = 0; j < P; ++j) y[d] += a[j] * (theta[P * d + j] = u.normal());
    }
    const FirstOrderIndices f = first_order_indices({theta, D, P}, y);
    double sum = 0.0;
    for (std::size_t j = 0; j < P; ++j) sum += f.first_order[j];
    sums.push_back(sum);
    for (std::size_t j = 10; j < P; ++j) nulls.push_back(f.first_order[j]);
    first.push_back(f.first_order[0]);
  }
  const auto s = trede::test::mean_se(sums), n = trede::test::mean_se(nulls), f0 = trede::test::mean_se(first);
  expect_z(s.mean, 1.0, s.se, "sum of 25 first-order indices", seed);
  expect_z(n.mean, 0.0, n.se, "first-order index of a key without effect", seed);
  expect_z(f0.mean, a[0] * a[0] / total, f0.se, "largest first-order index", seed);
  EXPECT_LT(*std::min_element(nulls.begin(), nulls.end()), 0.0) << "estimates below 0 are kept";
}

}  // namespace
}  // namespace trede::mc
