// A streamed result file (io::StreamedResult as RunOptions::sink) holds exactly what write_hdf5
// writes for the same run held in memory: every per-replicate array and every summary, the
// per-region summaries included although they are computed slab by slab from the file. Out of
// order or missing replicates are refused, and a file that is not finished never appears.

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/compare.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;
namespace fs = std::filesystem;

const std::string regions_model = std::string(TREDE_SOURCE_DIR) + "/models/participatiewet/arbeidsmarktregios.toml";

model::Scenario regional() { return model::load_scenario(regions_model, {"horizon_years=2", "sample_share=0.25"}); }

mc::RunOptions options(int threads) {
  mc::RunOptions o;
  o.replicates = 5;
  o.seed = 21;
  o.first_replicate = 2;
  o.threads = threads;
  return o;
}

// A fresh directory for one test's files.
struct Dir {
  fs::path path = fs::path(TREDE_BINARY_DIR) / ("streamed-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  Dir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
  [[nodiscard]] std::string operator/(const std::string& name) const { return (path / name).string(); }
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    return out;
  }
};

// The raw bytes of a numeric dataset (as stored: the same type in both files is checked).
std::vector<char> dataset_bytes(const std::string& file, const std::string& path) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(f, 0) << file;
  const hid_t d = H5Dopen2(f, path.c_str(), H5P_DEFAULT);
  EXPECT_GE(d, 0) << file << ": " << path;
  const hid_t type = H5Dget_type(d), space = H5Dget_space(d);
  const hid_t native = H5Tget_native_type(type, H5T_DIR_ASCEND);
  std::vector<char> out(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)) * H5Tget_size(native));
  if (!out.empty()) {
    EXPECT_GE(H5Dread(d, native, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), 0) << path;
  }
  H5Tclose(native);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  return out;
}

// Equal bytes (memcmp is undefined for the null data of an empty array).
template <class A, class B>
bool same_bytes(const A& x, const B& y) {
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size()) == 0);
}

// Every per-replicate array and every cell summary of the catalogue is the same in both files,
// bit for bit (NaN included). Returns how many datasets were compared.
int expect_same_results(const std::string& a, const std::string& b, const engine::Layout& layout,
                        const std::string& at = "") {
  int compared = 0;
  for (const mc::ResultArray& r : mc::result_arrays()) {
    if (!r.present(layout)) continue;
    std::vector<std::string> paths = {at + "replicates/" + r.name};
    if (r.summarised == mc::Summarised::cells)
      for (const char* stat : {"mean", "sd", "q05", "q50", "q95"}) paths.push_back(at + "summary/" + r.name + "/" + stat);
    for (const auto& p : paths) {
      const auto x = dataset_bytes(a, p), y = dataset_bytes(b, p);
      EXPECT_EQ(x.size(), y.size()) << p;
      EXPECT_TRUE(same_bytes(x, y)) << p << " differs";
      ++compared;
    }
  }
  return compared;
}

TEST(StreamedResult, HoldsWhatTheWholeEnsembleWritesForAnyThreadCount) {
  const Dir dir;
  const model::Scenario s = regional();
  const engine::Simulator sim(s);
  ASSERT_TRUE(sim.layout().by_region()) << "the test needs a scenario with regions";
  const mc::Ensemble whole = mc::run(sim, options(2));
  io::write_hdf5(dir / "whole.h5", whole, s);
  for (int threads : {1, 2}) {
    for (std::uint64_t slab : {std::uint64_t{1}, std::uint64_t{64} << 20}) {  // one chunk column at a time, or all
      const std::string name = "streamed-" + std::to_string(threads) + "-" + std::to_string(slab) + ".h5";
      mc::RunOptions o = options(threads);
      io::StreamedResult out(dir / name, s, sim.layout(), o, {}, slab);
      o.sink = &out;
      const mc::Ensemble totals = mc::run(sim, o);
      EXPECT_FALSE(totals.per_region) << "the regions went to the file, not into memory";
      EXPECT_TRUE(totals.values<double>("region/cost_eur").empty());
      EXPECT_FALSE(fs::exists(dir / name)) << "the file appears only when finished";
      out.finish(totals);
      EXPECT_GT(out.summary_bytes(), 0u);
      EXPECT_GT(expect_same_results(dir / "whole.h5", dir / name, sim.layout()), 50) << name;
      // read back: the same ensemble as the one held in memory
      const mc::Ensemble back = io::read_result(dir / name);
      const auto x = mc::replicate_arrays(whole), y = mc::replicate_arrays(back);
      ASSERT_EQ(x.size(), y.size());
      for (std::size_t i = 0; i < x.size(); ++i)
        EXPECT_TRUE(same_bytes(x[i].bytes, y[i].bytes)) << x[i].info->name;
    }
  }
}

