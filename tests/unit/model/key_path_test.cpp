// Key paths: the grammar (parse, canonical text, assignments), selection by index, name, id and
// from->to in --set, numeric_key (value, range, where defined, suggestions), and with_values:
// for every kind of key with a fast path, the fast path gives exactly the scenario that loading
// again with --set gives (field by field, and a replicate of the engine bit for bit).

#include "trede/model/key_path.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "model/numeric_rules.hpp"
#include "text.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/error.hpp"
#include "trede/model/limits.hpp"
#include "trede/model/load.hpp"

namespace {

using trede::ModelError;
using namespace trede::model;

// Three regions (two take a share of the top-level template, one has its own people and places),
// every hazard family, a rate and a capacity by year, covariates, waiting in place and in a
// separate state, organisation models with handovers and costs, and exit at age.
const char* rich = R"(name = "keys"
start_year = 2025.0
horizon_years = 6
organisation_model = "partieel"

[attributes.age]
type = "age"
default = 40
center = 40

[attributes.groep]
type = "category"
levels = ["a", "b"]
default = "a"

[exit_age]
age = 67
to = "exit"

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"
cost_eur_per_year = 15000

[[state]]
name = "diagnose"
trede = 2
functionality = "A"
cost_eur_per_year = 17000

[[state]]
name = "traject"
trede = 3
functionality = "B"
cost_eur_per_year = 21000

[[state]]
name = "beschut"
trede = 5
functionality = "H"
cost_eur_per_year = 28000
capacity = { 2025 = 30, 2028 = 40 }
renege_rate = 0.3

[[state]]
name = "tussengroep"
trede = 4
functionality = "G"
capacity = 20
waiting = "separate"
renege_rate = 0.5
renege_to = "bijstand"

[[state]]
name = "werk"
trede = 6

[[state]]
name = "uitval"
trede = 1
functionality = "uitval"
cost_eur_per_year = 15000

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "diagnose"
rate = { 2025 = 0.5, 2028 = 0.8 }
multiplier = { 2027 = 1.5 }

[[transition]]
from = "bijstand"
to = "exit"
rate = 0.05

[[transition]]
from = "diagnose"
to = "traject"
hazard = "weibull"
shape = 1.5
scale = 0.8

[[transition]]
from = "diagnose"
to = "beschut"
rate = 0.3
covariates = { age = 0.01, "groep=b" = 0.4 }

[[transition]]
id = "terug"
from = "diagnose"
to = "bijstand"
hazard = "gamma"
shape = 2.0
scale = 1.0

[[transition]]
from = "traject"
to = "werk"
hazard = "lognormal"
meanlog = -0.5
sdlog = 0.6

[[transition]]
from = "traject"
to = "tussengroep"
rate = 0.5

[[transition]]
from = "traject"
to = "uitval"
hazard = "table"
breaks = [0, 1, 2]
rates = [0.1, 0.3, 0.2]

[[transition]]
from = "beschut"
to = "werk"
hazard = "fixed"
duration = 3

[[transition]]
from = "beschut"
to = "exit"
rate = 0.05

[[transition]]
from = "tussengroep"
to = "werk"
rate = 0.4

[[transition]]
from = "werk"
to = "uitval"
rate = 0.1

[[transition]]
from = "uitval"
to = "bijstand"
rate = 0.8

[[population]]
state = "bijstand"
count = 400
attributes = { age = { dist = "uniform", min = 18, max = 60 }, groep = { dist = "categorical", values = ["a", "b"], weights = [0.7, 0.3] } }

[[population]]
state = "diagnose"
count = 60

[[population]]
state = "beschut"
count = 20

[[inflow]]
state = "bijstand"
rate_per_year = { 2025 = 100, 2027 = 120 }

[organisation_costs.SOB]
fixed_eur_per_year = 1000000
eur_per_person_year = 500

[[handover]]
from = "sociale_dienst"
to = "SOB"
delay = 0.1
leakage = 0.05
leak_to = "bijstand"

[[handover]]
delay = { dist = "exponential", mean = 0.05 }

[[region]]
name = "Noord"
share = 0.6

[region.capacity]
tussengroep = 12

[[region]]
name = "Zuid"
share = 0.4
organisation_model = "klassiek"

[[region]]
name = "Oost"

[[region.population]]
state = "bijstand"
count = 100

[[region.inflow]]
state = "bijstand"
rate_per_year = 30

[region.capacity]
beschut = { 2025 = 5, 2029 = 8 }
)";

