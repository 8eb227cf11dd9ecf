// Traced people (RunOptions::trace_people): every change of state of the first N people created,
// recorded without changing any other result, the same for any number of threads and any split
// of the replicates, and complete: replaying the trace of everybody gives the recorded occupancy.

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>

#include "test_seed.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/error.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

model::Scenario bm2_small() {
  return model::load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/ladder-bm2.toml",
                              {"population[0].count=1500", "inflow[0].rate_per_year=300", "horizon_years=6",
                               "state[beschut_werk].capacity=40", "state[tussengroep].capacity=20"});
}

mc::Ensemble run(const model::Scenario& s, std::uint64_t trace, int threads = 1, std::uint64_t first = 0,
                 std::uint64_t count = 4) {
  mc::RunOptions o;
  o.seed = trede::test::test_seed(77);
  o.replicates = count;
  o.first_replicate = first;
  o.threads = threads;
  o.trace_people = trace;
  return mc::run(s, o);
}

bool same(const std::vector<engine::TraceEvent>& a, const std::vector<engine::TraceEvent>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(engine::TraceEvent)) == 0;
}

TEST(Trace, ChangesNoOtherResult) {
  SCOPED_TRACE(trede::test::seed_note(trede::test::test_seed(77)));
  const auto s = bm2_small();
  auto plain = run(s, 0), traced = run(s, 200);
  EXPECT_TRUE(plain.trace.empty());
  EXPECT_TRUE(plain.trace_offsets.empty());
  auto a = mc::replicate_arrays(plain), b = mc::replicate_arrays(traced);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].bytes.size(), b[i].bytes.size());
    if (!a[i].bytes.empty()) {
      EXPECT_EQ(std::memcmp(a[i].bytes.data(), b[i].bytes.data(), a[i].bytes.size()), 0) << "array " << i;
    }
  }
}

TEST(Trace, FollowsTheFirstPeopleCreatedFromTheirEntry) {
  const auto s = bm2_small();
  const auto e = run(s, 200);
  ASSERT_EQ(e.trace_offsets.size(), 5u);
  EXPECT_EQ(e.trace_people, 200u);
  for (std::size_t r = 0; r < 4; ++r) {
    std::map<std::uint64_t, std::int32_t> state;  // person -> current state
    double last = -1e300;
    for (auto k = e.trace_offsets[r]; k < e.trace_offsets[r + 1]; ++k) {
      const auto& ev = e.trace[k];
      EXPECT_GE(ev.time, last) << "in time order";
      last = ev.time;
      const auto it = state.find(ev.person);
      if (it == state.end()) {
        EXPECT_EQ(ev.from, -1) << "a person's first record is the entry";
        EXPECT_DOUBLE_EQ(ev.time, s.start_year) << "the first 200 of 1,500 are the initial population";
      } else {
        EXPECT_EQ(ev.from, it->second) << "each change starts where the previous one ended";
      }
      EXPECT_NE(ev.from, ev.to);
      state[ev.person] = ev.to;
    }
    ASSERT_EQ(state.size(), 200u);
    EXPECT_EQ(state.begin()->first, 0u);
    EXPECT_EQ(state.rbegin()->first, 199u);  // keys 0..199: the initial population in order
  }
}

TEST(Trace, EverybodyTracedReplaysTheOccupancy) {
  const auto s = bm2_small();
  const auto e = run(s, std::uint64_t{1} << 40);
  const auto& L = e.layout;
  const std::size_t T = L.T(), S = L.S();
  std::set<std::uint64_t> arrivals;
  for (std::size_t r = 0; r < e.replicates; ++r) {
    std::vector<std::int32_t> occ(S, 0);
    auto k = e.trace_offsets[r];
    for (std::size_t t = 0; t < T; ++t) {
      for (; k < e.trace_offsets[r + 1] && e.trace[k].time <= L.report_times[t]; ++k) {
        if (e.trace[k].from >= 0) --occ[static_cast<std::size_t>(e.trace[k].from)];
        else if (e.trace[k].person >= (std::uint64_t{1} << 40)) arrivals.insert(e.trace[k].person);
        ++occ[static_cast<std::size_t>(e.trace[k].to)];
      }
      for (std::size_t j = 0; j < S; ++j)
        ASSERT_EQ(occ[j], e.values<std::int32_t>("occupancy")[(r * T + t) * S + j])
            << "replicate " << r << " time " << L.report_times[t] << " state " << L.states[j];
    }
  }
  EXPECT_GT(arrivals.size(), 1000u) << "arrivals are traced too (300 a year for 6 years, 4 replicates)";
}

TEST(Trace, TheSameForAnyThreadCountAndAnySplit) {
  const auto s = bm2_small();
  const auto one = run(s, 300, 1), two = run(s, 300, 2);
  EXPECT_TRUE(same(one.trace, two.trace));
  EXPECT_EQ(one.trace_offsets, two.trace_offsets);
  std::vector<mc::Ensemble> parts;
  parts.push_back(run(s, 300, 1, 3, 1));
  parts.push_back(run(s, 300, 1, 0, 3));
  const auto merged = mc::merge(std::move(parts));
  EXPECT_TRUE(same(one.trace, merged.trace));
  EXPECT_EQ(one.trace_offsets, merged.trace_offsets);
  EXPECT_EQ(merged.trace_people, 300u);
}

}  // namespace

namespace {

TEST(Trace, PlacingOutOfOrderOrMixedIsAnError) {
  const auto s = bm2_small();
  auto whole = mc::allocate(trede::engine::Simulator(s).layout(), 4, trede::test::test_seed(77), 0);
  EXPECT_THROW(mc::place(whole, run(s, 300, 1, 2, 2)), trede::Error) << "replicates 2-3 before 0-1";
  mc::place(whole, run(s, 300, 1, 0, 2));
  EXPECT_THROW(mc::place(whole, run(s, 0, 1, 2, 2)), trede::Error) << "an untraced part after a traced one";
  EXPECT_THROW(mc::place(whole, run(s, 100, 1, 2, 2)), trede::Error) << "other people traced";
  mc::place(whole, run(s, 300, 1, 2, 2));
  EXPECT_TRUE(same(whole.trace, run(s, 300).trace));
}

}  // namespace
