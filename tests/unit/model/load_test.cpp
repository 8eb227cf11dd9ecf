// parse_scenario / load_scenario on small TOML texts: defaults, every hazard family, covariates,
// year tables, capacities from budgets, separate waiting lists, --set overrides, and errors as
// ModelError diagnostics (file, line, key, message), all reported in one throw.

#include "trede/model/load.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "trede/error.hpp"
#include "trede/model/scenario.hpp"

namespace {

using trede::Diagnostic;
using trede::ModelError;
using namespace trede::model;

// Four states, three exponential transitions, 100 people in bijstand; top-level keys go in
// `top` (before any table header), extra tables in `tail`.
std::string mini(const std::string& top = "", const std::string& tail = "") {
  return top + R"(
horizon_years = 5

[[state]]
name = "bijstand"
trede = 2

[[state]]
name = "diagnose"
trede = 3
functionality = "A"

[[state]]
name = "beschut_werk"
trede = 5
cost_eur_per_year = 25000

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "diagnose"
rate = 0.5

[[transition]]
from = "diagnose"
to = "beschut_werk"
rate = 1.0

[[transition]]
from = "beschut_werk"
to = "exit"
rate = 0.1

[[population]]
state = "bijstand"
count = 100
)" + tail;
}

// The diagnostics of the ModelError that parsing `text` throws (a failure if it does not).
std::vector<Diagnostic> errors_of(const std::string& text, const std::vector<std::string>& overrides = {},
                                  const std::string& source = "bad.toml") {
  try {
    (void)parse_scenario(text, source, overrides);
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "no ModelError for:\n" << text;
  return {};
}

std::string dump(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += "  " + d.to_string() + "\n";
  return s;
}

// True when some diagnostic has this file, line and key and its message starts with `message`.
bool has(const std::vector<Diagnostic>& ds, const std::string& file, int line, const std::string& key,
         const std::string& message) {
  return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
    return d.file == file && d.line == line && d.key == key && d.message.rfind(message, 0) == 0;
  });
}

// The places of `state` in the scenario's first region (what runs).
const StepSchedule& places(const Scenario& s, const std::string& state) {
  return s.regions.front().places[s.state_index(state)];
}

const Transition& transition(const Scenario& s, const std::string& id) {
  for (const Transition& t : s.transitions)
    if (t.id == id) return t;
  throw std::runtime_error("no transition " + id);
}

// ---- defaults -------------------------------------------------------------------------------------

TEST(ParseScenario, FillsDefaults) {
  const std::string text = mini();
  const Scenario s = parse_scenario(text, "models/mini.toml");
  EXPECT_EQ(s.name, "mini");  // the file's stem when no name is given
  EXPECT_EQ(s.source_path, "models/mini.toml");
  EXPECT_EQ(s.text, text);
  EXPECT_TRUE(s.overrides.empty());
  EXPECT_EQ(s.start_year, 2025.0);
  EXPECT_EQ(s.horizon_years, 5.0);
  EXPECT_EQ(s.end_year(), 2030.0);
  EXPECT_EQ(s.report_times, (std::vector<double>{2025, 2026, 2027, 2028, 2029, 2030}));

  ASSERT_EQ(s.states.size(), 4u);
  const State& exit = s.states[s.state_index("exit")];
  EXPECT_TRUE(exit.absorbing);
  EXPECT_EQ(exit.trede, 0);
  EXPECT_EQ(exit.functionality, "none");
  EXPECT_EQ(s.find_state("bijstand")->functionality, "none");
  EXPECT_EQ(s.find_state("diagnose")->functionality, "A");
  EXPECT_EQ(s.find_state("bijstand")->cost_eur_per_year, 0.0);
  EXPECT_EQ(s.find_state("beschut_werk")->cost_eur_per_year, 25000.0);
  EXPECT_FALSE(s.find_state("beschut_werk")->capacity.has_value());
  EXPECT_EQ(s.find_state("nope"), nullptr);
  EXPECT_THROW((void)s.state_index("nope"), ModelError);

  // KPI states: work = non-absorbing with trede >= 5; uitval = names starting with "uitval".
  EXPECT_EQ(s.kpi.work, (std::vector<StateIndex>{s.state_index("beschut_werk")}));
  EXPECT_TRUE(s.kpi.uitval.empty());

  const Transition& t = transition(s, "bijstand->diagnose");
  EXPECT_EQ(t.from, s.state_index("bijstand"));
  EXPECT_EQ(t.to, s.state_index("diagnose"));
  EXPECT_EQ(t.hazard.kind, HazardKind::exponential);
  EXPECT_EQ(t.hazard.clock, Clock::time_in_state);
  EXPECT_EQ(t.hazard.rate, 0.5);
  EXPECT_TRUE(t.multiplier.constant());
  EXPECT_EQ(t.multiplier.at(2030.0), 1.0);
  EXPECT_TRUE(t.covariates.empty());
  EXPECT_FALSE(t.renege);
  EXPECT_EQ(t.line, 22);

  ASSERT_EQ(s.regions.size(), 1u);
  const Region& all = s.regions.front();
  EXPECT_EQ(all.name, "all");
  EXPECT_EQ(all.share, 1.0);  // the single region takes the whole top-level template
  ASSERT_EQ(all.initial.size(), 1u);
  EXPECT_EQ(all.initial[0].state, s.state_index("bijstand"));
  EXPECT_EQ(all.initial[0].count, 100u);
  EXPECT_EQ(all.initial[0].time_in_state.kind, Distribution::Kind::fixed);
  EXPECT_EQ(all.initial[0].time_in_state.a, 0.0);
  EXPECT_EQ(s.initial_population(), 100u);
  EXPECT_TRUE(all.inflows.empty());
  EXPECT_FALSE(s.exit_age.has_value());
}

TEST(ParseScenario, GivenNameAndStartYearWin) {
  const Scenario s = parse_scenario(mini("name = \"proef\"\nstart_year = 2030\ndescription = \"d\"\n"), "x.toml");
  EXPECT_EQ(s.name, "proef");
  EXPECT_EQ(s.description, "d");
  EXPECT_EQ(s.start_year, 2030.0);
  EXPECT_EQ(s.report_times.front(), 2030.0);
  EXPECT_EQ(s.report_times.back(), 2035.0);
}

