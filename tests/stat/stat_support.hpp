#pragma once
// Shared support for the statistical tests: the seed (fixed, printed, overridable with
// TREDE_TEST_SEED), z-score checks at 4 Monte Carlo standard errors with the largest |z| of each
// test printed as "max|z| = ..." (every z with TREDE_STAT_VERBOSE=1), estimators over
// replicates, and Kolmogorov solutions by matrix exponential.

#include <gtest/gtest.h>

#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <source_location>
#include <span>
#include <string>
#include <vector>

#include "trede/engine/result.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"
#include "trede/model/scenario.hpp"

namespace trede::stat_test {

/// Seed used when TREDE_TEST_SEED is not set.
inline constexpr std::uint64_t default_seed = 20250601;
/// Tolerance in Monte Carlo standard errors.
inline constexpr double z_tolerance = 4.0;

/// The master seed: TREDE_TEST_SEED when set (decimal), else `default_seed`.
inline std::uint64_t test_seed() {
  const char* env = std::getenv("TREDE_TEST_SEED");
  if (env == nullptr || *env == '\0') return default_seed;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(env, &end, 10);
  if (end == env || *end != '\0') {
    ADD_FAILURE() << "TREDE_TEST_SEED='" << env << "' is not a decimal number";
    return default_seed;
  }
  return static_cast<std::uint64_t>(v);
}

/// A number as a TOML float literal ("2.0", "0.05", "1e-09").
inline std::string num(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  std::string s(buf);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

/// A number for messages ("0.1", "2029.5").
inline std::string fmt(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

/// Mean of values with its standard error (sd / sqrt(n), sd with n - 1).
struct Estimate {
  double mean = 0.0;
  double sd = 0.0;
  double se = 0.0;
  std::size_t n = 0;
};

inline Estimate estimate(std::span<const double> x) {
  Estimate e;
  e.n = x.size();
  if (x.empty()) return e;
  double s = 0.0;
  for (double v : x) s += v;
  e.mean = s / static_cast<double>(x.size());
  double ss = 0.0;
  for (double v : x) ss += (v - e.mean) * (v - e.mean);
  e.sd = x.size() > 1 ? std::sqrt(ss / static_cast<double>(x.size() - 1)) : 0.0;
  e.se = e.sd / std::sqrt(static_cast<double>(x.size()));
  return e;
}

/// Binomial standard error of the mean fraction over `trials` independent Bernoulli(p) trials.
inline double binomial_se(double p, double trials) { return std::sqrt(std::max(p * (1.0 - p), 0.0) / trials); }

/// Index helpers for the replicate-major arrays of an Ensemble.
inline std::size_t at3(std::size_t r, std::size_t i, std::size_t j, std::size_t I, std::size_t J) {
  return (r * I + i) * J + j;
}

/// Index of the flow edge with id `id`; fails the test when there is none.
inline std::size_t edge_index(const engine::Layout& layout, const std::string& id) {
  for (std::size_t k = 0; k < layout.edges.size(); ++k)
    if (layout.edges[k].id == id) return k;
  std::string all;
  for (const auto& e : layout.edges) all += "\n  " + e.id;
  ADD_FAILURE() << "no flow edge '" << id << "'; edges:" << all;
  return 0;
}

/// Index of a state in the layout; fails the test when there is none.
inline std::size_t state_index(const engine::Layout& layout, const std::string& name) {
  for (std::size_t k = 0; k < layout.states.size(); ++k)
    if (layout.states[k] == name) return k;
  ADD_FAILURE() << "no state '" << name << "'";
  return 0;
}

/// Index of a capacity state in the layout; fails the test when there is none.
inline std::size_t capacity_index(const engine::Layout& layout, const std::string& name) {
  for (std::size_t k = 0; k < layout.capacity_states.size(); ++k)
    if (layout.capacity_states[k] == name) return k;
  ADD_FAILURE() << "no capacity state '" << name << "'";
  return 0;
}

/// An exponential edge of a Markov model as written in the test (the reference for Q).
struct RateEdge {
  std::string from;
  std::string to;
  double rate = 0.0;
  std::string multiplier_toml;  ///< e.g. "{2027 = 2.5}"; empty for none
  /// Calendar-year multiplier as the test understands it: (year, value) steps, 1 before.
  std::vector<std::pair<double, double>> multiplier;

  double multiplier_at(double year) const {
    double m = 1.0;
    for (const auto& [y, v] : multiplier)
      if (year >= y) m = v;
    return m;
  }
};

/// TOML [[transition]] blocks for `edges`, in order.
inline std::string transitions_toml(const std::vector<RateEdge>& edges) {
  std::string out;
  for (const RateEdge& e : edges) {
    out += "\n[[transition]]\nfrom = \"" + e.from + "\"\nto = \"" + e.to + "\"\nrate = " + num(e.rate) + "\n";
    if (!e.multiplier_toml.empty()) out += "multiplier = " + e.multiplier_toml + "\n";
  }
  return out;
}

/// Generator matrix Q (rows sum to 0) of `edges` at calendar year `year`, states indexed as in
/// `scenario`.
inline Eigen::MatrixXd generator(const model::Scenario& scenario, const std::vector<RateEdge>& edges, double year) {
  const auto n = static_cast<Eigen::Index>(scenario.states.size());
  Eigen::MatrixXd Q = Eigen::MatrixXd::Zero(n, n);
  for (const RateEdge& e : edges) {
    const auto i = static_cast<Eigen::Index>(scenario.state_index(e.from));
    const auto j = static_cast<Eigen::Index>(scenario.state_index(e.to));
    const double q = e.rate * e.multiplier_at(year);
    Q(i, j) += q;
    Q(i, i) -= q;
  }
  return Q;
}

/// Expected occupancy m(t) of a Markov model with Poisson inflow, from m(t0) = m0:
/// m' = m Q(t) + lambda(t), with Q and lambda piecewise constant between `breaks` (calendar
/// years). Solved exactly with the augmented generator [[Q, 0], [lambda, 0]] on each piece.
inline Eigen::RowVectorXd expected_occupancy(const Eigen::RowVectorXd& m0, double t0, double t1,
                                             std::vector<double> breaks,
                                             const std::function<Eigen::MatrixXd(double)>& Q_at,
                                             const std::function<Eigen::RowVectorXd(double)>& lambda_at) {
  const Eigen::Index n = m0.size();
  Eigen::RowVectorXd x(n + 1);
  x << m0, 1.0;
  breaks.push_back(t1);
  std::sort(breaks.begin(), breaks.end());
  double cur = t0;
  for (double b : breaks) {
    if (b <= cur) continue;
    const double end = std::min(b, t1);
    const double mid = 0.5 * (cur + end);
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(n + 1, n + 1);
    A.topLeftCorner(n, n) = Q_at(mid);
    A.block(n, 0, 1, n) = lambda_at(mid);
    const Eigen::MatrixXd step = (A * (end - cur)).exp();
    x = x * step;
    cur = end;
    if (cur >= t1) break;
  }
  return x.head(n);
}

/// exp(Q h) and its integral ∫_0^h exp(Q s) ds, from the block matrix [[Q, I], [0, 0]].
inline std::pair<Eigen::MatrixXd, Eigen::MatrixXd> exp_and_integral(const Eigen::MatrixXd& Q, double h) {
  const Eigen::Index n = Q.rows();
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(2 * n, 2 * n);
  M.topLeftCorner(n, n) = Q;
  M.topRightCorner(n, n) = Eigen::MatrixXd::Identity(n, n);
  const Eigen::MatrixXd E = (M * h).exp();
  return {E.topLeftCorner(n, n), E.topRightCorner(n, n)};
}

/// Composite Simpson integral of f over [a, b] with `n` (even) intervals.
inline double simpson(const std::function<double(double)>& f, double a, double b, int n = 20000) {
  if (n % 2) ++n;
  const double h = (b - a) / n;
  double s = f(a) + f(b);
  for (int i = 1; i < n; ++i) s += f(a + i * h) * (i % 2 ? 4.0 : 2.0);
  return s * h / 3.0;
}

/// Base of every statistical test: prints the seed at the start and the largest |z| at the end.
class StatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = test_seed();
    RecordProperty("seed", std::to_string(seed_));
    std::printf("[ stat     ] seed = %llu (override with TREDE_TEST_SEED)\n", static_cast<unsigned long long>(seed_));
  }

  void TearDown() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string name = std::string(info->test_suite_name()) + "." + info->name();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", max_z_);
    RecordProperty("z_checks", std::to_string(checks_));
    RecordProperty("max_abs_z", buf);
    if (checks_ > 0)
      std::printf("[ stat     ] %s: max|z| = %s over %zu checks (at %s), seed = %llu\n", name.c_str(), buf, checks_,
                  max_what_.c_str(), static_cast<unsigned long long>(seed_));
    else
      std::printf("[ stat     ] %s: exact checks only, seed = %llu\n", name.c_str(),
                  static_cast<unsigned long long>(seed_));
    std::fflush(stdout);
  }

