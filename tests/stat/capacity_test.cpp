// Places that change by calendar year, and the admission order of a waiting list (FIFO against
// priority). Most checks here are exact per replicate (the list is long enough that the outcome
// is certain); the rest compare with binomial and exchangeability arguments.

#include <algorithm>
#include <string>
#include <vector>

#include "stat_support.hpp"

namespace trede::stat_test {
namespace {

class Capacity : public StatTest {};

// Places 0 until 2027, 300 until 2030, then 100, with a long in-place list throughout. At the
// step up the list fills all 300 places at once and keeps them full; at the step down nobody is
// removed: the 300 people present leave at rate 1 each, and new people are admitted only once
// fewer than 100 are left. So the occupancy one year after the cut is max(B, 100) with
// B ~ Binomial(300, e^{-1}), and two years after it is 100 (P(B ≥ 100) < 1e-20 there).
TEST_F(Capacity, PlacesScheduleAdmitsAtStepAndNeverEvicts) {
  const std::string text = R"(
name = "capacity-schedule"
start_year = 2025.0
horizon_years = 7.0

[report]
step_years = 1.0

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"

[[state]]
name = "beschut_werk"
trede = 5
functionality = "H"
capacity = {2025 = 0, 2027 = 300, 2030 = 100}

[[state]]
name = "regulier_werk"
absorbing = true

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "beschut_werk"
rate = 2.0

[[transition]]
from = "bijstand"
to = "regulier_werk"
rate = 0.1

[[transition]]
from = "beschut_werk"
to = "exit"
rate = 1.0

[[population]]
state = "bijstand"
count = 4000
)";
  const auto s = model::parse_scenario(text, "capacity-schedule.toml");
  const std::size_t R = 200;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  const std::size_t T = L.T(), S = L.S(), C = L.C();
  const std::size_t x = state_index(L, "beschut_werk");
  auto occ = [&](std::size_t r, std::size_t k) { return e.values<std::int32_t>("occupancy")[at3(r, k, x, T, S)]; };
  auto list = [&](std::size_t r, std::size_t k) { return e.values<std::int32_t>("waiting")[at3(r, k, 0, T, C)]; };
  ASSERT_EQ(T, 8u);  // 2025 .. 2032
  for (std::size_t r = 0; r < R; ++r) {
    EXPECT_EQ(occ(r, 1), 0) << "no places in 2025-2026" << rerun();
    for (std::size_t k = 1; k < T; ++k) ASSERT_GT(list(r, k), 100) << "the list must stay long at " << k << rerun();
    for (std::size_t k : {2u, 3u, 4u, 5u})  // 2027 .. 2030: full (the cut at 2030.0 evicts nobody)
      EXPECT_EQ(occ(r, k), 300) << "at " << L.report_times[k] << rerun();
    EXPECT_GE(occ(r, 6), 100) << rerun();
    EXPECT_LE(occ(r, 6), 300) << rerun();
    EXPECT_EQ(occ(r, 7), 100) << "at 2032" << rerun();
  }
  // One year after the cut: E max(B, 100), B ~ Binomial(300, e^{-1}), from the exact pmf.
  const double p = std::exp(-1.0);
  double m1 = 0.0, m2 = 0.0, pmf = std::pow(1 - p, 300);
  for (int b = 0; b <= 300; ++b) {
    if (b > 0) pmf *= (300.0 - b + 1) / b * p / (1 - p);
    const double v = std::max(b, 100);
    m1 += v * pmf;
    m2 += v * v * pmf;
  }
  double mean = 0.0;
  for (std::size_t r = 0; r < R; ++r) mean += occ(r, 6);
  mean /= static_cast<double>(R);
  expect_z("occupancy one year after the cut to 100 places", mean, m1, std::sqrt((m2 - m1 * m1) / static_cast<double>(R)));
  // At the step up, exactly 300 admissions from the list in the period ending at 2027.
  for (std::size_t r = 0; r < R; ++r)
    EXPECT_GE(e.values<std::int32_t>("waiting_admitted")[at3(r, 2, 0, L.P(), C)], 300) << rerun();
}

std::string priority_scenario(const std::string& discipline) {
  return R"(
name = "priority"
start_year = 2025.0
horizon_years = 2.0

[report]
step_years = 1.0

[attributes]
doelgroep = {type = "category", levels = ["geen", "beschut"]}

[[state]]
name = "bijstand_geen"
trede = 2

[[state]]
name = "bijstand_beschut"
trede = 2

[[state]]
name = "beschut_werk"
trede = 5
functionality = "H"
capacity = {2025 = 0, 2027 = 300}
)" + discipline + R"(

[[state]]
name = "regulier_werk"
absorbing = true

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand_geen"
to = "beschut_werk"
rate = 3.0

[[transition]]
from = "bijstand_beschut"
to = "beschut_werk"
rate = 3.0

[[transition]]
from = "bijstand_geen"
to = "regulier_werk"
rate = 0.1

[[transition]]
from = "bijstand_beschut"
to = "regulier_werk"
rate = 0.1

[[transition]]
from = "beschut_werk"
to = "exit"
rate = 0.01

[[population]]
state = "bijstand_geen"
count = 1000
attributes = {doelgroep = "geen"}

[[population]]
state = "bijstand_beschut"
count = 500
attributes = {doelgroep = "beschut"}
)";
}

