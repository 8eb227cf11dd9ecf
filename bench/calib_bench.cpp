// Calibration benchmarks (Google Benchmark): panel-data and event-history fits of the four-state
// ladder (models/calibration/ladder4.toml) with 3,000 people and about 6 irregular visits each,
// the peer task of R's msm (bench/calib_msm.R fits the same CSV).
//
//   trede_calib_bench                                    # all benchmarks
//   trede_calib_bench --write-csv=panel3000.csv          # also write the panel data set used
//
// Loading the scenario and simulating the data are outside the timing; reading nothing from disk
// inside it. Wall-clock time of one whole fit per iteration (all starting points, standard errors).

#include <benchmark/benchmark.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "trede/calib/markov.hpp"
#include "trede/calib/simulate.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

const model::Scenario& ladder4() {
  static const model::Scenario s = model::load_scenario(std::string(TREDE_MODELS_DIR) + "/calibration/ladder4.toml");
  return s;
}

const calib::PanelData& panel_engine() {
  static const calib::PanelData d = [] {
    calib::SimulateOptions o;
    o.people = 3000;
    o.follow_up_years = 5.0;
    o.mean_visit_gap_years = 0.85;  // about 6 visits per person, gaps uniform on [0.43, 1.28] years
    o.seed = 42;
    return calib::simulate_engine_data(ladder4(), o);
  }();
  return d;
}

void panel(benchmark::State& state) {
  const auto& d = panel_engine();
  calib::FitOptions o;
  o.starts = static_cast<int>(state.range(0));
  calib::FitResult r;
  for (auto _ : state) {
    r = calib::fit_panel(ladder4(), d, {}, o);
    benchmark::ClobberMemory();  // (DoNotOptimize on a double member is unreliable in benchmark 1.7)
  }
  state.counters["people"] = static_cast<double>(d.subjects.size());
  state.counters["observations"] = static_cast<double>(d.observations());
  state.counters["iterations"] = r.iterations;
  state.SetLabel("-2logL " + std::to_string(-2 * r.log_likelihood));
}
BENCHMARK(panel)->Name("calib/panel/people:3000/starts")->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void panel_covariate(benchmark::State& state) {
  static const auto s = model::load_scenario(std::string(TREDE_MODELS_DIR) + "/calibration/ladder4.toml",
                                             {"transition[bijstand->traject].covariates.age=-0.03"});
  static const calib::PanelData d = [] {
    calib::SimulateOptions o;
    o.people = 3000;
    o.mean_visit_gap_years = 0.85;
    o.seed = 43;
    o.covariates = {{"age", 40, 10}};
    return calib::simulate_markov_data(s, o);
  }();
  calib::ModelSpec spec;
  spec.covariates.push_back({"age", {}, false});
  calib::FitOptions o;
  o.starts = 1;
  calib::FitResult r;
  for (auto _ : state) {
    r = calib::fit_panel(s, d, spec, o);
    benchmark::ClobberMemory();  // (DoNotOptimize on a double member is unreliable in benchmark 1.7)
  }
  state.counters["parameters"] = static_cast<double>(r.parameters);
  state.counters["iterations"] = r.iterations;
}
BENCHMARK(panel_covariate)->Name("calib/panel_age_on_every_rate/people:3000")->Unit(benchmark::kMillisecond)->UseRealTime();

void exact(benchmark::State& state) {
  static const calib::PanelData d = [] {
    calib::SimulateOptions o;
    o.people = 3000;
    o.exact = true;
    o.seed = 44;
    return calib::simulate_markov_data(ladder4(), o);
  }();
  calib::FitResult r;
  for (auto _ : state) {
    r = calib::fit_exact(ladder4(), d);
    benchmark::ClobberMemory();  // (DoNotOptimize on a double member is unreliable in benchmark 1.7)
  }
  state.counters["observations"] = static_cast<double>(d.observations());
}
BENCHMARK(exact)->Name("calib/exact/people:3000")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--write-csv=", 12) == 0) {
      std::ofstream out(argv[i] + 12);
      out << calib::to_csv(panel_engine());
      continue;
    }
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