Scenario load_rich(const std::vector<std::string>& sets = {}) { return parse_scenario(rich, "rich.toml", sets); }

KeyPath path(const std::string& text) { return KeyPath::parse(text); }

// The diagnostics of the ModelError `f` throws (a failure when it throws none).
template <class F>
std::vector<trede::Diagnostic> errors_of(F f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "no ModelError";
  return {trede::Diagnostic{}};
}

// The one diagnostic of loading the rich scenario with `sets`, as "file: key: message".
std::string set_error(const std::vector<std::string>& sets) {
  const auto ds = errors_of([&] { (void)parse_scenario(rich, "rich.toml", sets); });
  EXPECT_EQ(ds.size(), 1u);
  return ds.front().to_string();
}

// The same replicate of both scenarios, compared array by array, bit for bit.
void expect_same_run(const Scenario& a, const Scenario& b, const std::string& what) {
  const trede::engine::Simulator sa(a), sb(b);
  const auto ra = sa.run(11, 3), rb = sb.run(11, 3);
  EXPECT_EQ(ra.events, rb.events) << what;
  EXPECT_EQ(ra.occupancy, rb.occupancy) << what;
  EXPECT_EQ(ra.flows, rb.flows) << what;
  EXPECT_EQ(ra.waiting, rb.waiting) << what;
  EXPECT_EQ(ra.person_years, rb.person_years) << what;
  EXPECT_EQ(ra.cost_eur, rb.cost_eur) << what;
  EXPECT_EQ(ra.kpi, rb.kpi) << what;
}

// ---- grammar --------------------------------------------------------------------------------------

TEST(KeyPath, ParsesSegmentsSelectorsAndQuotedKeysAndPrintsThemBack) {
  for (const char* text : {"horizon_years", "transition[bijstand->diagnose].rate", "transition[3].rate",
                           "transition[my_id].rate", "state[beschut_werk].capacity",
                           "region[Groningen].capacity.beschut_werk", "handover[0].leakage",
                           "region[Súdwest-Fryslân].share", "region['s-Hertogenbosch].share",
                           "transition[a->b (wachttijd)].rate", "transition[a->b].covariates.\"doelgroep=beschut\"",
                           "transition[x].rates[2]", "state[beschut_werk].capacity.2030", "region[\"a]b\"].share"}) {
    const KeyPath p = KeyPath::parse(text);
    EXPECT_EQ(p.text(), text);
    EXPECT_EQ(KeyPath::parse(p.text()), p) << text;
  }
  const KeyPath p = KeyPath::parse("  region[ Groningen ].capacity.beschut_werk ");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].name, "region");
  EXPECT_EQ(p[0].selector, "Groningen");
  EXPECT_EQ(p[1].name, "capacity");
  EXPECT_FALSE(p[1].selector.has_value());
  EXPECT_EQ(p[2].name, "beschut_werk");
  EXPECT_EQ(KeyPath::parse("a.\"b.c\"")[1].name, "b.c");
  EXPECT_EQ(KeyPath::parse("region[\"a]b\"].share")[0].selector, "a]b");
}

TEST(KeyPath, RejectsTextThatIsNotAPathWithAClearMessage) {
  auto message = [](const std::string& text) { return errors_of([&] { (void)KeyPath::parse(text); }).front().message; };
  EXPECT_EQ(message(""), "empty key");
  EXPECT_EQ(message("state[beschut"), "unterminated [ at column 7");
  EXPECT_EQ(message("state[].capacity"), "empty selector [] at column 7; give an index, a name, an id or from->to");
  EXPECT_EQ(message("horizon_years."), "ends with '.'");
  EXPECT_EQ(message("a..b"), "expected a key at column 3 (got '.'); keys are letters, digits, '_' and '-', or quoted with \"");
  EXPECT_EQ(message("state[a]x"), "expected '.' or '[' at column 9 (got 'x')");
  EXPECT_EQ(message("\"open"), "unterminated quote");
  std::string deep = "a";
  for (int i = 0; i < 40; ++i) deep += ".a";
  EXPECT_EQ(message(deep), "more than 32 segments");
}