TEST(ParseScenario, ReportGridFromStepYearsIncludesStartAndEnd) {
  auto grid = [](const std::string& report, double horizon) {
    std::string text = mini("", report);
    const auto at = text.find("horizon_years = 5");
    text.replace(at, 17, "horizon_years = " + std::to_string(horizon));
    return parse_scenario(text, "x.toml").report_times;
  };
  EXPECT_EQ(grid("[report]\nstep_years = 2\n", 5), (std::vector<double>{2025, 2027, 2029, 2030}));
  EXPECT_EQ(grid("[report]\nstep_years = 0.5\n", 1), (std::vector<double>{2025, 2025.5, 2026}));
  EXPECT_EQ(grid("[report]\nstep_years = 3\n", 6), (std::vector<double>{2025, 2028, 2031}));
  EXPECT_EQ(grid("[report]\nstep_years = 10\n", 5), (std::vector<double>{2025, 2030}));
  EXPECT_EQ(grid("[report]\ntimes = [2025.5, 2026, 2030]\n", 5), (std::vector<double>{2025.5, 2026, 2030}));
  // A step that divides the horizon up to rounding does not add a sliver of a period at the end.
  const auto tenth = grid("[report]\nstep_years = 0.1\n", 1);
  EXPECT_EQ(tenth.size(), 11u);
  EXPECT_EQ(tenth.front(), 2025.0);
  EXPECT_NEAR(tenth.back(), 2026.0, 1e-9);
}

// ---- hazards ---------------------------------------------------------------------------------------

TEST(ParseScenario, ReadsEveryHazardFamilysKeys) {
  const std::string text = R"(
horizon_years = 5
[attributes]
leeftijd = { type = "age", default = 40 }

[[state]]
name = "s1"
trede = 1
[[state]]
name = "s2"
trede = 2
[[state]]
name = "s3"
trede = 3
[[state]]
name = "s4"
trede = 4
[[state]]
name = "s5"
trede = 5
[[state]]
name = "s6"
trede = 6
[[state]]
name = "s7"
trede = 6
[[state]]
name = "s8"
trede = 6
[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "s1"
to = "s2"
hazard = "exponential"
rate = 0.25
[[transition]]
from = "s2"
to = "s3"
hazard = "weibull"
shape = 1.5
scale = 2.0
[[transition]]
from = "s3"
to = "s4"
hazard = "gamma"
shape = 2.0
rate = 4.0
[[transition]]
from = "s4"
to = "s5"
hazard = "gamma"
shape = 3.0
scale = 0.5
[[transition]]
from = "s5"
to = "s6"
hazard = "lognormal"
meanlog = -0.5
sdlog = 0.75
[[transition]]
from = "s6"
to = "s7"
hazard = "fixed"
duration = 1.5
[[transition]]
from = "s7"
to = "s8"
hazard = "table"
breaks = [0, 1, 3]
rates = [0.5, 0, 2]
[[transition]]
id = "pensioen"
from = "s8"
to = "exit"
hazard = "table"
clock = "age"
breaks = [60, 65]
rates = [0.1, 0.3]
[[transition]]
from = "s1"
to = "exit"
hazard = "table"
clock = "calendar"
breaks = [2025, 2027.5]
rates = [0, 1]

[[population]]
state = "s1"
count = 1
)";
  const Scenario s = parse_scenario(text, "h.toml");
  const Hazard& e = transition(s, "s1->s2").hazard;
  EXPECT_EQ(e.kind, HazardKind::exponential);
  EXPECT_EQ(e.rate, 0.25);
  const Hazard& w = transition(s, "s2->s3").hazard;
  EXPECT_EQ(w.kind, HazardKind::weibull);
  EXPECT_EQ(w.shape, 1.5);
  EXPECT_EQ(w.scale, 2.0);
  const Hazard& g1 = transition(s, "s3->s4").hazard;
  EXPECT_EQ(g1.kind, HazardKind::gamma);
  EXPECT_EQ(g1.shape, 2.0);
  EXPECT_EQ(g1.scale, 0.25);  // rate 4 per year = scale 1/4 year
  const Hazard& g2 = transition(s, "s4->s5").hazard;
  EXPECT_EQ(g2.kind, HazardKind::gamma);
  EXPECT_EQ(g2.shape, 3.0);
  EXPECT_EQ(g2.scale, 0.5);
  const Hazard& ln = transition(s, "s5->s6").hazard;
  EXPECT_EQ(ln.kind, HazardKind::lognormal);
  EXPECT_EQ(ln.meanlog, -0.5);
  EXPECT_EQ(ln.sdlog, 0.75);
  const Hazard& f = transition(s, "s6->s7").hazard;
  EXPECT_EQ(f.kind, HazardKind::fixed);
  EXPECT_EQ(f.duration, 1.5);
  const Hazard& t = transition(s, "s7->s8").hazard;
  EXPECT_EQ(t.kind, HazardKind::table);
  EXPECT_EQ(t.clock, Clock::time_in_state);
  EXPECT_EQ(t.breaks, (std::vector<double>{0, 1, 3}));
  EXPECT_EQ(t.rates, (std::vector<double>{0.5, 0, 2}));
  const Transition& age = transition(s, "pensioen");
  EXPECT_EQ(age.from, s.state_index("s8"));
  EXPECT_EQ(age.hazard.clock, Clock::age);
  EXPECT_EQ(age.hazard.breaks, (std::vector<double>{60, 65}));
  const Hazard& cal = transition(s, "s1->exit").hazard;
  EXPECT_EQ(cal.clock, Clock::calendar);
  EXPECT_EQ(cal.breaks, (std::vector<double>{2025, 2027.5}));
}

TEST(ParseScenario, RejectsKeysOfAnotherHazardFamily) {
  std::string text = mini();
  text.replace(text.find("rate = 0.5"), 10, "rate = 0.5\nshape = 2");
  const auto ds = errors_of(text);
  EXPECT_TRUE(has(ds, "bad.toml", 26, "transition[bijstand->diagnose].shape",
                  "not used by an exponential hazard (uses rate)"))
      << dump(ds);
}

TEST(ParseScenario, GammaTakesRateOrScaleNotBoth) {
  std::string text = mini();
  text.replace(text.find("rate = 0.5"), 10, "hazard = \"gamma\"\nshape = 2\nrate = 2\nscale = 0.5");
  const auto ds = errors_of(text);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].key, "transition[bijstand->diagnose].rate");
  EXPECT_EQ(ds[0].message, "give either scale (years) or rate (per year), not both");
}

// ---- attributes and covariates --------------------------------------------------------------------

const char* attribute_scenario = R"(
horizon_years = 5

[attributes]
leeftijd = { type = "age", default = 40, center = 40 }
geslacht = { type = "category", levels = ["man", "vrouw", "x"], default = "man" }
eerdere_uitval = { type = "count", counts = ["uitval"] }
opleiding = { type = "number", default = 2.0, center = 1.5 }

