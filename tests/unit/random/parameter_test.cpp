// Parameter distributions: draws by inversion reproduce each distribution (closed-form mean
// and variance, Kolmogorov–Smirnov), bad parameters are reported with the entry and the valid
// range, supports are checked against key domains, and correlated groups reproduce their
// declared correlations (normal scores exactly, Spearman by the Gaussian-copula formula).

#include "trede/random/parameter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <numeric>

#include "psa_test_support.hpp"
#include "trede/error.hpp"
#include "trede/random/distributions.hpp"

namespace trede::random {
namespace {

using trede::test::expect_ks;
using trede::test::expect_z;
using trede::test::Uniforms;

constexpr double inf = std::numeric_limits<double>::infinity();

struct Case {
  std::string name;
  ParameterDistribution d;
};

std::vector<Case> cases() {
  return {
      {"uniform(2, 5)", ParameterDistribution::uniform(2.0, 5.0)},
      {"triangular(0, 1, 4)", ParameterDistribution::triangular(0.0, 1.0, 4.0)},
      {"triangular(0, 0, 1)", ParameterDistribution::triangular(0.0, 0.0, 1.0)},
      {"triangular(0, 1, 1)", ParameterDistribution::triangular(0.0, 1.0, 1.0)},
      {"normal(3, 2)", ParameterDistribution::normal(3.0, 2.0)},
      {"normal(1, 1) on [0, inf)", ParameterDistribution::normal(1.0, 1.0, 0.0)},
      {"normal(0, 1) on [3, 5]", ParameterDistribution::normal(0.0, 1.0, 3.0, 5.0)},
      {"normal(0, 1) on (-inf, -3]", ParameterDistribution::normal(0.0, 1.0, -inf, -3.0)},
      {"normal(0, 2) on [-1, 0.5]", ParameterDistribution::normal(0.0, 2.0, -1.0, 0.5)},
      {"lognormal(median 0.4, sd_log 0.25)", ParameterDistribution::lognormal(0.4, 0.25)},
      {"lognormal(mean 10, sd 5)", ParameterDistribution::lognormal_mean_sd(10.0, 5.0)},
      {"gamma(0.5, 2)", ParameterDistribution::gamma(0.5, 2.0)},
      {"gamma(mean 3, sd 1)", ParameterDistribution::gamma_mean_sd(3.0, 1.0)},
      {"beta(0.5, 0.5)", ParameterDistribution::beta(0.5, 0.5)},
      {"beta(mean 0.1, sd 0.05)", ParameterDistribution::beta_mean_sd(0.1, 0.05)},
      {"beta(2, 30)", ParameterDistribution::beta(2.0, 30.0)},
  };
}

TEST(ParameterDistribution, DrawsReproduceMeanVarianceAndDistribution) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  constexpr std::size_t n = 40000;
  std::uint64_t stream = 0;
  for (const Case& c : cases()) {
    Uniforms u(seed, stream++);
    std::vector<double> x(n);
    for (double& v : x) v = c.d.quantile(u());
    const auto m = trede::test::mean_se(x);
    expect_z(m.mean, c.d.mean(), std::sqrt(c.d.variance() / n), c.name + " mean", seed);
    // The sample variance's standard error from the sample's fourth central moment.
    double m4 = 0.0;
    for (double v : x) m4 += std::pow(v - m.mean, 4) / n;
    const double var_se = std::sqrt(std::max(m4 - m.sd * m.sd * m.sd * m.sd, 0.0) / n);
    expect_z(m.sd * m.sd, c.d.variance(), var_se, c.name + " variance", seed);
    expect_ks(x, [&](double v) { return c.d.cdf(v); }, c.name, seed);
    for (double v : x) EXPECT_TRUE(c.d.support().contains(v)) << c.name << " drew " << v << " outside its support";
  }
}

TEST(ParameterDistribution, QuantileInvertsTheDistributionFunction) {
  for (const Case& c : cases())
    for (double u : {1e-12, 1e-6, 0.01, 0.2, 0.5, 0.7, 0.99, 1.0 - 1e-6}) {
      const double x = c.d.quantile(u);
      // Relative accuracy, down to about 1e-14 absolute (a truncated tail loses digits to cancellation).
      EXPECT_NEAR(c.d.cdf(x), u, 1e-9 * u + 1e-14) << c.name << " at u = " << u;
    }
}

TEST(ParameterDistribution, MomentFormsHitTheirMoments) {
  const auto beta = ParameterDistribution::beta_mean_sd(0.1, 0.05);
  EXPECT_NEAR(beta.mean(), 0.1, 1e-15);
  EXPECT_NEAR(std::sqrt(beta.variance()), 0.05, 1e-15);
  EXPECT_NEAR(beta.parameters()[0], 3.5, 1e-12);  // ν = 0.09/0.0025 − 1 = 35
  EXPECT_NEAR(beta.parameters()[1], 31.5, 1e-12);
  const auto gamma = ParameterDistribution::gamma_mean_sd(3.0, 1.0);
  EXPECT_NEAR(gamma.mean(), 3.0, 1e-14);
  EXPECT_NEAR(gamma.variance(), 1.0, 1e-14);
  const auto logn = ParameterDistribution::lognormal_mean_sd(10.0, 5.0);
  EXPECT_NEAR(logn.mean(), 10.0, 1e-12);
  EXPECT_NEAR(logn.variance(), 25.0, 1e-10);
  const auto median = ParameterDistribution::lognormal(0.4, 0.25);
  EXPECT_NEAR(median.quantile(0.5), 0.4, 1e-15);
  // The truncated normal's closed forms against direct quadrature of x·f(x) on [a, b].
  const auto tn = ParameterDistribution::normal(0.0, 2.0, -1.0, 0.5);
  double mass = 0.0, m1 = 0.0, m2 = 0.0;
  constexpr int steps = 200000;
  for (int i = 0; i < steps; ++i) {
    const double x = -1.0 + 1.5 * (i + 0.5) / steps;
    const double f = std::exp(-x * x / 8.0);
    mass += f, m1 += x * f, m2 += x * x * f;
  }
  EXPECT_NEAR(tn.mean(), m1 / mass, 1e-9);
  EXPECT_NEAR(tn.variance(), m2 / mass - (m1 / mass) * (m1 / mass), 1e-9);
}

TEST(ParameterDistribution, EdgesOfTheUnitIntervalGiveFiniteValuesInsideTheSupport) {
  for (const Case& c : cases())
    for (double u : {0.0, 1.0, -0.5, 2.0, std::nan("")}) {
      const double x = c.d.quantile(u);
      EXPECT_TRUE(std::isfinite(x)) << c.name << " at u = " << u;
      EXPECT_TRUE(c.d.support().contains(x)) << c.name << " at u = " << u << " gave " << x;
    }
}

// The diagnostics of one bad distribution, as "key: message" lines.
std::vector<std::string> problems_of(const std::function<void()>& make) {
  std::vector<std::string> out;
  try {
    make();
  } catch (const ModelError& e) {
    for (const auto& d : e.diagnostics()) out.push_back(d.key + ": " + d.message);
  }
  return out;
}

TEST(ParameterDistribution, BadParametersNameTheEntryAndTheValidRange) {
  EXPECT_EQ(problems_of([] { (void)ParameterDistribution::uniform(3.0, 1.0); }),
            std::vector<std::string>{"max: must be > min = 3 (got 1)"});
  EXPECT_EQ(problems_of([] { (void)ParameterDistribution::triangular(0.0, 2.0, 1.0); }),
            std::vector<std::string>{"mode: must lie in [min, max] = [0, 1] (got 2)"});
  EXPECT_EQ(problems_of([] { (void)ParameterDistribution::normal(0.0, -1.0); }),
            std::vector<std::string>{"sd: must be > 0 (got -1)"});
  const auto far = problems_of([] { (void)ParameterDistribution::normal(0.0, 1.0, 40.0, 41.0); });
  ASSERT_EQ(far.size(), 1u);
  EXPECT_NE(far[0].find("holds no probability"), std::string::npos) << far[0];
  // Every problem at once.
  EXPECT_EQ(problems_of([] { (void)ParameterDistribution::gamma(0.0, -2.0); }),
            (std::vector<std::string>{"shape: must be > 0 (got 0)", "scale: must be > 0 (got -2)"}));
  EXPECT_EQ(problems_of([] { (void)ParameterDistribution::lognormal(-1.0, 0.0); }),
            (std::vector<std::string>{"median: must be > 0 (got -1)", "sd_log: must be > 0 (got 0)"}));
  const auto wide = problems_of([] { (void)ParameterDistribution::beta_mean_sd(0.1, 0.4); });
  ASSERT_EQ(wide.size(), 1u);
  EXPECT_EQ(wide[0].rfind("sd: must be < sqrt(mean·(1 − mean)) = 0.3 for mean 0.1 (got 0.4)", 0), 0u) << wide[0];
  // At the limit, whichever side rounding puts it on, the shapes vanish (every draw 0 or 1):
  // refused for mean 0.1 and 0.9 alike, with the digits that show why. sqrt(0.1·0.9) rounds to
  // 0.30000000000000004, so sd = 0.3 is below it as a double but only by rounding.
  for (const double mean : {0.1, 0.9})
    for (const double sd : {0.3, 0.30000000000000004}) {
      const auto edge = problems_of([=] { (void)ParameterDistribution::beta_mean_sd(mean, sd); });
      ASSERT_EQ(edge.size(), 1u) << mean << " " << sd;
      const bool every_digit = edge[0].find("= 0.30000000000000004 for") != std::string::npos ||
                               edge[0].find("= 0.29999999999999999 for") != std::string::npos;
      EXPECT_TRUE(every_digit) << edge[0];
      EXPECT_EQ(edge[0].rfind("sd: must be < sqrt(mean·(1 − mean)) = ", 0), 0u) << edge[0];
    }
  EXPECT_NE(problems_of([] { (void)ParameterDistribution::beta_mean_sd(0.1, 0.3); })[0].find("(got 0.29999999999999999, too close to it: the shapes would be below 1e-9"),
            std::string::npos);
  // Just inside the limit it is a (very wide) beta with positive shapes.
  const auto close = ParameterDistribution::beta_mean_sd(0.1, 0.2999);
  EXPECT_GT(close.parameters()[0], 0.0);
  EXPECT_GT(close.parameters()[1], 0.0);
  EXPECT_EQ(problems_of([] { (void)ParameterDistribution::beta_mean_sd(1.5, 0.1); }),
            std::vector<std::string>{"mean: must lie in (0, 1) (got 1.5)"});
  EXPECT_EQ(problems_of([] { (void)ParameterDistribution::uniform(std::nan(""), 1.0); }),
            std::vector<std::string>{"min: must be a finite number (got nan)"});
}

TEST(MakeDistribution, BuildsEachFormFromNamedEntries) {
  const auto make = [](const char* family, std::vector<NamedValue> v) { return make_distribution(family, v); };
  EXPECT_EQ(make("beta", {{"mean", 0.1}, {"sd", 0.05}}).to_string(), "beta(a = 3.5, b = 31.5)");
  EXPECT_EQ(make("beta", {{"a", 2}, {"b", 3}}).to_string(), "beta(a = 2, b = 3)");
  EXPECT_EQ(make("lognormal", {{"median", 0.4}, {"sd_log", 0.25}}).to_string(), "lognormal(median = 0.4, sd_log = 0.25)");
  EXPECT_NEAR(make("lognormal", {{"mean", 10}, {"sd", 5}}).mean(), 10.0, 1e-12);
  EXPECT_EQ(make("gamma", {{"shape", 2}, {"scale", 3}}).to_string(), "gamma(shape = 2, scale = 3)");
  EXPECT_EQ(make("normal", {{"mean", 1}, {"sd", 2}, {"lower", 0}}).to_string(), "normal(mean = 1, sd = 2, lower = 0)");
  EXPECT_EQ(make("uniform", {{"min", 1}, {"max", 2}}).to_string(), "uniform(min = 1, max = 2)");
  EXPECT_EQ(make("triangular", {{"min", 0}, {"mode", 1}, {"max", 3}}).to_string(),
            "triangular(min = 0, mode = 1, max = 3)");
}

TEST(MakeDistribution, ReportsUnknownMissingConflictingAndRepeatedEntries) {
  const auto problems = [](const char* family, std::vector<NamedValue> v) {
    return problems_of([&] { (void)make_distribution(family, v); });
  };
  EXPECT_EQ(problems("weibull", {{"shape", 1}}),
            std::vector<std::string>{"dist: unknown distribution 'weibull'; known: uniform, triangular, normal, lognormal, gamma, beta"});
  EXPECT_EQ(problems("lognormal", {{"median", 1}}),
            std::vector<std::string>{"dist: a lognormal distribution needs median and sd_log, or mean and sd"});
  EXPECT_EQ(problems("lognormal", {{"median", 1}, {"sdlog", 0.2}}),
            std::vector<std::string>{"sdlog: is not an entry of a lognormal distribution; it takes median and sd_log, or mean and sd"});
  EXPECT_EQ(problems("beta", {{"mean", 0.1}, {"sd", 0.05}, {"a", 2}}),
            std::vector<std::string>{"a: conflicts with mean and sd; a beta distribution takes mean and sd, or a and b, not both"});
  EXPECT_EQ(problems("uniform", {{"min", 0}, {"min", 1}, {"max", 2}}), std::vector<std::string>{"min: is given twice"});
  EXPECT_EQ(problems("normal", {{"mean", 0}, {"sd", 1}, {"upper", -1}, {"lower", 1}}),
            std::vector<std::string>{"upper: must be > lower = 1 (got -1)"});
}

TEST(SupportProblem, AcceptsDistributionsInsideTheDomainAndExplainsTheOthers) {
  EXPECT_EQ(support_problem(ParameterDistribution::beta(2, 3), Interval::probability()), "");
  EXPECT_EQ(support_problem(ParameterDistribution::lognormal(0.4, 0.3), Interval::positive()), "");
  EXPECT_EQ(support_problem(ParameterDistribution::gamma(2, 3), Interval::non_negative()), "");
  EXPECT_EQ(support_problem(ParameterDistribution::uniform(0.1, 0.5), Interval::positive()), "");
  EXPECT_EQ(support_problem(ParameterDistribution::normal(100, 30, 0), Interval::non_negative()), "");
  EXPECT_EQ(support_problem(ParameterDistribution::normal(100, 30), Interval::non_negative()),
            "a normal distribution with these parameters takes values in (-inf, inf) but the key needs values in "
            "[0, inf); truncate it (lower = 0) or use a lognormal or gamma distribution");
  EXPECT_EQ(support_problem(ParameterDistribution::uniform(0.0, 0.5), Interval::positive()),
            "a uniform distribution with these parameters takes values in [0, 0.5] but the key needs values in "
            "(0, inf); use a lognormal or gamma distribution, or bounds inside (0, inf)");
  EXPECT_EQ(support_problem(ParameterDistribution::gamma(2, 0.1), Interval::probability()),
            "a gamma distribution takes values in (0, inf) but the key needs values in [0, 1]; use a beta "
            "distribution, or bounds inside [0, 1]");
  EXPECT_EQ(support_problem(ParameterDistribution::normal(0.5, 0.1, 0.0, 1.0), Interval::probability()), "");
}

TEST(Interval, ContainsRespectsOpenAndClosedEnds) {
  EXPECT_TRUE(Interval::non_negative().contains(Interval::positive()));
  EXPECT_FALSE(Interval::positive().contains(Interval::non_negative()));
  EXPECT_TRUE(Interval::probability().contains(Interval{0.0, 1.0, true, true}));
  EXPECT_FALSE(Interval::positive().contains(0.0));
  EXPECT_TRUE(Interval::non_negative().contains(0.0));
  EXPECT_EQ(Interval::probability().to_string(), "[0, 1]");
  EXPECT_EQ(Interval::positive().to_string(), "(0, inf)");
}

// Sample correlation of two columns.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const auto ma = trede::test::mean_se(a), mb = trede::test::mean_se(b);
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - ma.mean) * (b[i] - mb.mean);
  return s / static_cast<double>(a.size() - 1) / (ma.sd * mb.sd);
}

