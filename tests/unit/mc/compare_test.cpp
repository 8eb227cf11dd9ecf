// trede compare: paired differences with common random numbers. The intervals must cover a
// difference known in closed form at the nominal rate, and common random numbers must reduce
// the variance of the differences.

#include "trede/mc/compare.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "test_seed.hpp"
#include "trede/error.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

// N people leave "a" at rate mu; E[absorbed by T] = N (1 - exp(-mu T)).
std::string decay(double mu, int people, double lambda = 0.0) {
  std::string s = R"(
name = "decay-)" + std::to_string(mu) + R"("
horizon_years = 2

[[state]]
name = "a"
trede = 2

[[state]]
name = "gone"
absorbing = true

[[transition]]
from = "a"
to = "gone"
rate = )" + std::to_string(mu) + R"(

[[population]]
state = "a"
count = )" + std::to_string(people) + "\n";
  if (lambda > 0) s += "\n[[inflow]]\nstate = \"a\"\nrate_per_year = " + std::to_string(lambda) + "\n";
  return s;
}

TEST(StudentT, MatchesTables) {
  EXPECT_NEAR(mc::student_t_quantile(0.975, 1), 12.706204736, 1e-8);
  EXPECT_NEAR(mc::student_t_quantile(0.975, 2), 4.302652730, 1e-8);
  EXPECT_NEAR(mc::student_t_quantile(0.975, 3), 3.182446305, 1e-8);
  EXPECT_NEAR(mc::student_t_quantile(0.975, 9), 2.262157163, 1e-8);
  EXPECT_NEAR(mc::student_t_quantile(0.975, 30), 2.042272456, 1e-8);
  EXPECT_NEAR(mc::student_t_quantile(0.95, 19), 1.729132812, 1e-8);
  EXPECT_NEAR(mc::student_t_quantile(0.025, 9), -2.262157163, 1e-8);
  EXPECT_NEAR(mc::student_t_quantile(0.995, 4), 4.604094871, 1e-8);
  EXPECT_NEAR(mc::student_t_quantile(0.975, 1000), 1.9623390808264074, 1e-10);  // scipy.stats.t.ppf
}

TEST(Compare, IntervalsCoverTheKnownDifference) {
  // absorbed_B - absorbed_A has expectation N (exp(-mu_A T) - exp(-mu_B T)); 200 comparisons of
  // 10 replicate pairs each, every one with its own seed: the 95% intervals should cover it in
  // about 95% of them (4 binomial SE: at least 176 of 200).
  const int N = 200;
  const double mu_a = 0.3, mu_b = 0.4, T = 2.0;
  const double truth = N * (std::exp(-mu_a * T) - std::exp(-mu_b * T));
  const std::vector<model::Scenario> s = {model::parse_scenario(decay(mu_a, N), "a.toml"),
                                          model::parse_scenario(decay(mu_b, N), "b.toml")};
  const int comparisons = 200;
  int covered = 0;
  double vr_sum = 0;
  const std::uint64_t base = trede::test::test_seed(7);
  for (int c = 0; c < comparisons; ++c) {
    mc::CompareOptions o;
    o.run.replicates = 10;
    o.run.seed = base + static_cast<std::uint64_t>(c);
    o.run.threads = 1;
    const auto cmp = mc::compare(s, o);
    const double lo = cmp.kpi[0].lo[engine::kpi_absorbed], hi = cmp.kpi[0].hi[engine::kpi_absorbed];
    covered += lo <= truth && truth <= hi;
    vr_sum += cmp.variance_reduction_kpi[0][engine::kpi_absorbed];
  }
  std::printf("coverage %d/%d of the true difference %.3f; mean variance reduction x%.1f (seeds %llu..)\n", covered,
              comparisons, truth, vr_sum / comparisons, static_cast<unsigned long long>(base));
  EXPECT_GE(covered, 176);
  EXPECT_LE(covered, 200);
  // With common random numbers each person's exponential draw is shared: the paired
  // differences vary far less than independent ones.
  EXPECT_GT(vr_sum / comparisons, 3.0);
}

