// Decomposability (docs/model-formalism.md §10): any range of replicates can run on its own, and merging ranges
// gives bitwise the same ensemble as running them at once. MPI runs rely on this.

#include <gtest/gtest.h>

#include <cstring>

#include "test_seed.hpp"
#include "trede/error.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

model::Scenario bm2_small() {
  return model::load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/ladder-bm2.toml",
                              {"population[0].count=3000", "inflow[0].rate_per_year=300",
                               "state[beschut_werk].capacity=60", "state[tussengroep].capacity=30"});
}

mc::Ensemble range(const model::Scenario& s, std::uint64_t first, std::uint64_t count, int threads = 1) {
  mc::RunOptions o;
  o.seed = trede::test::test_seed(31);
  o.first_replicate = first;
  o.replicates = count;
  o.threads = threads;
  return mc::run(s, o);
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  // memcmp of an empty vector's data() (a null pointer) is undefined even for 0 bytes.
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

void expect_identical(mc::Ensemble a, mc::Ensemble b) {
  EXPECT_EQ(a.first_replicate, b.first_replicate);
  EXPECT_EQ(a.replicates, b.replicates);
  auto xa = mc::replicate_arrays(a), xb = mc::replicate_arrays(b);
  ASSERT_EQ(xa.size(), xb.size());
  for (std::size_t i = 0; i < xa.size(); ++i) {
    ASSERT_EQ(xa[i].bytes.size(), xb[i].bytes.size()) << "array " << i;
    if (!xa[i].bytes.empty()) {
      EXPECT_EQ(std::memcmp(xa[i].bytes.data(), xb[i].bytes.data(), xa[i].bytes.size()), 0) << "array " << i;
    }
  }
  for (auto [sa, sb] : {std::pair{&a.summary("kpi"), &b.summary("kpi")},
                        {&a.summary("occupancy"), &b.summary("occupancy")},
                        {&a.summary("kpi_period"), &b.summary("kpi_period")},
                        {&a.summary("waiting"), &b.summary("waiting")}}) {
    EXPECT_TRUE(same_bits(sa->mean, sb->mean));
    EXPECT_TRUE(same_bits(sa->sd, sb->sd));
    EXPECT_TRUE(same_bits(sa->q05, sb->q05));
    EXPECT_TRUE(same_bits(sa->q95, sb->q95));
  }
}

TEST(Merge, RangesMergeToTheWholeRunBitwise) {
  const auto s = bm2_small();
  const auto whole = range(s, 3, 10, 2);
  // Out of order, uneven pieces, one of them run with two threads.
  const auto merged = mc::merge({range(s, 9, 4), range(s, 3, 1), range(s, 4, 5, 2)});
  expect_identical(whole, merged);
}

TEST(Merge, RejectsGapsOverlapsAndForeignParts) {
  const auto s = bm2_small();
  EXPECT_THROW((void)mc::merge({range(s, 0, 2), range(s, 3, 2)}), Error);
  EXPECT_THROW((void)mc::merge({range(s, 0, 3), range(s, 2, 2)}), Error);
  EXPECT_THROW((void)mc::merge({}), Error);
  auto whole = mc::allocate(range(s, 0, 1).layout, 4, trede::test::test_seed(31), 0);
  mc::RunOptions other;
  other.seed = 999;
  other.replicates = 1;
  EXPECT_THROW(mc::place(whole, mc::run(s, other)), Error);      // another seed
  EXPECT_THROW(mc::place(whole, range(s, 3, 2)), Error);          // sticks out of the range
  // A part whose arrays have another shape than the whole's (as from a scenario with other
  // capacity states or KPIs) must not be copied past the whole's arrays.
  auto odd = range(s, 0, 1);
  odd.values<std::int32_t>("waiting").resize(odd.values<std::int32_t>("waiting").size() / 2);
  EXPECT_THROW(mc::place(whole, odd), Error);
}

}  // namespace