TEST(Assignment, SplitsAtTheFirstEqualsSignOutsideBracketsAndQuotes) {
  const Assignment a = parse_assignment(" transition[a->b].covariates.\"groep=b\" = 0.4 ");
  EXPECT_EQ(a.key.text(), "transition[a->b].covariates.\"groep=b\"");
  EXPECT_EQ(a.value, "0.4");
  EXPECT_EQ(parse_assignment("state[x].capacity={2025 = 3}").value, "{2025 = 3}");
  EXPECT_EQ(parse_assignment("name=a=b").value, "a=b");
  EXPECT_EQ(parse_assignment("x=1").text(), "x=1");
  EXPECT_THROW((void)parse_assignment("horizon_years"), ModelError);
  EXPECT_THROW((void)parse_assignment("=3"), ModelError);
  EXPECT_THROW((void)parse_assignment("a..b=3"), ModelError);
}

// Found by tests/fuzz/fuzz_key_path: a quoted selector holding '[' was printed bare, and the
// printed assignment no longer had an '=' outside brackets ("must be key=value").
TEST(Assignment, TextParsesBackWhenASelectorHoldsABracket) {
  for (const std::string text : {"region[\"Gronite[bes.share=0region[ningen\"].share=0.5.5",
                                 "region[\"a[b\"].share=1", "state[\"[x\"].capacity=3"}) {
    const Assignment a = parse_assignment(text);
    const Assignment again = parse_assignment(a.text());
    EXPECT_EQ(again.key, a.key) << text;
    EXPECT_EQ(again.value, a.value) << text;
  }
  EXPECT_EQ(parse_assignment("region[\"a[b\"].share=1").text(), "region[\"a[b\"].share=1");
  EXPECT_EQ(KeyPath::parse("region[\"a[b\"]")[0].selector, "a[b");
}

// ---- selection through --set ------------------------------------------------------------------------

TEST(SetOverride, ATransitionWithAnIdIsSelectedByFromToAsWell) {
  const Scenario s = load_rich({"transition[diagnose->bijstand].shape=3", "transition[terug].scale=2"});
  const Transition& t = s.transitions[4];
  ASSERT_EQ(t.id, "terug");
  EXPECT_EQ(t.hazard.shape, 3.0);
  EXPECT_EQ(t.hazard.scale, 2.0);
}

TEST(SetOverride, ParallelTransitionsSharingFromToMustBeSelectedByIdOrIndex) {
  std::string text = rich;
  text.replace(text.find("from = \"werk\""), 0, "id = \"werk_uitval\"\n");
  text += "";
  const std::string extra = "\n[[transition]]\nid = \"werk_uitval_2\"\nfrom = \"werk\"\nto = \"uitval\"\nrate = 0.05\n";
  text.insert(text.find("[[population]]"), extra);
  const auto ds = errors_of([&] { (void)parse_scenario(text, "p.toml", {"transition[werk->uitval].rate=0.2"}); });
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].key, "transition[werk->uitval]");
  EXPECT_EQ(ds[0].message, "2 elements lead from werk to uitval; select one by id or index: [werk_uitval] [werk_uitval_2]");
  const Scenario s = parse_scenario(text, "p.toml", {"transition[werk_uitval_2].rate=0.2"});
  EXPECT_EQ(s.transitions[13].hazard.rate, 0.2);
}

TEST(SetOverride, AMisspeltSelectorGetsASuggestion) {
  EXPECT_EQ(set_error({"state[beschutt].capacity=3000"}),
            "--set 'state[beschutt].capacity=3000': state[beschutt]: no element 'beschutt' (did you mean 'beschut'?)");
  EXPECT_EQ(set_error({"transition[bijstand->diagnos].rate=1"}),
            "--set 'transition[bijstand->diagnos].rate=1': transition[bijstand->diagnos]: no element "
            "'bijstand->diagnos' (did you mean 'bijstand->diagnose'?)");
}

