#pragma once
// The seed of a randomised unit test: fixed by default, overridden by TREDE_TEST_SEED, and
// recorded in the test's output (gtest's RecordProperty and a SCOPED_TRACE by the caller) so a
// failure can be reproduced.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace trede::test {

inline std::uint64_t test_seed(std::uint64_t fallback = 20250101) {
  std::uint64_t seed = fallback;
  if (const char* env = std::getenv("TREDE_TEST_SEED"); env && *env) seed = std::strtoull(env, nullptr, 10);
  ::testing::Test::RecordProperty("trede_test_seed", std::to_string(seed));
  return seed;
}

inline std::string seed_note(std::uint64_t seed) {
  return "seed " + std::to_string(seed) + " (set TREDE_TEST_SEED=" + std::to_string(seed) + " to reproduce)";
}

}  // namespace trede::test