[[state]]
name = "bijstand"
trede = 2

[[state]]
name = "uitval"
trede = 1

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "uitval"
rate = 0.3
covariates = { leeftijd = 0.02, "geslacht=vrouw" = -0.1, eerdere_uitval = 0.3, opleiding = 0.5 }

[[transition]]
from = "uitval"
to = "bijstand"
rate = 1.0

[[transition]]
from = "bijstand"
to = "exit"
rate = 0.1

[[population]]
state = "bijstand"
count = 10
attributes = { leeftijd = { dist = "uniform", min = 20, max = 60 }, geslacht = { dist = "categorical", values = ["man", "vrouw"], weights = [1, 3] } }
)";

TEST(ParseScenario, ReadsAttributesOfEveryKind) {
  const Scenario s = parse_scenario(attribute_scenario, "a.toml");
  ASSERT_EQ(s.attributes.size(), 4u);
  const Attribute* age = s.find_attribute("leeftijd");
  ASSERT_NE(age, nullptr);
  EXPECT_EQ(age->kind, AttributeKind::age);
  EXPECT_EQ(age->center, 40.0);
  EXPECT_EQ(age->default_value, 40.0);
  const Attribute* sex = s.find_attribute("geslacht");
  ASSERT_NE(sex, nullptr);
  EXPECT_EQ(sex->kind, AttributeKind::category);
  EXPECT_EQ(sex->levels, (std::vector<std::string>{"man", "vrouw", "x"}));
  EXPECT_EQ(sex->default_value, 0.0);  // level index of "man"
  const Attribute* count = s.find_attribute("eerdere_uitval");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->kind, AttributeKind::count);
  EXPECT_EQ(count->counted_states, (std::vector<StateIndex>{s.state_index("uitval")}));
  const Attribute* edu = s.find_attribute("opleiding");
  ASSERT_NE(edu, nullptr);
  EXPECT_EQ(edu->kind, AttributeKind::number);
  EXPECT_EQ(edu->center, 1.5);
  // uitval states default to names starting with "uitval".
  EXPECT_EQ(s.kpi.uitval, (std::vector<StateIndex>{s.state_index("uitval")}));
}

TEST(ParseScenario, ReadsCovariatesOfNumberCategoryAgeAndCount) {
  const Scenario s = parse_scenario(attribute_scenario, "a.toml");
  const Transition& t = transition(s, "bijstand->uitval");
  ASSERT_EQ(t.covariates.size(), 4u);
  auto effect = [&](const std::string& attr) -> const CovariateEffect& {
    const auto idx = static_cast<AttributeIndex>(s.find_attribute(attr) - s.attributes.data());
    for (const CovariateEffect& c : t.covariates)
      if (c.attribute == idx) return c;
    throw std::runtime_error("no effect of " + attr);
  };
  EXPECT_EQ(effect("leeftijd").beta, 0.02);
  EXPECT_EQ(effect("leeftijd").level, -1);
  EXPECT_EQ(effect("geslacht").beta, -0.1);
  EXPECT_EQ(effect("geslacht").level, 1);  // "vrouw"
  EXPECT_EQ(effect("eerdere_uitval").beta, 0.3);
  EXPECT_EQ(effect("eerdere_uitval").level, -1);
  EXPECT_EQ(effect("opleiding").beta, 0.5);
}

TEST(ParseScenario, FillsAttributeDrawsFromGivenDistributionsAndDefaults) {
  const Scenario s = parse_scenario(attribute_scenario, "a.toml");
  ASSERT_EQ(s.regions.front().initial.size(), 1u);
  const auto& draws = s.regions.front().initial[0].attributes;
  ASSERT_EQ(draws.size(), s.attributes.size());  // one per attribute, in attribute order
  for (std::size_t i = 0; i < draws.size(); ++i) EXPECT_EQ(draws[i].attribute, i);
  auto draw = [&](const std::string& name) -> const Distribution& {
    return draws[static_cast<std::size_t>(s.find_attribute(name) - s.attributes.data())].distribution;
  };
  EXPECT_EQ(draw("leeftijd").kind, Distribution::Kind::uniform);
  EXPECT_EQ(draw("leeftijd").a, 20.0);
  EXPECT_EQ(draw("leeftijd").b, 60.0);
  EXPECT_EQ(draw("geslacht").kind, Distribution::Kind::categorical);
  EXPECT_EQ(draw("geslacht").values, (std::vector<double>{0, 1}));  // level indices
  EXPECT_EQ(draw("geslacht").weights, (std::vector<double>{1, 3}));
  EXPECT_EQ(draw("opleiding").kind, Distribution::Kind::fixed);  // the default
  EXPECT_EQ(draw("opleiding").a, 2.0);
  EXPECT_EQ(draw("eerdere_uitval").kind, Distribution::Kind::fixed);  // counts start at 0
  EXPECT_EQ(draw("eerdere_uitval").a, 0.0);
}

TEST(ParseScenario, RejectsACategoryEffectWithoutAKnownLevel) {
  std::string text = attribute_scenario;
  text.replace(text.find("\"geslacht=vrouw\""), 16, "\"geslacht=vrouwen\"");
  const auto ds = errors_of(text);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(),
            "bad.toml:26: transition[bijstand->uitval].covariates.geslacht=vrouwen: a category effect is written "
            "\"geslacht=<level>\" with a level of geslacht");
}

// ---- year tables -------------------------------------------------------------------------------------

TEST(StepSchedule, AtIsTheValueOfTheLastStepAtOrBeforeT) {
  const StepSchedule s{{2027, 2030}, {5, 8}, 3};
  EXPECT_EQ(s.at(2000.0), 3.0);
  EXPECT_EQ(s.at(2026.999), 3.0);
  EXPECT_EQ(s.at(2027.0), 5.0);  // a step holds from its own year on
  EXPECT_EQ(s.at(2029.5), 5.0);
  EXPECT_EQ(s.at(2030.0), 8.0);
  EXPECT_EQ(s.at(1e9), 8.0);
  EXPECT_FALSE(s.constant());
  const StepSchedule c = StepSchedule::constant_value(4.5);
  EXPECT_TRUE(c.constant());
  EXPECT_EQ(c.at(2025.0), 4.5);
  EXPECT_EQ(c.at(-1e9), 4.5);
}

