// Probabilistic sensitivity analysis against mathematics: a Markov model whose exit rate is
// lognormal. Person i leaves state a by time t with probability p(θ) = 1 − exp(−θ t), so the
// mean occupancy of a is N·E_θ[exp(−θ t)] and, for Y = people gone by T, the parameter part of
// Var(Y) is N²·Var_θ(p(θ)) and the Monte Carlo part N·E_θ[p(θ)(1 − p(θ))] — all by quadrature
// over the lognormal. Also: the draws follow the declared distributions and correlations, and a
// PSA is the same for any thread count.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "stat_support.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/psa.hpp"
#include "trede/mc/variance_split.hpp"
#include "trede/random/distributions.hpp"

namespace {

using namespace trede;
using stat_test::StatTest;

constexpr double median = 0.4, sd_log = 0.5;
constexpr int people = 400;

std::string model_text() {
  return R"(
start_year = 2025
horizon_years = 3
[report]
step_years = 1
[[state]]
name = "a"
trede = 2
[[state]]
name = "b"
trede = 6
absorbing = true
[[transition]]
from = "a"
to = "b"
rate = 0.4
[[population]]
state = "a"
count = )" + std::to_string(people) + R"(
[uncertainty]
"transition[a->b].rate" = { dist = "lognormal", median = )" + stat_test::num(median) + R"(, sd_log = )" +
         stat_test::num(sd_log) + " }\n";
}

// E[f(θ)] for θ ~ lognormal(median, sd_log), by Simpson over the normal score.
double expect_over_rate(const std::function<double(double)>& f) {
  const double mu = std::log(median);
  return stat_test::simpson(
      [&](double z) { return f(std::exp(mu + sd_log * z)) * std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI); }, -9.0,
      9.0, 4000);
}

class Psa : public StatTest {
 protected:
  mc::Psa run(std::size_t draws, std::uint64_t replicates, mc::PointMethod method, int threads = 0,
              bool common_streams = false) {
    const auto s = model::parse_scenario(model_text(), "psa.toml");
    mc::PsaOptions o;
    o.run.replicates = replicates;
    o.run.seed = seed();
    o.run.threads = threads;
    o.draws = draws;
    o.method = method;
    o.common_streams = common_streams;
    mc::ThreadExecutor exec;
    return mc::psa(s, o, exec);
  }
};

TEST_F(Psa, MeanOccupancyIsTheExpectationOverTheUncertainRate) {
  const std::size_t D = 256, R = 4;
  const mc::Psa p = run(D, R, mc::PointMethod::latin_hypercube);
  const auto occ = mc::array<std::int32_t>(p.pooled, "occupancy");
  const std::size_t a = occ.index(mc::Dim::state, "a");
  for (std::size_t t = 1; t < occ.extent(1); ++t) {
    const double years = static_cast<double>(t);
    std::vector<double> y(D * R);
    for (std::size_t i = 0; i < D * R; ++i) y[i] = occ(i, t, a);
    const mc::VarianceSplit v = mc::variance_split(y, D, R);
    const double expected = people * expect_over_rate([&](double th) { return std::exp(-th * years); });
    expect_z("mean occupancy of a at year " + std::to_string(t), v.mean, expected, v.mean_se);
  }
}

TEST_F(Psa, VarianceSplitRecoversTheParameterAndMonteCarloParts) {
  const std::size_t D = 512, R = 4;
  const mc::Psa p = run(D, R, mc::PointMethod::latin_hypercube);
  const auto occ = mc::array<std::int32_t>(p.pooled, "occupancy");
  const std::size_t b = occ.index(mc::Dim::state, "b"), T = occ.extent(1) - 1;
  std::vector<double> y(D * R);
  for (std::size_t i = 0; i < D * R; ++i) y[i] = occ(i, T, b);
  const mc::VarianceSplit v = mc::variance_split(y, D, R);
  ASSERT_EQ(p.kpi_variance.size(), p.pooled.layout.K());
  const double years = static_cast<double>(T);
  auto pgone = [&](double th) { return 1.0 - std::exp(-th * years); };
  const double m1 = expect_over_rate(pgone), m2 = expect_over_rate([&](double th) { return pgone(th) * pgone(th); });
  const double parameter = people * people * (m2 - m1 * m1);
  const double monte_carlo = people * (m1 - m2);
  expect_z("Var_theta(E[Y|theta])", v.parameter_raw, parameter, v.parameter_se);
  expect_z("E_theta[Var(Y|theta)]", v.monte_carlo, monte_carlo, v.monte_carlo_se);
  EXPECT_GT(v.parameter_share, 0.9) << "the rate's uncertainty dominates with 400 people" << rerun();
}

