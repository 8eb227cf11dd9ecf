// read_result is the inverse of write_hdf5: every per-replicate array, the layout and the
// summaries come back bitwise, for a one-region and a many-region scenario.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

void roundtrip(const model::Scenario& s, const std::string& name) {
  mc::RunOptions o;
  o.replicates = 3;
  o.seed = 12;
  o.first_replicate = 4;
  auto e = mc::run(s, o);
  const auto path = (std::filesystem::path(TREDE_BINARY_DIR) / (name + ".h5")).string();
  io::write_hdf5(path, e, s);
  auto back = io::read_result(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.seed, 12u);
  EXPECT_EQ(back.first_replicate, 4u);
  EXPECT_EQ(back.replicates, 3u);
  EXPECT_EQ(back.layout.states, e.layout.states);
  EXPECT_EQ(back.layout.regions, e.layout.regions);
  ASSERT_EQ(back.layout.E(), e.layout.E());
  for (std::size_t i = 0; i < e.layout.E(); ++i) EXPECT_EQ(back.layout.edges[i].kind, e.layout.edges[i].kind);
  auto a = mc::replicate_arrays(e), b = mc::replicate_arrays(back);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].bytes.size(), b[i].bytes.size());
    if (!a[i].bytes.empty()) {
      EXPECT_EQ(std::memcmp(a[i].bytes.data(), b[i].bytes.data(), a[i].bytes.size()), 0) << name << " array " << i;
    }
  }
  EXPECT_EQ(std::memcmp(back.summary("kpi").q50.data(), e.summary("kpi").q50.data(), e.summary("kpi").q50.size() * 8),
            0);
}

TEST(ReadResult, RoundTripsARun) {
  roundtrip(model::load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/ladder-bm2.toml",
                                 {"population[0].count=2000", "state[beschut_werk].capacity=30"}),
            "bm2");
}

TEST(ReadResult, RoundTripsRegions) {
  const std::string text = R"(
horizon_years = 2
organisation_model = "partieel"
[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"
[[state]]
name = "werk"
trede = 6
functionality = "F"
capacity = 20
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "bijstand"
to = "werk"
rate = 1.0
[[transition]]
from = "werk"
to = "exit"
rate = 0.5
[[handover]]
leakage = 0.1
leak_to = "exit"
[[population]]
state = "bijstand"
count = 500
[[region]]
name = "a"
share = 0.5
[[region]]
name = "b"
share = 0.25
organisation_model = "gecombineerd"
)";
  roundtrip(model::parse_scenario(text, "regions.toml"), "regions");
}

TEST(ReadResult, RejectsFilesThatAreNotResults) {
  const auto path = (std::filesystem::path(TREDE_BINARY_DIR) / "not-a-result.h5").string();
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("hello", f);
  std::fclose(f);
  EXPECT_THROW((void)io::read_result(path), IoError);
  std::filesystem::remove(path);
  EXPECT_THROW((void)io::read_result(path), IoError);
}

}  // namespace
