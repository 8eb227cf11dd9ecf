// The engine's 4-ary event heap: pops in (time, slot) order with ties broken by slot, and
// replace_top is the same as pop followed by push.

#include "engine/event_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <random>
#include <tuple>
#include <vector>

#include "test_seed.hpp"

namespace {

using trede::engine::EventQueue;
using trede::engine::QueueEntry;

bool later(const QueueEntry& a, const QueueEntry& b) {
  return std::tie(a.time, a.slot) > std::tie(b.time, b.slot);
}

std::vector<QueueEntry> drain(EventQueue& q) {
  std::vector<QueueEntry> out;
  while (!q.empty()) {
    out.push_back(q.top());
    q.pop();
  }
  return out;
}

TEST(EventQueue, StartsEmpty) {
  EventQueue q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  q.reserve(100);
  EXPECT_GE(q.capacity(), 100u);
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, PopsInTimeOrder) {
  EventQueue q;
  for (double t : {5.0, 1.0, 4.0, 2.0, 3.0, 0.5, 7.0, 6.0, 2.5}) q.push({t, 0, 0});
  EXPECT_EQ(q.size(), 9u);
  std::vector<double> times;
  for (const auto& e : drain(q)) times.push_back(e.time);
  EXPECT_EQ(times, (std::vector<double>{0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0}));
}

// Equal times come out by increasing slot whatever the order of insertion, so the order of
// simultaneous events depends on the simulation state alone.
TEST(EventQueue, BreaksTiesBySlot) {
  EventQueue q;
  for (std::uint32_t s : {7u, 3u, 9u, 0u, 5u, 1u, 8u, 2u, 6u, 4u}) q.push({2026.0, s, 100 + s});
  q.push({2025.5, 11, 0});
  q.push({2026.5, 10, 0});
  const auto out = drain(q);
  ASSERT_EQ(out.size(), 12u);
  EXPECT_EQ(out.front().slot, 11u);
  for (std::uint32_t s = 0; s < 10; ++s) {
    EXPECT_EQ(out[s + 1].time, 2026.0);
    EXPECT_EQ(out[s + 1].slot, s);
    EXPECT_EQ(out[s + 1].version, 100 + s);  // the entry travels whole
  }
  EXPECT_EQ(out.back().slot, 10u);
}

TEST(EventQueue, KeepsDuplicateEntries) {
  EventQueue q;
  q.push({1.0, 3, 0});
  q.push({1.0, 3, 1});
  q.push({1.0, 3, 0});
  EXPECT_EQ(drain(q).size(), 3u);
}

TEST(EventQueue, ReplaceTopOnASingleEntry) {
  EventQueue q;
  q.push({1.0, 0, 0});
  q.replace_top({3.0, 4, 2});
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q.top().time, 3.0);
  EXPECT_EQ(q.top().slot, 4u);
  EXPECT_EQ(q.top().version, 2u);
}

// Random pushes, pops and replace_tops against std::priority_queue with the same order, and
// the final drain against a sort. Times come from a small set so ties are common.
TEST(EventQueue, MatchesAPriorityQueueUnderRandomOperations) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 20; ++round) {
    EventQueue q;
    std::priority_queue<QueueEntry, std::vector<QueueEntry>, decltype(&later)> ref(&later);
    const int ops = 2000 + 500 * round;
    const double spread = round % 2 ? 50.0 : 1e6;  // many ties, or few
    auto entry = [&] {
      return QueueEntry{std::floor(std::uniform_real_distribution<double>(0.0, spread)(rng)),
                        static_cast<std::uint32_t>(rng() % 64), static_cast<std::uint32_t>(rng() % 1000)};
    };
    for (int i = 0; i < ops; ++i) {
      const auto op = rng() % 10;
      if (op < 5 || ref.empty()) {
        const QueueEntry e = entry();
        q.push(e);
        ref.push(e);
      } else if (op < 7) {
        ASSERT_EQ(q.top().time, ref.top().time);
        ASSERT_EQ(q.top().slot, ref.top().slot);
        q.pop();
        ref.pop();
      } else {
        // replace_top == pop + push
        const QueueEntry e = entry();
        ASSERT_EQ(q.top().time, ref.top().time);
        ASSERT_EQ(q.top().slot, ref.top().slot);
        q.replace_top(e);
        ref.pop();
        ref.push(e);
      }
      ASSERT_EQ(q.size(), ref.size());
      if (!ref.empty()) {
        ASSERT_EQ(q.top().time, ref.top().time) << "round " << round << ", op " << i;
        ASSERT_EQ(q.top().slot, ref.top().slot) << "round " << round << ", op " << i;
      }
    }
    // Drain: (time, slot) non-decreasing, same multiset of (time, slot) as the reference.
    std::vector<std::pair<double, std::uint32_t>> got, want;
    for (const auto& e : drain(q)) got.emplace_back(e.time, e.slot);
    while (!ref.empty()) {
      want.emplace_back(ref.top().time, ref.top().slot);
      ref.pop();
    }
    ASSERT_TRUE(std::is_sorted(got.begin(), got.end())) << "round " << round;
    ASSERT_EQ(got, want) << "round " << round;
  }
}

TEST(EventQueue, HeapSortsLargeRandomInputs) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  std::mt19937_64 rng(seed + 1);
  for (std::size_t n : {1u, 2u, 3u, 4u, 5u, 6u, 17u, 1000u, 100000u}) {
    EventQueue q;
    std::vector<std::pair<double, std::uint32_t>> want;
    for (std::size_t i = 0; i < n; ++i) {
      const double t = std::uniform_real_distribution<double>(2025.0, 2035.0)(rng);
      const auto s = static_cast<std::uint32_t>(i);
      q.push({t, s, 0});
      want.emplace_back(t, s);
    }
    std::sort(want.begin(), want.end());
    std::vector<std::pair<double, std::uint32_t>> got;
    for (const auto& e : drain(q)) got.emplace_back(e.time, e.slot);
    ASSERT_EQ(got, want) << "n = " << n;
  }
}

}  // namespace
