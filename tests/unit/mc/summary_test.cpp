// mc::summarize: per-column mean, sd (n - 1) and type-7 quantiles (numpy's defaults) over
// replicates, with NaN values left out. Expected values are worked out by hand below, as
// numpy.mean / numpy.std(ddof=1) / numpy.quantile(method="linear") give them.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "trede/mc/ensemble.hpp"

namespace {

using trede::mc::Summary;
using trede::mc::summarize;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// [R = 5, N = 3], replicate-major. Column 0 unsorted, column 1 with NaNs, column 2 all NaN.
const std::vector<double> data = {
    10.0, nan, nan,  //
    2.0,  2.0, nan,  //
    4.0,  nan, nan,  //
    1.0,  6.0, nan,  //
    3.0,  4.0, nan,  //
};

TEST(Summarize, MeanAndSampleSdLikeNumpy) {
  const Summary s = summarize(std::span<const double>(data), 5);
  ASSERT_EQ(s.mean.size(), 3u);
  // Column 0: {1, 2, 3, 4, 10}: mean 4, squared deviations 9 + 4 + 1 + 0 + 36 = 50, sd √(50/4).
  EXPECT_DOUBLE_EQ(s.mean[0], 4.0);
  EXPECT_DOUBLE_EQ(s.sd[0], std::sqrt(12.5));
  // Column 1 without its NaNs: {2, 4, 6}: mean 4, sd 2.
  EXPECT_DOUBLE_EQ(s.mean[1], 4.0);
  EXPECT_DOUBLE_EQ(s.sd[1], 2.0);
}

TEST(Summarize, QuantilesAreType7LinearInterpolation) {
  const Summary s = summarize(std::span<const double>(data), 5);
  // Sorted {1, 2, 3, 4, 10}, h = (n - 1) q: q05 -> h = 0.2: 1 + 0.2 × 1; q50 -> 3; q95 -> h = 3.8:
  // 4 + 0.8 × 6.
  EXPECT_DOUBLE_EQ(s.q05[0], 1.2);
  EXPECT_DOUBLE_EQ(s.q50[0], 3.0);
  EXPECT_DOUBLE_EQ(s.q95[0], 8.8);
  // {2, 4, 6}: h = 0.1 -> 2.2; 4; h = 1.9 -> 5.8.
  EXPECT_DOUBLE_EQ(s.q05[1], 2.2);
  EXPECT_DOUBLE_EQ(s.q50[1], 4.0);
  EXPECT_DOUBLE_EQ(s.q95[1], 5.8);
}

TEST(Summarize, LeavesOutNanAndGivesNanForAnEmptyColumn) {
  const Summary s = summarize(std::span<const double>(data), 5);
  EXPECT_TRUE(std::isnan(s.mean[2]));
  EXPECT_TRUE(std::isnan(s.sd[2]));
  EXPECT_TRUE(std::isnan(s.q05[2]));
  EXPECT_TRUE(std::isnan(s.q50[2]));
  EXPECT_TRUE(std::isnan(s.q95[2]));
  for (const auto* v : {&s.mean, &s.sd, &s.q05, &s.q50, &s.q95}) {
    EXPECT_FALSE(std::isnan((*v)[0]));
    EXPECT_FALSE(std::isnan((*v)[1]));
  }
}

TEST(Summarize, EvenCountMedianAndTwentyOneValues) {
  // {0, 1, ..., 20} shuffled: q05 = 1, q50 = 10, q95 = 19 exactly (h = 1, 10, 19).
  std::vector<double> v;
  for (int i = 0; i < 21; ++i) v.push_back(static_cast<double>((i * 8) % 21));
  Summary s = summarize(std::span<const double>(v), 21);
  ASSERT_EQ(s.mean.size(), 1u);
  EXPECT_DOUBLE_EQ(s.mean[0], 10.0);
  EXPECT_DOUBLE_EQ(s.q05[0], 1.0);
  EXPECT_DOUBLE_EQ(s.q50[0], 10.0);
  EXPECT_DOUBLE_EQ(s.q95[0], 19.0);
  EXPECT_DOUBLE_EQ(s.sd[0], std::sqrt(770.0 / 20.0));  // Σ(i - 10)² = 770
  // {5, 1, 7, 3}: median between 3 and 5; q05 -> h = 0.15: 1 + 0.15 × 2; q95 -> h = 2.85: 5 + 0.85 × 2.
  const std::vector<double> four = {5, 1, 7, 3};
  s = summarize(std::span<const double>(four), 4);
  EXPECT_DOUBLE_EQ(s.q50[0], 4.0);
  EXPECT_DOUBLE_EQ(s.q05[0], 1.3);
  EXPECT_DOUBLE_EQ(s.q95[0], 6.7);
  EXPECT_DOUBLE_EQ(s.mean[0], 4.0);
  EXPECT_DOUBLE_EQ(s.sd[0], std::sqrt(20.0 / 3.0));
}

TEST(Summarize, IntegerValuesGiveTheSameAsDoubles) {
  const std::vector<std::int32_t> ints = {10, 7, 2, -3, 4, 9, 1, 0, 3, 5};  // [R = 5, N = 2]
  std::vector<double> doubles(ints.begin(), ints.end());
  const Summary a = summarize(std::span<const std::int32_t>(ints), 5);
  const Summary b = summarize(std::span<const double>(doubles), 5);
  ASSERT_EQ(a.mean.size(), 2u);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.sd, b.sd);
  EXPECT_EQ(a.q05, b.q05);
  EXPECT_EQ(a.q50, b.q50);
  EXPECT_EQ(a.q95, b.q95);
  // Column 1: {7, -3, 9, 0, 5}, sorted {-3, 0, 5, 7, 9}: mean 3.6, q50 5, q05 -3 + 0.2 × 3.
  EXPECT_DOUBLE_EQ(a.mean[1], 3.6);
  EXPECT_DOUBLE_EQ(a.q50[1], 5.0);
  EXPECT_DOUBLE_EQ(a.q05[1], -2.4);
  EXPECT_DOUBLE_EQ(a.q95[1], 8.6);  // h = 3.8: 7 + 0.8 × 2
}