TEST(SetOverride, ANumberOutOfRangeIsNotTakenForAString) {
  EXPECT_EQ(set_error({"horizon_years=1e309"}),
            "--set 'horizon_years=1e309': horizon_years: '1e309' is out of range: numbers must be finite (at most about "
            "1.8e308)");
  EXPECT_EQ(set_error({"horizon_years=1.5.2"}).rfind("--set 'horizon_years=1.5.2': horizon_years: '1.5.2' is not a number", 0), 0u);
  EXPECT_EQ(load_rich({"name=hallo"}).name, "hallo");  // a bare word is still a string
}

TEST(SetOverride, ElementsOfPlainArraysAndYearsWrittenDifferently) {
  const Scenario s = load_rich({"transition[traject->uitval].rates[1]=0.35",
                                "transition[bijstand->diagnose].rate.\"2028.0\"=0.9"});
  EXPECT_EQ(s.transitions[7].hazard.rates, (std::vector<double>{0.1, 0.35, 0.2}));
  // 2028.0 is the year the file writes 2028: it replaces that step instead of adding a second one.
  EXPECT_EQ(s.transitions[0].rate_by_year->values, (std::vector<double>{0.9}));
  EXPECT_EQ(set_error({"transition[traject->uitval].rates[5]=1"}),
            "--set 'transition[traject->uitval].rates[5]=1': transition[traject->uitval].rates[5]: select an element of "
            "this array by its index, 0 to 2");
}

// ---- numeric_key ------------------------------------------------------------------------------------

TEST(KeyIdentities, TwoSpellingsOfOneKeyAreOneParameter) {
  // By index, by from->to, quoted or not: the first transition's rate; the second transition's
  // rate, a key the file leaves out and a key that names nothing are each something else.
  const Scenario s = load_rich();
  const std::vector<KeyPath> keys = {path("transition[0].rate"), path("transition[bijstand->diagnose].rate"),
                                     path("\"transition\"[bijstand->diagnose].\"rate\""), path("transition[1].rate"),
                                     path("transition[bijstand->exit].rate"), path("state[diagnose].cost_eur_per_year"),
                                     path("transition[nowhere->else].rate")};
  const auto ids = key_identities(s, keys);
  ASSERT_EQ(ids.size(), keys.size());
  EXPECT_EQ(ids[0], "transition[0].rate");
  EXPECT_EQ(ids[1], ids[0]);
  EXPECT_EQ(ids[2], ids[0]);
  EXPECT_NE(ids[3], ids[0]);
  EXPECT_EQ(ids[4], ids[3]);
  EXPECT_EQ(ids[5].rfind("state[", 0), 0u);
  EXPECT_EQ(ids[6], "transition[nowhere->else].rate");  // left as given: applying it reports it
  // a year is one key however it is written
  const std::vector<KeyPath> years = {path("state[beschut].capacity.2030"), path("state[beschut].capacity.\"2030.0\""),
                                      path("state[beschut].capacity.2031")};
  const auto y = key_identities(s, years);
  EXPECT_EQ(y[0], y[1]);
  EXPECT_NE(y[0], y[2]);
}

