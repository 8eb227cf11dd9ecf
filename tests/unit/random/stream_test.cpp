// trede::random streams: stream_words is Threefry2x64-20 and philox_block Philox4x64-10 (Random123
// known answers), each a pure function of its arguments with every argument in its own counter
// or key bits; the uniform conversions stay inside their half-open intervals.

#include "trede/random/stream.hpp"

#include <Random123/philox.h>
#include <Random123/threefry.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <set>
#include <tuple>

#include "random/philox_inline.hpp"
#include "random/threefry_inline.hpp"
#include "test_seed.hpp"

namespace {

using trede::random::philox_block;
using trede::random::stream_words;
using trede::random::Purpose;
using trede::random::StreamKey;
using trede::random::uniform_closed0;
using trede::random::uniform_open0;
using Block = std::array<std::uint64_t, 4>;

// Random123 1.14 kat_vectors, "philox4x64 10": counter (4 words), key (2 words), result.
struct Kat {
  std::array<std::uint64_t, 4> ctr;
  std::array<std::uint64_t, 2> key;
  Block out;
};
constexpr Kat kat[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x16554d9eca36314cULL, 0xdb20fe9d672d0fdcULL, 0xd7e772cee186176bULL, 0x7e68b68aec7ba23bULL}},
    {{~0ULL, ~0ULL, ~0ULL, ~0ULL},
     {~0ULL, ~0ULL},
     {0x87b092c3013fe90bULL, 0x438c3c67be8d0224ULL, 0x9cc7d7c69cd777b6ULL, 0xa09caebf594f0ba0ULL}},
    {{0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL},
     {0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL},
     {0xa528f45403e61d95ULL, 0x38c72dbd566e9788ULL, 0xa5a1610e72fd18b5ULL, 0x57bd43b5e52b7fe6ULL}},
};

Block r123_philox(const std::array<std::uint64_t, 4>& ctr, const std::array<std::uint64_t, 2>& key) {
  r123::Philox4x64_R<10> gen;
  r123::Philox4x64_R<10>::ctr_type c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
  r123::Philox4x64_R<10>::key_type k = {{key[0], key[1]}};
  const auto r = gen(c, k);
  return {r.v[0], r.v[1], r.v[2], r.v[3]};
}

TEST(Philox, Random123HeaderMatchesKnownAnswers) {
  for (const Kat& v : kat) EXPECT_EQ(r123_philox(v.ctr, v.key), v.out);
}

// The all-zero vector is reachable through the public function: counter {stream, draw,
// purpose << 32 | block, 0} and key {seed, replicate} all zero.
TEST(Philox, PhiloxBlockMatchesTheZeroKnownAnswer) {
  EXPECT_EQ(philox_block(StreamKey{0, 0}, 0, 0, static_cast<Purpose>(0), 0), kat[0].out);
}

// Every argument lands in its documented word: counter {stream, draw, purpose << 32 | block, 0},
// key {seed, replicate}.
TEST(Philox, PhiloxBlockUsesTheDocumentedCounterAndKeyLayout) {
  const std::uint64_t seed = 0x243f6a8885a308d3ULL, rep = 0x13198a2e03707344ULL;
  const std::uint64_t stream = 0xa4093822299f31d0ULL, draw = 0x082efa98ec4e6c89ULL;
  for (Purpose purpose : {Purpose::transition, Purpose::arrival, Purpose::attribute, Purpose::initial,
                          Purpose::handover}) {
    for (std::uint32_t block : {0u, 1u, 7u, 0xffffffffu}) {
      const Block want =
          r123_philox({stream, draw, (static_cast<std::uint64_t>(purpose) << 32) | block, 0}, {seed, rep});
      EXPECT_EQ(philox_block({seed, rep}, stream, draw, purpose, block), want);
      // The engine's inline copy gives the same numbers as the public function.
      EXPECT_EQ(trede::random::detail::philox({seed, rep}, stream, draw, purpose, block), want);
    }
  }
}