TEST(ParseScenario, YearTablesBecomeStepSchedules) {
  std::string text = mini("", R"(
[[inflow]]
state = "bijstand"
rate_per_year = {2025 = 100, 2030 = 200}
)");
  // A multiplier that starts after the start year keeps 1 before its first step.
  text.replace(text.find("rate = 0.1"), 10, "rate = 0.1\nmultiplier = {2027 = 0.5, \"2028.5\" = 2}");
  // A capacity table may start before start_year; only the value at the start is kept from there.
  text.replace(text.find("cost_eur_per_year = 25000"), 25,
               "cost_eur_per_year = 25000\ncapacity = {2020 = 3, 2025 = 5, 2027 = 8}");
  const Scenario s = parse_scenario(text, "y.toml");

  ASSERT_EQ(s.regions.front().inflows.size(), 1u);
  const StepSchedule& in = s.regions.front().inflows[0].rate_per_year;
  EXPECT_EQ(in.before, 100.0);
  EXPECT_EQ(in.times, (std::vector<double>{2030}));
  EXPECT_EQ(in.values, (std::vector<double>{200}));
  EXPECT_EQ(in.at(2025.0), 100.0);
  EXPECT_EQ(in.at(2029.99), 100.0);
  EXPECT_EQ(in.at(2030.0), 200.0);

  const StepSchedule& m = transition(s, "beschut_werk->exit").multiplier;
  EXPECT_EQ(m.before, 1.0);
  EXPECT_EQ(m.times, (std::vector<double>{2027, 2028.5}));
  EXPECT_EQ(m.values, (std::vector<double>{0.5, 2}));
  EXPECT_EQ(m.at(2026.0), 1.0);
  EXPECT_EQ(m.at(2028.0), 0.5);
  EXPECT_EQ(m.at(2028.5), 2.0);

  const auto& cap = s.find_state("beschut_werk")->capacity;
  ASSERT_TRUE(cap.has_value());
  EXPECT_EQ(places(s, "beschut_werk").before, 5.0);
  EXPECT_EQ(places(s, "beschut_werk").times, (std::vector<double>{2027}));
  EXPECT_EQ(places(s, "beschut_werk").values, (std::vector<double>{8}));
  EXPECT_EQ(cap->waiting, WaitingMode::stay);
  EXPECT_EQ(cap->discipline, Discipline::fifo);
  EXPECT_FALSE(cap->budget_cost_per_place.has_value());
}

TEST(ParseScenario, CapacityTableMustCoverTheStart) {
  std::string text = mini();
  text.replace(text.find("cost_eur_per_year = 25000"), 25, "capacity = {2026 = 5}");
  const auto ds = errors_of(text);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(),
            "bad.toml:16: state[beschut_werk].capacity: first year 2026 is after start_year 2025; give a value for "
            "the start");
}

TEST(ParseScenario, CapacityFromABudgetIsWholePlacesItPaysFor) {
  std::string text = mini();
  text.replace(text.find("cost_eur_per_year = 25000"), 25,
               "capacity_budget_eur = {2025 = 1000000, 2028 = 1500000, 2029 = 29999}\ncost_per_place_eur = 30000");
  const Scenario s = parse_scenario(text, "b.toml");
  const auto& cap = s.find_state("beschut_werk")->capacity;
  ASSERT_TRUE(cap.has_value());
  EXPECT_EQ(places(s, "beschut_werk").before, 33.0);  // floor(1e6 / 3e4)
  EXPECT_EQ(places(s, "beschut_werk").times, (std::vector<double>{2028, 2029}));
  EXPECT_EQ(places(s, "beschut_werk").values, (std::vector<double>{50, 0}));
  EXPECT_EQ(cap->budget_cost_per_place, 30000.0);
}

// ---- waiting lists -----------------------------------------------------------------------------------

TEST(ParseScenario, SeparateWaitingCreatesTheWaitingStateAndItsRenegeTransition) {
  std::string text = mini();
  text.replace(text.find("cost_eur_per_year = 25000"), 25,
               "capacity = 2\nwaiting = \"separate\"\nrenege_rate = 0.5\nrenege_to = \"bijstand\"");
  const Scenario s = parse_scenario(text, "w.toml");
  ASSERT_EQ(s.states.size(), 5u);
  const StateIndex werk = s.state_index("beschut_werk");
  const State* wait = s.find_state("wait_beschut_werk");
  ASSERT_NE(wait, nullptr);
  const auto w = static_cast<StateIndex>(wait - s.states.data());
  EXPECT_TRUE(wait->generated);
  EXPECT_FALSE(wait->absorbing);
  EXPECT_EQ(wait->waiting_for, werk);
  EXPECT_EQ(wait->trede, 3);  // the lowest trede of the states people come from (diagnose)
  EXPECT_EQ(wait->functionality, s.find_state("beschut_werk")->functionality);

  const auto& cap = s.find_state("beschut_werk")->capacity;
  ASSERT_TRUE(cap.has_value());
  EXPECT_EQ(cap->waiting, WaitingMode::separate);
  EXPECT_EQ(cap->waiting_state, w);
  EXPECT_EQ(places(s, "beschut_werk").before, 2.0);
  EXPECT_EQ(cap->renege_rate, 0.5);
  EXPECT_EQ(cap->renege_to, s.state_index("bijstand"));

  const Transition& r = transition(s, "wait_beschut_werk->bijstand (renege)");
  EXPECT_TRUE(r.renege);
  EXPECT_EQ(r.from, w);
  EXPECT_EQ(r.to, s.state_index("bijstand"));
  EXPECT_EQ(r.hazard.kind, HazardKind::exponential);
  EXPECT_EQ(r.hazard.rate, 0.5);
  // Waiting for work is not work.
  EXPECT_EQ(s.kpi.work, (std::vector<StateIndex>{werk}));
}

TEST(ParseScenario, WaitingStateOfHighRungOriginsIsNotWork) {
  std::string text = mini();
  text.replace(text.find("trede = 3"), 9, "trede = 6");
  text.replace(text.find("cost_eur_per_year = 25000"), 25, "capacity = 2\nwaiting = \"separate\"");
  const Scenario s = parse_scenario(text, "w.toml");
  const State* wait = s.find_state("wait_beschut_werk");
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(wait->trede, 6);
  // diagnose (now trede 6) and beschut_werk are work; the waiting list is not.
  EXPECT_EQ(s.kpi.work, (std::vector<StateIndex>{s.state_index("diagnose"), s.state_index("beschut_werk")}));
  // No renege rate: no renege transition.
  for (const Transition& t : s.transitions) EXPECT_FALSE(t.renege) << t.id;
}

