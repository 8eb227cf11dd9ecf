// The event engine on small deterministic models (fixed durations, so every time is known and
// exact in binary floating point) and accounting identities on a stochastic one.

#include "trede/engine/simulator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "trede/engine/result.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/model/load.hpp"

namespace {

using trede::engine::EdgeKind;
using trede::engine::Layout;
using trede::engine::ReplicateResult;
using trede::engine::Simulator;
namespace ek = trede::engine;  // KPI indices: ek::kpi_uitval, ...

// One replicate of a scenario text, with lookups by name.
class SimRun {
 public:
  explicit SimRun(const std::string& text, std::uint64_t seed = 1, std::uint64_t replicate = 0,
               const std::vector<std::string>& overrides = {})
      : scenario_(trede::model::parse_scenario(text, "test.toml", overrides)),
        sim_(scenario_),
        r(sim_.run(seed, replicate)) {}

  const Layout& layout() const { return sim_.layout(); }
  const Simulator& simulator() const { return sim_; }

  std::size_t state(const std::string& name) const {
    for (std::size_t i = 0; i < layout().S(); ++i)
      if (layout().states[i] == name) return i;
    throw std::runtime_error("no state " + name);
  }
  std::size_t edge(const std::string& id) const {
    for (std::size_t i = 0; i < layout().E(); ++i)
      if (layout().edges[i].id == id) return i;
    std::string ids;
    for (const auto& e : layout().edges) ids += " '" + e.id + "'";
    throw std::runtime_error("no edge '" + id + "'; edges:" + ids);
  }
  std::size_t cap(const std::string& name) const {
    for (std::size_t i = 0; i < layout().C(); ++i)
      if (layout().capacity_states[i] == name) return i;
    throw std::runtime_error("no capacity state " + name);
  }
  // Index of report time t (calendar year); also the index of the period ending at t.
  std::size_t at(double t) const {
    for (std::size_t k = 0; k < layout().T(); ++k)
      if (layout().report_times[k] == t) return k;
    throw std::runtime_error("no report time " + std::to_string(t));
  }

  int occupancy(double t, const std::string& s) const { return r.occupancy[at(t) * layout().S() + state(s)]; }
  int flow(double period_end, const std::string& id) const {
    return r.flows[at(period_end) * layout().E() + edge(id)];
  }
  int total_flow(const std::string& id) const {
    int n = 0;
    for (std::size_t k = 0; k < layout().P(); ++k) n += r.flows[k * layout().E() + edge(id)];
    return n;
  }
  double person_years(double period_end, const std::string& s) const {
    return r.person_years[at(period_end) * layout().S() + state(s)];
  }
  int waiting(double t, const std::string& c) const { return r.waiting[at(t) * layout().C() + cap(c)]; }
  double kpi(ek::Kpi k) const { return r.kpi[k]; }

 private:
  trede::model::Scenario scenario_;
  Simulator sim_;

 public:
  ReplicateResult r;
};

// Bitwise equality of two replicate results (NaN KPIs compare equal to themselves).
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}
// Every array the result catalogue takes from a replicate, and the run totals.
bool identical(const ReplicateResult& a, const ReplicateResult& b) {
  bool same = a.events == b.events && a.peak_live_persons == b.peak_live_persons;
  for (const trede::mc::ResultArray& row : trede::mc::result_arrays())
    std::visit(
        [&](auto member) {
          if constexpr (std::is_same_v<std::remove_cvref_t<decltype(a.*member)>, std::uint64_t>)
            same = same && a.*member == b.*member;
          else
            same = same && same_bits(a.*member, b.*member);
        },
        row.replicate);
  return same;
}

// ---- a fixed-duration chain -------------------------------------------------------------------------

// A -(1 year)-> B -(1.5 years)-> C. Three people start fresh in A, two have been in A for half a
// year: they move at 2025.5 and 2027.0, the others at 2026.0 and 2027.5.
const char* chain = R"(
horizon_years = 5

[[state]]
name = "A"
trede = 2
cost_eur_per_year = 1000

[[state]]
name = "B"
trede = 3
cost_eur_per_year = 2000

[[state]]
name = "C"
absorbing = true

[[transition]]
from = "A"
to = "B"
hazard = "fixed"
duration = 1

[[transition]]
from = "B"
to = "C"
hazard = "fixed"
duration = 1.5

[[population]]
state = "A"
count = 3

[[population]]
state = "A"
count = 2
time_in_state = 0.5
)";

