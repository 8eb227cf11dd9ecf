// Cumulative hazards and their inverses (model/hazard_math.hpp), and the holding-time moments
// hazard_mean / hazard_variance, against closed forms and numerical integrals of the survival
// function S(x) = exp(-H(x)).

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "model/hazard_math.hpp"
#include "trede/model/scenario.hpp"

namespace {

using trede::model::Clock;
using trede::model::Hazard;
using trede::model::HazardKind;
using trede::model::hazard_mean;
using trede::model::hazard_variance;
using trede::model::detail::cumulative_hazard;
using trede::model::detail::hazard_rate;
using trede::model::detail::inverse_cumulative_hazard;

constexpr double inf = std::numeric_limits<double>::infinity();

Hazard exponential(double rate) {
  Hazard h;
  h.kind = HazardKind::exponential;
  h.rate = rate;
  return h;
}
Hazard weibull(double shape, double scale) {
  Hazard h;
  h.kind = HazardKind::weibull;
  h.shape = shape;
  h.scale = scale;
  return h;
}
Hazard gamma(double shape, double scale) {
  Hazard h;
  h.kind = HazardKind::gamma;
  h.shape = shape;
  h.scale = scale;
  return h;
}
Hazard lognormal(double meanlog, double sdlog) {
  Hazard h;
  h.kind = HazardKind::lognormal;
  h.meanlog = meanlog;
  h.sdlog = sdlog;
  return h;
}
Hazard fixed(double duration) {
  Hazard h;
  h.kind = HazardKind::fixed;
  h.duration = duration;
  return h;
}
Hazard table(std::vector<double> breaks, std::vector<double> rates) {
  Hazard h;
  h.kind = HazardKind::table;
  h.breaks = std::move(breaks);
  h.rates = std::move(rates);
  return h;
}

struct Named {
  std::string name;
  Hazard h;
};

// Every continuous family, with shapes below, at and above 1.
std::vector<Named> smooth_hazards() {
  return {{"exponential(0.7)", exponential(0.7)},
          {"exponential(25)", exponential(25.0)},
          {"weibull(0.5, 2)", weibull(0.5, 2.0)},
          {"weibull(1, 0.3)", weibull(1.0, 0.3)},
          {"weibull(3.5, 4)", weibull(3.5, 4.0)},
          {"gamma(0.3, 1.5)", gamma(0.3, 1.5)},
          {"gamma(1, 2)", gamma(1.0, 2.0)},
          {"gamma(4.5, 0.5)", gamma(4.5, 0.5)},
          {"gamma(60, 0.1)", gamma(60.0, 0.1)},
          {"lognormal(0.5, 0.8)", lognormal(0.5, 0.8)},
          {"lognormal(-1, 2)", lognormal(-1.0, 2.0)}};
}

// Tables: zero-rate pieces (inside, first, last) and breaks[0] > 0.
std::vector<Named> table_hazards() {
  return {{"table {0,1,3}/{0.5,0,2}", table({0, 1, 3}, {0.5, 0, 2})},
          {"table {0,2}/{0,1}", table({0, 2}, {0, 1})},
          {"table {2,5}/{1,0.25}", table({2, 5}, {1, 0.25})},
          {"table {0.5,1,1.5,4}/{3,0,0,0.1}", table({0.5, 1, 1.5, 4}, {3, 0, 0, 0.1})},
          {"table {0}/{1.25}", table({0}, {1.25})}};
}

// ---- H and H⁻¹ -----------------------------------------------------------------------------------

TEST(CumulativeHazard, MatchesClosedForms) {
  EXPECT_DOUBLE_EQ(cumulative_hazard(exponential(0.7), 3.0), 2.1);
  EXPECT_DOUBLE_EQ(cumulative_hazard(weibull(2.0, 4.0), 2.0), 0.25);
  // gamma(1, θ) is exponential with rate 1/θ.
  EXPECT_NEAR(cumulative_hazard(gamma(1.0, 2.0), 3.0), 1.5, 1e-14);
  // lognormal at its median: S = 1/2.
  EXPECT_NEAR(cumulative_hazard(lognormal(0.5, 0.8), std::exp(0.5)), std::log(2.0), 1e-15);
  // table {0,1,3}/{0.5,0,2}: 0.5 per year for a year, flat to 3, then 2 per year.
  const Hazard t = table({0, 1, 3}, {0.5, 0, 2});
  EXPECT_DOUBLE_EQ(cumulative_hazard(t, 0.5), 0.25);
  EXPECT_DOUBLE_EQ(cumulative_hazard(t, 2.0), 0.5);
  EXPECT_DOUBLE_EQ(cumulative_hazard(t, 4.0), 2.5);
  // breaks[0] > 0: no hazard before the first break.
  const Hazard late = table({2, 5}, {1, 0.25});
  EXPECT_EQ(cumulative_hazard(late, 1.5), 0.0);
  EXPECT_DOUBLE_EQ(cumulative_hazard(late, 6.0), 3.25);
}

TEST(CumulativeHazard, IsZeroAtAndBeforeTheOrigin) {
  for (const auto& [name, h] : smooth_hazards()) {
    EXPECT_EQ(cumulative_hazard(h, 0.0), 0.0) << name;
    EXPECT_EQ(cumulative_hazard(h, -1.0), 0.0) << name;
  }
  for (const auto& [name, h] : table_hazards()) {
    EXPECT_EQ(cumulative_hazard(h, 0.0), 0.0) << name;
    EXPECT_EQ(cumulative_hazard(h, -1.0), 0.0) << name;
  }
  EXPECT_EQ(cumulative_hazard(fixed(2.0), 0.0), 0.0);
}

// H(H⁻¹(y)) = y over y from 1e-3 to 600, for every continuous family.
TEST(InverseCumulativeHazard, InvertsEveryContinuousFamily) {
  for (const auto& [name, h] : smooth_hazards()) {
    SCOPED_TRACE(name);
    // Stop at the first miss per family: one line says where it goes wrong.
    for (double ly = -3.0; ly <= std::log10(600.0); ly += 0.05) {
      const double y = std::pow(10.0, ly);
      const double x = inverse_cumulative_hazard(h, y);
      if (!(std::isfinite(x) && x > 0.0) || !(std::fabs(cumulative_hazard(h, x) - y) <= 1e-11 * y)) {
        ADD_FAILURE() << "y = " << y << ": x = H⁻¹(y) = " << x << ", H(x) = " << cumulative_hazard(h, x);
        break;
      }
    }
  }
}

// H⁻¹(H(x)) = x on the clock values where H carries precision (H between 1e-3 and 600).
TEST(InverseCumulativeHazard, RecoversTheClockValue) {
  for (const auto& [name, h] : smooth_hazards()) {
    SCOPED_TRACE(name);
    int checked = 0;
    for (double lx = -4.0; lx <= 4.0; lx += 0.02) {
      const double x = std::pow(10.0, lx);
      const double y = cumulative_hazard(h, x);
      if (!(y >= 1e-3 && y <= 600.0)) continue;
      // dH/dx = hazard rate: a relative error δ in y moves x by δ·y/h(x).
      const double rate = hazard_rate(h, x);
      const double tol = 1e-12 * x + 1e-12 * y / rate;
      const double back = inverse_cumulative_hazard(h, y);
      ++checked;
      if (!(std::fabs(back - x) <= tol)) {  // first miss per family only
        ADD_FAILURE() << "x = " << x << ", H(x) = " << y << ": H⁻¹(H(x)) = " << back << " (tolerance " << tol << ")";
        break;
      }
    }
    EXPECT_GT(checked, 0);
  }
}

// Tables, including zero-rate pieces: H⁻¹(y) is the smallest clock value with H(x) >= y, so it
// lands at the start of a flat stretch, never inside it; and it is +inf when H stops short of y.
TEST(InverseCumulativeHazard, TablesGiveTheSmallestClockValueReachingY) {
  for (const auto& [name, h] : table_hazards()) {
    SCOPED_TRACE(name);
    const double total = cumulative_hazard(h, 1e6);
    for (double y = 0.01; y <= 20.0; y += 0.01) {
      const double x = inverse_cumulative_hazard(h, y);
      if (y > total) {
        EXPECT_EQ(x, inf) << "y = " << y;
        continue;
      }
      ASSERT_TRUE(std::isfinite(x)) << "y = " << y;
      EXPECT_NEAR(cumulative_hazard(h, x), y, 1e-12 * std::max(1.0, y)) << "y = " << y;
      EXPECT_LT(cumulative_hazard(h, x - 1e-9), y) << "y = " << y << ", x = " << x;
      EXPECT_GE(x, h.breaks.front()) << "y = " << y;
    }
  }
}

TEST(InverseCumulativeHazard, TableRecoversClockValuesOnRisingPieces) {
  for (const auto& [name, h] : table_hazards()) {
    SCOPED_TRACE(name);
    for (double x = 0.005; x < 12.0; x += 0.005) {
      if (hazard_rate(h, x) == 0.0) continue;  // flat stretch: no unique inverse
      const double y = cumulative_hazard(h, x);
      EXPECT_NEAR(inverse_cumulative_hazard(h, y), x, 1e-12 * std::max(1.0, x)) << "x = " << x;
    }
  }
}

TEST(InverseCumulativeHazard, KnownTableValues) {
  const Hazard t = table({0, 1, 3}, {0.5, 0, 2});
  EXPECT_DOUBLE_EQ(inverse_cumulative_hazard(t, 0.25), 0.5);
  EXPECT_DOUBLE_EQ(inverse_cumulative_hazard(t, 0.5), 1.0);   // start of the flat stretch
  EXPECT_DOUBLE_EQ(inverse_cumulative_hazard(t, 0.6), 3.05);  // past it
  const Hazard first_zero = table({0, 2}, {0, 1});
  EXPECT_DOUBLE_EQ(inverse_cumulative_hazard(first_zero, 1.5), 3.5);
  const Hazard late = table({2, 5}, {1, 0.25});
  EXPECT_DOUBLE_EQ(inverse_cumulative_hazard(late, 1.0), 3.0);
  EXPECT_DOUBLE_EQ(inverse_cumulative_hazard(late, 3.25), 6.0);
  const Hazard stops = table({0, 2}, {1, 0});
  EXPECT_DOUBLE_EQ(inverse_cumulative_hazard(stops, 2.0), 2.0);
  EXPECT_EQ(inverse_cumulative_hazard(stops, 2.0 + 1e-9), inf);
  EXPECT_EQ(inverse_cumulative_hazard(table({0, 1}, {0, 0}), 0.1), inf);
}

TEST(InverseCumulativeHazard, ExponentialWithRateZeroNeverFires) {
  EXPECT_EQ(inverse_cumulative_hazard(exponential(0.0), 0.5), inf);
  EXPECT_EQ(cumulative_hazard(exponential(0.0), 100.0), 0.0);
}

TEST(InverseCumulativeHazard, InfiniteYGivesInfiniteClock) {
  for (const auto& [name, h] : smooth_hazards()) EXPECT_EQ(inverse_cumulative_hazard(h, inf), inf) << name;
  for (const auto& [name, h] : table_hazards()) EXPECT_EQ(inverse_cumulative_hazard(h, inf), inf) << name;
}

// A fixed hazard is a step from 0 to +inf at the duration: the clock value is the duration for
// any positive y, and H jumps exactly there.
TEST(InverseCumulativeHazard, FixedFiresExactlyAtTheDuration) {
  const Hazard h = fixed(2.5);
  for (double y : {1e-300, 1e-6, 0.5, 1.0, 30.0, 1e300}) {
    EXPECT_EQ(inverse_cumulative_hazard(h, y), 2.5) << y;
    EXPECT_GE(cumulative_hazard(h, inverse_cumulative_hazard(h, y)), y);
  }
  EXPECT_EQ(cumulative_hazard(h, std::nextafter(2.5, 0.0)), 0.0);
  EXPECT_EQ(cumulative_hazard(h, 2.5), inf);
  EXPECT_EQ(cumulative_hazard(h, 7.0), inf);
}

// The sampling identity the engine relies on: with time already spent x0, the next event is
// H⁻¹(H(x0) + E) and lies after x0.
TEST(InverseCumulativeHazard, ResumingFromElapsedTimeLiesAfterIt) {
  std::vector<Named> all = smooth_hazards();
  for (auto& t : table_hazards()) all.push_back(t);
  for (const auto& [name, h] : all) {
    for (double x0 : {0.0, 0.3, 1.0, 2.5, 6.0}) {
      for (double e : {1e-3, 0.2, 1.0, 3.0}) {
        const double x = inverse_cumulative_hazard(h, cumulative_hazard(h, x0) + e);
        EXPECT_GT(x, x0) << name << ", x0 = " << x0 << ", E = " << e;
      }
    }
  }
}

// ---- moments -------------------------------------------------------------------------------------------

// ∫ S(x) dx and ∫ 2x S(x) dx with S = exp(-H), by composite Simpson on x = e^u (smooth
// families) or piece by piece in x (tables).
struct Moments {
  double mean, variance;
};

double simpson(const std::function<double(double)>& f, double a, double b, int n) {
  const double h = (b - a) / n;
  double s = f(a) + f(b);
  for (int i = 1; i < n; ++i) s += f(a + i * h) * (i % 2 ? 4.0 : 2.0);
  return s * h / 3.0;
}

Moments integrate_smooth(const Hazard& h) {
  auto m1 = [&](double u) {
    const double x = std::exp(u);
    return std::exp(-cumulative_hazard(h, x)) * x;
  };
  auto m2 = [&](double u) {
    const double x = std::exp(u);
    return 2.0 * x * std::exp(-cumulative_hazard(h, x)) * x;
  };
  // e^{-45} is negligible at the bottom; at e^{30} even lognormal(-1, 2) has S < 1e-50.
  const double mean = simpson(m1, -45.0, 30.0, 300000);
  const double second = simpson(m2, -45.0, 30.0, 300000);
  return {mean, second - mean * mean};
}

Moments integrate_table(const Hazard& h) {
  std::vector<double> edges = {0.0};
  for (double b : h.breaks)
    if (b > 0.0) edges.push_back(b);
  double mean = 0.0, second = 0.0;
  auto m1 = [&](double x) { return std::exp(-cumulative_hazard(h, x)); };
  auto m2 = [&](double x) { return 2.0 * x * std::exp(-cumulative_hazard(h, x)); };
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    mean += simpson(m1, edges[i], edges[i + 1], 2000);
    second += simpson(m2, edges[i], edges[i + 1], 2000);
  }
  // Last piece: constant rate r from x_n to where S has fallen below 1e-20.
  const double xn = edges.back(), r = h.rates.back();
  const double end = xn + 60.0 / r;
  mean += simpson(m1, xn, end, 200000);
  second += simpson(m2, xn, end, 200000);
  return {mean, second - mean * mean};
}