TEST(ParseScenario, PriorityDisciplineNamesItsAttribute) {
  std::string text = attribute_scenario;
  text.replace(text.find("name = \"uitval\"\ntrede = 1"), 25,
               "name = \"uitval\"\ntrede = 1\ncapacity = 4\ndiscipline = \"priority\"\n"
               "priority_attribute = \"opleiding\"\npriority_order = \"ascending\"");
  const Scenario s = parse_scenario(text, "p.toml");
  const auto& cap = s.find_state("uitval")->capacity;
  ASSERT_TRUE(cap.has_value());
  EXPECT_EQ(cap->discipline, Discipline::priority);
  EXPECT_EQ(cap->priority_attribute, static_cast<AttributeIndex>(s.find_attribute("opleiding") - s.attributes.data()));
  EXPECT_FALSE(cap->priority_descending);
}

// ---- --set overrides ---------------------------------------------------------------------------------

TEST(ParseScenario, OverridesReplaceValuesBeforeValidation) {
  std::string text = mini();
  text.replace(text.find("cost_eur_per_year = 25000"), 25, "capacity = 2");
  const std::vector<std::string> sets = {"horizon_years=3", "state[beschut_werk].capacity=5",
                                         "transition[bijstand->diagnose].rate=0.7", "population[0].count=10",
                                         "name=hallo"};
  const Scenario s = parse_scenario(text, "o.toml", sets);
  EXPECT_EQ(s.horizon_years, 3.0);
  EXPECT_EQ(s.report_times, (std::vector<double>{2025, 2026, 2027, 2028}));
  EXPECT_EQ(places(s, "beschut_werk").before, 5.0);
  EXPECT_EQ(transition(s, "bijstand->diagnose").hazard.rate, 0.7);
  EXPECT_EQ(s.regions.front().initial[0].count, 10u);
  EXPECT_EQ(s.name, "hallo");  // a bare word is taken as a string
  EXPECT_EQ(s.overrides, sets);
  EXPECT_EQ(s.text, text);  // the text as read, not as overridden
}

TEST(ParseScenario, OverridesSelectByIndexAddKeysAndApplyInOrder) {
  const Scenario s = parse_scenario(mini(), "o.toml",
                                    {"transition[2].rate=0.25", "state[diagnose].capacity=7", "horizon_years=2",
                                     "horizon_years=4", "transition[beschut_werk->exit].multiplier={2027 = 3}",
                                     "report.step_years=2"});
  EXPECT_EQ(transition(s, "beschut_werk->exit").hazard.rate, 0.25);
  ASSERT_TRUE(s.find_state("diagnose")->capacity.has_value());  // a key the file did not have
  EXPECT_EQ(places(s, "diagnose").before, 7.0);
  EXPECT_EQ(s.horizon_years, 4.0);  // the last of two overrides wins
  EXPECT_EQ(transition(s, "beschut_werk->exit").multiplier.at(2027.0), 3.0);
  EXPECT_EQ(s.report_times, (std::vector<double>{2025, 2027, 2029}));
}

TEST(ParseScenario, OverrideProblemsNameTheOverride) {
  {
    const auto ds = errors_of(mini(), {"horizon_years=-1"});
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].file, "--set 'horizon_years=-1'");
    EXPECT_EQ(ds[0].line, 0);
    EXPECT_EQ(ds[0].key, "horizon_years");
    EXPECT_EQ(ds[0].message, "must be > 0 (got -1)");
    EXPECT_EQ(ds[0].to_string(), "--set 'horizon_years=-1': horizon_years: must be > 0 (got -1)");
  }
  {
    const auto ds = errors_of(mini(), {"state[nope].capacity=5"});
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].file, "--set 'state[nope].capacity=5'");
    EXPECT_EQ(ds[0].key, "state[nope]");
    EXPECT_EQ(ds[0].message, "no element 'nope' (select by index, name, id or from->to)");
  }
  {
    const auto ds = errors_of(mini(), {"horizon_years"});
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].file, "--set 'horizon_years'");
    EXPECT_EQ(ds[0].key, "");
  }
  {
    // Every override that names nothing is reported, not just the first.
    const auto ds = errors_of(mini(), {"transition[9].rate=1", "state[nix].capacity=1"});
    EXPECT_EQ(ds.size(), 2u) << dump(ds);
    EXPECT_TRUE(has(ds, "--set 'transition[9].rate=1'", 0, "transition[9]", "no element '9'")) << dump(ds);
  }
  {
    // Bad override values, overrides that name nothing and problems in the file: one throw.
    std::string text = mini();
    text.replace(text.find("trede = 3"), 9, "trede = 9");
    const auto ds = errors_of(text, {"population[0].count=-3", "transition[9].rate=1"});
    EXPECT_EQ(ds.size(), 3u) << dump(ds);
    EXPECT_TRUE(has(ds, "bad.toml", 10, "state[diagnose].trede", "must be a participatieladder rung")) << dump(ds);
    EXPECT_TRUE(has(ds, "--set 'population[0].count=-3'", 0, "population[0].count", "must be >= 0 (got -3)"))
        << dump(ds);
    EXPECT_TRUE(has(ds, "--set 'transition[9].rate=1'", 0, "transition[9]", "no element '9'")) << dump(ds);
  }
}

// ---- errors ----------------------------------------------------------------------------------------------

TEST(ParseScenario, ReportsEveryProblemInOneThrowWithFileLineAndKey) {
  const std::string text =
      "name = \"broken\"\n"       // 1
      "horizon_years = -1\n"      // 2
      "\n"                        // 3
      "[[state]]\n"               // 4
      "name = \"a\"\n"            // 5
      "trede = 9\n"               // 6
      "\n"                        // 7
      "[[state]]\n"               // 8
      "name = \"exit\"\n"         // 9
      "absorbing = true\n"        // 10
      "\n"                        // 11
      "[[transition]]\n"          // 12
      "from = \"a\"\n"            // 13
      "to = \"exit\"\n"           // 14
      "rate = -0.2\n"             // 15
      "\n"                        // 16
      "[[transition]]\n"          // 17
      "from = \"a\"\n"            // 18
      "to = \"exti\"\n"           // 19
      "rate = 1\n";               // 20
  try {
    (void)parse_scenario(text, "models/x.toml");
    FAIL() << "no ModelError";
  } catch (const ModelError& e) {
    const auto& ds = e.diagnostics();
    ASSERT_EQ(ds.size(), 4u) << dump(ds);
    EXPECT_EQ(ds[0].to_string(), "models/x.toml:2: horizon_years: must be > 0 (got -1)");
    EXPECT_EQ(ds[1].to_string(),
              "models/x.toml:6: state[a].trede: must be a participatieladder rung 1..6, or 0 for off the ladder "
              "(got 9)");
    EXPECT_EQ(ds[2].to_string(), "models/x.toml:15: transition[a->exit].rate: must be >= 0 (got -0.2)");
    EXPECT_EQ(ds[3].to_string(),
              "models/x.toml:19: transition[a->exti].to: unknown state 'exti' (did you mean 'exit'?)");
    // what() lists them all, one per line, in the same order.
    EXPECT_EQ(std::string(e.what()), ds[0].to_string() + "\n" + ds[1].to_string() + "\n" + ds[2].to_string() +
                                         "\n" + ds[3].to_string());
    // A ModelError is a trede::Error is a std::runtime_error.
    const trede::Error& base = e;
    EXPECT_EQ(std::string(base.what()), std::string(e.what()));
  }
}