TEST(NumericKey, GivesValueRangeUnitAndWhereItIsDefined) {
  const Scenario s = load_rich();
  const NumericKey r = numeric_key(s, path("transition[bijstand->diagnose].rate"));
  EXPECT_EQ(r.value, 0.5);  // the rate at the start of a rate by year
  EXPECT_EQ(r.domain, Domain::non_negative);
  EXPECT_EQ(r.min, 0.0);
  EXPECT_EQ(r.max, limits::max_rate_per_year);
  EXPECT_EQ(r.unit, "per year");
  EXPECT_EQ(r.file, "rich.toml");
  EXPECT_EQ(r.line, 72);
  EXPECT_FALSE(r.defaulted);
  EXPECT_TRUE(r.fast);
  EXPECT_FALSE(r.accepts(-1.0));
  EXPECT_FALSE(r.accepts(2e6));
  EXPECT_TRUE(r.accepts(0.0));

  const NumericKey c = numeric_key(s, path("state[werk].cost_eur_per_year"));
  EXPECT_TRUE(c.defaulted);
  EXPECT_EQ(c.value, 0.0);
  EXPECT_EQ(c.line, 55);  // the [[state]] of werk
  const NumericKey p = numeric_key(s, path("region[Oost].capacity.beschut.2029"));
  EXPECT_EQ(p.value, 8.0);
  EXPECT_EQ(p.domain, Domain::whole);
  EXPECT_EQ(p.line, 201);
  // A region without places of its own for a state runs the state's capacity times its share.
  const NumericKey inherited = numeric_key(s, path("region[Zuid].capacity.beschut"));
  EXPECT_TRUE(inherited.defaulted);
  EXPECT_EQ(inherited.value, 12.0);  // round(30 x 0.4)
  EXPECT_EQ(inherited.line, 184);    // the [[region]] of Zuid
  const NumericKey l = numeric_key(s, path("handover[0].leakage"));
  EXPECT_EQ(l.domain, Domain::probability);
  EXPECT_EQ(l.max, 1.0);
  EXPECT_EQ(numeric_key(s, path("start_year")).domain, Domain::calendar_year);
  EXPECT_FALSE(numeric_key(s, path("start_year")).fast);
  // A parameter of a distribution has no rule of its own: a real number. An exponential delay's
  // mean cannot make the delay negative, so it is applied without parsing.
  const NumericKey d = numeric_key(s, path("handover[1].delay.mean"));
  EXPECT_EQ(d.value, 0.05);
  EXPECT_EQ(d.domain, Domain::real);
  EXPECT_TRUE(d.fast);
}

TEST(NumericKey, AnOverriddenKeyIsDefinedByTheOverride) {
  const Scenario s = load_rich({"transition[1].rate=0.06"});
  const NumericKey k = numeric_key(s, path("transition[bijstand->exit].rate"));
  EXPECT_EQ(k.value, 0.06);
  EXPECT_EQ(k.file, "--set 'transition[1].rate=0.06'");
  EXPECT_EQ(k.line, 0);
}

TEST(NumericKey, MisspeltKeysAndSelectorsGetSuggestions) {
  const Scenario s = load_rich();
  auto message = [&](const std::string& key) {
    const auto d = errors_of([&] { (void)numeric_key(s, path(key)); }).front();
    return d.key + ": " + d.message;
  };
  EXPECT_EQ(message("state[beschutt].capacity"), "state[beschutt]: no element 'beschutt' (did you mean 'beschut'?)");
  EXPECT_EQ(message("transition[diagnose->traject].shap"),
            "transition[diagnose->traject].shap: not in the scenario (did you mean 'shape'?)");
  EXPECT_EQ(message("state[werk].cost_eur_per_yr"),
            "state[werk].cost_eur_per_yr: not in the scenario (did you mean 'cost_eur_per_year'?)");
  EXPECT_EQ(message("horizon_yaers"), "horizon_yaers: not in the scenario (did you mean 'horizon_years'?)");
  EXPECT_EQ(message("state[werk].name"), "state[werk].name: is not a number");
}

TEST(NumericKey, AKeyFromABaseFileNamesThatFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("trede-keys-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "base.toml") << rich;
  std::ofstream(dir / "variant.toml") << "extends = \"base.toml\"\nhorizon_years = 4\n";
  const Scenario s = load_scenario((dir / "variant.toml").string());
  const NumericKey k = numeric_key(s, path("state[bijstand].cost_eur_per_year"));
  EXPECT_EQ(k.file, (dir / "base.toml").string());
  EXPECT_EQ(k.line, 24);
  const NumericKey h = numeric_key(s, path("horizon_years"));
  EXPECT_EQ(h.file, (dir / "variant.toml").string());
  EXPECT_EQ(h.line, 2);
  std::filesystem::remove_all(dir);
}

// ---- with_values -------------------------------------------------------------------------------------

struct Case {
  std::vector<std::string> keys;
  std::vector<double> values;

  std::vector<KeyPath> paths() const {
    std::vector<KeyPath> out;
    for (const auto& k : keys) out.push_back(path(k));
    return out;
  }
  // The --set overrides that set the same values.
  std::vector<std::string> sets() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < keys.size(); ++i)
      out.push_back(path(keys[i]).text() + "=" + trede::detail::shortest_number(values[i]));
    return out;
  }
};

