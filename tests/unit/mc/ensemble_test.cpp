// mc::run: replicate i of an ensemble is Simulator::run(seed, first_replicate + i), results are
// bitwise identical for threads = 1 (the serial reference) and threads = 2, and the derived
// arrays (occupancy per trede, cumulative cost) and summaries follow from the per-replicate ones.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "trede/engine/simulator.hpp"
#include "trede/error.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace {

using trede::mc::Ensemble;
using trede::mc::RunOptions;

const char* model = R"(
horizon_years = 4
[report]
step_years = 0.5

[[state]]
name = "bijstand"
trede = 2
cost_eur_per_year = 12000
[[state]]
name = "traject"
trede = 3
cost_eur_per_year = 8000
[[state]]
name = "beschut_werk"
trede = 5
capacity = 10
waiting = "separate"
renege_rate = 0.4
renege_to = "bijstand"
[[state]]
name = "regulier_werk"
trede = 6
[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "traject"
rate = 0.6
[[transition]]
from = "bijstand"
to = "exit"
rate = 0.1
[[transition]]
from = "traject"
to = "beschut_werk"
hazard = "gamma"
shape = 2
scale = 0.4
[[transition]]
from = "traject"
to = "regulier_werk"
rate = 0.2
[[transition]]
from = "beschut_werk"
to = "bijstand"
rate = 0.3
[[transition]]
from = "regulier_werk"
to = "bijstand"
hazard = "weibull"
shape = 0.8
scale = 3

[[population]]
state = "bijstand"
count = 60
[[inflow]]
state = "bijstand"
rate_per_year = 15
)";

trede::model::Scenario scenario() { return trede::model::parse_scenario(model, "ensemble.toml"); }

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}
bool same_bits(const trede::mc::Summary& a, const trede::mc::Summary& b) {
  return same_bits(a.mean, b.mean) && same_bits(a.sd, b.sd) && same_bits(a.q05, b.q05) && same_bits(a.q50, b.q50) &&
         same_bits(a.q95, b.q95);
}

RunOptions options(std::uint64_t replicates, int threads, std::uint64_t first = 0) {
  RunOptions o;
  o.replicates = replicates;
  o.seed = 2025;
  o.threads = threads;
  o.first_replicate = first;
  return o;
}

TEST(Ensemble, ThreadsOneAndTwoGiveBitwiseIdenticalResults) {
  const auto s = scenario();
  const Ensemble a = trede::mc::run(s, options(24, 1));
  const Ensemble b = trede::mc::run(s, options(24, 2));
  EXPECT_EQ(a.threads_used, 1);
  EXPECT_EQ(b.threads_used, 2);
  // Every array of the result catalogue and every summary, bit for bit.
  for (const trede::mc::ResultArray& row : trede::mc::result_arrays()) {
    std::visit(
        [&](const auto& va) {
          using V = std::remove_cvref_t<decltype(va)>;
          EXPECT_TRUE(same_bits(va, std::get<V>(b.arrays[row.index()]))) << row.name;
        },
        a.arrays[row.index()]);
    EXPECT_TRUE(same_bits(a.summaries[row.index()], b.summaries[row.index()])) << row.name;
  }
  EXPECT_EQ(a.total_events(), b.total_events());
  EXPECT_EQ(a.peak_live_persons, b.peak_live_persons);
}

TEST(Ensemble, ReplicateIIsTheSimulatorRunOfFirstPlusI) {
  const auto s = scenario();
  const trede::engine::Simulator sim(s);
  const Ensemble e = trede::mc::run(sim, options(3, 2, 5));
  EXPECT_EQ(e.seed, 2025u);
  EXPECT_EQ(e.first_replicate, 5u);
  EXPECT_EQ(e.replicates, 3u);
  const std::size_t TS = e.layout.T() * e.layout.S(), PE = e.layout.P() * e.layout.E(), K = e.layout.K();
  for (std::size_t i = 0; i < 3; ++i) {
    const auto r = sim.run(2025, 5 + i);
    EXPECT_TRUE(same_bits(std::vector<std::int32_t>(
                              e.values<std::int32_t>("occupancy").begin() + static_cast<std::ptrdiff_t>(i * TS),
                              e.values<std::int32_t>("occupancy").begin() + static_cast<std::ptrdiff_t>((i + 1) * TS)),
                          r.occupancy))
        << i;
    EXPECT_TRUE(same_bits(
        std::vector<std::int32_t>(e.values<std::int32_t>("flows").begin() + static_cast<std::ptrdiff_t>(i * PE),
                                  e.values<std::int32_t>("flows").begin() + static_cast<std::ptrdiff_t>((i + 1) * PE)),
        r.flows))
        << i;
    EXPECT_TRUE(
        same_bits(std::vector<double>(e.values<double>("kpi").begin() + static_cast<std::ptrdiff_t>(i * K),
                                      e.values<double>("kpi").begin() + static_cast<std::ptrdiff_t>((i + 1) * K)),
                  r.kpi))
        << i;
    EXPECT_EQ(e.values<std::uint64_t>("events")[i], r.events);
  }
}