TEST(HazardMoments, MatchClosedForms) {
  EXPECT_DOUBLE_EQ(hazard_mean(exponential(0.25)), 4.0);
  EXPECT_DOUBLE_EQ(hazard_variance(exponential(0.25)), 16.0);
  // Weibull shape 2, scale 1: mean √π/2, variance 1 - π/4.
  EXPECT_NEAR(hazard_mean(weibull(2.0, 1.0)), 0.88622692545275801365, 1e-15);
  EXPECT_NEAR(hazard_variance(weibull(2.0, 1.0)), 0.21460183660255169038, 1e-15);
  // Weibull shape 1 is exponential with rate 1/scale.
  EXPECT_NEAR(hazard_mean(weibull(1.0, 3.0)), 3.0, 1e-14);
  EXPECT_NEAR(hazard_variance(weibull(1.0, 3.0)), 9.0, 1e-13);
  EXPECT_DOUBLE_EQ(hazard_mean(gamma(2.0, 3.0)), 6.0);
  EXPECT_DOUBLE_EQ(hazard_variance(gamma(2.0, 3.0)), 18.0);
  // Lognormal(0, 1): mean e^{1/2}, variance (e - 1)e.
  EXPECT_NEAR(hazard_mean(lognormal(0.0, 1.0)), 1.6487212707001281468, 1e-15);
  EXPECT_NEAR(hazard_variance(lognormal(0.0, 1.0)), 4.6707742704716049919, 1e-14);
  EXPECT_EQ(hazard_mean(fixed(2.5)), 2.5);
  EXPECT_EQ(hazard_variance(fixed(2.5)), 0.0);
}