TEST_F(Psa, WithCommonStreamsTheCrossedSplitKeepsTheParameterPartUnbiased) {
  // Replicate r of every draw shares its streams: the one-way estimator's parameter part would be
  // biased by -Var(stream effect)/R; the crossed one is not.
  const std::size_t D = 512, R = 4;
  const mc::Psa p = run(D, R, mc::PointMethod::latin_hypercube, 0, /*common_streams=*/true);
  EXPECT_EQ(p.stream(3, 1), p.stream(0, 1));
  const auto occ = mc::array<std::int32_t>(p.pooled, "occupancy");
  const std::size_t b = occ.index(mc::Dim::state, "b"), T = occ.extent(1) - 1;
  std::vector<double> y(D * R);
  for (std::size_t i = 0; i < D * R; ++i) y[i] = occ(i, T, b);
  const mc::VarianceSplit v = mc::variance_split_crossed(y, D, R);
  const double years = static_cast<double>(T);
  auto pgone = [&](double th) { return 1.0 - std::exp(-th * years); };
  const double m1 = expect_over_rate(pgone), m2 = expect_over_rate([&](double th) { return pgone(th) * pgone(th); });
  expect_z("Var_theta(E[Y|theta]) with common streams", v.parameter_raw, people * people * (m2 - m1 * m1), v.parameter_se);
}

TEST_F(Psa, DrawsFollowTheDeclaredDistributionsAndCorrelation) {
  const auto s = model::parse_scenario(model_text() + R"(
"state[a].cost_eur_per_year" = { dist = "gamma", mean = 1000, sd = 200 }
"state[b].cost_eur_per_year" = { dist = "triangular", min = 0, mode = 100, max = 400 }
[[uncertainty.correlated]]
keys = ["state[a].cost_eur_per_year", "state[b].cost_eur_per_year"]
correlation = [[1, -0.6], [-0.6, 1]]
)", "psa.toml");
  const model::Scenario* one[] = {&s};
  const std::size_t D = 1024;
  const mc::DrawSet d = mc::draw_parameters(one, D, mc::PointMethod::sobol, seed());
  ASSERT_EQ(d.keys.size(), 3u);
  const auto& u = s.uncertainty;
  std::vector<const random::ParameterDistribution*> dist = {&u.parameters[0].distribution,
                                                            &u.groups[0].group.marginals()[0],
                                                            &u.groups[0].group.marginals()[1]};
  for (std::size_t j = 0; j < 3; ++j) {
    std::vector<double> x(D);
    for (std::size_t i = 0; i < D; ++i) x[i] = d.draw(i)[j];
    std::sort(x.begin(), x.end());
    double ks = 0.0;  // Kolmogorov–Smirnov distance to the declared distribution
    for (std::size_t i = 0; i < D; ++i) {
      const double F = dist[j]->cdf(x[i]);
      ks = std::max({ks, std::fabs(F - static_cast<double>(i) / D), std::fabs(F - static_cast<double>(i + 1) / D)});
    }
    EXPECT_LT(ks, 1.63 / std::sqrt(static_cast<double>(D))) << d.keys[j] << " (1% critical value)" << rerun();
    const auto est = stat_test::estimate(x);
    expect_z(d.keys[j] + " mean", est.mean, dist[j]->mean(), std::sqrt(dist[j]->variance() / D));
  }
  // Normal scores of the correlated pair have the declared correlation.
  std::vector<double> z1(D), z2(D);
  for (std::size_t i = 0; i < D; ++i) {
    z1[i] = random::normal_quantile(dist[1]->cdf(d.draw(i)[1]));
    z2[i] = random::normal_quantile(dist[2]->cdf(d.draw(i)[2]));
  }
  const double r = std::inner_product(z1.begin(), z1.end(), z2.begin(), 0.0) /
                   std::sqrt(std::inner_product(z1.begin(), z1.end(), z1.begin(), 0.0) *
                             std::inner_product(z2.begin(), z2.end(), z2.begin(), 0.0));
  expect_z("normal-score correlation", r, -0.6, (1.0 - 0.36) / std::sqrt(static_cast<double>(D)));
}

TEST_F(Psa, IsTheSameForAnyThreadCount) {
  const mc::Psa one = run(16, 2, mc::PointMethod::sobol, 1), two = run(16, 2, mc::PointMethod::sobol, 2);
  const auto a = mc::replicate_arrays(one.pooled), b = mc::replicate_arrays(two.pooled);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(std::equal(a[i].bytes.begin(), a[i].bytes.end(), b[i].bytes.begin(), b[i].bytes.end())) << a[i].info->name;
  EXPECT_EQ(one.draws.values, two.draws.values);
  EXPECT_FALSE(one.pooled.per_region);
}

}  // namespace
