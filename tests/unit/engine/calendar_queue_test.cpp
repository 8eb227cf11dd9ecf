// The engine's calendar queue: whatever the bucket an entry lands in (future buckets, the one
// being read, or the past), entries come out in (time, slot, version) order, exactly like a
// priority queue with that order.

#include "engine/calendar_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <queue>
#include <random>
#include <tuple>
#include <vector>

#include "test_seed.hpp"

namespace {

using trede::engine::CalendarQueue;
using trede::engine::QueueEntry;

using Key = std::tuple<double, std::uint32_t, std::uint32_t>;
Key key(const QueueEntry& e) { return {e.time, e.slot, e.version}; }

struct Later {
  bool operator()(const QueueEntry& a, const QueueEntry& b) const { return key(a) > key(b); }
};
using Reference = std::priority_queue<QueueEntry, std::vector<QueueEntry>, Later>;

std::vector<Key> drain(CalendarQueue& q) {
  std::vector<Key> out;
  while (!q.empty()) {
    out.push_back(key(q.top()));
    q.pop();
  }
  return out;
}

TEST(CalendarQueue, StartsEmptyAndEmptiesAgain) {
  CalendarQueue q;
  q.init(2025.0, 2035.0, 100);
  EXPECT_TRUE(q.empty());
  q.push({2030.0, 1, 0});
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.top().time, 2030.0);
  q.pop();
  EXPECT_TRUE(q.empty());
  // Pushing again after the queue has moved on into later buckets still works.
  q.push({2031.0, 2, 0});
  q.push({2030.5, 3, 0});
  EXPECT_EQ(drain(q), (std::vector<Key>{{2030.5, 3, 0}, {2031.0, 2, 0}}));
}

TEST(CalendarQueue, PopsInTimeOrderAcrossBuckets) {
  CalendarQueue q;
  q.init(2025.0, 2035.0, 10);
  for (double t : {2034.9, 2025.0, 2029.99, 2030.0, 2026.3, 2035.0, 2025.0001, 2031.7}) q.push({t, 0, 0});
  std::vector<double> times;
  for (const Key& k : drain(q)) times.push_back(std::get<0>(k));
  EXPECT_EQ(times, (std::vector<double>{2025.0, 2025.0001, 2026.3, 2029.99, 2030.0, 2031.7, 2034.9, 2035.0}));
}

// Equal times come out by slot, then version, whichever bucket path they took: some are
// pushed before their bucket is reached (sorted when loaded), some after (the near heap).
TEST(CalendarQueue, BreaksTiesBySlotThenVersion) {
  CalendarQueue q;
  q.init(0.0, 100.0, 10);
  q.push({50.0, 7, 1});
  q.push({50.0, 3, 2});
  q.push({50.0, 3, 1});
  q.push({10.0, 0, 0});
  EXPECT_EQ(key(q.top()), (Key{10.0, 0, 0}));
  q.pop();
  EXPECT_EQ(key(q.top()), (Key{50.0, 3, 1}));  // loads and sorts the bucket holding 50
  q.push({50.0, 5, 0});                        // into the bucket being read
  q.push({50.0, 1, 9});
  EXPECT_EQ(drain(q), (std::vector<Key>{{50.0, 1, 9}, {50.0, 3, 1}, {50.0, 3, 2}, {50.0, 5, 0}, {50.0, 7, 1}}));
}

TEST(CalendarQueue, TakesEntriesBeforeTheStartAndAtTheEnd) {
  CalendarQueue q;
  q.init(2025.0, 2030.0, 10);
  q.push({2030.0, 1, 0});
  q.push({2024.0, 2, 0});  // before t0: first bucket
  q.push({2027.0, 3, 0});
  EXPECT_EQ(drain(q), (std::vector<Key>{{2024.0, 2, 0}, {2027.0, 3, 0}, {2030.0, 1, 0}}));
}