// Keys with a fast path: the fast path must take them (no loader) and give what the loader gives.
TEST(WithValues, EveryFastKeyGivesExactlyWhatLoadingWithSetGives) {
  const Scenario base = load_rich();
  const std::vector<Case> cases = {
      {{"transition[bijstand->diagnose].rate"}, {0.6}},
      {{"transition[bijstand->diagnose].rate.2028"}, {0.9}},
      {{"transition[bijstand->diagnose].multiplier"}, {1.2}},
      {{"transition[bijstand->diagnose].multiplier.2027"}, {2.0}},
      {{"transition[1].rate"}, {0.07}},
      {{"transition[diagnose->traject].shape"}, {1.7}},
      {{"transition[diagnose->traject].scale"}, {0.9}},
      {{"transition[diagnose->bijstand].shape"}, {2.5}},
      {{"transition[terug].shape"}, {1.25}},
      {{"transition[traject->werk].meanlog"}, {-0.3}},
      {{"transition[traject->werk].sdlog"}, {0.5}},
      {{"transition[traject->uitval].rates[1]"}, {0.35}},
      {{"transition[beschut->werk].duration"}, {2.5}},
      {{"transition[diagnose->beschut].covariates.age"}, {0.02}},
      {{"transition[diagnose->beschut].covariates.\"groep=b\""}, {-0.1}},
      {{"state[bijstand].cost_eur_per_year"}, {16000}},
      {{"state[beschut].capacity"}, {35}},
      {{"state[beschut].capacity.2028"}, {45}},
      {{"state[tussengroep].capacity"}, {25}},
      {{"state[beschut].renege_rate"}, {0.4}},
      {{"state[tussengroep].renege_rate"}, {0.6}},
      {{"population[0].count"}, {500}},
      {{"population[1].count"}, {70}},
      {{"inflow[0].rate_per_year"}, {110}},
      {{"inflow[0].rate_per_year.2027"}, {130}},
      {{"region[Oost].population[0].count"}, {120}},
      {{"region[Oost].inflow[0].rate_per_year"}, {35}},
      {{"region[Noord].capacity.beschut"}, {22}},
      {{"region[Oost].capacity.beschut.2029"}, {9}},
      {{"region[2].capacity.tussengroep"}, {7}},
      {{"handover[0].leakage"}, {0.1}},
      {{"handover[0].delay"}, {0.2}},
      {{"handover[1].delay"}, {0.3}},
      {{"handover[1].delay.mean"}, {0.2}},
      {{"organisation_costs.SOB.fixed_eur_per_year"}, {2e6}},
      {{"organisation_costs.SOB.eur_per_person_year"}, {600}},
      {{"exit_age.age"}, {66}},
      {{"attributes.age.center"}, {45}},
      {{"transition[bijstand->exit].rate", "state[beschut].capacity", "population[0].count", "transition[bijstand->exit].rate"},
       {0.2, 33, 450, 0.03}},
  };
  for (const Case& c : cases) {
    const std::vector<KeyPath> keys = c.paths();
    const std::vector<std::string> sets = c.sets();
    const std::string what = c.keys.front() + (c.keys.size() > 1 ? " and more" : "");
    const Scenario loaded = load_rich(sets);
    Scenario fast = base;
    ASSERT_TRUE(trede::model::detail::apply_values_fast(fast, keys, c.values)) << what << " took no fast path";
    fast.overrides = sets;
    EXPECT_TRUE(fast == loaded) << what << ": the fast path differs from loading with --set";
    EXPECT_TRUE(with_values(base, keys, c.values) == loaded) << what;
    expect_same_run(fast, loaded, what);
    EXPECT_FALSE(fast == base) << what << " changed nothing";
  }
}

