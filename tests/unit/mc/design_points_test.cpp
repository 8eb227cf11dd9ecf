// Design points: the scrambled Sobol sequence keeps the net structure of Joe & Kuo's sequence
// in every supported dimension, each scrambled point is uniform, integration is unbiased and
// far more precise than plain Monte Carlo; the Latin hypercube is stratified and is the
// sweep's; the Saltelli design has the pick-freeze structure. All are deterministic.

#include "trede/mc/design_points.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "psa_test_support.hpp"
#include "trede/error.hpp"
#include "trede/mc/sweep.hpp"

namespace trede::mc {
namespace {

using trede::test::expect_z;

// True when each of the 2^m intervals [j/2^m, (j+1)/2^m) holds exactly one of the 2^m values.
bool one_per_interval(const UnitPoints& p, std::size_t dim, int m) {
  std::vector<int> count(std::size_t{1} << m, 0);
  for (std::size_t i = 0; i < p.n; ++i) ++count[static_cast<std::size_t>(std::ldexp(p.values[i * p.dimension + dim], m))];
  return std::all_of(count.begin(), count.end(), [](int c) { return c == 1; });
}

TEST(SobolPoints, EveryCoordinateOfTheFirst2ToTheMPointsIsStratified) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // One point per interval of width 2^-m in every one of the 1024 coordinates: holds for any
  // valid direction numbers (odd m_k < 2^k, a primitive polynomial) and survives scrambling.
  const UnitPoints p = sobol_points(1024, sobol_max_dimension, seed);
  for (std::size_t d = 0; d < p.dimension; ++d) ASSERT_TRUE(one_per_interval(p, d, 10)) << "coordinate " << d;
  for (double v : p.values) ASSERT_TRUE(v > 0.0 && v < 1.0) << v;
}

TEST(SobolPoints, TheFirstTwoCoordinatesFormA0mNet) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // Sobol's first two coordinates are a (0, m, 2)-net: every box [a/2^i, (a+1)/2^i) ×
  // [b/2^j, (b+1)/2^j) with i + j = m holds exactly one of the first 2^m points.
  constexpr int m = 12;
  const UnitPoints p = sobol_points(std::size_t{1} << m, 2, seed);
  for (int i = 0; i <= m; ++i) {
    std::vector<int> count(std::size_t{1} << m, 0);
    for (std::size_t k = 0; k < p.n; ++k) {
      const auto a = static_cast<std::size_t>(std::ldexp(p.values[2 * k], i));
      const auto b = static_cast<std::size_t>(std::ldexp(p.values[2 * k + 1], m - i));
      ++count[(a << (m - i)) | b];
    }
    EXPECT_TRUE(std::all_of(count.begin(), count.end(), [](int c) { return c == 1; })) << "boxes 2^-" << i << " × 2^-" << m - i;
  }
}

TEST(SobolPoints, AreDeterministicAndDependOnTheSeed) {
  const UnitPoints a = sobol_points(256, 7, 42), b = sobol_points(256, 7, 42), c = sobol_points(256, 7, 43);
  EXPECT_EQ(a.values, b.values);
  EXPECT_NE(a.values, c.values);
  // A longer run starts with the shorter one (a prefix property, so designs can grow).
  const UnitPoints longer = sobol_points(512, 7, 42);
  EXPECT_TRUE(std::equal(a.values.begin(), a.values.end(), longer.values.begin()));
}

TEST(SobolPoints, EachScrambledPointIsUniform) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // Over independent scramblings (seeds), a fixed point of the sequence is uniform on (0, 1).
  constexpr std::size_t seeds = 4000;
  std::vector<double> first(seeds), fifth(seeds);
  for (std::size_t s = 0; s < seeds; ++s) {
    const UnitPoints p = sobol_points(8, 3, seed * 7919 + s);
    first[s] = p.values[0];
    fifth[s] = p.values[5 * 3 + 2];
  }
  trede::test::expect_ks(first, [](double x) { return x; }, "point 0, coordinate 0", seed);
  trede::test::expect_ks(fifth, [](double x) { return x; }, "point 5, coordinate 2", seed);
}