TEST(Philox, PhiloxBlockIsAPureFunctionOfItsArguments) {
  const StreamKey key{42, 7};
  const Block a = philox_block(key, 123, 4, Purpose::transition, 0);
  // Interleave unrelated calls: no hidden state.
  (void)philox_block(key, 1, 1, Purpose::arrival, 3);
  (void)philox_block({1, 1}, 9, 9, Purpose::attribute, 0);
  EXPECT_EQ(philox_block(key, 123, 4, Purpose::transition, 0), a);
  EXPECT_EQ(philox_block(StreamKey{42, 7}, 123, 4, Purpose::transition), a);  // block defaults to 0
}

TEST(Philox, PhiloxBlockDiffersInEveryArgument) {
  const StreamKey key{42, 7};
  const Block base = philox_block(key, 123, 4, Purpose::transition, 0);
  EXPECT_NE(philox_block({43, 7}, 123, 4, Purpose::transition, 0), base);        // seed
  EXPECT_NE(philox_block({42, 8}, 123, 4, Purpose::transition, 0), base);        // replicate
  EXPECT_NE(philox_block(key, 124, 4, Purpose::transition, 0), base);            // stream
  EXPECT_NE(philox_block(key, 123, 5, Purpose::transition, 0), base);            // draw
  EXPECT_NE(philox_block(key, 123, 4, Purpose::arrival, 0), base);               // purpose
  EXPECT_NE(philox_block(key, 123, 4, Purpose::transition, 1), base);            // block
  // Swapping values between fields gives different numbers too (no field aliasing).
  EXPECT_NE(philox_block({7, 42}, 123, 4, Purpose::transition, 0), base);
  EXPECT_NE(philox_block(key, 4, 123, Purpose::transition, 0), base);
  EXPECT_NE(philox_block({42, 7}, 1, 0, Purpose::transition, 0),
            philox_block({42, 7}, 0, 1, Purpose::transition, 0));
  EXPECT_NE(philox_block(key, 0, 0, Purpose::arrival, 0), philox_block(key, 0, 0, Purpose::transition, 2));
}

// Distinct (stream, draw, purpose, block) tuples give distinct blocks over a small grid.
TEST(Philox, PhiloxBlockHasNoCollisionsOnAGrid) {
  std::set<Block> seen;
  std::size_t n = 0;
  for (std::uint64_t stream = 0; stream < 8; ++stream)
    for (std::uint64_t draw = 0; draw < 8; ++draw)
      for (Purpose purpose : {Purpose::transition, Purpose::arrival, Purpose::attribute, Purpose::initial,
                              Purpose::handover})
        for (std::uint32_t block = 0; block < 4; ++block) {
          seen.insert(philox_block({1, 0}, stream, draw, purpose, block));
          ++n;
        }
  EXPECT_EQ(seen.size(), n);
}

// ---- Threefry2x64-20: the engine's stream words -------------------------------------------------------

using Pair = std::array<std::uint64_t, 2>;

// Random123 kat_vectors, "threefry2x64 20": counter (2 words), key (2 words), result.
struct Kat2 {
  std::array<std::uint64_t, 2> ctr, key;
  Pair out;
};
constexpr Kat2 kat2[] = {
    {{0, 0}, {0, 0}, {0xc2b6e3a8c2c69865ULL, 0x6f81ed42f350084dULL}},
    {{~0ULL, ~0ULL}, {~0ULL, ~0ULL}, {0xe02cb7c4d95d277aULL, 0xd06633d0893b8b68ULL}},
    {{0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL},
     {0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL},
     {0x263c7d30bb0f0af1ULL, 0x56be8361d3311526ULL}},
};

Pair r123_threefry(const std::array<std::uint64_t, 2>& ctr, const std::array<std::uint64_t, 2>& key) {
  r123::Threefry2x64_R<20> gen;
  const r123::Threefry2x64_R<20>::ctr_type c = {{ctr[0], ctr[1]}};
  const r123::Threefry2x64_R<20>::key_type k = {{key[0], key[1]}};
  const auto r = gen(c, k);
  return {r.v[0], r.v[1]};
}

