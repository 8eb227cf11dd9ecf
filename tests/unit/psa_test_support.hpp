#pragma once
// Shared support for the tests of the PSA mathematics (parameter distributions, designs,
// variance split, decision summaries, EVPPI, Sobol indices): independent uniforms and normals
// from Philox keyed by the test seed, z-score checks at 4 standard errors with the seed in the
// message, and the Kolmogorov–Smirnov test.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "test_seed.hpp"
#include "trede/random/distributions.hpp"
#include "trede/random/stream.hpp"

namespace trede::test {

/// Tolerance of the statistical checks, in standard errors.
inline constexpr double z_tolerance = 4.0;

/// Independent uniforms on (0, 1]: draw i of stream `stream` of the seed.
class Uniforms {
 public:
  explicit Uniforms(std::uint64_t seed, std::uint64_t stream = 0) : key_{seed, 0}, stream_(stream) {}
  double operator()() {
    if (used_ == 4) {
      block_ = random::philox_block(key_, stream_, draw_++, random::Purpose::attribute);
      used_ = 0;
    }
    return random::uniform_open0(block_[used_++]);
  }
  /// Standard normal by inversion.
  double normal() { return random::normal_quantile(std::min((*this)(), 1.0 - 0x1.0p-53)); }

 private:
  random::StreamKey key_;
  std::uint64_t stream_;
  std::uint64_t draw_ = 0;
  std::array<std::uint64_t, 4> block_{};
  int used_ = 4;
};

/// Mean and standard error of the mean.
struct MeanSe {
  double mean = 0.0, sd = 0.0, se = 0.0;
};
inline MeanSe mean_se(std::span<const double> x) {
  MeanSe m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  double ss = 0.0;
  for (double v : x) ss += (v - m.mean) * (v - m.mean);
  m.sd = std::sqrt(ss / static_cast<double>(x.size() - 1));
  m.se = m.sd / std::sqrt(static_cast<double>(x.size()));
  return m;
}

/// Expects |observed − expected| <= 4·se, naming the check and the seed.
inline void expect_z(double observed, double expected, double se, const std::string& what, std::uint64_t seed) {
  const double z = se > 0.0 ? (observed - expected) / se : (observed == expected ? 0.0 : INFINITY);
  EXPECT_LE(std::fabs(z), z_tolerance) << what << ": observed " << observed << ", expected " << expected << ", se " << se
                                       << ", z = " << z << "; " << seed_note(seed);
}

/// Kolmogorov–Smirnov statistic sup |F_n − F| of a sample against a distribution function.
inline double ks_statistic(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

/// P(√n·D_n > t) under the null, from Kolmogorov's limiting distribution (with Stephens's
/// small-sample correction t(√n + 0.12 + 0.11/√n)/√n).
inline double ks_p_value(double d, std::size_t n) {
  const double sn = std::sqrt(static_cast<double>(n));
  const double t = d * (sn + 0.12 + 0.11 / sn);
  if (t < 0.2) return 1.0;
  double p = 0.0;
  for (int k = 1; k <= 100; ++k) p += 2.0 * ((k % 2) ? 1.0 : -1.0) * std::exp(-2.0 * k * k * t * t);
  return std::clamp(p, 0.0, 1.0);
}

/// Expects the sample to pass the KS test at the 4-sigma false-alarm rate (p > 6.3e-5).
inline void expect_ks(const std::vector<double>& x, const std::function<double(double)>& cdf, const std::string& what,
                      std::uint64_t seed) {
  const double d = ks_statistic(x, cdf);
  const double p = ks_p_value(d, x.size());
  EXPECT_GT(p, 6.3e-5) << what << ": KS D = " << d << " over " << x.size() << " draws, p = " << p << "; "
                       << seed_note(seed);
}

/// Binomial standard error of a share p over n trials.
inline double binomial_se(double p, double n) { return std::sqrt(p * (1.0 - p) / n); }

}  // namespace trede::test