TEST(Simulator, LayoutNamesStatesEdgesPeriodsAndKpis) {
  const SimRun run(chain);
  const Layout& L = run.layout();
  EXPECT_EQ(L.states, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(L.trede, (std::vector<int>{2, 3, 0}));
  EXPECT_EQ(L.cost_eur_per_year, (std::vector<double>{1000, 2000, 0}));
  EXPECT_EQ(L.report_times, (std::vector<double>{2025, 2026, 2027, 2028, 2029, 2030}));
  EXPECT_EQ(L.period_start, (std::vector<double>{2025, 2025, 2026, 2027, 2028, 2029}));
  EXPECT_EQ(L.period_end, L.report_times);
  ASSERT_EQ(L.E(), 2u);
  EXPECT_EQ(L.edges[0].id, "A->B");
  EXPECT_EQ(L.edges[0].from, "A");
  EXPECT_EQ(L.edges[0].to, "B");
  EXPECT_EQ(L.edges[0].kind, EdgeKind::transition);
  EXPECT_EQ(L.K(), static_cast<std::size_t>(ek::kpi_count));
  EXPECT_EQ(L.kpi_names[ek::kpi_uitstroom_werk], "uitstroom_werk");
  EXPECT_EQ(L.C(), 0u);
  // Result arrays have the layout's shapes.
  EXPECT_EQ(run.r.occupancy.size(), L.T() * L.S());
  EXPECT_EQ(run.r.flows.size(), L.P() * L.E());
  EXPECT_EQ(run.r.person_years.size(), L.P() * L.S());
  EXPECT_EQ(run.r.cost_eur.size(), L.P());
  EXPECT_EQ(run.r.kpi.size(), L.K());
}

TEST(Simulator, FixedDurationChainHasExactOccupancyAtReportTimes) {
  const SimRun run(chain);
  // An event exactly at a report time is counted before the snapshot: periods are (start, end].
  const std::vector<std::vector<int>> want = {
      {5, 0, 0},  // 2025
      {0, 5, 0},  // 2026: two moved at 2025.5, three at 2026.0
      {0, 3, 2},  // 2027: two reached C at 2027.0
      {0, 0, 5},  // 2028
      {0, 0, 5},  // 2029
      {0, 0, 5},  // 2030
  };
  for (std::size_t k = 0; k < want.size(); ++k)
    for (std::size_t s = 0; s < 3; ++s)
      EXPECT_EQ(run.r.occupancy[k * 3 + s], want[k][s]) << "report " << k << ", state " << s;
}

TEST(Simulator, FixedDurationChainCountsFlowsInThePeriodOfTheMove) {
  const SimRun run(chain);
  EXPECT_EQ(run.flow(2026, "A->B"), 5);
  EXPECT_EQ(run.total_flow("A->B"), 5);
  EXPECT_EQ(run.flow(2027, "B->C"), 2);
  EXPECT_EQ(run.flow(2028, "B->C"), 3);
  EXPECT_EQ(run.total_flow("B->C"), 5);
  // Time spent in the origin state before each move: 1 year for every A->B (the two who had
  // spent half a year there already leave half a year into the run), 1.5 for every B->C.
  EXPECT_EQ(run.r.sojourn_sum[run.edge("A->B")], 5.0);
  EXPECT_EQ(run.r.sojourn_sumsq[run.edge("A->B")], 5.0);
  EXPECT_EQ(run.r.sojourn_sum[run.edge("B->C")], 7.5);
  EXPECT_EQ(run.r.sojourn_sumsq[run.edge("B->C")], 11.25);
  EXPECT_EQ(run.r.events, 10u);
  EXPECT_EQ(run.kpi(ek::kpi_events), 10.0);
  EXPECT_EQ(run.kpi(ek::kpi_absorbed), 5.0);
  EXPECT_EQ(run.kpi(ek::kpi_persons), 5.0);
  EXPECT_EQ(run.kpi(ek::kpi_arrivals), 0.0);
}

TEST(Simulator, FixedDurationChainIntegratesPersonYearsAndCost) {
  const SimRun run(chain);
  EXPECT_EQ(run.person_years(2025, "A"), 0.0);  // the empty period (2025, 2025]
  EXPECT_EQ(run.person_years(2026, "A"), 4.0);  // 3 × 1 + 2 × 0.5
  EXPECT_EQ(run.person_years(2026, "B"), 1.0);  // 2 × 0.5
  EXPECT_EQ(run.person_years(2027, "B"), 5.0);
  EXPECT_EQ(run.person_years(2027, "C"), 0.0);
  EXPECT_EQ(run.person_years(2028, "B"), 1.5);  // 3 × 0.5
  EXPECT_EQ(run.person_years(2028, "C"), 3.5);  // 2 × 1 + 3 × 0.5 (absorbing states are occupied too)
  EXPECT_EQ(run.person_years(2030, "C"), 5.0);
  const std::vector<double> cost = {0, 6000, 10000, 3000, 0, 0};
  EXPECT_EQ(run.r.cost_eur, cost);
  EXPECT_EQ(run.kpi(ek::kpi_cost_total), 19000.0);
  // No one in work: KPIs about work are undefined (NaN), shares zero.
  EXPECT_TRUE(std::isnan(run.kpi(ek::kpi_mean_time_to_first_work)));
  EXPECT_TRUE(std::isnan(run.kpi(ek::kpi_cost_per_person_reaching_work)));
  EXPECT_EQ(run.kpi(ek::kpi_share_reached_work), 0.0);
  EXPECT_EQ(run.kpi(ek::kpi_persons_reaching_work), 0.0);
}

// ---- capacities and waiting lists -------------------------------------------------------------------------

// A1, A2 and A3 each lead to P after one year; their people have been there 0.75, 0.5 and 0.25
// years, so they ask for a place at 2025.25, 2025.5 and 2025.75. P has `cap` places and
// `p_extra` options; people stay in P for `stay` years. Optionally a blocker starts in P.
std::string queue_model(const std::string& cap, const std::string& p_extra, const std::string& stay,
                        bool blocker, const std::string& scores = "") {
  std::string s = R"(
horizon_years = 5
)";
  if (!scores.empty()) s += "[attributes]\nscore = { type = \"number\", default = 0 }\n";
  s += R"(
[[state]]
name = "A1"
trede = 2
[[state]]
name = "A2"
trede = 2
[[state]]
name = "A3"
trede = 2
[[state]]
name = "P"
trede = 3
capacity = )" + cap + "\n" + p_extra + R"(
[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "A1"
to = "P"
hazard = "fixed"
duration = 1
[[transition]]
from = "A2"
to = "P"
hazard = "fixed"
duration = 1
[[transition]]
from = "A3"
to = "P"
hazard = "fixed"
duration = 1
[[transition]]
from = "P"
to = "exit"
hazard = "fixed"
duration = )" + stay + "\n";
  if (blocker) s += "[[population]]\nstate = \"P\"\ncount = 1\n";
  const char* names[] = {"A1", "A2", "A3"};
  const char* tis[] = {"0.75", "0.5", "0.25"};
  for (int i = 0; i < 3; ++i) {
    s += std::string("[[population]]\nstate = \"") + names[i] + "\"\ncount = 1\ntime_in_state = " + tis[i] + "\n";
    if (!scores.empty()) s += "attributes = { score = " + std::string(1, scores[static_cast<std::size_t>(i)]) + " }\n";
  }
  return s;
}