TEST(ParseScenario, UnknownKeysAreErrorsWithASuggestion) {
  std::string text = mini();
  text.replace(text.find("trede = 3"), 9, "trde = 3");
  const auto ds = errors_of(text);
  EXPECT_TRUE(has(ds, "bad.toml", 10, "state[diagnose].trde", "unknown key (did you mean 'trede'?); allowed keys: name, "))
      << dump(ds);
  EXPECT_TRUE(has(ds, "bad.toml", 8, "state[diagnose].trede", "missing required key")) << dump(ds);
}

TEST(ParseScenario, TomlSyntaxErrorsGiveTheLine) {
  const auto ds = errors_of("horizon_years = 5\n[[state]]\nname = \"a\nbroken\n");
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].file, "bad.toml");
  EXPECT_EQ(ds[0].line, 3);
  EXPECT_EQ(ds[0].message.rfind("TOML syntax error: ", 0), 0u) << ds[0].message;
}

TEST(ParseScenario, GraphProblemsNameTheState) {
  std::string text = mini("", R"(
[[state]]
name = "vast"
trede = 2

[[state]]
name = "los"
trede = 2

[[transition]]
from = "los"
to = "vast"
rate = 1
)");
  text.replace(text.find("count = 100"), 11, "count = 100\n[[population]]\nstate = \"vast\"\ncount = 1");
  const auto ds = errors_of(text);
  EXPECT_TRUE(has(ds, "bad.toml", 44, "state[vast]",
                  "no one can leave this state: give it transitions or mark it absorbing = true"))
      << dump(ds);
  EXPECT_TRUE(has(ds, "bad.toml", 48, "state[los]", "unreachable: no one starts, arrives or can move there"))
      << dump(ds);
}

TEST(ParseScenario, EmptyPopulationIsAnError) {
  std::string text = mini();
  text.replace(text.find("count = 100"), 11, "count = 0");
  const auto ds = errors_of(text);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].key, "population");
  EXPECT_EQ(ds[0].message.rfind("empty population", 0), 0u);
}

TEST(Diagnostic, ToStringLeavesOutEmptyParts) {
  EXPECT_EQ((Diagnostic{"models/x.toml", 14, "transition[3].rate", "must be > 0 (got -0.2)"}.to_string()),
            "models/x.toml:14: transition[3].rate: must be > 0 (got -0.2)");
  EXPECT_EQ((Diagnostic{"models/x.toml", 0, "k", "m"}.to_string()), "models/x.toml: k: m");
  EXPECT_EQ((Diagnostic{"models/x.toml", 3, "", "m"}.to_string()), "models/x.toml:3: m");
  EXPECT_EQ((Diagnostic{"", 0, "k", "m"}.to_string()), "k: m");
  EXPECT_EQ((Diagnostic{"", 0, "", "m"}.to_string()), "m");
}

TEST(ModelError, SingleProblemConstructorKeepsAllParts) {
  const ModelError e("f.toml", 3, "key", "msg");
  ASSERT_EQ(e.diagnostics().size(), 1u);
  EXPECT_EQ(e.diagnostics()[0].file, "f.toml");
  EXPECT_EQ(e.diagnostics()[0].line, 3);
  EXPECT_EQ(std::string(e.what()), "f.toml:3: key: msg");
}

// ---- rates by year, KPI defaults, input rules -------------------------------------------------------

// rate = {year = value} on an exponential transition is a rate schedule: hazard.rate is the
// rate at the start, rate_by_year the schedule, and the multiplier stays the file's own; the
// calendar factor the engine runs is their product.
TEST(ParseScenario, ExponentialRateByYearIsARateSchedule) {
  std::string text = mini();
  text.replace(text.find("rate = 0.5"), 10, "rate = {2025 = 0.5, 2028 = 1}");
  text.replace(text.find("rate = 0.1"), 10, "rate = {2020 = 0.1, 2026 = 0.2}\nmultiplier = {2027 = 2}");
  const Scenario s = parse_scenario(text, "r.toml");
  const Transition& a = transition(s, "bijstand->diagnose");
  EXPECT_EQ(a.hazard.kind, HazardKind::exponential);
  EXPECT_EQ(a.hazard.rate, 0.5);
  ASSERT_TRUE(a.rate_by_year.has_value());
  EXPECT_EQ(a.rate_by_year->before, 0.5);
  EXPECT_EQ(a.rate_by_year->times, (std::vector<double>{2028}));
  EXPECT_EQ(a.rate_by_year->values, (std::vector<double>{1}));
  EXPECT_TRUE(a.multiplier.constant());
  EXPECT_EQ(a.multiplier.before, 1.0);
  const Transition& b = transition(s, "beschut_werk->exit");
  EXPECT_EQ(b.hazard.rate, 0.1);  // the value at start_year 2025, from the step of 2020
  EXPECT_EQ(b.multiplier.at(2026.0), 1.0);
  EXPECT_EQ(b.multiplier.at(2027.0), 2.0);
  const StepSchedule f = calendar_factor(b);
  EXPECT_EQ(f.at(2025.0), 0.1);
  EXPECT_EQ(f.at(2026.0), 0.2);
  EXPECT_EQ(f.at(2027.0), 0.4);
  EXPECT_EQ(f.at(2040.0), 0.4);
  EXPECT_FALSE(transition(s, "diagnose->beschut_werk").rate_by_year.has_value());
  EXPECT_EQ(calendar_factor(transition(s, "diagnose->beschut_werk")), StepSchedule::constant_value(1.0));
}