// Two groups wait in place on one shared list, each from its own state, so the flow edge of an
// admission tells whose turn it was. 300 places open at 2027 with ~400 beschut and ~800 geen
// waiting: by priority (category level order) all 300 go to one group; first come, first
// served they go to the earliest joiners, and since both groups behave alike the expected share
// of beschut is exactly their share of the population, 1/3.
TEST_F(Capacity, PriorityDisciplineAdmitsHighestFirst) {
  struct Variant {
    std::string keys;
    std::string first;  // the group that gets every place
  };
  const std::vector<Variant> variants = {
      {"discipline = \"priority\"\npriority_attribute = \"doelgroep\"\npriority_order = \"descending\"", "beschut"},
      {"discipline = \"priority\"\npriority_attribute = \"doelgroep\"\npriority_order = \"ascending\"", "geen"},
  };
  for (const Variant& v : variants) {
    const auto s = model::parse_scenario(priority_scenario(v.keys), "priority.toml");
    const auto e = mc::run(s, options(50));
    const auto& L = e.layout;
    const std::size_t fb = edge_index(L, "bijstand_beschut->beschut_werk"), fg = edge_index(L, "bijstand_geen->beschut_werk");
    for (std::size_t r = 0; r < e.replicates; ++r) {
      const auto b = e.values<std::int32_t>("flows")[at3(r, 2, fb, L.P(), L.E())],
                 g = e.values<std::int32_t>("flows")[at3(r, 2, fg, L.P(), L.E())];
      EXPECT_EQ(v.first == "beschut" ? b : g, 300) << v.keys << rerun();
      EXPECT_EQ(v.first == "beschut" ? g : b, 0) << v.keys << rerun();
    }
  }
  const auto s = model::parse_scenario(priority_scenario("discipline = \"fifo\""), "fifo.toml");
  const auto e = mc::run(s, options(200));
  const auto& L = e.layout;
  const std::size_t fb = edge_index(L, "bijstand_beschut->beschut_werk"), fg = edge_index(L, "bijstand_geen->beschut_werk");
  std::vector<double> share(e.replicates);
  for (std::size_t r = 0; r < e.replicates; ++r) {
    const auto b = e.values<std::int32_t>("flows")[at3(r, 2, fb, L.P(), L.E())],
               g = e.values<std::int32_t>("flows")[at3(r, 2, fg, L.P(), L.E())];
    ASSERT_EQ(b + g, 300) << rerun();
    share[r] = b / 300.0;
  }
  const auto est = estimate(share);
  expect_z("FIFO: share of beschut among the first 300 admitted", est.mean, 1.0 / 3.0, est.se);
}

// Reneging in place to a renege_to that is itself a capacity state must respect that state's
// places like any other way in (the engine used to move the person in regardless).
TEST_F(Capacity, RenegingInPlaceIntoCapacityStateRespectsPlaces) {
  const std::string text = R"(
name = "renege-into-capacity"
start_year = 2025.0
horizon_years = 3.0

[report]
step_years = 0.5

[[state]]
name = "bijstand"
trede = 2

[[state]]
name = "x"
trede = 5
capacity = 0
renege_rate = 1.0
renege_to = "y"

[[state]]
name = "y"
trede = 4
capacity = 50

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "x"
rate = 2.0

[[transition]]
from = "x"
to = "exit"
rate = 1.0

[[transition]]
from = "y"
to = "exit"
rate = 0.1

[[population]]
state = "bijstand"
count = 2000
)";
  const auto s = model::parse_scenario(text, "renege-into-capacity.toml");
  const auto e = mc::run(s, options(5));
  const auto& L = e.layout;
  const std::size_t y = state_index(L, "y");
  int worst = 0;
  for (std::size_t r = 0; r < e.replicates; ++r)
    for (std::size_t k = 0; k < L.T(); ++k)
      worst = std::max(worst, e.values<std::int32_t>("occupancy")[at3(r, k, y, L.T(), L.S())]);
  EXPECT_LE(worst, 50) << "y has 50 places but held " << worst << " people" << rerun();
}

}  // namespace
}  // namespace trede::stat_test