TEST(Simulator, CapacityOneAdmitsWaitingPeopleFirstComeFirstServed) {
  const SimRun run(queue_model("1", "", "1", false));
  // A1 gets the place at 2025.25 and leaves at 2026.25; A2 (waiting since 2025.5) follows until
  // 2027.25, then A3 (waiting since 2025.75).
  EXPECT_EQ(run.flow(2026, "A1->P"), 1);
  EXPECT_EQ(run.flow(2027, "A2->P"), 1);
  EXPECT_EQ(run.flow(2028, "A3->P"), 1);
  EXPECT_EQ(run.total_flow("P->exit"), 3);
  EXPECT_EQ(run.waiting(2026, "P"), 2);
  EXPECT_EQ(run.waiting(2027, "P"), 1);
  EXPECT_EQ(run.waiting(2028, "P"), 0);
  // Waiting in place: they stay in their state while on the list.
  EXPECT_EQ(run.occupancy(2026, "A2"), 1);
  EXPECT_EQ(run.occupancy(2026, "A3"), 1);
  EXPECT_EQ(run.occupancy(2026, "P"), 1);
  const std::size_t c = run.cap("P"), C = run.layout().C();
  EXPECT_EQ(run.r.waiting_joined[run.at(2026) * C + c], 2);
  EXPECT_EQ(run.r.waiting_admitted[run.at(2027) * C + c], 1);
  EXPECT_EQ(run.r.waiting_admitted[run.at(2028) * C + c], 1);
  EXPECT_EQ(run.r.waiting_time_admitted_sum[run.at(2027) * C + c], 0.75);
  EXPECT_EQ(run.r.waiting_time_admitted_sum[run.at(2028) * C + c], 1.5);
  // List-years: 1 waiting over [2025.5, 2025.75], 2 over [2025.75, 2026.25], 1 to 2027.25.
  EXPECT_EQ(run.r.waiting_years[run.at(2026) * C + c], 0.75);
  EXPECT_EQ(run.r.waiting_years[run.at(2027) * C + c], 1.25);
  EXPECT_EQ(run.r.waiting_years[run.at(2028) * C + c], 0.25);
  EXPECT_EQ(run.kpi(ek::kpi_waiting_joined), 2.0);
  EXPECT_EQ(run.kpi(ek::kpi_waiting_admitted), 2.0);
  EXPECT_EQ(run.kpi(ek::kpi_waiting_reneged), 0.0);
  EXPECT_EQ(run.kpi(ek::kpi_mean_waiting_time_admitted), 1.125);
  // The sojourn of an admitted move includes the time spent waiting in the origin state.
  EXPECT_EQ(run.r.sojourn_sum[run.edge("A2->P")], 1.75);
  EXPECT_EQ(run.r.sojourn_sum[run.edge("A3->P")], 2.5);
}

TEST(Simulator, PriorityDisciplineAdmitsTheHighestValueFirst) {
  // Blocker leaves P at 2026, 2027 and 2028 free the place again. Scores A1 = 1, A2 = 3, A3 = 2.
  const std::string prio = "discipline = \"priority\"\npriority_attribute = \"score\"\n";
  const SimRun desc(queue_model("1", prio, "1", true, "132"));
  EXPECT_EQ(desc.flow(2026, "A2->P"), 1);
  EXPECT_EQ(desc.flow(2027, "A3->P"), 1);
  EXPECT_EQ(desc.flow(2028, "A1->P"), 1);

  const SimRun asc(queue_model("1", prio + "priority_order = \"ascending\"\n", "1", true, "132"));
  EXPECT_EQ(asc.flow(2026, "A1->P"), 1);
  EXPECT_EQ(asc.flow(2027, "A3->P"), 1);
  EXPECT_EQ(asc.flow(2028, "A2->P"), 1);

  // Equal values: first come, first served (A1 joined before A3).
  const SimRun tie(queue_model("1", prio, "1", true, "212"));
  EXPECT_EQ(tie.flow(2026, "A1->P"), 1);
  EXPECT_EQ(tie.flow(2027, "A3->P"), 1);
  EXPECT_EQ(tie.flow(2028, "A2->P"), 1);
}

TEST(Simulator, CapacityIncreaseAdmitsWaitingPeopleAtThatTime) {
  // One place held by a blocker for ten years; two more places from 2027.
  const SimRun run(queue_model("{2025 = 1, 2027 = 3}", "", "10", true));
  EXPECT_EQ(run.waiting(2026, "P"), 3);
  EXPECT_EQ(run.occupancy(2026, "P"), 1);
  EXPECT_EQ(run.flow(2027, "A1->P"), 1);  // admitted at exactly 2027.0
  EXPECT_EQ(run.flow(2027, "A2->P"), 1);
  EXPECT_EQ(run.total_flow("A3->P"), 0);
  EXPECT_EQ(run.occupancy(2027, "P"), 3);
  EXPECT_EQ(run.waiting(2027, "P"), 1);
  EXPECT_EQ(run.waiting(2030, "P"), 1);
  const std::size_t c = run.cap("P"), C = run.layout().C();
  EXPECT_EQ(run.r.waiting_time_admitted_sum[run.at(2027) * C + c], 1.75 + 1.5);
}

TEST(Simulator, CapacityDecreaseEvictsNoOne) {
  // Three places, then one from 2026: the three admitted stay until 2028.25..2028.75.
  const SimRun run(queue_model("{2025 = 3, 2026 = 1}", "", "3", false));
  EXPECT_EQ(run.occupancy(2026, "P"), 3);
  EXPECT_EQ(run.occupancy(2028, "P"), 3);
  EXPECT_EQ(run.occupancy(2029, "P"), 0);
  EXPECT_EQ(run.waiting(2028, "P"), 0);
}