// Keys and values the fast path leaves to the loader: with_values still equals loading.
TEST(WithValues, OtherKeysAndValuesAreAppliedByParsingAgain) {
  const Scenario base = load_rich();
  const std::vector<Case> cases = {
      {{"horizon_years"}, {8}},
      {{"start_year"}, {2026}},
      {{"report.step_years"}, {0.5}},
      {{"transition[terug].scale"}, {2}},                    // gamma: given by scale or rate
      {{"transition[bijstand->exit].rate"}, {0}},            // zero: the graph check decides
      {{"population[2].count"}, {0}},                        // zero: reachability may change
      {{"state[beschut].capacity.2030"}, {50}},              // a new step
      {{"region[Noord].share"}, {0.5}},
      {{"transition[diagnose->beschut].covariates.groep"}, {0.1}},  // not a valid effect: an error
      {{"handover[1].delay.mean"}, {-0.2}},                  // a negative delay: the loader's error
  };
  for (const Case& c : cases) {
    const std::vector<KeyPath> keys = c.paths();
    const std::vector<std::string> sets = c.sets();
    Scenario fast = base;
    EXPECT_FALSE(trede::model::detail::apply_values_fast(fast, keys, c.values)) << c.keys.front();
    std::string loaded_error, with_error;
    Scenario loaded, with;
    try {
      loaded = load_rich(sets);
    } catch (const ModelError& e) {
      loaded_error = e.what();
    }
    try {
      with = with_values(base, keys, c.values);
    } catch (const ModelError& e) {
      with_error = e.what();
    }
    EXPECT_EQ(with_error, loaded_error) << c.keys.front();
    if (loaded_error.empty()) {
      EXPECT_TRUE(with == loaded) << c.keys.front();
    }
  }
}

TEST(WithValues, BadValuesAndKeysAreTheLoadersErrors) {
  const Scenario base = load_rich();
  const std::vector<KeyPath> rate = {path("transition[bijstand->exit].rate")};
  EXPECT_EQ(errors_of([&] { (void)with_values(base, rate, std::vector<double>{-1.0}); }).front().to_string(),
            "--set 'transition[bijstand->exit].rate=-1': transition[bijstand->exit].rate: must be >= 0 (got -1)");
  const auto misspelt = errors_of([&] {
    (void)with_values(base, std::vector<KeyPath>{path("state[beschutt].capacity")}, std::vector<double>{3});
  });
  EXPECT_EQ(misspelt.front().message, "no element 'beschutt' (did you mean 'beschut'?)");
  EXPECT_THROW((void)with_values(base, rate, std::vector<double>{}), std::invalid_argument);
}

TEST(WithValues, ModelsShippedWithTrede) {
  // A regional instance built with extends, whose region overrides some national capacities.
  const Scenario g = load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/participatiewet/groningen.toml");
  for (const auto& [key, value] : std::vector<std::pair<std::string, double>>{
           {"region[Groningen].capacity.tussengroep", 60},
           {"population[0].count", 1000}}) {
    const std::vector<KeyPath> keys = {path(key)};
    const std::vector<double> values = {value};
    Scenario fast = g;
    ASSERT_TRUE(trede::model::detail::apply_values_fast(fast, keys, values)) << key;
    const Scenario loaded = load_scenario(g.source_path, {key + "=" + trede::detail::shortest_number(value)});
    fast.overrides = loaded.overrides;
    EXPECT_TRUE(fast == loaded) << key;
  }
  // The national template's places reach no region here (Groningen gives its own): setting them
  // would change nothing, so it is refused rather than silently ignored.
  Scenario fast = g;
  const std::vector<KeyPath> keys = {path("state[tussengroep].capacity")};
  const std::vector<double> values = {2500};
  EXPECT_FALSE(trede::model::detail::apply_values_fast(fast, keys, values));
  try {
    (void)load_scenario(g.source_path, {"state[tussengroep].capacity=2500"});
    ADD_FAILURE() << "a capacity no region takes was accepted";
  } catch (const trede::ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("set region[NAME].capacity.tussengroep instead"), std::string::npos) << e.what();
  }
}

}  // namespace