TEST(HazardMoments, TablesMatchHandComputedValues) {
  // {0,1,3}/{0.5,0,2}: mean = 2(1 - e^{-1/2}) + 2e^{-1/2} + e^{-1/2}/2 = 2 + e^{-1/2}/2.
  EXPECT_NEAR(hazard_mean(table({0, 1, 3}, {0.5, 0, 2})), 2.0 + 0.5 * std::exp(-0.5), 1e-14);
  // {2,5}/{1,0.25}: two years without hazard, then rate 1 for three years, then rate 1/4:
  // mean = 2 + (1 - e^{-3}) + 4e^{-3}.
  EXPECT_NEAR(hazard_mean(table({2, 5}, {1, 0.25})), 3.0 + 3.0 * std::exp(-3.0), 1e-14);
  // One piece from 0: exponential.
  EXPECT_NEAR(hazard_mean(table({0}, {1.25})), 0.8, 1e-15);
  EXPECT_NEAR(hazard_variance(table({0}, {1.25})), 0.64, 1e-15);
  // One piece from 2: 2 + exponential(rate 0.5): mean 4, variance 4.
  EXPECT_NEAR(hazard_mean(table({2}, {0.5})), 4.0, 1e-14);
  EXPECT_NEAR(hazard_variance(table({2}, {0.5})), 4.0, 1e-13);
}