TEST(Simulator, SeparateWaitingMovesPeopleThroughTheWaitingState) {
  // A1 asks at 2025.25 while the blocker holds the one place until 2026.
  std::string text = queue_model("1", "waiting = \"separate\"\n", "1", true);
  const SimRun run(text);
  const Layout& L = run.layout();
  EXPECT_EQ(L.edges[run.edge("A1->wait_P")].kind, EdgeKind::to_waiting);
  EXPECT_EQ(L.edges[run.edge("wait_P->P")].kind, EdgeKind::admission);
  EXPECT_EQ(run.flow(2026, "A1->wait_P"), 1);
  EXPECT_EQ(run.flow(2026, "A2->wait_P"), 1);
  EXPECT_EQ(run.flow(2026, "A3->wait_P"), 1);
  EXPECT_EQ(run.total_flow("A1->P"), 0);
  EXPECT_EQ(run.flow(2026, "wait_P->P"), 1);  // at 2026.0, when the blocker leaves
  EXPECT_EQ(run.flow(2027, "wait_P->P"), 1);
  EXPECT_EQ(run.flow(2028, "wait_P->P"), 1);
  EXPECT_EQ(run.occupancy(2026, "wait_P"), 2);
  EXPECT_EQ(run.occupancy(2026, "A1"), 0);
  EXPECT_EQ(run.waiting(2026, "P"), 2);
  // First come, first served: A1's person waited 0.75 years, A2's 1.5, A3's 2.25.
  EXPECT_EQ(run.kpi(ek::kpi_mean_waiting_time_admitted), 1.5);
}

// ---- attributes --------------------------------------------------------------------------------------------