TEST(Threefry, Random123HeaderMatchesKnownAnswers) {
  for (const Kat2& v : kat2) EXPECT_EQ(r123_threefry(v.ctr, v.key), v.out);
}

// Through the public function: counter {stream, draw | purpose << 32 | block << 40}, key {seed,
// replicate}. The all-zero answer and the all-ones key with the largest fields reach the vectors.
TEST(Threefry, StreamWordsMatchTheKnownAnswersThroughTheDocumentedLayout) {
  EXPECT_EQ(stream_words(StreamKey{0, 0}, 0, 0, static_cast<Purpose>(0), 0), kat2[0].out);
  EXPECT_EQ(stream_words(StreamKey{~0ULL, ~0ULL}, ~0ULL, 0xffffffffu, static_cast<Purpose>(0xff), 0xffffffu),
            kat2[1].out);
}

TEST(Threefry, StreamWordsUseTheDocumentedCounterAndKeyLayout) {
  const std::uint64_t seed = 0x243f6a8885a308d3ULL, rep = 0x13198a2e03707344ULL, stream = 0xa4093822299f31d0ULL;
  const std::uint32_t draw = 0x082efa98u;
  for (Purpose purpose : {Purpose::transition, Purpose::arrival, Purpose::attribute, Purpose::initial,
                          Purpose::handover}) {
    for (std::uint32_t block : {0u, 1u, 7u, 0xffffffu}) {
      const Pair want = r123_threefry(
          {stream, std::uint64_t{draw} | static_cast<std::uint64_t>(purpose) << 32 | std::uint64_t{block} << 40},
          {seed, rep});
      EXPECT_EQ(stream_words({seed, rep}, stream, draw, purpose, block), want);
      // The engine's inline copy gives the same numbers as the public function.
      EXPECT_EQ(trede::random::detail::threefry({seed, rep}, stream, draw, purpose, block), want);
    }
  }
}

TEST(Threefry, StreamWordsAreAPureFunctionThatDiffersInEveryArgument) {
  const StreamKey key{42, 7};
  const Pair base = stream_words(key, 123, 4, Purpose::transition, 0);
  (void)stream_words(key, 1, 1, Purpose::arrival, 3);
  EXPECT_EQ(stream_words(key, 123, 4, Purpose::transition), base);  // no hidden state; block defaults to 0
  EXPECT_NE(stream_words({43, 7}, 123, 4, Purpose::transition, 0), base);  // seed
  EXPECT_NE(stream_words({42, 8}, 123, 4, Purpose::transition, 0), base);  // replicate
  EXPECT_NE(stream_words(key, 124, 4, Purpose::transition, 0), base);      // stream
  EXPECT_NE(stream_words(key, 123, 5, Purpose::transition, 0), base);      // draw
  EXPECT_NE(stream_words(key, 123, 4, Purpose::arrival, 0), base);         // purpose
  EXPECT_NE(stream_words(key, 123, 4, Purpose::transition, 1), base);      // block
  EXPECT_NE(stream_words({7, 42}, 123, 4, Purpose::transition, 0), base);  // seed and replicate swapped
  EXPECT_NE(stream_words(key, 4, 123, Purpose::transition, 0), base);      // stream and draw swapped
}

TEST(Threefry, StreamWordsHaveNoCollisionsOnAGrid) {
  std::set<Pair> seen;
  std::size_t n = 0;
  for (std::uint64_t stream = 0; stream < 8; ++stream)
    for (std::uint32_t draw = 0; draw < 8; ++draw)
      for (Purpose purpose : {Purpose::transition, Purpose::arrival, Purpose::attribute, Purpose::initial,
                              Purpose::handover})
        for (std::uint32_t block = 0; block < 4; ++block) {
          seen.insert(stream_words({1, 0}, stream, draw, purpose, block));
          ++n;
        }
  EXPECT_EQ(seen.size(), n);
}