TEST(Summarize, SingleReplicateHasZeroSpreadAndItsValueAsEveryQuantile) {
  const std::vector<double> one = {2.5, -1.0};
  const Summary s = summarize(std::span<const double>(one), 1);
  ASSERT_EQ(s.mean.size(), 2u);
  EXPECT_EQ(s.mean[0], 2.5);
  EXPECT_EQ(s.q05[0], 2.5);
  EXPECT_EQ(s.q50[1], -1.0);
  EXPECT_EQ(s.q95[1], -1.0);
}

// Many columns (more than one parallel block of cells) give the same as one column at a time.
TEST(Summarize, ManyColumnsAreSummarisedIndependently) {
  const std::size_t R = 7, N = 1000;
  std::vector<double> v(R * N);
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t j = 0; j < N; ++j) v[i * N + j] = std::sin(static_cast<double>(i * 31 + j * 7)) * (1.0 + j);
  const Summary all = summarize(std::span<const double>(v), R);
  ASSERT_EQ(all.mean.size(), N);
  for (std::size_t j = 0; j < N; j += 97) {
    std::vector<double> col;
    for (std::size_t i = 0; i < R; ++i) col.push_back(v[i * N + j]);
    const Summary one = summarize(std::span<const double>(col), R);
    EXPECT_EQ(all.mean[j], one.mean[0]) << j;
    EXPECT_EQ(all.sd[j], one.sd[0]) << j;
    EXPECT_EQ(all.q05[j], one.q05[0]) << j;
    EXPECT_EQ(all.q95[j], one.q95[0]) << j;
  }
}

}  // namespace