TEST(Simulator, ExitAgeMovesPeopleAtTheExactAge) {
  const SimRun run(R"(
horizon_years = 10
[attributes]
leeftijd = { type = "age" }
[exit_age]
age = 67
to = "pensioen"

[[state]]
name = "A"
trede = 2
[[state]]
name = "pensioen"
absorbing = true
[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "A"
to = "exit"
hazard = "fixed"
duration = 50

[[population]]
state = "A"
count = 2
attributes = { leeftijd = 66.5 }

[[population]]
state = "A"
count = 1
attributes = { leeftijd = 60.25 }
)");
  EXPECT_EQ(run.layout().edges[run.edge("A->pensioen (age)")].kind, EdgeKind::age_exit);
  EXPECT_EQ(run.flow(2026, "A->pensioen (age)"), 2);
  EXPECT_EQ(run.r.sojourn_sum[run.edge("A->pensioen (age)")], 0.5 + 0.5 + 6.75);  // at 2025.5 and 2031.75
  EXPECT_EQ(run.flow(2032, "A->pensioen (age)"), 1);
  EXPECT_EQ(run.occupancy(2026, "pensioen"), 2);
  EXPECT_EQ(run.occupancy(2031, "A"), 1);
  EXPECT_EQ(run.occupancy(2032, "A"), 0);
  EXPECT_EQ(run.person_years(2026, "A"), 2 * 0.5 + 1.0);
}

// A count attribute goes up on every entry into a counted state. X passes through uitval once
// and asks for P at 2025.75; Y asks at 2025.25 but has never been in uitval. With priority by
// the count, X gets the place freed at 2026 before Y.
TEST(Simulator, CountAttributesIncrementOnEntry) {
  const SimRun run(R"(
horizon_years = 5
[attributes]
n_uitval = { type = "count", counts = ["uitval"] }

[[state]]
name = "S1"
trede = 2
[[state]]
name = "uitval"
trede = 1
[[state]]
name = "W"
trede = 2
[[state]]
name = "W2"
trede = 2
[[state]]
name = "P"
trede = 3
capacity = 1
discipline = "priority"
priority_attribute = "n_uitval"
[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "S1"
to = "uitval"
hazard = "fixed"
duration = 0.25
[[transition]]
from = "uitval"
to = "W"
hazard = "fixed"
duration = 0.25
[[transition]]
from = "W"
to = "P"
hazard = "fixed"
duration = 0.25
[[transition]]
from = "W2"
to = "P"
hazard = "fixed"
duration = 0.25
[[transition]]
from = "P"
to = "exit"
hazard = "fixed"
duration = 1

[[population]]
state = "P"
count = 1
[[population]]
state = "S1"
count = 1
[[population]]
state = "W2"
count = 1
)");
  EXPECT_EQ(run.flow(2026, "W->P"), 1);
  EXPECT_EQ(run.flow(2027, "W2->P"), 1);
  EXPECT_EQ(run.kpi(ek::kpi_uitval), 1.0);
}

// ---- KPIs ------------------------------------------------------------------------------------------------------

// Two people cycle bijstand -> werk -> uitval -> bijstand, one year in each: at 2026 into werk,
// 2027 uitval, 2028 bijstand, 2029 werk, 2030 uitval (the last event lands on the horizon).
TEST(Simulator, KpisOnAHandCheckableCycle) {
  const SimRun run(R"(
horizon_years = 5
[[state]]
name = "bijstand"
trede = 2
cost_eur_per_year = 1000
[[state]]
name = "werk"
trede = 5
[[state]]
name = "uitval"
trede = 1
cost_eur_per_year = 500

[[transition]]
from = "bijstand"
to = "werk"
hazard = "fixed"
duration = 1
[[transition]]
from = "werk"
to = "uitval"
hazard = "fixed"
duration = 1
[[transition]]
from = "uitval"
to = "bijstand"
hazard = "fixed"
duration = 1

[[population]]
state = "bijstand"
count = 2
)");
  EXPECT_EQ(run.kpi(ek::kpi_uitstroom_werk), 4.0);
  EXPECT_EQ(run.kpi(ek::kpi_uitval), 4.0);
  EXPECT_EQ(run.kpi(ek::kpi_herinstroom), 2.0);
  EXPECT_EQ(run.kpi(ek::kpi_mean_time_to_first_work), 1.0);
  EXPECT_EQ(run.kpi(ek::kpi_share_reached_trede_ge4), 1.0);
  EXPECT_EQ(run.kpi(ek::kpi_share_reached_work), 1.0);
  EXPECT_EQ(run.kpi(ek::kpi_persons), 2.0);
  EXPECT_EQ(run.kpi(ek::kpi_persons_reaching_work), 2.0);
  EXPECT_EQ(run.kpi(ek::kpi_events), 10.0);
  EXPECT_EQ(run.kpi(ek::kpi_absorbed), 0.0);
  // bijstand 2025-2026 and 2028-2029, uitval 2027-2028 (the second uitval spell starts at 2030):
  // 4 person-years × 1000 + 2 × 500.
  EXPECT_EQ(run.kpi(ek::kpi_cost_total), 5000.0);
  EXPECT_EQ(run.kpi(ek::kpi_cost_per_person_reaching_work), 2500.0);
  EXPECT_EQ(run.flow(2030, "werk->uitval"), 2);
  EXPECT_EQ(run.occupancy(2030, "uitval"), 2);
  EXPECT_TRUE(std::isnan(run.kpi(ek::kpi_mean_waiting_time_admitted)));
}

// Starting in work is not reaching it; leaving work for a non-work state is herinstroom.
TEST(Simulator, KpisCountOnlyWorkReachedDuringTheRun) {
  const SimRun run(R"(
horizon_years = 5
[[state]]
name = "werk"
trede = 6
[[state]]
name = "bijstand"
trede = 2
[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "werk"
to = "bijstand"
hazard = "fixed"
duration = 1
[[transition]]
from = "bijstand"
to = "werk"
hazard = "fixed"
duration = 2
[[transition]]
from = "bijstand"
to = "exit"
hazard = "fixed"
duration = 3

[[population]]
state = "werk"
count = 3
)");
  // 2026 werk -> bijstand (herinstroom), 2028 bijstand -> werk, 2029 werk -> bijstand, ...
  EXPECT_EQ(run.kpi(ek::kpi_herinstroom), 6.0);
  EXPECT_EQ(run.kpi(ek::kpi_uitstroom_werk), 3.0);
  EXPECT_EQ(run.kpi(ek::kpi_persons_reaching_work), 0.0);
  EXPECT_TRUE(std::isnan(run.kpi(ek::kpi_mean_time_to_first_work)));
  EXPECT_EQ(run.kpi(ek::kpi_share_reached_work), 1.0);
  EXPECT_EQ(run.kpi(ek::kpi_share_reached_trede_ge4), 1.0);
}

// ---- documented edge cases ---------------------------------------------------------------------------------

// Ties between a person's own risks go to the non-exponential transition listed first, and a
// move that lands exactly on the exit age is made before the exit.
TEST(Simulator, TiesBetweenOwnRisksGoToTheFirstListedTransition) {
  const std::string text = R"(
horizon_years = 5
[attributes]
leeftijd = { type = "age" }
[exit_age]
age = 67
to = "pensioen"
[[state]]
name = "A"
trede = 2
[[state]]
name = "B"
trede = 2
[[state]]
name = "C"
trede = 2
[[state]]
name = "pensioen"
absorbing = true
[[transition]]
from = "A"
to = "B"
hazard = "fixed"
duration = 1
[[transition]]
from = "A"
to = "C"
hazard = "fixed"
duration = 1
[[transition]]
from = "B"
to = "A"
hazard = "fixed"
duration = 10
[[transition]]
from = "C"
to = "A"
hazard = "fixed"
duration = 10
[[population]]
state = "A"
count = 2
attributes = { leeftijd = 66 }
)";
  const SimRun b_first(text);
  EXPECT_EQ(b_first.flow(2026, "A->B"), 2);
  EXPECT_EQ(b_first.total_flow("A->C"), 0);
  // Both turn 67 at 2026.0, the moment they reach B: the exit at age comes right after.
  EXPECT_EQ(b_first.flow(2026, "B->pensioen (age)"), 2);
  EXPECT_EQ(b_first.r.sojourn_sum[b_first.edge("B->pensioen (age)")], 0.0);

  std::string swapped = text;
  // List A->C first: it wins the tie.
  const auto ab = swapped.find("[[transition]]\nfrom = \"A\"\nto = \"B\"");
  const auto ac = swapped.find("[[transition]]\nfrom = \"A\"\nto = \"C\"");
  const std::string block_b = swapped.substr(ab, ac - ab);
  swapped.erase(ab, ac - ab);
  swapped.insert(swapped.find("[[transition]]\nfrom = \"B\""), block_b);
  const SimRun c_first(swapped);
  EXPECT_EQ(c_first.flow(2026, "A->C"), 2);
  EXPECT_EQ(c_first.total_flow("A->B"), 0);
}

TEST(Simulator, PeoplePastTheExitAgeExitAtTheStart) {
  const SimRun run(R"(
horizon_years = 3
[attributes]
leeftijd = { type = "age" }
[exit_age]
age = 67
to = "pensioen"
[[state]]
name = "A"
trede = 2
[[state]]
name = "pensioen"
absorbing = true
[[transition]]
from = "A"
to = "pensioen"
hazard = "fixed"
duration = 50
[[population]]
state = "A"
count = 3
attributes = { leeftijd = 70 }
)");
  EXPECT_EQ(run.flow(2025, "A->pensioen (age)"), 3);  // period 0: the very start
  EXPECT_EQ(run.occupancy(2025, "pensioen"), 3);
  EXPECT_EQ(run.occupancy(2025, "A"), 0);
}

// A spell that started before the run and is already past a fixed duration fires at the start.
TEST(Simulator, FixedDurationAlreadyPassedFiresAtTheStart) {
  std::string text = chain;
  text.replace(text.find("time_in_state = 0.5"), 19, "time_in_state = 2.5");
  const SimRun run(text);
  EXPECT_EQ(run.flow(2025, "A->B"), 2);  // at 2025.0
  EXPECT_EQ(run.flow(2026, "A->B"), 3);
  EXPECT_EQ(run.r.sojourn_sum[run.edge("A->B")], 2 * 2.5 + 3 * 1.0);
  EXPECT_EQ(run.flow(2027, "B->C"), 2);  // 2025 + 1.5 = 2026.5
  EXPECT_EQ(run.occupancy(2025, "B"), 2);
}

TEST(Simulator, PeopleStartingOnAWaitingListGetFreePlacesAtTheStart) {
  std::string text = queue_model("2", "waiting = \"separate\"\n", "1", false);
  text += "[[population]]\nstate = \"wait_P\"\ncount = 3\n";
  const SimRun run(text);
  EXPECT_EQ(run.flow(2025, "wait_P->P"), 2);
  EXPECT_EQ(run.occupancy(2025, "P"), 2);
  EXPECT_EQ(run.occupancy(2025, "wait_P"), 1);
  EXPECT_EQ(run.waiting(2025, "P"), 1);
  const std::size_t c = run.cap("P"), C = run.layout().C();
  EXPECT_EQ(run.r.waiting_joined[run.at(2025) * C + c], 3);  // on the list from the start
  EXPECT_EQ(run.r.waiting_admitted[run.at(2025) * C + c], 2);
  EXPECT_EQ(run.r.waiting_time_admitted_sum[run.at(2025) * C + c], 0.0);
}

// Stay-mode reneging into a capacity state respects that state's places: with R full (no
// places, separate waiting), people who give up waiting for P end up on R's list.
TEST(Simulator, StayModeRenegeIntoAFullCapacityStateJoinsItsList) {
  const SimRun run(R"(
horizon_years = 5
[[state]]
name = "A"
trede = 2
[[state]]
name = "P"
trede = 3
capacity = 0
renege_rate = 4
renege_to = "R"
[[state]]
name = "R"
trede = 2
capacity = 0
waiting = "separate"
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "A"
to = "P"
hazard = "fixed"
duration = 0.5
[[transition]]
from = "P"
to = "exit"
rate = 1
[[transition]]
from = "R"
to = "exit"
rate = 1
[[population]]
state = "A"
count = 20
)");
  EXPECT_EQ(run.total_flow("A->wait_R"), 20);
  EXPECT_EQ(run.total_flow("A->R (renege from waiting for P)"), 0);
  EXPECT_EQ(run.occupancy(2030, "R"), 0);
  EXPECT_EQ(run.occupancy(2030, "wait_R"), 20);
  EXPECT_EQ(run.kpi(ek::kpi_waiting_reneged), 20.0);
}

// Runs `body` in a child process and reports whether it finished within `seconds` (a hang
// fails the test instead of stalling the suite).
::testing::AssertionResult finishes_within(unsigned seconds, const std::function<void()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(seconds);
    body();
    std::_Exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ::testing::AssertionSuccess();
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
    return ::testing::AssertionFailure() << "did not finish within " << seconds << " s";
  return ::testing::AssertionFailure() << "child ended with status " << status;
}

// Waiting in place for P1, the person's fixed transition into P2 (also full) fires: they move
// to P2's list, and the transition into P1, now past its duration, is due at once. The two
// full states must not hand the person back and forth forever at the same instant.
TEST(Simulator, WaitingInPlaceForTwoFullStatesWithFixedDurationsTerminates) {
  const std::string text = R"(
horizon_years = 5
[[state]]
name = "A"
trede = 2
[[state]]
name = "P1"
trede = 3
capacity = 0
[[state]]
name = "P2"
trede = 3
capacity = 0
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "A"
to = "P1"
hazard = "fixed"
duration = 0.25
[[transition]]
from = "A"
to = "P2"
hazard = "fixed"
duration = 0.5
[[transition]]
from = "P1"
to = "exit"
rate = 1
[[transition]]
from = "P2"
to = "exit"
rate = 1
[[population]]
state = "A"
count = 1
)";
  EXPECT_TRUE(finishes_within(5, [&] {
    const SimRun run(text);
    if (run.occupancy(2030, "A") != 1) std::_Exit(3);
  }));
}

// An exponential rate given by year (or a multiplier) that is zero until 2027 moves no one
// before 2027.
TEST(Simulator, RatesByYearAreZeroUntilTheirFirstStep) {
  for (const char* spec : {"rate = {2025 = 0, 2027 = 2}", "rate = 2\nmultiplier = {2025 = 0, 2027 = 1}"}) {
    SCOPED_TRACE(spec);
    std::string text = R"(
horizon_years = 5
[[state]]
name = "A"
trede = 2
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "A"
to = "exit"
SPEC
[[population]]
state = "A"
count = 200
)";
    text.replace(text.find("SPEC"), 4, spec);
    const SimRun run(text, 3, 0);
    EXPECT_EQ(run.flow(2026, "A->exit"), 0);
    EXPECT_EQ(run.flow(2027, "A->exit"), 0);
    EXPECT_EQ(run.occupancy(2027, "A"), 200);
    EXPECT_GT(run.flow(2028, "A->exit"), 100);  // rate 2: 1 - e^{-2} of 200 within a year
  }
}