// Words of consecutive draws of one stream (what a person uses) look uniform and independent:
// means of U and of U_k U_{k+1} within 4 standard errors, and a chi-square test of the top 4 bits
// (16 cells) below its 99.99% point.
TEST(Threefry, ConsecutiveDrawsAreUniformAndUncorrelated) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  const int n = 1 << 18;
  double sum = 0.0, sum_prod = 0.0, prev = 0.5;
  std::array<int, 16> cells{};
  for (int i = 0; i < n / 2; ++i) {
    const Pair w = stream_words({seed, 3}, 17, static_cast<std::uint32_t>(i), Purpose::transition, 0);
    for (std::uint64_t x : w) {
      const double u = uniform_closed0(x);
      sum += u;
      sum_prod += u * prev;
      prev = u;
      ++cells[x >> 60];
    }
  }
  EXPECT_NEAR(sum / n, 0.5, 4 * std::sqrt(1.0 / 12.0 / n));
  EXPECT_NEAR(sum_prod / n, 0.25, 4 * std::sqrt(7.0 / 144.0 / n));
  double chi2 = 0.0;
  for (int c : cells) chi2 += (c - n / 16.0) * (c - n / 16.0) / (n / 16.0);
  EXPECT_LT(chi2, 44.26);  // chi-square, 15 degrees of freedom, 99.99%
}

// ---- uniforms ---------------------------------------------------------------------------------------

static_assert(uniform_open0(0) == 0x1.0p-53);
static_assert(uniform_open0(~0ULL) == 1.0);
static_assert(uniform_closed0(0) == 0.0);
static_assert(uniform_closed0(~0ULL) == 1.0 - 0x1.0p-53);

TEST(Uniform, OpenAtZeroNeverReturnsZeroAndReachesOne) {
  EXPECT_GT(uniform_open0(0), 0.0);
  EXPECT_EQ(uniform_open0(0), 0x1.0p-53);
  EXPECT_EQ(uniform_open0(0x7ffULL), 0x1.0p-53);  // the low 11 bits are dropped
  EXPECT_EQ(uniform_open0(~0ULL), 1.0);
  EXPECT_TRUE(std::isfinite(-std::log(uniform_open0(0))));
}

TEST(Uniform, ClosedAtZeroNeverReturnsOne) {
  EXPECT_EQ(uniform_closed0(0), 0.0);
  EXPECT_LT(uniform_closed0(~0ULL), 1.0);
  EXPECT_EQ(uniform_closed0(~0ULL), 1.0 - 0x1.0p-53);
  EXPECT_EQ(uniform_closed0(1ULL << 63), 0.5);
}

// Both conversions are exact (53 bits fit a double), differ by exactly 2^-53 for the same bits,
// and stay in range for Philox output; their mean is 1/2 within 4 standard errors.
TEST(Uniform, PhiloxDrawsStayInRangeWithMeanOneHalf) {
  const std::uint64_t seed = trede::test::test_seed();
  SCOPED_TRACE(trede::test::seed_note(seed));
  const int n = 1 << 18;
  double sum_open = 0.0, sum_closed = 0.0;
  for (int i = 0; i < n / 4; ++i) {
    const Block b = philox_block({seed, 0}, static_cast<std::uint64_t>(i), 0, Purpose::transition, 0);
    for (std::uint64_t w : b) {
      const double u0 = uniform_open0(w), u1 = uniform_closed0(w);
      ASSERT_GT(u0, 0.0);
      ASSERT_LE(u0, 1.0);
      ASSERT_GE(u1, 0.0);
      ASSERT_LT(u1, 1.0);
      ASSERT_EQ(u0 - u1, 0x1.0p-53);
      sum_open += u0;
      sum_closed += u1;
    }
  }
  const double se = std::sqrt(1.0 / 12.0 / n);
  EXPECT_NEAR(sum_open / n, 0.5, 4 * se);
  EXPECT_NEAR(sum_closed / n, 0.5, 4 * se);
}

}  // namespace
