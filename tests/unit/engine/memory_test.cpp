// Memory of a replicate (ReplicateResult::peak_bytes, everything the replicate holds at its peak)
// per person alive at the peak, on the reference benchmark models at 100,000 people: at most 64
// bytes, and not growing with the horizon (the number of events). The lower bound keeps the
// count honest: a person record alone is 32 bytes and every live person has an entry time.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "trede/engine/simulator.hpp"
#include "trede/model/load.hpp"

namespace {

double bytes_per_person(const std::string& model, const std::vector<std::string>& sets) {
  const trede::engine::Simulator sim(trede::model::load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/" + model, sets));
  const trede::engine::ReplicateResult r = sim.run(20261206, 0);
  EXPECT_GT(r.peak_live_persons, 0u);
  return static_cast<double>(r.peak_bytes) / static_cast<double>(r.peak_live_persons);
}

TEST(ReplicateMemory, AtMost64BytesPerLivePersonOnTheReferenceModels) {
  const double bm1 = bytes_per_person("ladder-bm.toml", {});
  const double bm1_long = bytes_per_person("ladder-bm.toml", {"horizon_years=40"});  // four times the events
  const double bm2 = bytes_per_person("ladder-bm2.toml", {});
  for (double b : {bm1, bm1_long, bm2}) {
    EXPECT_LE(b, 64.0);
    EXPECT_GE(b, 40.0);  // 32-byte record + 8-byte entry time: anything less is not counting everything
  }
  EXPECT_LE(bm1_long, 1.1 * bm1) << "memory grows with the number of events";
}

}  // namespace