// Everyone who arrives goes to work exactly one year later, so the mean time to first work is
// one year to double precision, whenever they arrived.
TEST(Simulator, TimeToFirstWorkIsExactForArrivals) {
  const SimRun run(R"(
horizon_years = 5
[[state]]
name = "bijstand"
trede = 2
[[state]]
name = "werk"
trede = 5
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "bijstand"
to = "werk"
hazard = "fixed"
duration = 1
[[transition]]
from = "werk"
to = "exit"
rate = 0.5
[[inflow]]
state = "bijstand"
rate_per_year = 300
)", 5, 0);
  ASSERT_GT(run.kpi(ek::kpi_persons_reaching_work), 500.0);
  EXPECT_NEAR(run.kpi(ek::kpi_mean_time_to_first_work), 1.0, 1e-12);
}

// ---- accounting identities on a stochastic model -------------------------------------------------------------

// Every kind of move: exponential, Weibull, gamma, lognormal, table and fixed hazards,
// covariates, a calendar multiplier, inflow, separate and in-place waiting lists with reneging,
// a capacity step, and exit at age.
std::string rich_model(bool inflow) {
  std::string s = R"(
horizon_years = 8
[report]
step_years = 0.5
[attributes]
leeftijd = { type = "age" }
[exit_age]
age = 67
to = "pensioen"

[[state]]
name = "bijstand"
trede = 2
cost_eur_per_year = 12000
[[state]]
name = "diagnose"
trede = 2
cost_eur_per_year = 3000
[[state]]
name = "traject"
trede = 3
cost_eur_per_year = 8000
[[state]]
name = "beschut_werk"
trede = 5
cost_eur_per_year = 30000
capacity = 30
waiting = "separate"
renege_rate = 0.5
renege_to = "bijstand"
[[state]]
name = "afspraakbaan"
trede = 5
capacity = {2025 = 20, 2028 = 40}
renege_rate = 0.3
renege_to = "bijstand"
[[state]]
name = "regulier_werk"
trede = 6
[[state]]
name = "uitval"
trede = 1
[[state]]
name = "exit"
absorbing = true
[[state]]
name = "pensioen"
absorbing = true

[[transition]]
from = "bijstand"
to = "diagnose"
rate = 0.8
[[transition]]
from = "bijstand"
to = "exit"
rate = 0.05
[[transition]]
from = "diagnose"
to = "traject"
hazard = "weibull"
shape = 1.5
scale = 0.5
[[transition]]
from = "diagnose"
to = "beschut_werk"
rate = 0.3
[[transition]]
from = "traject"
to = "afspraakbaan"
hazard = "gamma"
shape = 2
rate = 3
[[transition]]
from = "traject"
to = "regulier_werk"
hazard = "lognormal"
meanlog = 0
sdlog = 0.7
[[transition]]
from = "traject"
to = "uitval"
hazard = "table"
breaks = [0, 1]
rates = [0.1, 0.5]
[[transition]]
from = "beschut_werk"
to = "uitval"
rate = 0.1
multiplier = {2028 = 2}
[[transition]]
from = "afspraakbaan"
to = "regulier_werk"
rate = 0.2
covariates = { leeftijd = -0.02 }
[[transition]]
from = "regulier_werk"
to = "bijstand"
rate = 0.15
[[transition]]
from = "uitval"
to = "bijstand"
hazard = "fixed"
duration = 1.5

[[population]]
state = "bijstand"
count = 400
attributes = { leeftijd = { dist = "uniform", min = 18, max = 66 } }
[[population]]
state = "traject"
count = 50
attributes = { leeftijd = { dist = "normal", mean = 40, sd = 10, min = 18, max = 66 } }
time_in_state = { dist = "uniform", min = 0, max = 2 }
)";
  if (inflow)
    s += R"(
