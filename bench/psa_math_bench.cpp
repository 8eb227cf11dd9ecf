// Timings of the PSA mathematics at the sizes a PSA of the national model produces: 10,000
// draws, 5 options, 100 willingness-to-pay values, up to 50 uncertain parameters.
//   trede_psa_bench --benchmark_min_time=0.5
// (bench/README.md: timings are taken only on request, never in ctest.)

#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "trede/mc/decision.hpp"
#include "trede/mc/design_points.hpp"
#include "trede/mc/evppi.hpp"
#include "trede/mc/sensitivity.hpp"
#include "trede/mc/variance_split.hpp"
#include "trede/random/distributions.hpp"
#include "trede/random/parameter.hpp"

namespace {

using namespace trede;

constexpr std::size_t draws = 10000, options = 5, grid = 100;

// Deterministic pseudo-data: normal scores of a design's points.
std::vector<double> normals(std::size_t n, std::size_t dim, std::uint64_t seed) {
  const mc::UnitPoints p = mc::latin_hypercube_points(n, dim, seed);
  std::vector<double> z(p.values.size());
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = random::normal_quantile(p.values[i]);
  return z;
}

struct Psa {
  std::vector<double> theta, effect, cost, lambda;
};

// Five options whose effects and costs depend on 20 parameters plus noise.
const Psa& psa() {
  static const Psa p = [] {
    Psa s;
    constexpr std::size_t P = 20;
    s.theta = normals(draws, P, 1);
    const std::vector<double> noise = normals(draws, 2 * options, 2);
    s.effect.resize(options * draws);
    s.cost.resize(options * draws);
    for (std::size_t k = 0; k < options; ++k)
      for (std::size_t d = 0; d < draws; ++d) {
        const double* t = &s.theta[d * P];
        s.effect[k * draws + d] = 1000.0 + 20.0 * k * (1.0 + 0.2 * t[k]) + 5.0 * t[10] + noise[d * 2 * options + k];
        s.cost[k * draws + d] = 5e6 + 1e4 * k * (1.0 + 0.3 * t[k + 5]) + 2e3 * t[11] * t[12] + 100.0 * noise[d * 2 * options + options + k];
      }
    for (std::size_t l = 0; l < grid; ++l) s.lambda.push_back(50.0 * static_cast<double>(l));
    return s;
  }();
  return p;
}

void BM_SobolPoints(benchmark::State& state) {
  const auto dim = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(mc::sobol_points(8192, dim, 42));
  state.SetItemsProcessed(state.iterations() * 8192 * static_cast<std::int64_t>(dim));
}
BENCHMARK(BM_SobolPoints)->Arg(20)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_LatinHypercube(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(mc::latin_hypercube_points(draws, 50, 42));
}
BENCHMARK(BM_LatinHypercube)->Unit(benchmark::kMillisecond);

void BM_ParameterTransform(benchmark::State& state) {
  // 50 parameters: 10 each of beta, gamma, lognormal, truncated normal, and a correlated group of 10.
  random::JointDistribution joint;
  for (int i = 0; i < 10; ++i) {
    joint.add(random::ParameterDistribution::beta_mean_sd(0.1, 0.05));
    joint.add(random::ParameterDistribution::gamma_mean_sd(3.0, 1.0));
    joint.add(random::ParameterDistribution::lognormal(0.4, 0.25));
    joint.add(random::ParameterDistribution::normal(1.0, 0.5, 0.0));
  }
  std::vector<double> mean(10, -1.0), cov(100, 0.0);
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) cov[i * 10 + j] = (i == j ? 0.04 : 0.01);
  joint.add(random::CorrelatedGroup::log_normal(mean, cov));
  const mc::UnitPoints u = mc::sobol_points(draws, joint.dimension(), 7);
  for (auto _ : state) benchmark::DoNotOptimize(joint.transform_all(u.values));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(draws * joint.dimension()));
}
BENCHMARK(BM_ParameterTransform)->Unit(benchmark::kMillisecond);

void BM_VarianceSplit(benchmark::State& state) {
  const std::vector<double> y = normals(draws, 4, 3);
  for (auto _ : state) benchmark::DoNotOptimize(mc::variance_split(y, draws, 4));
}
BENCHMARK(BM_VarianceSplit)->Unit(benchmark::kMicrosecond);

void BM_Acceptability(benchmark::State& state) {
  const Psa& p = psa();
  for (auto _ : state)
    benchmark::DoNotOptimize(mc::acceptability({p.effect, options, draws}, {p.cost, options, draws}, p.lambda));
}
BENCHMARK(BM_Acceptability)->Unit(benchmark::kMillisecond);

void BM_IncrementalRatio(benchmark::State& state) {
  const Psa& p = psa();
  const auto e = std::span<const double>(p.effect), c = std::span<const double>(p.cost);
  for (auto _ : state)
    benchmark::DoNotOptimize(mc::incremental_ratio(e.subspan(draws, draws), e.first(draws), c.subspan(draws, draws),
                                                   c.first(draws), {0.95, 2000, 9}));
}
BENCHMARK(BM_IncrementalRatio)->Unit(benchmark::kMillisecond);

void BM_Evppi(benchmark::State& state) {
  const Psa& p = psa();
  std::vector<std::size_t> group;
  for (std::int64_t j = 0; j < state.range(0); ++j) group.push_back(static_cast<std::size_t>(j) + 10);
  for (auto _ : state)
    benchmark::DoNotOptimize(
        mc::evppi({p.theta, draws, 20}, group, {p.effect, options, draws}, {p.cost, options, draws}, p.lambda));
}
BENCHMARK(BM_Evppi)->Arg(1)->Arg(2)->Arg(3)->Arg(6)->Unit(benchmark::kMillisecond);

void BM_FirstOrderIndices(benchmark::State& state) {
  const Psa& p = psa();
  const auto y = std::span<const double>(p.cost).subspan(2 * draws, draws);
  for (auto _ : state) benchmark::DoNotOptimize(mc::first_order_indices({p.theta, draws, 20}, y));
}
BENCHMARK(BM_FirstOrderIndices)->Unit(benchmark::kMillisecond);

void BM_SobolIndices(benchmark::State& state) {
  const std::size_t n = 8192, groups = 20;
  const std::vector<double> y = normals(n * (groups + 2), 1, 5);
  for (auto _ : state) benchmark::DoNotOptimize(mc::sobol_indices(y, n, groups));
}
BENCHMARK(BM_SobolIndices)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