// Any range of replicates can run on its own: replicates [2, 6) of a run of 8 are a run of 4
// starting at 2.
TEST(Ensemble, ARangeOfReplicatesRunsOnItsOwn) {
  const auto s = scenario();
  const Ensemble all = trede::mc::run(s, options(8, 2));
  const Ensemble part = trede::mc::run(s, options(4, 1, 2));
  const std::size_t TS = all.layout.T() * all.layout.S();
  EXPECT_TRUE(same_bits(
      std::vector<std::int32_t>(all.values<std::int32_t>("occupancy").begin() + static_cast<std::ptrdiff_t>(2 * TS),
                                all.values<std::int32_t>("occupancy").begin() + static_cast<std::ptrdiff_t>(6 * TS)),
      part.values<std::int32_t>("occupancy")));
}

TEST(Ensemble, DerivedArraysFollowFromTheReplicates) {
  const auto s = scenario();
  const Ensemble e = trede::mc::run(s, options(5, 2));
  const auto& L = e.layout;
  const std::size_t R = 5, T = L.T(), S = L.S(), P = L.P();
  ASSERT_EQ(P, T);
  for (std::size_t i = 0; i < R; ++i) {
    double acc = 0.0;
    for (std::size_t t = 0; t < T; ++t) {
      std::vector<int> rung(6, 0);
      for (std::size_t s2 = 0; s2 < S; ++s2)
        if (L.trede[s2] >= 1)
          rung[static_cast<std::size_t>(L.trede[s2] - 1)] += e.values<std::int32_t>("occupancy")[(i * T + t) * S + s2];
      for (std::size_t k = 0; k < 6; ++k)
        EXPECT_EQ(e.values<std::int32_t>("trede_occupancy")[(i * T + t) * 6 + k], rung[k])
            << "replicate " << i << ", time " << t;
      acc += e.values<double>("cost_eur")[i * P + t];
      EXPECT_NEAR(e.values<double>("cost_cumulative_eur")[i * T + t], acc, 1e-9 * std::max(1.0, acc));
    }
  }
  // Summaries are summarize() of the per-replicate arrays.
  const auto occ = trede::mc::summarize(std::span<const std::int32_t>(e.values<std::int32_t>("occupancy")), R);
  EXPECT_TRUE(same_bits(occ, e.summary("occupancy")));
  const auto kpi = trede::mc::summarize(std::span<const double>(e.values<double>("kpi")), R);
  EXPECT_TRUE(same_bits(kpi, e.summary("kpi")));
  EXPECT_EQ(e.summary("occupancy").mean.size(), T * S);
  EXPECT_EQ(e.summary("trede_occupancy").mean.size(), T * 6);
  EXPECT_EQ(e.summary("kpi").mean.size(), L.K());
}

TEST(Ensemble, ReportsProgressOncePerReplicate) {
  std::atomic<int> calls{0};
  std::atomic<std::uint64_t> last{0};
  RunOptions o = options(6, 2);
  o.progress = [&](std::uint64_t done, std::uint64_t total) {
    ++calls;
    EXPECT_EQ(total, 6u);
    EXPECT_GE(done, 1u);
    EXPECT_LE(done, 6u);
    std::uint64_t prev = last.load();
    while (done > prev && !last.compare_exchange_weak(prev, done)) {
    }
  };
  (void)trede::mc::run(scenario(), o);
  EXPECT_EQ(calls.load(), 6);
  EXPECT_EQ(last.load(), 6u);
}

TEST(Ensemble, BadOptionsAreModelErrors) {
  const auto s = scenario();
  try {
    (void)trede::mc::run(s, options(0, 1));
    FAIL() << "no ModelError for replicates = 0";
  } catch (const trede::ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].key, "replicates");
  }
  try {
    (void)trede::mc::run(s, options(2, -1));
    FAIL() << "no ModelError for threads = -1";
  } catch (const trede::ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].key, "threads");
  }
}

}  // namespace