TEST(HazardMoments, ContinuousFamiliesMatchNumericalIntegrals) {
  for (const auto& [name, h] : smooth_hazards()) {
    SCOPED_TRACE(name);
    const Moments m = integrate_smooth(h);
    EXPECT_NEAR(hazard_mean(h), m.mean, 1e-9 * m.mean);
    EXPECT_NEAR(hazard_variance(h), m.variance, 1e-8 * m.variance);
  }
}

TEST(HazardMoments, TablesMatchNumericalIntegrals) {
  for (const auto& [name, h] : table_hazards()) {
    SCOPED_TRACE(name);
    const Moments m = integrate_table(h);
    EXPECT_NEAR(hazard_mean(h), m.mean, 1e-9 * m.mean);
    EXPECT_NEAR(hazard_variance(h), m.variance, 1e-8 * m.variance);
  }
}

// A hazard that may never fire has an infinite mean and variance ("infinity when it may never
// fire"), like an exponential with rate 0.
TEST(HazardMoments, AreInfiniteWhenTheHazardMayNeverFire) {
  EXPECT_EQ(hazard_mean(exponential(0.0)), inf);
  EXPECT_EQ(hazard_variance(exponential(0.0)), inf);
  const Hazard stops = table({0, 2}, {1, 0});  // survives past 2 with probability e^{-2}
  EXPECT_EQ(hazard_mean(stops), inf);
  EXPECT_EQ(hazard_variance(stops), inf);
}

TEST(HazardRate, IsTheRateOfThePieceHoldingX) {
  const Hazard t = table({0, 1, 3}, {0.5, 0, 2});
  EXPECT_EQ(hazard_rate(t, 0.0), 0.5);
  EXPECT_EQ(hazard_rate(t, 1.0), 0.0);
  EXPECT_EQ(hazard_rate(t, 2.99), 0.0);
  EXPECT_EQ(hazard_rate(t, 3.0), 2.0);
  EXPECT_EQ(hazard_rate(table({2, 5}, {1, 0.25}), 1.0), 0.0);
  EXPECT_EQ(hazard_rate(exponential(0.7), 5.0), 0.7);
  // Weibull shape 2, scale 1: h(x) = 2x (finite difference, so near).
  EXPECT_NEAR(hazard_rate(weibull(2.0, 1.0), 1.5), 3.0, 1e-5);
}

}  // namespace
