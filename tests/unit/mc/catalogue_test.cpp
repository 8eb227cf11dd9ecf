// The result catalogue: every per-replicate array of an ensemble is one row (unique names, the
// shapes of the layout), and results can be read by name.

#include "trede/mc/catalogue.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <set>
#include <string>

#include "trede/error.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;

const char* two_regions = R"(
horizon_years = 3
[[state]]
name = "bijstand"
trede = 2
cost_eur_per_year = 100
[[state]]
name = "werk"
trede = 6
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "bijstand"
to = "werk"
rate = 0.5
[[transition]]
from = "werk"
to = "exit"
rate = 0.2
[[population]]
state = "bijstand"
count = 200
[[region]]
name = "a"
share = 0.5
[[region]]
name = "b"
share = 0.5
)";

mc::Ensemble small_run(std::uint64_t replicates = 3) {
  const auto s = model::parse_scenario(two_regions, "two.toml");
  mc::RunOptions o;
  o.replicates = replicates;
  o.seed = 5;
  o.threads = 1;
  return mc::run(s, o);
}

TEST(Catalogue, NamesEveryEnsembleArrayOnceWithTheLayoutsShape) {
  const mc::Ensemble e = small_run();
  std::set<std::string> names;
  std::size_t present = 0;
  mc::for_each_array(e, [&](const mc::ResultArray& a, const auto& v) {
    EXPECT_TRUE(names.insert(a.name).second) << a.name << " twice";
    EXPECT_EQ(v.size(), e.replicates * a.row_size(e.layout)) << a.name;
    EXPECT_EQ(sizeof(v[0]), a.element_size()) << a.name;
    EXPECT_EQ(a.index(), static_cast<std::size_t>(&a - mc::result_arrays().data())) << a.name;
    ++present;
  });
  std::size_t by_group = 0;  // present only when the scenario asks for results by attribute
  for (const auto& a : mc::result_arrays())
    by_group += std::find(a.dims.begin(), a.dims.begin() + a.rank, mc::Dim::group) != a.dims.begin() + a.rank;
  EXPECT_EQ(by_group, 2u);
  EXPECT_EQ(present, mc::result_arrays().size() - by_group) << "two regions: the region arrays are present too";
  EXPECT_EQ(mc::replicate_arrays(e).size(), present);
  EXPECT_EQ(mc::find_result_array("region/kpi")->dims[0], mc::Dim::region);
  EXPECT_EQ(mc::find_result_array("nothing"), nullptr);
}

TEST(Catalogue, DerivedArraysFollowTheirSources) {
  const mc::Ensemble e = small_run();
  const auto occ = mc::array<std::int32_t>(e, "occupancy");
  const auto rungs = mc::array<std::int32_t>(e, "trede_occupancy");
  const auto cost = mc::array<double>(e, "cost_eur"), cum = mc::array<double>(e, "cost_cumulative_eur");
  const std::size_t bijstand = occ.index(mc::Dim::state, "bijstand"), werk = occ.index(mc::Dim::state, "werk");
  for (std::size_t r = 0; r < e.replicates; ++r) {
    double acc = 0.0;
    for (std::size_t t = 0; t < occ.extent(1); ++t) {
      EXPECT_EQ(rungs(r, t, 1), occ(r, t, bijstand));  // trede 2
      EXPECT_EQ(rungs(r, t, 5), occ(r, t, werk));      // trede 6
      EXPECT_EQ(rungs(r, t, 0), 0);
      acc += cost(r, t);
      EXPECT_EQ(cum(r, t), acc);
    }
  }
}

TEST(Catalogue, ResultsByName) {
  const mc::Ensemble e = small_run(4);
  const auto persons = mc::kpi(e, "persons");
  EXPECT_EQ(persons.mean, 200.0);
  EXPECT_EQ(persons.q05, 200.0);
  const auto region_kpi = mc::array<double>(e, "region/kpi");
  const std::size_t k = region_kpi.index(mc::Dim::kpi, "persons"), a = region_kpi.index(mc::Dim::region, "a"),
                    b = region_kpi.index(mc::Dim::region, "b");
  for (std::size_t r = 0; r < e.replicates; ++r) EXPECT_EQ(region_kpi(r, a, k) + region_kpi(r, b, k), 200.0);
  EXPECT_EQ(mc::array<std::uint64_t>(e, "events").rank(), 1u);
  // Mistakes say what is there.
  try {
    (void)mc::kpi(e, "persons_reached");
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("persons_reaching_work"), std::string::npos) << err.what();
  }
  EXPECT_THROW((void)mc::array<double>(e, "occupancy"), Error);       // int32, not double
  EXPECT_THROW((void)mc::array<double>(e, "occupancy_by_age"), Error);  // no such array
  EXPECT_THROW((void)region_kpi(0, 5, k), Error);                       // outside the region axis
  EXPECT_THROW((void)region_kpi(0, a), Error);                          // too few indices
  EXPECT_THROW((void)mc::index_of(e.layout, mc::Dim::time, "2025"), Error);
}

TEST(Catalogue, EnsembleHoldsOneArrayAndOneSummaryPerRowByName) {
  const mc::Ensemble e = small_run(4);
  ASSERT_EQ(e.arrays.size(), mc::result_arrays().size());
  ASSERT_EQ(e.summaries.size(), mc::result_arrays().size());
  for (const mc::ResultArray& a : mc::result_arrays()) {
    // The slot of each row holds the row's element type, and summaries exist exactly for the
    // summarised arrays present.
    const auto& slot = e.arrays[a.index()];
    EXPECT_EQ(slot.index(), static_cast<std::size_t>(a.type)) << a.name;
    const bool summarised = a.present(e) && a.summarised != mc::Summarised::no;
    EXPECT_EQ(!e.summaries[a.index()].mean.empty(), summarised && a.row_size(e.layout) > 0) << a.name;
  }
  // values<T>(name) is the row's slot; summary(name) its summary.
  EXPECT_EQ(&e.values<std::int32_t>("region/occupancy"),
            &std::get<std::vector<std::int32_t>>(e.arrays[mc::find_result_array("region/occupancy")->index()]));
  EXPECT_EQ(e.summary("kpi").mean[mc::index_of(e.layout, mc::Dim::kpi, "persons")], 200.0);
  // Mistakes are named.
  try {
    (void)e.values<double>("occupancy");
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("std::int32_t"), std::string::npos) << err.what();
  }
  EXPECT_THROW((void)e.values<double>("occupancy_by_age"), Error);
  EXPECT_THROW((void)e.summary("person_years"), Error);  // kept per replicate, not summarised
  // A default ensemble has every slot, empty.
  const mc::Ensemble none;
  EXPECT_TRUE(none.values<double>("kpi").empty());
}

TEST(Catalogue, RegionArraysAreAbsentWithOneRegion) {
  const char* one = R"(
horizon_years = 1
[[state]]
name = "x"
trede = 1
[[state]]
name = "gone"
absorbing = true
[[transition]]
from = "x"
to = "gone"
rate = 1
[[population]]
state = "x"
count = 3
)";
  mc::RunOptions o;
  o.replicates = 2;
  const mc::Ensemble e = mc::run(model::parse_scenario(one, "one.toml"), o);
  EXPECT_THROW((void)mc::array<std::int32_t>(e, "region/occupancy"), Error);
  EXPECT_TRUE(e.values<std::int32_t>("region/occupancy").empty());
}

}  // namespace
