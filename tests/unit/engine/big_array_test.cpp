// BigArray: the engine's growable arrays keep every element through growth, whichever way they
// grow (heap realloc below 8 MiB; on Linux a mapping that mremap grows in place or moves), and
// through moves of the array object.
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/big_array.hpp"
#include "engine/event_queue.hpp"

namespace trede::engine {
namespace {

std::uint64_t value_at(std::size_t i) { return i * 0x9E3779B97F4A7C15ull + 7; }

TEST(BigArray, KeepsEveryElementThroughGrowthPastTheMappingThreshold) {
  BigArray<std::uint64_t> a;
  // Growth by a sixteenth, as People grows: from the heap (< 8 MiB) into a mapping and on to
  // 48 MiB, through many reallocations.
  const std::size_t n = std::size_t{6} << 20;
  for (std::size_t i = 0; i < n; ++i) {
    if (a.size() == a.capacity()) a.reserve(a.size() + a.size() / 16 + 1024);
    a.push_back(value_at(i));
  }
  ASSERT_EQ(a.size(), n);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) wrong += a[i] != value_at(i);
  EXPECT_EQ(wrong, 0u);
}

TEST(BigArray, GrowsAMappingThatCannotGrowInPlace) {
  BigArray<std::uint64_t> a, b;
  const std::size_t n = std::size_t{2} << 20;  // 16 MiB each: both mapped
  a.resize(n);
  b.resize(n);  // b's mapping may sit right after a's: a then has to move to grow
  for (std::size_t i = 0; i < n; ++i) a[i] = value_at(i), b[i] = ~value_at(i);
  a.reserve(4 * n);
  b.reserve(4 * n);
  a.resize(4 * n);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) wrong += (a[i] != value_at(i)) + (b[i] != ~value_at(i));
  EXPECT_EQ(wrong, 0u);
  for (std::size_t i = n; i < 4 * n; ++i) wrong += a[i] != 0;  // resize value-initialises
  EXPECT_EQ(wrong, 0u);
}

TEST(BigArray, ResizeValueInitialisesAndMovesTransferOwnership) {
  BigArray<QueueEntry> a;
  a.resize(3);
  EXPECT_EQ(a[2].time, 0.0);
  EXPECT_EQ(a[2].slot, 0u);
  a[1] = QueueEntry{2.5, 4, 9};
  BigArray<QueueEntry> b = std::move(a);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.data(), nullptr);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[1].time, 2.5);
  EXPECT_EQ(b[1].version, 9u);
  std::vector<BigArray<double>> columns(3);  // as People keeps its attribute columns
  columns[2].resize(std::size_t{3} << 20);   // 24 MiB: mapped
  columns[2][12345] = 1.5;
  columns.emplace_back();  // the vector moves its arrays
  EXPECT_EQ(columns[2][12345], 1.5);
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), 3u);
}

TEST(BigArray, ReusesGivenBackMappingsOfEverySize) {
  // The arrays of one round are given back and the next round's take their mappings: one that
  // fits, one larger than asked (kept whole), one grown from a smaller one; between rounds 1 and
  // 2 the kept mappings are unmapped and the new arrays are fresh.
  const std::size_t mib = std::size_t{1} << 17;  // uint64 values per MiB
  for (int round = 0; round < 3; ++round) {
    std::vector<BigArray<std::uint64_t>> arrays(4);
    const std::size_t sizes[] = {10 * mib, 40 * mib, 12 * mib, (round == 1 ? 64 : 20) * mib};
    for (std::size_t k = 0; k < 4; ++k) {
      arrays[k].resize(sizes[k]);
      EXPECT_GE(arrays[k].capacity(), sizes[k]);
      for (std::size_t i = 0; i < sizes[k]; i += 511) arrays[k][i] = value_at(i + k);
    }
    arrays[1].reserve(50 * mib);  // grows a mapping that may have come from the kept ones
    EXPECT_GE(arrays[1].capacity(), 50 * mib);
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < 4; ++k)
      for (std::size_t i = 0; i < sizes[k]; i += 511) wrong += arrays[k][i] != value_at(i + k);
    EXPECT_EQ(wrong, 0u) << "round " << round;
    if (round == 1) release_cached_mappings();  // the arrays of round 0 are unmapped
  }
  release_cached_mappings();
}

}  // namespace
}  // namespace trede::engine
