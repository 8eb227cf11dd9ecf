// Benchmarks of the scenario layer (see bench/README.md, "Scenario parameters"): what a sweep
// point, calibration candidate or draw of uncertain parameters costs before it runs.
//
//   model/reparse       parse_scenario of the national benchmark text with three --set values
//   model/with_values   with_values with the same three keys (transition rate, state capacity,
//                       one region's capacity): a copy of the scenario and three writes
//   model/copy          copying the Scenario alone, the floor under with_values
//   model/numeric_keys  numeric_keys for the three keys (one parse of the text, done once per sweep)
//
// All on bench/national/gemeenten-342.toml (342 regions, 6,357 lines), one thread.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "trede/model/key_path.hpp"
#include "trede/model/load.hpp"

namespace {

const trede::model::Scenario& national() {
  static const trede::model::Scenario s =
      trede::model::load_scenario(std::string(TREDE_BENCH_DIR) + "/national/gemeenten-342.toml");
  return s;
}

const std::vector<trede::model::KeyPath>& keys() {
  static const std::vector<trede::model::KeyPath> k = {
      trede::model::KeyPath::parse("transition[bijstand->diagnose].rate"),
      trede::model::KeyPath::parse("state[beschut_werk].capacity"),
      trede::model::KeyPath::parse("region[gemeente-001].capacity.tussengroep")};
  return k;
}

// A different point each iteration (as in a sweep), all in range.
std::vector<double> point(std::int64_t i) {
  return {0.4 + 0.001 * static_cast<double>(i % 100), 90.0 + static_cast<double>(i % 20),
          60.0 + static_cast<double>(i % 10)};
}

void reparse(benchmark::State& state) {
  const auto& s = national();
  std::int64_t i = 0;
  for (auto _ : state) {
    const auto v = point(i++);
    std::vector<std::string> sets;
    for (std::size_t k = 0; k < keys().size(); ++k) sets.push_back(keys()[k].text() + "=" + std::to_string(v[k]));
    auto out = trede::model::parse_scenario(s.text, s.source_path, sets, std::string(TREDE_BENCH_DIR) + "/national");
    benchmark::DoNotOptimize(out);
  }
}

void with_values(benchmark::State& state) {
  const auto& s = national();
  std::int64_t i = 0;
  for (auto _ : state) {
    const auto v = point(i++);
    auto out = trede::model::with_values(s, keys(), v);
    benchmark::DoNotOptimize(out);
  }
}

void copy(benchmark::State& state) {
  const auto& s = national();
  for (auto _ : state) {
    trede::model::Scenario out = s;
    benchmark::DoNotOptimize(out);
  }
}

void numeric_keys(benchmark::State& state) {
  const auto& s = national();
  for (auto _ : state) {
    auto out = trede::model::numeric_keys(s, keys());
    benchmark::DoNotOptimize(out);
  }
}

BENCHMARK(reparse)->Name("model/reparse")->Unit(benchmark::kMillisecond);
BENCHMARK(with_values)->Name("model/with_values")->Unit(benchmark::kMicrosecond);
BENCHMARK(copy)->Name("model/copy")->Unit(benchmark::kMicrosecond);
BENCHMARK(numeric_keys)->Name("model/numeric_keys")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