TEST(ParseScenario, UitvalDefaultsToUitvalStatesByNameOrFunctionality) {
  std::string text = mini();
  text.replace(text.find("functionality = \"A\""), 19, "functionality = \"uitval\"");
  text += "[[state]]\nname = \"uitval_lang\"\ntrede = 1\n[[transition]]\nfrom = \"diagnose\"\nto = \"uitval_lang\"\n"
          "rate = 1\n[[transition]]\nfrom = \"uitval_lang\"\nto = \"exit\"\nrate = 1\n";
  const Scenario s = parse_scenario(text, "u.toml");
  EXPECT_EQ(s.kpi.uitval, (std::vector<StateIndex>{s.state_index("diagnose"), s.state_index("uitval_lang")}));
  // Given lists replace the defaults; an empty list means none.
  const Scenario given = parse_scenario(text + "[kpi]\nwork_states = []\nuitval_states = [\"uitval_lang\"]\n", "u.toml");
  EXPECT_TRUE(given.kpi.work.empty());
  EXPECT_EQ(given.kpi.uitval, (std::vector<StateIndex>{given.state_index("uitval_lang")}));
}

TEST(ParseScenario, RejectsInputThatCannotMeanAnything) {
  std::string text = mini("", R"(
[attributes]
leeftijd = { type = "age" }
age2 = { type = "age", default = 30 }
[report]
times = [2025, 2027]
)");
  text.replace(text.find("absorbing = true"), 16, "absorbing = true\ncost_eur_per_year = 10");
  text.replace(text.find("cost_eur_per_year = 25000"), 25, "capacity = 3\nrenege_to = \"bijstand\"");
  text.replace(text.find("count = 100"), 11, "count = -3.0\nattributes = { leeftijd = { dist = \"normal\", mean = 40, sd = 10 } }");
  const auto ds = errors_of(text);
  EXPECT_TRUE(has(ds, "bad.toml", 22, "state[exit].cost_eur_per_year",
                  "an absorbing state holds everyone who ever left the model; it cannot have a cost per person-year"))
      << dump(ds);
  EXPECT_TRUE(has(ds, "bad.toml", 17, "state[beschut_werk].renege_to", "has no effect without renege_rate > 0"))
      << dump(ds);
  EXPECT_TRUE(has(ds, "bad.toml", 41, "population[0].count", "must be >= 0 (got -3)")) << dump(ds);
  EXPECT_TRUE(has(ds, "bad.toml", 42, "population[0].attributes.leeftijd",
                  "ages cannot be negative (truncate a normal with min = 0)"))
      << dump(ds);
  EXPECT_TRUE(has(ds, "bad.toml", 45, "attributes.leeftijd", "only one attribute can have type \"age\"") ||
              has(ds, "bad.toml", 46, "attributes.leeftijd", "only one attribute can have type \"age\"") ||
              has(ds, "bad.toml", 46, "attributes.age2", "only one attribute can have type \"age\"") ||
              has(ds, "bad.toml", 45, "attributes.age2", "only one attribute can have type \"age\""))
      << dump(ds);
  EXPECT_TRUE(has(ds, "bad.toml", 48, "report.times", "the last report time (2027) must be the end of the simulation"))
      << dump(ds);
}

// ---- files ------------------------------------------------------------------------------------------------

TEST(LoadScenario, MissingFileIsAnIoErrorWithThePath) {
  try {
    (void)load_scenario("/nonexistent/dir/none.toml");
    FAIL() << "no IoError";
  } catch (const trede::IoError& e) {
    EXPECT_EQ(e.path(), "/nonexistent/dir/none.toml");
  }
}

TEST(LoadScenario, ReadsAFileAndNamesItInDiagnostics) {
  const auto dir = std::filesystem::temp_directory_path() / ("trede_unit_load_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "klein.toml").string();
  {
    std::ofstream(path) << mini();
  }
  const Scenario s = load_scenario(path, {"horizon_years=2"});
  EXPECT_EQ(s.name, "klein");
  EXPECT_EQ(s.source_path, path);
  EXPECT_EQ(s.horizon_years, 2.0);
  {
    std::ofstream(path) << mini("", "[report]\nstep_years = -1\n");
  }
  try {
    (void)load_scenario(path);
    FAIL() << "no ModelError";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, path);
    EXPECT_EQ(e.diagnostics()[0].line, 41);
    EXPECT_EQ(e.diagnostics()[0].key, "report.step_years");
  }
  std::filesystem::remove_all(dir);
}

// ---- extends ---------------------------------------------------------------------------------------------

class Extends : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("trede_unit_extends_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "base");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

TEST_F(Extends, MergesTablesAndReplacesValuesAndArrays) {
  const std::string base_text = mini("name = \"basis\"\n", "[kpi]\nwork_states = [\"beschut_werk\"]\n");
  write("base/basis.toml", base_text);
  const std::string path = write("variant.toml",
                                 "extends = \"base/basis.toml\"\nhorizon_years = 2\n"
                                 "[kpi]\nuitval_states = [\"diagnose\"]\n");
  const Scenario s = load_scenario(path);
  EXPECT_EQ(s.name, "basis");         // from the base
  EXPECT_EQ(s.horizon_years, 2.0);    // the variant's value wins
  EXPECT_EQ(s.states.size(), 4u);     // arrays of tables from the base
  EXPECT_EQ(s.kpi.work, (std::vector<StateIndex>{s.state_index("beschut_werk")}));  // tables merge key by key
  EXPECT_EQ(s.kpi.uitval, (std::vector<StateIndex>{s.state_index("diagnose")}));
  ASSERT_EQ(s.base_paths.size(), 1u);
  EXPECT_EQ(s.base_paths[0], (dir_ / "base/basis.toml").lexically_normal().string());
  EXPECT_EQ(s.base_texts[0], base_text);
  EXPECT_EQ(s.source_path, path);
}

TEST_F(Extends, ProblemsNameTheFileTheKeyCameFrom) {
  std::string base_text = mini();
  base_text.replace(base_text.find("trede = 3"), 9, "trede = 9");
  write("base/basis.toml", base_text);
  const std::string path = write("variant.toml", "extends = \"base/basis.toml\"\nhorizon_years = -2\n");
  try {
    (void)load_scenario(path);
    FAIL() << "no ModelError";
  } catch (const ModelError& e) {
    const auto& ds = e.diagnostics();
    ASSERT_EQ(ds.size(), 2u) << dump(ds);
    EXPECT_TRUE(has(ds, path, 2, "horizon_years", "must be > 0 (got -2)")) << dump(ds);
    EXPECT_TRUE(has(ds, (dir_ / "base/basis.toml").lexically_normal().string(), 10, "state[diagnose].trede",
                    "must be a participatieladder rung"))
        << dump(ds);
  }
}

// A scenario read from memory with a directory other than its name's (Python's parse_scenario
// with base_dir) is read again in that directory: by reparse, by with_values for a key that
// needs the loader, and by the load-time check of its [uncertainty] keys against the report grid.
TEST_F(Extends, ATextReadWithABaseDirIsReadAgainThere) {
  write("base/basis.toml", mini());
  const std::string text = "extends = \"base/basis.toml\"\nhorizon_years = 2\n";
  const Scenario s = parse_scenario(text, "inline.toml", {}, dir_.string());
  EXPECT_EQ(s.base_dir, dir_.string());
  const Scenario again = reparse(s, s.text, {"horizon_years=3"});
  EXPECT_EQ(again.horizon_years, 3.0);
  EXPECT_EQ(again.base_dir, dir_.string());
  EXPECT_EQ(again.base_paths, s.base_paths);
  try {
    (void)parse_scenario(text + "[uncertainty]\n\"horizon_years\" = { dist = \"uniform\", min = 1, max = 3 }\n",
                         "inline.toml", {}, dir_.string());
    FAIL() << "no ModelError for an uncertain horizon";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u) << dump(e.diagnostics());
    EXPECT_EQ(e.diagnostics()[0].to_string(),
              "inline.toml:4: uncertainty.\"horizon_years\": changes the report grid (at 3); every draw is read on one "
              "grid, so keys such as horizon_years or the report times cannot be uncertain");
  }
}