TEST(StreamedResult, RefusesReplicatesOutOfOrderOrMissingAndLeavesNoFile) {
  const Dir dir;
  const model::Scenario s = regional();
  const engine::Simulator sim(s);
  const mc::RunOptions o = options(1);
  mc::RunOptions one = o;
  one.replicates = 1;
  one.first_replicate = o.first_replicate + 1;  // the second replicate first
  const mc::Ensemble second = mc::run(sim, one);
  {
    io::StreamedResult out(dir / "x.h5", s, sim.layout(), o);
    EXPECT_THROW(out.put(second), Error);
    one.first_replicate = o.first_replicate;
    out.put(mc::run(sim, one));  // the first is accepted
    mc::RunOptions rest = o;
    rest.sink = nullptr;
    EXPECT_THROW(out.finish(mc::without_regions(mc::run(sim, rest))), Error) << "4 replicates are missing";
  }
  EXPECT_TRUE(dir.names().empty()) << "an unfinished file leaves nothing behind";
}

TEST(StreamedResult, ScenarioWithoutRegionsWritesTheWholeFileAtTheEnd) {
  const Dir dir;
  const model::Scenario s = model::load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/ladder-bm2.toml",
                                                 {"population[0].count=500"});
  const engine::Simulator sim(s);
  mc::RunOptions o = options(2);
  const mc::Ensemble whole = mc::run(sim, o);
  io::write_hdf5(dir / "whole.h5", whole, s);
  io::StreamedResult out(dir / "streamed.h5", s, sim.layout(), o);
  o.sink = &out;
  out.finish(mc::run(sim, o));
  EXPECT_GT(expect_same_results(dir / "whole.h5", dir / "streamed.h5", sim.layout()), 20);
}

TEST(StreamedResult, RegionsWithoutPlacesStreamTheirEmptyArrays) {
  // No state has places (C = 0): the per-region waiting arrays have a zero-length axis, written
  // contiguous and empty as Writer writes them.
  const Dir dir;
  std::ifstream in(std::string(TREDE_SOURCE_DIR) + "/models/ladder-bm.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text += "\n[[region]]\nname = \"a\"\nshare = 0.6\n\n[[region]]\nname = \"b\"\nshare = 0.4\n";
  const std::string path = dir / "two-regions.toml";
  std::ofstream(path) << text;
  const model::Scenario s = model::load_scenario(path, {"population[0].count=300"});
  const engine::Simulator sim(s);
  ASSERT_TRUE(sim.layout().by_region());
  ASSERT_EQ(sim.layout().C(), 0u);
  mc::RunOptions o = options(2);
  io::write_hdf5(dir / "whole.h5", mc::run(sim, o), s);
  io::StreamedResult out(dir / "streamed.h5", s, sim.layout(), o);
  o.sink = &out;
  out.finish(mc::run(sim, o));
  EXPECT_GT(expect_same_results(dir / "whole.h5", dir / "streamed.h5", sim.layout()), 50);
}

TEST(StreamedComparison, HoldsWhatWriteComparisonWrites) {
  const Dir dir;
  const std::vector<model::Scenario> scenarios = mc::organisation_variants(regional(), {"partieel", "gecombineerd"});
  mc::CompareOptions o;
  o.run = options(2);
  o.run.replicates = 3;
  mc::ThreadExecutor threads;
  const mc::Comparison whole = mc::compare(scenarios, o, threads);
  io::write_comparison(dir / "whole.h5", whole, scenarios);
  std::vector<engine::Layout> layouts;
  for (const auto& s : scenarios) layouts.push_back(engine::Simulator(s).layout());
  io::StreamedComparison out(dir / "streamed.h5", scenarios, layouts, o.run, {}, 1);
  o.sink = [&out](std::size_t i) { return out.sink(i); };
  const mc::Comparison c = mc::compare(scenarios, o, threads);
  EXPECT_FALSE(c.ensembles.front().per_region);
  EXPECT_FALSE(fs::exists(dir / "streamed.h5"));
  out.finish(c);
  for (std::size_t i = 0; i < scenarios.size(); ++i)
    EXPECT_GT(expect_same_results(dir / "whole.h5", dir / "streamed.h5", layouts[i], "scenarios/" + std::to_string(i) + "/"),
              50);
  for (const char* p : {"difference/kpi/mean", "difference/kpi/lo", "variance_reduction/kpi"}) {
    const auto x = dataset_bytes(dir / "whole.h5", p), y = dataset_bytes(dir / "streamed.h5", p);
    EXPECT_TRUE(same_bytes(x, y)) << p;
  }
}

}  // namespace