[[inflow]]
state = "bijstand"
rate_per_year = {2025 = 100, 2029 = 150}
attributes = { leeftijd = { dist = "uniform", min = 18, max = 30 } }
[[inflow]]
state = "beschut_werk"
rate_per_year = 20
attributes = { leeftijd = 25 }
)";
  return s;
}

// Occupancy changes by the flows in and out of each state, every period; all moves are flows.
TEST(Simulator, FlowsPerPeriodBalanceOccupancy) {
  for (std::uint64_t rep : {0u, 1u, 2u}) {
    SCOPED_TRACE("seed 7, replicate " + std::to_string(rep));
    const SimRun run(rich_model(true), 7, rep);
    const Layout& L = run.layout();
    const std::size_t S = L.S(), E = L.E(), P = L.P();
    std::vector<long> prev(S, 0);
    prev[run.state("bijstand")] = 400;
    prev[run.state("traject")] = 50;
    long total_flows = 0, inflow = 0, absorbed = 0;
    for (std::size_t k = 0; k < P; ++k) {
      std::vector<long> net(S, 0);
      for (std::size_t e = 0; e < E; ++e) {
        const int f = run.r.flows[k * E + e];
        ASSERT_GE(f, 0);
        total_flows += f;
        if (L.edges[e].from == "(inflow)") inflow += f;
        else net[run.state(L.edges[e].from)] -= f;
        net[run.state(L.edges[e].to)] += f;
        if (L.edges[e].to == "exit" || L.edges[e].to == "pensioen") absorbed += f;
      }
      for (std::size_t s = 0; s < S; ++s) {
        const long occ = run.r.occupancy[k * S + s];
        EXPECT_EQ(occ - prev[s], net[s]) << "period " << k << ", state " << L.states[s];
        prev[s] = occ;
      }
    }
    EXPECT_EQ(static_cast<std::uint64_t>(total_flows), run.r.events);
    EXPECT_EQ(static_cast<double>(total_flows), run.kpi(ek::kpi_events));
    EXPECT_EQ(static_cast<double>(inflow), run.kpi(ek::kpi_arrivals));
    EXPECT_EQ(static_cast<double>(absorbed), run.kpi(ek::kpi_absorbed));
    EXPECT_EQ(run.kpi(ek::kpi_persons), 450.0 + run.kpi(ek::kpi_arrivals));
    EXPECT_GT(inflow, 500);  // the model does move people along every kind of edge
    for (const char* id : {"diagnose->wait_beschut_werk", "wait_beschut_werk->beschut_werk",
                           "wait_beschut_werk->bijstand (renege)", "traject->afspraakbaan", "uitval->bijstand",
                           "bijstand->pensioen (age)"})
      EXPECT_GT(run.total_flow(id), 0) << id;
  }
}

// Waiting-list length changes by joins minus admissions, reneges and other leavings; a separate
// list is the occupancy of its waiting state.
TEST(Simulator, WaitingListsBalanceJoinsAndLeavings) {
  const SimRun run(rich_model(true), 7, 0);
  const Layout& L = run.layout();
  const std::size_t C = L.C(), P = L.P();
  ASSERT_EQ(C, 2u);
  for (std::size_t c = 0; c < C; ++c) {
    SCOPED_TRACE(L.capacity_states[c]);
    long prev = 0, joined = 0, reneged = 0;
    double longest = 0.0;
    for (std::size_t k = 0; k < P; ++k) {
      const std::size_t i = k * C + c;
      const long len = run.r.waiting[k * C + c];
      EXPECT_EQ(len - prev, run.r.waiting_joined[i] - run.r.waiting_admitted[i] - run.r.waiting_reneged[i] -
                                run.r.waiting_left[i])
          << "period " << k;
      EXPECT_GE(run.r.waiting_years[i], 0.0);
      EXPECT_GE(run.r.waiting_time_sum[i], run.r.waiting_time_admitted_sum[i]);
      // The longest wait of those who left lies between their mean wait and their total wait.
      const long leavers = run.r.waiting_admitted[i] + run.r.waiting_reneged[i] + run.r.waiting_left[i];
      if (leavers == 0) {
        EXPECT_EQ(run.r.waiting_time_max[i], 0.0) << "period " << k;
      } else {
        EXPECT_GE(run.r.waiting_time_max[i], run.r.waiting_time_sum[i] / static_cast<double>(leavers) * (1 - 1e-12));
        EXPECT_LE(run.r.waiting_time_max[i], run.r.waiting_time_sum[i] * (1 + 1e-12));
        longest = std::max(longest, run.r.waiting_time_max[i]);
      }
      joined += run.r.waiting_joined[i];
      reneged += run.r.waiting_reneged[i];
      prev = len;
    }
    EXPECT_GT(joined, 0);
    EXPECT_GT(reneged, 0);
    EXPECT_GT(longest, 0.0);
  }
  const std::size_t bw = run.cap("beschut_werk");
  for (std::size_t k = 0; k < L.T(); ++k)
    EXPECT_EQ(run.r.waiting[k * C + bw], run.r.occupancy[k * L.S() + run.state("wait_beschut_werk")]);
}

