// Sweep designs: the grid is the product of the axes (last key fastest); the Latin hypercube
// uses each stratum of each range once and is a function of the seed.

#include "trede/mc/sweep.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "trede/error.hpp"

namespace {

using namespace trede;

TEST(GridDesign, IsTheProductWithTheLastKeyFastest) {
  const auto d = mc::grid_design({{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}});
  ASSERT_EQ(d.size(), 6u);
  EXPECT_EQ(d.values[0], (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(d.values[1], (std::vector<std::string>{"1", "y"}));
  EXPECT_EQ(d.values[5], (std::vector<std::string>{"2", "z"}));
  EXPECT_EQ(d.numeric[4][0], 2.0);
  EXPECT_TRUE(std::isnan(d.numeric[4][1]));
  EXPECT_EQ(d.overrides(3), (std::vector<std::string>{"a=2", "b=x"}));
  EXPECT_THROW((void)mc::grid_design({}), ModelError);
  EXPECT_THROW((void)mc::grid_design({{"a", {}}}), ModelError);
  EXPECT_THROW((void)mc::grid_design({{"a", {"1"}}, {"a", {"2"}}}), ModelError);
}

TEST(LatinHypercube, UsesEveryStratumOnceAndFollowsTheSeed) {
  const std::vector<mc::LhsRange> ranges = {{"r", 0.2, 0.8, false}, {"c", 10, 19, true}};
  const auto d = mc::lhs_design(ranges, 10, 7);
  ASSERT_EQ(d.size(), 10u);
  std::set<int> strata_r, values_c;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double r = d.numeric[i][0], c = d.numeric[i][1];
    EXPECT_GE(r, 0.2);
    EXPECT_LT(r, 0.8);
    strata_r.insert(static_cast<int>(std::floor((r - 0.2) / 0.6 * 10)));
    EXPECT_EQ(c, std::floor(c));
    values_c.insert(static_cast<int>(c));
  }
  EXPECT_EQ(strata_r.size(), 10u);
  EXPECT_EQ(values_c.size(), 10u);  // 10 whole numbers 10..19, each once
  EXPECT_EQ(*values_c.begin(), 10);
  EXPECT_EQ(*values_c.rbegin(), 19);
  EXPECT_EQ(mc::lhs_design(ranges, 10, 7).values, d.values);
  EXPECT_NE(mc::lhs_design(ranges, 10, 8).values, d.values);
  EXPECT_NE(d.fingerprint(), mc::lhs_design(ranges, 10, 8).fingerprint());
  EXPECT_THROW((void)mc::lhs_design(ranges, 0, 7), ModelError);
  EXPECT_THROW((void)mc::lhs_design({{"r", 2, 1, false}}, 3, 7), ModelError);
}

}  // namespace
