// Loads a scenario from an installed trede, runs a few replicates, writes and reads back HDF5,
// and checks numbers it can know exactly. Prints "consumer: OK persons=<n> ..." on success.
//
// Usage: consumer SCENARIO.toml OUT.h5

#include <trede/trede.hpp>

#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "consumer: FAILED: %s\n", what.c_str());
    ++failures;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: consumer SCENARIO.toml OUT.h5\n");
    return 2;
  }
  expect(std::strcmp(trede::version, TREDE_PACKAGE_VERSION) == 0,
         std::string("trede::version ") + trede::version + " is the package version " + TREDE_PACKAGE_VERSION);

  // BM1 has no inflow: with 2,000 people at the start, every replicate has exactly 2,000 people,
  // and the occupancy at every report time sums to 2,000.
  constexpr std::uint64_t people = 2000;
  const auto scenario =
      trede::model::load_scenario(argv[1], {"population[0].count=" + std::to_string(people), "horizon_years=3"});
  trede::mc::RunOptions options;
  options.replicates = 4;
  options.seed = 42;
  options.threads = 2;
  const trede::mc::Ensemble e = trede::mc::run(scenario, options);
  const auto& L = e.layout;

  // The models directory of the installation, from the package config (trede_MODELS_DIR).
  const auto shipped = trede::model::load_scenario(std::string(TREDE_MODELS_DIR) + "/ladder-bm2.toml");
  expect(!shipped.states.empty(), "the installed models are found through trede_MODELS_DIR");

  expect(e.replicates == 4, "4 replicates");
  expect(L.T() == 4, "report times 2025..2028");
  // Results by name: the KPI table and arrays with named dimensions.
  const double persons = trede::mc::kpi(e, "persons").mean;
  expect(persons == e.summary("kpi").mean[trede::engine::kpi_persons], "kpi(e, \"persons\") is the persons KPI");
  const auto occupancy = trede::mc::array<std::int32_t>(e, "occupancy");  // (replicate, time, state)
  expect(occupancy.rank() == 3 && occupancy.dim(2) == trede::mc::Dim::state, "occupancy is (replicate, time, state)");
  const std::size_t bijstand = occupancy.index(trede::mc::Dim::state, "bijstand");
  expect(occupancy(0, 0, bijstand) == e.values<std::int32_t>("occupancy")[bijstand],
         "occupancy(r, t, s) reads the flat array");
  expect(persons == static_cast<double>(people), "mean persons == 2000 (got " + std::to_string(persons) + ")");
  for (std::size_t r = 0; r < e.replicates; ++r)
    for (std::size_t t = 0; t < L.T(); ++t) {
      const auto* row = e.values<std::int32_t>("occupancy").data() + (r * L.T() + t) * L.S();
      const long sum = std::accumulate(row, row + L.S(), 0L);
      expect(sum == static_cast<long>(people), "occupancy sums to 2000 at every report time");
    }
  expect(e.total_events() > people, "people moved");

  // The same run again: identical (determinism holds through the installed library).
  const trede::mc::Ensemble again = trede::mc::run(scenario, options);
  expect(again.values<std::int32_t>("occupancy") == e.values<std::int32_t>("occupancy") &&
             again.values<std::int32_t>("flows") == e.values<std::int32_t>("flows"),
         "the same seed gives the same result");

  // HDF5 through the installed library (the consumer itself never sees HDF5).
  trede::io::write_hdf5(argv[2], e, scenario);
  const trede::io::FileInfo info = trede::io::read_info(argv[2]);
  expect(info.kpi_names == L.kpi_names, "KPI names read back");
  expect(info.kpi.mean.size() == L.K() && info.kpi.mean[trede::engine::kpi_persons] == persons, "KPI read back");

  // Bad input reaches the consumer as trede::ModelError with located diagnostics.
  bool caught = false;
  try {
    (void)trede::model::load_scenario(argv[1], {"transition[bijstand->diagnose].rate=-1"});
  } catch (const trede::ModelError& err) {
    caught = !err.diagnostics().empty() && err.diagnostics().front().key == "transition[bijstand->diagnose].rate";
  }
  expect(caught, "a negative rate raises trede::ModelError naming the key");

  if (failures > 0) return 1;
  std::printf("consumer: OK persons=%.0f replicates=%llu states=%zu events=%llu\n", persons,
              static_cast<unsigned long long>(e.replicates), L.S(),
              static_cast<unsigned long long>(e.total_events()));
  return 0;
}