std::vector<double> ranks(const std::vector<double>& x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < order.size(); ++i) r[order[i]] = static_cast<double>(i);
  return r;
}

TEST(CorrelatedGroup, ReproducesMarginalsNormalScoreAndRankCorrelations) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  const std::vector<double> R = {1.0, 0.6, -0.3,  //
                                 0.6, 1.0, 0.2,   //
                                 -0.3, 0.2, 1.0};
  const CorrelatedGroup g({ParameterDistribution::beta_mean_sd(0.1, 0.05), ParameterDistribution::gamma(0.7, 2.0),
                           ParameterDistribution::triangular(-1.0, 0.0, 3.0)},
                          R);
  // Batches give the standard errors of the correlations without formulas for each kind.
  constexpr std::size_t batches = 25, per_batch = 2000;
  std::vector<std::vector<double>> all(3);
  std::vector<std::vector<double>> normal_r(3), spearman_r(3);  // per pair (01, 02, 12): batch values
  Uniforms u(seed);
  for (std::size_t b = 0; b < batches; ++b) {
    std::vector<std::vector<double>> x(3, std::vector<double>(per_batch));
    for (std::size_t i = 0; i < per_batch; ++i) {
      double uu[3] = {u(), u(), u()}, xx[3];
      g.transform(uu, xx);
      for (int j = 0; j < 3; ++j) x[j][i] = xx[j], all[j].push_back(xx[j]);
    }
    std::vector<std::vector<double>> scores(3, std::vector<double>(per_batch));
    for (int j = 0; j < 3; ++j)
      for (std::size_t i = 0; i < per_batch; ++i) scores[j][i] = normal_quantile(g.marginals()[j].cdf(x[j][i]));
    int pair = 0;
    for (int j = 0; j < 3; ++j)
      for (int l = j + 1; l < 3; ++l, ++pair) {
        normal_r[pair].push_back(correlation(scores[j], scores[l]));
        spearman_r[pair].push_back(correlation(ranks(x[j]), ranks(x[l])));
      }
  }
  for (int j = 0; j < 3; ++j)
    expect_ks(all[j], [&](double v) { return g.marginals()[j].cdf(v); }, "marginal " + std::to_string(j), seed);
  int pair = 0;
  for (int j = 0; j < 3; ++j)
    for (int l = j + 1; l < 3; ++l, ++pair) {
      const double rho = R[j * 3 + l];
      const auto n = trede::test::mean_se(normal_r[pair]);
      const auto s = trede::test::mean_se(spearman_r[pair]);
      const std::string what = "pair " + std::to_string(j) + "," + std::to_string(l);
      expect_z(n.mean, rho, n.se, what + " normal-score correlation", seed);
      expect_z(s.mean, 6.0 / std::numbers::pi * std::asin(rho / 2.0), s.se, what + " Spearman correlation", seed);
    }
}