TEST(PairedDifference, UnitsOfSeveralReplicatesAreAveragedFirst) {
  // Two draws of two replicates each, one column: differences 1, 3 | 10, 14 -> draw means 2, 12.
  const std::vector<double> a = {2, 4, 11, 15}, b = {1, 1, 1, 1};
  const mc::Difference d = mc::paired_difference(a, b, 4, 0.95, 2);
  EXPECT_DOUBLE_EQ(d.mean[0], 7.0);
  EXPECT_DOUBLE_EQ(d.sd[0], std::sqrt(50.0));
  const double half = mc::student_t_quantile(0.975, 1) * std::sqrt(50.0) / std::sqrt(2.0);
  EXPECT_DOUBLE_EQ(d.lo[0], 7.0 - half);
  EXPECT_DOUBLE_EQ(d.hi[0], 7.0 + half);
  // A replicate without a value is left out of its draw's mean; one unit only: no interval.
  const std::vector<double> c = {2, NAN, 11, 15};
  const mc::Difference e = mc::paired_difference(c, b, 4, 0.95, 2);
  EXPECT_DOUBLE_EQ(e.mean[0], (1.0 + 12.0) / 2);
  const mc::Difference f = mc::paired_difference(a, b, 4, 0.95, 4);
  EXPECT_DOUBLE_EQ(f.mean[0], 7.0);
  EXPECT_TRUE(std::isnan(f.sd[0]) && std::isnan(f.lo[0]));
  // One replicate per unit is the plain paired difference, bit for bit.
  const mc::Difference g = mc::paired_difference(a, b, 4, 0.95, 1), h = mc::paired_difference(a, b, 4, 0.95);
  EXPECT_EQ(std::memcmp(&g.lo[0], &h.lo[0], sizeof(double)), 0);
  EXPECT_THROW((void)mc::paired_difference(a, b, 4, 0.95, 3), Error);
}

TEST(Compare, PsaIntervalsTreatDrawsNotReplicatesAsIndependent) {
  // B's rate is uncertain, uniform on [0.3, 0.6]; A's is 0.3. With 4 replicates per draw, a
  // draw's replicates share its rate: the units of the paired differences are the 16 draws, each
  // the mean of its 4 replicates' differences, and the interval is Student's over those 16 (as the
  // decision summary's, docs/uncertainty-math.md §4.1), not over 64 runs taken as independent.
  // The expected difference of the people absorbed by T, N (E[1 - exp(-mu_B T)] - (1 - exp(-mu_A
  // T))), is in closed form; 200 comparisons must cover it at least at the nominal rate (the
  // Sobol draws are more even than independent ones, so the intervals are if anything
  // conservative).
  const int N = 200;
  const double mu_a = 0.3, lo = 0.3, hi = 0.6, T = 2.0;
  const double mean_exp_b = (std::exp(-lo * T) - std::exp(-hi * T)) / ((hi - lo) * T);
  const double truth = N * (std::exp(-mu_a * T) - mean_exp_b);
  const std::string uncertain = decay(mu_a, N) +
                                "\n[uncertainty]\n\"transition[a->gone].rate\" = { dist = \"uniform\", min = 0.3, max = 0.6 }\n";
  const std::vector<model::Scenario> s = {model::parse_scenario(decay(mu_a, N), "a.toml"),
                                          model::parse_scenario(uncertain, "b.toml")};
  const std::uint64_t base = trede::test::test_seed(11);
  const std::size_t D = 16, R = 4;
  int covered = 0;
  double width_ratio = 0.0;
  const int comparisons = 200;
  for (int c = 0; c < comparisons; ++c) {
    mc::CompareOptions o;
    o.run.replicates = R;
    o.run.seed = base + static_cast<std::uint64_t>(c);
    o.run.threads = 1;
    o.draws = D;
    const auto cmp = mc::compare(s, o);
    ASSERT_EQ(cmp.replicates_per_draw, R);
    const auto k = static_cast<std::size_t>(engine::kpi_absorbed);
    const std::size_t K = cmp.ensembles[0].values<double>("kpi").size() / (D * R);
    const auto& va = cmp.ensembles[1].values<double>("kpi");
    const auto& vb = cmp.ensembles[0].values<double>("kpi");
    std::vector<double> x(D, 0.0);  // the draws' mean differences, computed here
    for (std::size_t d = 0; d < D; ++d)
      for (std::size_t r = 0; r < R; ++r) x[d] += (va[(d * R + r) * K + k] - vb[(d * R + r) * K + k]) / R;
    double mean = 0.0, ss = 0.0;
    for (const double v : x) mean += v / D;
    for (const double v : x) ss += (v - mean) * (v - mean);
    const double half = mc::student_t_quantile(0.975, D - 1) * std::sqrt(ss / (D - 1)) / std::sqrt(double(D));
    EXPECT_NEAR(cmp.kpi[0].mean[k], mean, 1e-9 * (1 + std::fabs(mean)));
    EXPECT_NEAR(cmp.kpi[0].hi[k] - cmp.kpi[0].lo[k], 2 * half, 1e-9 * (1 + half));
    covered += cmp.kpi[0].lo[k] <= truth && truth <= cmp.kpi[0].hi[k];
    // Over the 64 runs as if independent the interval would be narrower: the parameter spread
    // counted 64 times instead of 16.
    const mc::Difference runs = mc::paired_difference(va, vb, D * R, 0.95);
    width_ratio += (runs.hi[k] - runs.lo[k]) / (cmp.kpi[0].hi[k] - cmp.kpi[0].lo[k]) / comparisons;
  }
  std::printf("coverage of %.3f: %d/%d; mean width over the runs / over the draws %.3f (seeds %llu..)\n", truth, covered,
              comparisons, width_ratio, static_cast<unsigned long long>(base));
  EXPECT_GE(covered, 176);
  EXPECT_LT(width_ratio, 0.8);
}