  std::uint64_t seed() const { return seed_; }

  /// Text for failure messages: how to rerun.
  std::string rerun() const { return " [seed " + std::to_string(seed_) + "; rerun with TREDE_TEST_SEED]"; }

  mc::RunOptions options(std::uint64_t replicates) const {
    mc::RunOptions o;
    o.replicates = replicates;
    o.seed = seed_;
    o.threads = 0;
    return o;
  }

  /// Expects |observed - expected| <= 4 se and records z = (observed - expected) / se.
  /// A zero standard error demands equality (to rounding). Failures point at the caller.
  double expect_z(const std::string& what, double observed, double expected, double se,
                  std::source_location where = std::source_location::current()) {
    if (!std::isfinite(observed) || !std::isfinite(expected) || !(se >= 0.0) || !std::isfinite(se)) {
      ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
          << what << ": not finite (observed " << observed << ", expected " << expected << ", se " << se << ")"
          << rerun();
      return 0.0;
    }
    if (se == 0.0) {
      if (!(std::fabs(observed - expected) <= 1e-9 * std::max(1.0, std::fabs(expected))))
        ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
            << what << ": observed " << observed << ", expected exactly " << expected << rerun();
      return 0.0;
    }
    return record_z(what, (observed - expected) / se, observed, expected, where, se);
  }