TEST(SobolPoints, IntegrateWithoutBiasAndFarBelowMonteCarloError) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  // f(x) = Π_i (1 + (x_i − 1/2)·c_i) has integral 1 and variance Π(1 + c_i²/12) − 1.
  const std::vector<double> c = {1.0, 0.8, 0.6, 0.5, 0.4, 0.3};
  double var_f = 1.0;
  for (double ci : c) var_f *= 1.0 + ci * ci / 12.0;
  var_f -= 1.0;
  constexpr std::size_t n = 1024, repeats = 200;
  std::vector<double> est(repeats);
  for (std::size_t r = 0; r < repeats; ++r) {
    const UnitPoints p = sobol_points(n, c.size(), seed + 1000003 * r);
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      double f = 1.0;
      for (std::size_t j = 0; j < c.size(); ++j) f *= 1.0 + (p.values[i * c.size() + j] - 0.5) * c[j];
      s += f;
    }
    est[r] = s / n;
  }
  const auto m = trede::test::mean_se(est);
  expect_z(m.mean, 1.0, m.se, "scrambled Sobol estimate of a unit integral", seed);
  // Monte Carlo with n points has variance var_f / n; the scrambled net must do 10× better.
  EXPECT_LT(m.sd * m.sd, 0.1 * var_f / n) << "sd " << m.sd << " vs Monte Carlo " << std::sqrt(var_f / n);
}

TEST(SobolPoints, RejectsDimensionsBeyondTheTable) {
  EXPECT_THROW((void)sobol_points(16, sobol_max_dimension + 1, 1), ModelError);
  EXPECT_THROW((void)sobol_points(0, 2, 1), ModelError);
  EXPECT_THROW((void)sobol_points(16, 0, 1), ModelError);
}

TEST(LatinHypercube, EachCoordinateHasOnePointPerStratum) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  constexpr std::size_t n = 500, k = 6;
  const UnitPoints p = latin_hypercube_points(n, k, seed);
  for (std::size_t d = 0; d < k; ++d) {
    std::set<std::size_t> strata;
    for (std::size_t i = 0; i < n; ++i) strata.insert(static_cast<std::size_t>(p.values[i * k + d] * n));
    EXPECT_EQ(strata.size(), n) << "coordinate " << d;
  }
  EXPECT_EQ(p.values, latin_hypercube_points(n, k, seed).values);
  EXPECT_NE(p.values, latin_hypercube_points(n, k, seed + 1).values);
}

TEST(LatinHypercube, IsTheSweepDesignOnTheUnitCube) {
  // The sweep's lhs_design draws the same numbers: the unit design scaled to [lo, hi].
  constexpr std::size_t n = 37;
  const std::vector<LhsRange> ranges = {{"a", 0.0, 1.0, false}, {"b", 0.0, 1.0, false}, {"c", 0.0, 1.0, false}};
  const Design sweep = lhs_design(ranges, n, 2024);
  const UnitPoints p = latin_hypercube_points(n, ranges.size(), 2024);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < ranges.size(); ++k) EXPECT_EQ(sweep.numeric[i][k], p.values[i * ranges.size() + k]);
}

TEST(SaltelliDesign, ABMatricesTakeTheGroupsColumnsFromB) {
  for (PointMethod method : {PointMethod::sobol, PointMethod::latin_hypercube}) {
    const SaltelliDesign s = saltelli_design(64, 5, {{0, 3}, {1}, {4}}, method, 99);
    ASSERT_EQ(s.runs(), 64u * 5u);
    ASSERT_EQ(s.points.n, s.runs());
    const UnitPoints base = unit_points(method, 64, 10, 99);
    for (std::size_t j = 0; j < 64; ++j) {
      const auto A = s.points.point(s.a_row(j)), B = s.points.point(s.b_row(j));
      for (std::size_t c = 0; c < 5; ++c) {
        EXPECT_EQ(A[c], base.values[j * 10 + c]);
        EXPECT_EQ(B[c], base.values[j * 10 + 5 + c]);
      }
      for (std::size_t g = 0; g < 3; ++g) {
        const auto AB = s.points.point(s.ab_row(g, j));
        for (std::size_t c = 0; c < 5; ++c) {
          const bool in_group = std::find(s.groups[g].begin(), s.groups[g].end(), c) != s.groups[g].end();
          EXPECT_EQ(AB[c], in_group ? B[c] : A[c]) << "group " << g << " column " << c;
        }
      }
    }
  }
  EXPECT_EQ(saltelli_design(8, 3, {}, PointMethod::sobol, 1).groups, (std::vector<std::vector<std::size_t>>{{0}, {1}, {2}}));
}

TEST(SaltelliDesign, RejectsOverlappingEmptyOrOutOfRangeGroups) {
  try {
    (void)saltelli_design(8, 3, {{0, 1}, {1}, {}, {7}}, PointMethod::sobol, 1);
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 3u);
    EXPECT_EQ(e.diagnostics()[0].message, "column 1 is also in groups[0]");
    EXPECT_EQ(e.diagnostics()[1].message, "is empty");
    EXPECT_EQ(e.diagnostics()[2].message, "column 7 is out of range (dimension 3)");
  }
}

}  // namespace
}  // namespace trede::mc