// The engine's pattern: pop the earliest, push that person's next event at or after it; plus,
// unlike the engine, now and then an entry in the past. Checked against a priority queue after
// every operation.
TEST(CalendarQueue, MatchesAPriorityQueueUnderRandomOperations) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 20; ++round) {
    const double t0 = 2025.0, t1 = round % 3 == 0 ? 2025.5 : 2035.0;
    // Few or many buckets; from 600,000 expected people on, 4,096 buckets expected to hold 146,
    // 366 and 732 entries, so chunks of 16, 32 and 64 entries; there, 20,000 entries crowd into
    // the first 2 % of the horizon, so that buckets hold chains of several chunks.
    const std::size_t expected =
        std::array<std::size_t, 5>{16, 5000, 600000, 1500000, 3000000}[static_cast<std::size_t>(round / 4)];
    const bool crowded = expected >= 600000;
    CalendarQueue q;
    q.init(t0, t1, expected);
    Reference ref;
    std::uniform_real_distribution<double> span(0.0, (t1 - t0) * (crowded ? 0.02 : 1.0));
    auto grid = [&](double t) { return round % 4 == 1 ? std::floor(t * 64.0) / 64.0 : t; };  // ties
    std::uint32_t version = 0;
    for (int i = 0; i < (crowded ? 20000 : 3000); ++i) {
      const QueueEntry e{grid(t0 + span(rng)), static_cast<std::uint32_t>(rng() % 500), version++};
      q.push(e);
      ref.push(e);
    }
    double now = t0;
    for (int i = 0; i < 30000 && !ref.empty(); ++i) {
      ASSERT_FALSE(q.empty());
      ASSERT_EQ(key(q.top()), key(ref.top())) << "round " << round << ", step " << i;
      now = q.top().time;
      const std::uint32_t slot = q.top().slot;
      q.pop();
      ref.pop();
      const auto op = rng() % 10;
      if (op < 6) {  // the same person's next event, later (or at the same time)
        const double dt = op == 0 ? 0.0 : std::exponential_distribution<double>(4.0)(rng);
        const double t = grid(now + dt);
        if (t <= t1) {
          q.push({t, slot, version});
          ref.push({t, slot, version});
          ++version;
        }
      } else if (op == 6) {  // an entry in the past or right now
        const double t = grid(std::max(t0 - 1.0, now - std::exponential_distribution<double>(2.0)(rng)));
        q.push({t, slot, version});
        ref.push({t, slot, version});
        ++version;
      } else if (op == 7) {  // a burst of arrivals anywhere ahead
        for (int k = 0; k < 5; ++k) {
          const double t = grid(now + (t1 - now) * std::uniform_real_distribution<double>(0.0, 1.0)(rng));
          const QueueEntry e{t, static_cast<std::uint32_t>(rng() % 500), version++};
          q.push(e);
          ref.push(e);
        }
      }
      ASSERT_EQ(q.empty(), ref.empty());
    }
    // Whatever is left comes out in order too.
    std::vector<Key> want;
    while (!ref.empty()) {
      want.push_back(key(ref.top()));
      ref.pop();
    }
    ASSERT_EQ(drain(q), want) << "round " << round;
  }
}

TEST(CalendarQueue, SortsLargeRandomInputs) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  std::mt19937_64 rng(seed + 1);
  for (std::size_t n : {1u, 2u, 31u, 32u, 33u, 1000u, 200000u}) {
    CalendarQueue q;
    q.init(0.0, 10.0, n);
    std::vector<Key> want;
    for (std::size_t i = 0; i < n; ++i) {
      const QueueEntry e{std::uniform_real_distribution<double>(0.0, 10.0)(rng), static_cast<std::uint32_t>(i % 97),
                         static_cast<std::uint32_t>(i)};
      q.push(e);
      want.push_back(key(e));
    }
    std::sort(want.begin(), want.end());
    ASSERT_EQ(drain(q), want) << "n = " << n;
  }
}

// ahead(k) looks into the bucket being read, in the order entries will come out of it.
TEST(CalendarQueue, AheadPeeksIntoTheCurrentBucketInOrder) {
  CalendarQueue q;
  q.init(0.0, 1.0, 1);  // 16 buckets of 1/16
  for (std::uint32_t s = 0; s < 5; ++s) q.push({0.5 + 0.001 * (4 - s), s, 0});
  EXPECT_EQ(q.top().slot, 4u);
  ASSERT_NE(q.ahead(1), nullptr);
  EXPECT_EQ(q.ahead(1)->slot, 3u);
  EXPECT_EQ(q.ahead(4)->slot, 0u);
  EXPECT_EQ(q.ahead(5), nullptr);
  EXPECT_GT(q.memory_bytes(), 0u);
}

}  // namespace

namespace {

// Memory follows what is queued, not how many entries have passed: 1,000 people each
// rescheduled 200 times (200,000 entries through the queue) hold at most a few times the memory
// of 1,000 entries, and the figure reported is the peak, not what is left at the end.
TEST(CalendarQueue, MemoryFollowsTheQueuedEntriesNotTheEventCount) {
  const std::uint64_t seed = trede::test::test_seed(20261123);
  SCOPED_TRACE(trede::test::seed_note(seed));
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> hold(20.0);  // about 200 events per person over 10 years
  constexpr std::uint32_t n = 1000;
  CalendarQueue q;
  q.init(0.0, 10.0, n);
  for (std::uint32_t s = 0; s < n; ++s) q.push({hold(rng), s, 0});
  const std::size_t after_filling = q.memory_bytes();
  EXPECT_GE(after_filling, n * sizeof(QueueEntry));
  std::size_t passed = 0;
  while (!q.empty()) {
    const QueueEntry e = q.top();
    q.pop();
    ++passed;
    const double next = e.time + hold(rng);
    if (next < 10.0) q.push({next, e.slot, e.version + 1});
  }
  EXPECT_GT(passed, std::size_t{150} * n);
  EXPECT_GE(q.memory_bytes(), after_filling);
  // At most 1,000 entries queued at once, with chunk links, half-filled chunks, the bucket being
  // read and the near heap: about 3.5 times the entries themselves (here most entries fall into
  // the bucket being read, the worst case), never in proportion to the 200,000 that passed.
  EXPECT_LE(q.memory_bytes(), 4 * n * sizeof(QueueEntry)) << passed << " entries passed through";
}

}  // namespace