// A key set in a middle file of a chain (a extends b extends c) is reported against b.
TEST_F(Extends, ProblemsInAMiddleFileNameThatFile) {
  write("c.toml", mini());
  write("b.toml", "extends = \"c.toml\"\nhorizon_years = -4\n");
  const std::string a = write("a.toml", "extends = \"b.toml\"\nname = \"a\"\n");
  try {
    (void)load_scenario(a);
    FAIL() << "no ModelError";
  } catch (const ModelError& e) {
    const auto& ds = e.diagnostics();
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].to_string(), (dir_ / "b.toml").lexically_normal().string() +
                                     ":2: horizon_years: must be > 0 (got -4)");
  }
}

TEST_F(Extends, CyclesAndMissingBasesAreErrors) {
  write("a.toml", "extends = \"b.toml\"\n");
  write("b.toml", "extends = \"a.toml\"\n");
  try {
    (void)load_scenario((dir_ / "a.toml").string());
    FAIL() << "no ModelError for a cycle";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].key, "extends");
    EXPECT_NE(e.diagnostics()[0].message.find("extends itself (cycle)"), std::string::npos)
        << e.diagnostics()[0].message;
  }
  const std::string lonely = write("c.toml", "extends = \"nergens.toml\"\n" + mini());
  try {
    (void)load_scenario(lonely);
    FAIL() << "no ModelError for a missing base";
  } catch (const ModelError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, lonely);
    EXPECT_EQ(e.diagnostics()[0].line, 1);
    EXPECT_EQ(e.diagnostics()[0].message.rfind("cannot open base scenario", 0), 0u) << e.diagnostics()[0].message;
  }
}

// Found by an audit of docs/scenario-format.md §16.2 ("a cycle is an error"): models whose bases
// form a cycle of two or three were accepted, and ran nobody's functionality.
// Found by an audit of docs/scenario-format.md §21.1: a problem an override causes is reported at
// the override, not at the line of the table it changed.
TEST(ParseScenario, AProblemAnOverrideCausesNamesTheOverride) {
  const auto loop = errors_of(mini(), {"transition[bijstand->diagnose].to=bijstand"});
  ASSERT_EQ(loop.size(), 1u) << dump(loop);
  EXPECT_EQ(loop[0].file, "--set 'transition[bijstand->diagnose].to=bijstand'") << dump(loop);
  EXPECT_NE(loop[0].message.find("cannot lead back to its own state"), std::string::npos) << dump(loop);
  // Without the override the same problem is at the table's line, as before.
  std::string text = mini();
  text.replace(text.find("to = \"diagnose\""), 15, "to = \"bijstand\"");
  const auto in_file = errors_of(text);
  ASSERT_EQ(in_file.size(), 1u) << dump(in_file);
  EXPECT_EQ(in_file[0].file, "bad.toml");
  EXPECT_GT(in_file[0].line, 0);
}

TEST(ParseScenario, OrganisationModelsWhoseBasesFormACycleAreAnError) {
  for (const char* models : {"[organisation_models.x]\nbase = \"y\"\n[organisation_models.y]\nbase = \"x\"\n",
                             "[organisation_models.x]\nbase = \"y\"\n[organisation_models.y]\nbase = \"z\"\n"
                             "[organisation_models.z]\nbase = \"x\"\n"}) {
    const auto ds = errors_of(mini("organisation_model = \"x\"\n", models));
    ASSERT_FALSE(ds.empty()) << models;
    EXPECT_NE(dump(ds).find("the bases of these models form a cycle"), std::string::npos) << dump(ds);
  }
  // A model that is its own base says so.
  const auto self = errors_of(mini("", "[organisation_models.x]\nbase = \"x\"\n"));
  EXPECT_NE(dump(self).find("a model cannot be its own base"), std::string::npos) << dump(self);
}

// Found by tests/fuzz/fuzz_scenario: an organisation effect that names a transition, in a
// scenario without states, read the states of transitions that did not resolve (out of bounds).
TEST(ParseScenario, OrganisationEffectInAScenarioWithoutStatesIsAnError) {
  const auto ds = errors_of(R"(horizon_years = 5

[[transition]]
from = "a"
to = "b"
rate = 1

[[organisation_effect]]
name = "x"
organisation_model = "m"
transition = "a->b"
multiplier = 2
)");
  ASSERT_FALSE(ds.empty());
  EXPECT_NE(dump(ds).find("at least one [[state]]"), std::string::npos) << dump(ds);
}

// Found by tests/fuzz/fuzz_scenario_set: a capacity state with separate waiting, an invalid
// name and no waiting_state key reported the generated name at a key that is not there (a
// null reference).
TEST(ParseScenario, InvalidGeneratedWaitingStateNameIsReportedAtTheState) {
  const auto ds = errors_of(R"(horizon_years = 5

[[state]]
name = "a b"
trede = 5
capacity = 3
waiting = "separate"

[[state]]
name = "exit"
absorbing = true
)");
  const auto it = std::find_if(ds.begin(), ds.end(), [](const Diagnostic& d) {
    return d.key == "state[a b].waiting_state";
  });
  ASSERT_NE(it, ds.end()) << dump(ds);
  EXPECT_EQ(it->line, 3);
  EXPECT_NE(it->message.find("'wait_a b'"), std::string::npos) << it->message;
}

}  // namespace