TEST(Compare, PerPeriodDifferencesAddUpToTheRunDifference) {
  const std::vector<model::Scenario> s = {model::parse_scenario(decay(0.3, 500, 100), "a.toml"),
                                          model::parse_scenario(decay(0.5, 500, 150), "b.toml")};
  mc::CompareOptions o;
  o.run.replicates = 8;
  o.run.seed = trede::test::test_seed(11);
  o.run.threads = 2;
  const auto c = mc::compare(s, o);
  const auto& L = c.ensembles[0].layout;
  for (std::size_t k : {engine::kpp_absorbed, engine::kpp_arrivals}) {
    double sum = 0;
    for (std::size_t p = 0; p < L.P(); ++p) sum += c.kpi_period[0].mean[p * L.Kp() + k];
    const std::size_t whole = k == engine::kpp_absorbed ? engine::kpi_absorbed : engine::kpi_arrivals;
    EXPECT_NEAR(sum, c.kpi[0].mean[whole], 1e-9 * (1 + std::fabs(sum))) << L.kpi_period_names[k];
  }
  // The reference's own runs equal a plain run with the same seed (the comparison adds nothing).
  mc::RunOptions ro = o.run;
  const auto plain = mc::run(s[0], ro);
  ASSERT_EQ(plain.values<double>("kpi").size(), c.ensembles[0].values<double>("kpi").size());
  EXPECT_EQ(std::memcmp(plain.values<double>("kpi").data(), c.ensembles[0].values<double>("kpi").data(),
                        plain.values<double>("kpi").size() * sizeof(double)),
            0);
  // Independent streams use disjoint replicates.
  ASSERT_EQ(c.independent.size(), 1u);
  EXPECT_EQ(c.independent[0].first_replicate, o.run.first_replicate + o.run.replicates);
}

TEST(Compare, RejectsScenariosWithDifferentReportGrids) {
  std::string other = decay(0.3, 10);
  other.replace(other.find("horizon_years = 2"), 17, "horizon_years = 3");
  const std::vector<model::Scenario> s = {model::parse_scenario(decay(0.3, 10), "a.toml"),
                                          model::parse_scenario(other, "b.toml")};
  mc::CompareOptions o;
  o.run.replicates = 2;
  EXPECT_THROW((void)mc::compare(s, o), ModelError);
  EXPECT_THROW((void)mc::compare({s[0]}, o), ModelError);
}

// Ensembles run elsewhere (the CLI, MPI) are checked too: different grids, replicates or seeds
// must not reach the paired differences, which index both by the reference's shape.
TEST(Compare, CompareEnsemblesRejectsEnsemblesThatDoNotPair) {
  std::string other = decay(0.3, 10);
  other.replace(other.find("horizon_years = 2"), 17, "horizon_years = 3");
  mc::RunOptions ro;
  ro.replicates = 2;
  const auto a = mc::run(model::parse_scenario(decay(0.3, 10), "a.toml"), ro);
  const auto longer = mc::run(model::parse_scenario(other, "b.toml"), ro);
  EXPECT_THROW((void)mc::compare_ensembles({"a", "b"}, {a, longer}, {}, 0.95), ModelError);
  ro.seed = 2;
  const auto reseeded = mc::run(model::parse_scenario(decay(0.3, 10), "a.toml"), ro);
  EXPECT_THROW((void)mc::compare_ensembles({"a", "b"}, {a, reseeded}, {}, 0.95), Error);
  EXPECT_THROW((void)mc::compare_ensembles({"a"}, {a, a}, {}, 0.95), Error);
  EXPECT_NO_THROW((void)mc::compare_ensembles({"a", "b"}, {a, a}, {}, 0.95));
}

}  // namespace