TEST(CorrelatedGroup, LogNormalGroupIsAMultivariateNormalOfTheLogs) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  const std::vector<double> mu = {std::log(0.4), std::log(0.05)};
  const std::vector<double> cov = {0.04, -0.018,  //
                                   -0.018, 0.09};
  const CorrelatedGroup g = CorrelatedGroup::log_normal(mu, cov);
  EXPECT_NEAR(g.marginals()[0].quantile(0.5), 0.4, 1e-14);
  EXPECT_NEAR(g.correlation()[1], -0.018 / (0.2 * 0.3), 1e-14);
  constexpr std::size_t n = 40000;
  Uniforms u(seed);
  std::vector<double> l0(n), l1(n);
  for (std::size_t i = 0; i < n; ++i) {
    double uu[2] = {u(), u()}, x[2];
    g.transform(uu, x);
    ASSERT_GT(x[0], 0.0);
    l0[i] = std::log(x[0]), l1[i] = std::log(x[1]);
  }
  const auto m0 = trede::test::mean_se(l0), m1 = trede::test::mean_se(l1);
  expect_z(m0.mean, mu[0], std::sqrt(cov[0] / n), "mean of log x0", seed);
  expect_z(m1.mean, mu[1], std::sqrt(cov[3] / n), "mean of log x1", seed);
  double c01 = 0.0;
  for (std::size_t i = 0; i < n; ++i) c01 += (l0[i] - m0.mean) * (l1[i] - m1.mean) / (n - 1);
  // Var of a sample covariance of a bivariate normal: (σ0²σ1² + σ01²)/n.
  expect_z(c01, cov[1], std::sqrt((cov[0] * cov[3] + cov[1] * cov[1]) / n), "covariance of the logs", seed);
  expect_z(m0.sd * m0.sd, cov[0], cov[0] * std::sqrt(2.0 / n), "variance of log x0", seed);
}