// Without inflow the people present (absorbed ones included) stay 450, so person-years per
// period add up to 450 × the period's length; cost is person-years × cost per state.
TEST(Simulator, PersonYearsIntegrateOccupancy) {
  const SimRun run(rich_model(false), 11, 0);
  const Layout& L = run.layout();
  const std::size_t S = L.S();
  for (std::size_t k = 0; k < L.P(); ++k) {
    double sum = 0.0, cost = 0.0;
    int people = 0;
    for (std::size_t s = 0; s < S; ++s) {
      const double py = run.r.person_years[k * S + s];
      EXPECT_GE(py, 0.0);
      sum += py;
      cost += py * L.cost_eur_per_year[s];
      people += run.r.occupancy[k * S + s];
    }
    EXPECT_EQ(people, 450);
    const double len = L.period_end[k] - L.period_start[k];
    EXPECT_NEAR(sum, 450.0 * len, 1e-9 * 450.0) << "period " << k;
    EXPECT_NEAR(run.r.cost_eur[k], cost, 1e-9 * std::max(1.0, cost)) << "period " << k;
  }
}

// With report times that start after start_year, period 0 covers [start, t0].
TEST(Simulator, PeriodZeroCoversTheStartUpToTheFirstReportTime) {
  std::string text = chain;
  text.replace(text.find("horizon_years = 5"), 17, "horizon_years = 5\n[report]\ntimes = [2026.5, 2028, 2030]");
  const SimRun run(text);
  EXPECT_EQ(run.layout().period_start, (std::vector<double>{2025, 2026.5, 2028}));
  EXPECT_EQ(run.flow(2026.5, "A->B"), 5);  // at 2025.5 and 2026.0
  EXPECT_EQ(run.flow(2028, "B->C"), 5);    // at 2027.0 and 2027.5
  EXPECT_EQ(run.person_years(2026.5, "A"), 4.0);
  EXPECT_EQ(run.person_years(2026.5, "B"), 3.5);  // 2 × 1 + 3 × 0.5
  EXPECT_EQ(run.occupancy(2026.5, "B"), 5);
}

// Common random numbers: attribute values are keyed by the attribute's name, so a scenario
// variant that declares one more attribute (sorting before the others) reproduces the base
// run exactly.
TEST(Simulator, AddingAnUnusedAttributeChangesNothing) {
  const std::string base = R"(
horizon_years = 5
[attributes]
score = { type = "number", center = 0.5 }
EXTRA
[[state]]
name = "A"
trede = 2
[[state]]
name = "B"
trede = 3
[[state]]
name = "exit"
absorbing = true
[[transition]]
from = "A"
to = "B"
rate = 0.7
covariates = { score = 1.5 }
[[transition]]
from = "B"
to = "exit"
rate = 0.4
[[population]]
state = "A"
count = 300
attributes = { score = { dist = "uniform", min = 0, max = 1 } }
[[inflow]]
state = "A"
rate_per_year = 40
attributes = { score = { dist = "normal", mean = 0.5, sd = 0.2 } }
)";
  std::string plain = base, extra = base;
  plain.replace(plain.find("EXTRA"), 5, "");
  extra.replace(extra.find("EXTRA"), 5, "aaa = { type = \"number\", default = 1 }\nbbb = { type = \"count\", counts = [\"B\"] }");
  const SimRun a(plain, 9, 2);
  const SimRun b(extra, 9, 2);
  EXPECT_TRUE(identical(a.r, b.r));
}

// ---- determinism --------------------------------------------------------------------------------------------------

TEST(Simulator, SameSeedAndReplicateGiveIdenticalResults) {
  const SimRun a(rich_model(true), 42, 3);
  const SimRun b(rich_model(true), 42, 3);
  EXPECT_TRUE(identical(a.r, b.r));
  // The same compiled simulator, run again and from another thread, gives the same again.
  const ReplicateResult again = a.simulator().run(42, 3);
  EXPECT_TRUE(identical(a.r, again));
  ReplicateResult threaded;
  std::thread t([&] { threaded = a.simulator().run(42, 3); });
  t.join();
  EXPECT_TRUE(identical(a.r, threaded));
}

TEST(Simulator, DifferentReplicateOrSeedGivesDifferentResults) {
  const SimRun a(rich_model(true), 42, 3);
  const SimRun other_rep(rich_model(true), 42, 4);
  const SimRun other_seed(rich_model(true), 43, 3);
  EXPECT_NE(a.r.occupancy, other_rep.r.occupancy);
  EXPECT_NE(a.r.flows, other_rep.r.flows);
  EXPECT_NE(a.r.occupancy, other_seed.r.occupancy);
  EXPECT_NE(a.r.flows, other_seed.r.flows);
}

// Runs of a deterministic model do not depend on the seed at all.
TEST(Simulator, DeterministicModelIgnoresTheSeed) {
  const SimRun a(chain, 1, 0);
  const SimRun b(chain, 999, 17);
  EXPECT_TRUE(identical(a.r, b.r));
}

}  // namespace