  /// Records z for `what` and fails when |z| > 4.
  double record_z(const std::string& what, double z, double observed, double expected, std::source_location where,
                  double se = std::numeric_limits<double>::quiet_NaN()) {
    ++checks_;
    if (verbose_) std::printf("[ z        ] %+.3f  %s\n", z, what.c_str());
    if (std::fabs(z) > max_z_) {
      max_z_ = std::fabs(z);
      max_what_ = what;
    }
    if (!(std::fabs(z) <= z_tolerance)) {
      ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
          << what << ": observed " << observed << ", expected " << expected
          << (std::isnan(se) ? std::string() : ", se " + std::to_string(se)) << ", z = " << z << " (tolerance "
          << z_tolerance << ")" << rerun();
    }
    return z;
  }

  /// Like expect_z for a count whose distribution is (close to) binomial or a sum of binomial
  /// and Poisson counts. When the expected count is small (< 100) the normal approximation
  /// breaks down (one person where 0.02 were expected would give z = 7), so the check uses the
  /// Poisson tail instead and records the equivalent normal z: the one-sided tail probability
  /// p is mapped to z = Φ⁻¹(1 − p), so |z| > 4 keeps the same false-alarm rate.
  double expect_count(const std::string& what, double observed, double expected, double se,
                      std::source_location where = std::source_location::current()) {
    if (!(expected > 0.0) || !(expected < poisson_below)) return expect_z(what, observed, expected, se, where);
    return record_z(what + " (Poisson tail)", poisson_z(observed, expected), observed, expected, where);
  }

  /// A mean fraction over `trials` independent Bernoulli(p) trials against p: binomial SE, or
  /// the Poisson tail of the rarer outcome when it is expected fewer than 100 times.
  double expect_binomial(const std::string& what, double observed_fraction, double p, double trials,
                         std::source_location where = std::source_location::current()) {
    const double rare = std::min(p, 1.0 - p) * trials;
    if (!(rare > 0.0) || !(rare < poisson_below))
      return expect_z(what, observed_fraction, p, std::sqrt(std::max(p * (1.0 - p), 0.0) / trials), where);
    const double z = p <= 0.5 ? poisson_z(observed_fraction * trials, p * trials)
                              : -poisson_z((1.0 - observed_fraction) * trials, (1.0 - p) * trials);
    return record_z(what + " (Poisson tail)", z, observed_fraction, p, where);
  }

  std::size_t checks() const { return checks_; }

  /// Expected counts below this use the Poisson tail rather than the normal approximation.
  static constexpr double poisson_below = 100.0;

  /// Normal-equivalent z of observing `observed` (rounded) from Poisson(`expected`).
  static double poisson_z(double observed, double expected) {
    const double k = std::round(observed);
    double z = 0.0;
    if (k > expected) {
      const double upper = boost::math::gamma_p(k, expected);  // P(X >= k), k >= 1
      z = upper >= 0.5 ? 0.0 : std::sqrt(2.0) * boost::math::erfc_inv(2.0 * upper);
    } else if (k < expected) {
      const double lower = boost::math::gamma_q(k + 1.0, expected);  // P(X <= k)
      z = lower >= 0.5 ? 0.0 : -std::sqrt(2.0) * boost::math::erfc_inv(2.0 * lower);
    }
    if (std::isnan(z) || std::isinf(z)) z = k > expected ? 1e300 : -1e300;
    return z;
  }

 private:
  std::uint64_t seed_ = default_seed;
  bool verbose_ = std::getenv("TREDE_STAT_VERBOSE") != nullptr;  // print every z (to study their spread)
  double max_z_ = 0.0;
  std::string max_what_ = "-";
  std::size_t checks_ = 0;
};

}  // namespace trede::stat_test