TEST(CorrelatedGroup, RejectsMatricesThatAreNotCorrelations) {
  const auto p = ParameterDistribution::uniform(0, 1);
  const auto make = [&](std::vector<double> r, std::size_t k = 3) {
    return problems_of([&] { (void)CorrelatedGroup(std::vector<ParameterDistribution>(k, p), r); });
  };
  const auto not_pd = make({1.0, 0.9, 0.9, 0.9, 1.0, -0.9, 0.9, -0.9, 1.0});
  ASSERT_EQ(not_pd.size(), 1u);
  EXPECT_NE(not_pd[0].find("correlation: is not positive definite"), std::string::npos) << not_pd[0];
  EXPECT_NE(not_pd[0].find("parameters 0..2"), std::string::npos) << not_pd[0];
  EXPECT_EQ(make({1.0, 0.5, 0.4, 1.0}, 2),
            std::vector<std::string>{"correlation[0][1]: must equal correlation[1][0] = 0.4 (got 0.5); a correlation matrix is symmetric"});
  EXPECT_EQ(make({2.0, 0.0, 0.0, 1.0}, 2), std::vector<std::string>{"correlation[0][0]: must be 1 (got 2)"});
  EXPECT_EQ(make({1.0, 1.5, 1.5, 1.0}, 2),
            (std::vector<std::string>{"correlation[0][1]: must lie in [-1, 1] (got 1.5)",
                                      "correlation[1][0]: must lie in [-1, 1] (got 1.5)"}));
  EXPECT_EQ(make({1.0, 0.0, 0.0}, 2),
            std::vector<std::string>{"correlation: must be 2×2 (one row and column per parameter); got 3 entries"});
  const auto cov = problems_of([] { (void)CorrelatedGroup::log_normal(std::vector<double>{0.0, 0.0}, std::vector<double>{1.0, 2.0, 2.0, 1.0}); });
  ASSERT_FALSE(cov.empty());
  EXPECT_EQ(cov[0], "covariance[0][1]: implies a correlation of 2, outside [-1, 1]");
  const auto neg = problems_of([] { (void)CorrelatedGroup::normal(std::vector<double>{0.0}, std::vector<double>{-1.0}); });
  EXPECT_EQ(neg, std::vector<std::string>{"covariance[0][0]: a variance must be finite and > 0 (got -1)"});
}

TEST(JointDistribution, MapsDesignCoordinatesToParametersBlockByBlock) {
  JointDistribution joint;
  EXPECT_EQ(joint.add(ParameterDistribution::uniform(0, 10)), 0u);
  EXPECT_EQ(joint.add(CorrelatedGroup::normal(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0, 0.5, 0.5, 1.0})), 1u);
  EXPECT_EQ(joint.add(ParameterDistribution::beta(2, 2)), 3u);
  EXPECT_EQ(joint.dimension(), 4u);
  EXPECT_EQ(joint.blocks(), (std::vector<std::vector<std::size_t>>{{0}, {1, 2}, {3}}));
  EXPECT_EQ(joint.marginal(2).to_string(), "normal(mean = 2, sd = 1)");
  const std::vector<double> u = {0.25, 0.5, 0.5, 0.5, 0.9, 0.1, 0.2, 0.3};
  const std::vector<double> theta = joint.transform_all(u);
  ASSERT_EQ(theta.size(), 8u);
  EXPECT_DOUBLE_EQ(theta[0], 2.5);
  EXPECT_DOUBLE_EQ(theta[1], 1.0);  // z = 0 in both coordinates: the means
  EXPECT_DOUBLE_EQ(theta[2], 2.0);
  EXPECT_DOUBLE_EQ(theta[3], 0.5);
  EXPECT_DOUBLE_EQ(theta[4], 9.0);
  // Second group coordinate: w = 0.5·z0 + √0.75·z1.
  const double z0 = normal_quantile(0.1), z1 = normal_quantile(0.2);
  EXPECT_NEAR(theta[5], 1.0 + z0, 1e-14);
  EXPECT_NEAR(theta[6], 2.0 + 0.5 * z0 + std::sqrt(0.75) * z1, 1e-14);
  EXPECT_THROW((void)joint.transform_all(std::vector<double>(5)), Error);
}

}  // namespace
}  // namespace trede::random
