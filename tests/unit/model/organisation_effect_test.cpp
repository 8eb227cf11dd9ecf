// [[organisation_effect]]: what the loader makes of it (a generated organisation-model attribute
// and covariate effects beta = ln multiplier on the selected transitions, per model), a neutral
// effect that changes nothing bit for bit, every bad input with file, line and key, the key
// path organisation_effect[i].multiplier through numeric_key and the fast path of with_values,
// and the same key as an uncertain parameter of the [uncertainty] table.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "model/numeric_rules.hpp"
#include "text.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/error.hpp"
#include "trede/mc/psa.hpp"
#include "trede/model/key_path.hpp"
#include "trede/model/load.hpp"

namespace {

using trede::Diagnostic;
using trede::ModelError;
using namespace trede::model;

// Two regions: Noord under partieel (B run by the SOB), Zuid under klassiek (B run by the
// sociale dienst). `effects` goes at the end (line numbers of the body below are fixed).
std::string body(const std::string& effects = "", const std::string& top = "") {
  return top + R"(horizon_years = 5
organisation_model = "partieel"

[kpi]
work_states = ["werk"]

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"

[[state]]
name = "traject"
trede = 3
functionality = "B"

[[state]]
name = "matching"
trede = 4
functionality = "C"

[[state]]
name = "werk"
trede = 6

[[state]]
name = "uitval"
trede = 1
functionality = "uitval"

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "traject"
rate = 0.5

[[transition]]
from = "traject"
to = "matching"
rate = 0.6

[[transition]]
from = "traject"
to = "werk"
hazard = "weibull"
shape = 1.5
scale = 2.0

[[transition]]
from = "traject"
to = "uitval"
rate = 0.2

[[transition]]
from = "traject"
to = "exit"
rate = 0.01

[[transition]]
from = "matching"
to = "werk"
rate = 1.0

[[transition]]
from = "matching"
to = "bijstand"
rate = 0.5

[[transition]]
from = "werk"
to = "bijstand"
rate = 0.1

[[transition]]
from = "uitval"
to = "bijstand"
rate = 1.0

[[region]]
name = "Noord"
[[region.population]]
state = "bijstand"
count = 300
[[region.population]]
state = "traject"
count = 200
[[region.inflow]]
state = "bijstand"
rate_per_year = 50

[[region]]
name = "Zuid"
organisation_model = "klassiek"
[[region.population]]
state = "bijstand"
count = 300
)" + effects;
}

// The line of the first line of `effects` in body(effects).
int first_effect_line() {
  const std::string b = body();
  return static_cast<int>(std::count(b.begin(), b.end(), '\n')) + 1;
}

std::vector<Diagnostic> errors_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    (void)parse_scenario(text, "fx.toml", overrides);
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

bool has(const std::vector<Diagnostic>& ds, int line, const std::string& key, const std::string& message) {
  return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
    return d.file == "fx.toml" && d.line == line && d.key == key && d.message.rfind(message, 0) == 0;
  });
}

std::uint32_t model_index(const Scenario& s, const std::string& name) {
  for (std::size_t i = 0; i < s.organisation_models.size(); ++i)
    if (s.organisation_models[i].name == name) return static_cast<std::uint32_t>(i);
  throw std::runtime_error("no model " + name);
}

const Transition& transition(const Scenario& s, const std::string& id) {
  for (const Transition& t : s.transitions)
    if (t.id == id) return t;
  throw std::runtime_error("no transition " + id);
}

// The generated covariate effects of transition `id`: (model name, beta).
std::vector<std::pair<std::string, double>> effects_on(const Scenario& s, const std::string& id) {
  std::vector<std::pair<std::string, double>> out;
  for (const CovariateEffect& c : transition(s, id).covariates)
    if (s.organisation_attribute && c.attribute == *s.organisation_attribute)
      out.emplace_back(s.organisation_models[static_cast<std::size_t>(c.level)].name, c.beta);
  return out;
}

void expect_same_run(const Scenario& a, const Scenario& b) {
  const trede::engine::Simulator sa(a), sb(b);
  for (std::uint64_t i = 0; i < 3; ++i) {
    const auto ra = sa.run(5, i), rb = sb.run(5, i);
    EXPECT_EQ(ra.events, rb.events);
    EXPECT_EQ(ra.occupancy, rb.occupancy);
    EXPECT_EQ(ra.flows, rb.flows);
    EXPECT_EQ(ra.person_years, rb.person_years);
    EXPECT_EQ(ra.cost_eur, rb.cost_eur);
    ASSERT_EQ(ra.kpi.size(), rb.kpi.size());
    for (std::size_t k = 0; k < ra.kpi.size(); ++k)  // NaN where a KPI is undefined: the same NaN
      EXPECT_TRUE(ra.kpi[k] == rb.kpi[k] || (std::isnan(ra.kpi[k]) && std::isnan(rb.kpi[k]))) << "kpi " << k;
  }
}

const std::string by_function = R"(
[[organisation_effect]]
name = "sob-ontwikkelt"
functionality = "B"
organisation = "SOB"
into = "up"
multiplier = 1.5
)";

// ---- what the loader makes of it -------------------------------------------------------------

TEST(OrganisationEffect, ByFunctionalityBecomesCovariatesOnTheModelsWhereTheOrganisationRunsIt) {
  const Scenario s = parse_scenario(body(by_function), "fx.toml");
  ASSERT_EQ(s.organisation_effects.size(), 1u);
  const OrganisationEffect& e = s.organisation_effects[0];
  EXPECT_EQ(e.name, "sob-ontwikkelt");
  EXPECT_EQ(e.functionality, "B");
  EXPECT_EQ(e.organisation, "SOB");
  EXPECT_EQ(e.multiplier, 1.5);
  // B is run by the SOB in gecombineerd, integraal and partieel.
  EXPECT_EQ(e.models, (std::vector<std::uint32_t>{model_index(s, "gecombineerd"), model_index(s, "integraal"),
                                                  model_index(s, "partieel")}));
  // "up" from traject (trede 3): matching (4) and werk (6); not uitval (1) or exit (absorbing).
  ASSERT_EQ(e.transitions.size(), 2u);
  EXPECT_EQ(s.transitions[e.transitions[0]].id, "traject->matching");
  EXPECT_EQ(s.transitions[e.transitions[1]].id, "traject->werk");
  const double beta = std::log(1.5);
  const std::vector<std::pair<std::string, double>> expected = {{"gecombineerd", beta}, {"integraal", beta}, {"partieel", beta}};
  EXPECT_EQ(effects_on(s, "traject->matching"), expected);
  EXPECT_EQ(effects_on(s, "traject->werk"), expected);
  EXPECT_TRUE(effects_on(s, "traject->uitval").empty());
  EXPECT_TRUE(effects_on(s, "matching->werk").empty());

  // The generated attribute: every model a level, then "(none)"; each person has their region's.
  ASSERT_TRUE(s.organisation_attribute);
  const Attribute& a = s.attributes[*s.organisation_attribute];
  EXPECT_TRUE(a.generated);
  EXPECT_EQ(a.kind, AttributeKind::category);
  EXPECT_EQ(a.levels.size(), s.organisation_models.size() + 1);
  EXPECT_EQ(a.levels.back(), "(none)");
  for (const Region& g : s.regions) {
    const double level = static_cast<double>(*g.organisation_model);
    for (const InitialGroup& grp : g.initial) {
      ASSERT_EQ(grp.attributes.size(), 1u);
      EXPECT_EQ(grp.attributes[0].attribute, *s.organisation_attribute);
      EXPECT_EQ(grp.attributes[0].distribution.kind, Distribution::Kind::fixed);
      EXPECT_EQ(grp.attributes[0].distribution.a, level) << g.name;
    }
    for (const Inflow& f : g.inflows) EXPECT_EQ(f.attributes.back().distribution.a, level) << g.name;
  }
  const std::string text = describe(s);
  EXPECT_NE(text.find("traject->werk  weibull mean 1.80549 yr  1 organisation effect(s)"), std::string::npos) << text;
  EXPECT_NE(text.find("sob-ontwikkelt  x 1.5  on 2 transition(s) (traject->matching, traject->werk)  where B is run by "
                      "SOB: models gecombineerd, integraal, partieel; 1 of 2 region(s)"),
            std::string::npos)
      << text;
}

TEST(OrganisationEffect, SelectsTransitionsByNameStateFunctionalityDestinationOrKind) {
  const Scenario s = parse_scenario(body(R"(
[[organisation_effect]]
organisation_model = ["klassiek", "partieel"]
transition = ["matching->werk", "traject->matching", "matching->werk"]
multiplier = 0.8

[[organisation_effect]]
organisation_model = "klassiek"
from = ["traject", "matching"]
to = "werk"
multiplier = 1.2

[[organisation_effect]]
organisation_model = "klassiek"
from_functionality = "B"
into = "uitval"
multiplier = 0.7

[[organisation_effect]]
organisation_model = "partieel"
from = "traject"
into = "down"

[[organisation_effect]]
organisation_model = "partieel"
from_functionality = ["B", "C"]
into = "work"
multiplier = 2
)"),
                                    "fx.toml");
  ASSERT_EQ(s.organisation_effects.size(), 5u);
  auto ids = [&](std::size_t i) {
    std::vector<std::string> out;
    for (auto t : s.organisation_effects[i].transitions) out.push_back(s.transitions[t].id);
    return out;
  };
  EXPECT_EQ(ids(0), (std::vector<std::string>{"traject->matching", "matching->werk"}));  // file order of transitions, once
  EXPECT_EQ(ids(1), (std::vector<std::string>{"traject->werk", "matching->werk"}));
  EXPECT_EQ(ids(2), (std::vector<std::string>{"traject->uitval"}));
  EXPECT_EQ(ids(3), (std::vector<std::string>{"traject->uitval"}));
  EXPECT_EQ(ids(4), (std::vector<std::string>{"traject->werk", "matching->werk"}));
  EXPECT_EQ(s.organisation_effects[3].multiplier, 1.0);  // the default: neutral
  // Effects on one transition under one model add up on the log scale: matching->werk under
  // klassiek is x0.8 x1.2, under partieel x0.8 x2.
  double klassiek = 0, partieel = 0;
  for (const auto& [m, beta] : effects_on(s, "matching->werk")) (m == "klassiek" ? klassiek : partieel) += beta;
  EXPECT_NEAR(std::exp(klassiek), 0.8 * 1.2, 1e-15);
  EXPECT_NEAR(std::exp(partieel), 0.8 * 2.0, 1e-15);
  // The neutral effect adds no covariate at all.
  EXPECT_EQ(effects_on(s, "traject->uitval").size(), 1u);  // only effect 2 (klassiek x0.7)
}

TEST(OrganisationEffect, ANeutralEffectChangesNothingBitForBit) {
  const std::string neutral = R"(
[[organisation_effect]]
functionality = "B"
organisation = "SOB"
multiplier = 1
)";
  const Scenario with = parse_scenario(body(neutral), "fx.toml");
  const Scenario without = parse_scenario(body(), "fx.toml");
  for (const Transition& t : with.transitions) EXPECT_EQ(t.covariates, transition(without, t.id).covariates) << t.id;
  expect_same_run(with, without);
  // A CSV-free scenario without effects has no generated attribute.
  EXPECT_FALSE(without.organisation_attribute);
  EXPECT_TRUE(without.organisation_effects.empty());
}

TEST(OrganisationEffect, AnEffectChangesTheRunOnlyWhereItApplies) {
  // Under klassiek (Zuid), B is not run by the SOB: the effect changes nothing there. Zuid's
  // people come after Noord's, so with Noord's people unchanged Zuid's streams are the same.
  const Scenario base = parse_scenario(body(), "fx.toml");
  const Scenario fx = parse_scenario(body(by_function), "fx.toml");
  const trede::engine::Simulator a(base), b(fx);
  const auto ra = a.run(5, 0), rb = b.run(5, 0);
  EXPECT_NE(ra.flows, rb.flows);
  ASSERT_EQ(ra.occupancy_region.size(), rb.occupancy_region.size());
  const std::size_t G = 2, S = base.states.size(), T = base.report_times.size();
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t i = 0; i < S; ++i)
      EXPECT_EQ(ra.occupancy_region[(t * G + 1) * S + i], rb.occupancy_region[(t * G + 1) * S + i]) << "Zuid, state " << i;
}

// ---- errors ---------------------------------------------------------------------------------

TEST(OrganisationEffect, EveryProblemIsReportedWithFileLineAndKey) {
  const int L = first_effect_line();
  const auto ds = errors_of(body(R"(
[[organisation_effect]]
functionality = "Q"
organisation = "SOB"
multiplier = 1.2

[[organisation_effect]]
name = "onbekend"
functionality = "B"
organisation = "SBO"

[[organisation_effect]]
organisation_model = "gecombinerd"
transition = "traject->werk"

[[organisation_effect]]
organisation_model = "partieel"
transition = "traject->wrek"

[[organisation_effect]]
organisation_model = "partieel"
from = "traject"
multiplier = 0

[[organisation_effect]]
organisation_model = "partieel"
from = "traject"
multiplier = -1.5

[[organisation_effect]]
organisation_model = "partieel"
functionality = "B"
organisation = "SOB"

[[organisation_effect]]
from = "traject"

[[organisation_effect]]
organisation_model = "partieel"
transition = "traject->werk"
into = "work"

[[organisation_effect]]
organisation_model = "partieel"
from = "werk"
into = "up"

[[organisation_effect]]
name = "onbekend"
organisation_model = "partieel"
from = "trajekt"
to = ["werk", "nergens"]
multipler = 2

[[organisation_effect]]
functionality = "B"
organisation = "extern"

[[organisation_effect]]
organisation_model = "partieel"
from_functionality = "X"
into = "sideways"

[[organisation_effect]]
functionality = "B"
)"));
  EXPECT_TRUE(has(ds, L + 2, "organisation_effect[0].functionality", "must be one of inkomen, A, B")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 9, "organisation_effect[onbekend].organisation",
                  "unknown organisation 'SBO' (did you mean 'SOB'?); known: SOB, extern, sociale_dienst"))
      << dump(ds);
  EXPECT_TRUE(has(ds, L + 12, "organisation_effect[2].organisation_model",
                  "unknown organisation model 'gecombinerd' (did you mean 'gecombineerd'?)"))
      << dump(ds);
  EXPECT_TRUE(has(ds, L + 17, "organisation_effect[3].transition", "no element 'traject->wrek' (did you mean 'traject->werk'?)"))
      << dump(ds);
  EXPECT_TRUE(has(ds, L + 22, "organisation_effect[4].multiplier", "must be > 0 (got 0)")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 27, "organisation_effect[5].multiplier", "must be > 0 (got -1.5)")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 30, "organisation_effect[6].organisation_model",
                  "give either organisation_model or functionality with organisation, not both"))
      << dump(ds);
  EXPECT_TRUE(has(ds, L + 34, "organisation_effect[7]", "missing the condition: give organisation_model")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 40, "organisation_effect[8].into", "not used with transition")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 42, "organisation_effect[9]", "selects no transition")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 48, "organisation_effect[onbekend].name", "duplicate organisation effect 'onbekend'")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 50, "organisation_effect[onbekend].from", "unknown state 'trajekt' (did you mean 'traject'?)"))
      << dump(ds);
  EXPECT_TRUE(has(ds, L + 51, "organisation_effect[onbekend].to[1]", "unknown state 'nergens'")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 52, "organisation_effect[onbekend].multipler", "unknown key (did you mean 'multiplier'?)"))
      << dump(ds);
  EXPECT_TRUE(has(ds, L + 54, "organisation_effect[11]", "no organisation model has functionality B run by extern")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 60, "organisation_effect[12].from_functionality", "must be one of inkomen, A, B")) << dump(ds);
  EXPECT_TRUE(has(ds, L + 61, "organisation_effect[12].into", "must be one of work, uitval, up, down (got 'sideways')"))
      << dump(ds);
  EXPECT_TRUE(has(ds, L + 63, "organisation_effect[13].organisation", "missing required key")) << dump(ds);
}

TEST(OrganisationEffect, NeedsARegionWithAnOrganisationModel) {
  std::string text = body(by_function);
  text.replace(text.find("organisation_model = \"partieel\"\n"), 31, "");
  text.replace(text.find("organisation_model = \"klassiek\"\n"), 31, "");
  const auto ds = errors_of(text);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].key, "organisation_effect");
  EXPECT_EQ(ds[0].message, "has no effect: no region has an organisation_model (set organisation_model)");
}

TEST(OrganisationEffect, ARateBeyondTheLimitIsAnErrorOnTheMultiplier) {
  const int L = first_effect_line();
  const auto ds = errors_of(body(R"(
[[organisation_effect]]
organisation_model = "partieel"
transition = "matching->werk"
multiplier = 2e5

[[organisation_effect]]
name = "te-veel"
organisation_model = "partieel"
transition = "matching->werk"
multiplier = 6
)"));
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].to_string(), "fx.toml:" + std::to_string(L + 10) +
                                   ": organisation_effect[te-veel].multiplier: with the other organisation effects on "
                                   "transition[matching->werk] under partieel, its rate reaches 1200000 per year; at most "
                                   "1e+06 per year (a cycle of faster moves never ends)");
}

TEST(OrganisationEffect, CovariateKeysOfTheGeneratedAttributeAreNotKeysOfTheFile) {
  const Scenario s = parse_scenario(body(by_function), "fx.toml");
  const std::vector<KeyPath> keys = {KeyPath::parse("transition[traject->werk].covariates.\"(organisation model)=partieel\"")};
  Scenario fast = s;
  EXPECT_FALSE(trede::model::detail::apply_values_fast(fast, keys, std::vector<double>{0.3}));
  EXPECT_THROW((void)with_values(s, keys, std::vector<double>{0.3}), ModelError);
}

// ---- key paths: numeric_key, with_values, [uncertainty] ---------------------------------------

TEST(OrganisationEffect, TheMultiplierIsANumericKeyWithAFastPath) {
  const int L = first_effect_line();
  const Scenario s = parse_scenario(body(by_function + R"(
[[organisation_effect]]
organisation_model = "klassiek"
transition = "bijstand->traject"
)"),
                                    "fx.toml");
  const NumericKey k = numeric_key(s, KeyPath::parse("organisation_effect[sob-ontwikkelt].multiplier"));
  EXPECT_EQ(k.value, 1.5);
  EXPECT_EQ(k.domain, Domain::positive);
  EXPECT_EQ(k.min, 0.0);
  EXPECT_EQ(k.max, 1e6);
  EXPECT_EQ(k.file, "fx.toml");
  EXPECT_EQ(k.line, L + 6);
  EXPECT_FALSE(k.defaulted);
  EXPECT_TRUE(k.fast);
  EXPECT_FALSE(k.accepts(0.0));
  const NumericKey d = numeric_key(s, KeyPath::parse("organisation_effect[1].multiplier"));
  EXPECT_EQ(d.value, 1.0);
  EXPECT_TRUE(d.defaulted);
  EXPECT_EQ(d.line, L + 8);  // the table that would hold it
  try {
    (void)numeric_key(s, KeyPath::parse("organisation_effect[sob-ontwikkeld].multiplier"));
    FAIL() << "no error";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'sob-ontwikkelt'"), std::string::npos) << e.what();
  }

  // Every change of a multiplier, by name or index, to or from neutral: the fast path gives
  // exactly what loading with --set gives, and the same run.
  const std::vector<std::pair<std::string, double>> cases = {{"organisation_effect[sob-ontwikkelt].multiplier", 2.5},
                                                             {"organisation_effect[0].multiplier", 1.0},
                                                             {"organisation_effect[1].multiplier", 0.25},
                                                             {"organisation_effect[1].multiplier", 1.0}};
  for (const auto& [key, v] : cases) {
    const std::vector<KeyPath> keys = {KeyPath::parse(key)};
    const std::vector<double> values = {v};
    const std::string set = key + "=" + trede::detail::shortest_number(v);
    const Scenario loaded = parse_scenario(s.text, "fx.toml", {set});
    Scenario fast = s;
    ASSERT_TRUE(trede::model::detail::apply_values_fast(fast, keys, values)) << key;
    fast.overrides = {set};
    EXPECT_TRUE(fast == loaded) << key << " = " << v;
    EXPECT_TRUE(with_values(s, keys, values) == loaded) << key;
    expect_same_run(fast, loaded);
  }
  // A value beyond the limit goes to the loader, which says why.
  const auto big = [&] {
    try {
      (void)with_values(s, std::vector<KeyPath>{KeyPath::parse("organisation_effect[sob-ontwikkelt].multiplier")},
                        std::vector<double>{0.0});
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_EQ(big, "--set 'organisation_effect[sob-ontwikkelt].multiplier=0': organisation_effect[sob-ontwikkelt].multiplier: "
                 "must be > 0 (got 0)");
}

TEST(OrganisationEffect, TheMultiplierIsAnUncertainParameter) {
  const Scenario s = parse_scenario(body(by_function + R"(
[[organisation_effect]]
organisation_model = "klassiek"
transition = "bijstand->traject"

[uncertainty]
"organisation_effect[sob-ontwikkelt].multiplier" = { dist = "lognormal", median = 1.0, sd_log = 0.3 }
"organisation_effect[1].multiplier" = { dist = "gamma", mean = 1.0, sd = 0.2 }
)"),
                                    "fx.toml");
  // Entries of a TOML table are read in byte order of their keys.
  EXPECT_EQ(s.uncertainty.keys(), (std::vector<std::string>{"organisation_effect[1].multiplier",
                                                            "organisation_effect[sob-ontwikkelt].multiplier"}));
  // Each draw sets the multipliers, and so the covariates the engine runs.
  const Scenario* scenarios[] = {&s};
  const auto draws = trede::mc::draw_parameters(scenarios, 8, trede::mc::PointMethod::sobol, 3);
  std::size_t changed = 0;
  for (std::size_t d = 0; d < draws.draws; ++d) {
    const Scenario x = trede::mc::scenario_at_draw(s, draws, d);
    const double m1 = draws.draw(d)[0], m0 = draws.draw(d)[1];
    EXPECT_EQ(x.organisation_effects[0].multiplier, m0);
    EXPECT_EQ(x.organisation_effects[1].multiplier, m1);
    for (const auto& [model, beta] : effects_on(x, "traject->werk")) EXPECT_DOUBLE_EQ(beta, std::log(m0)) << model;
    const auto on_referral = effects_on(x, "bijstand->traject");
    ASSERT_EQ(on_referral.size(), 1u);
    EXPECT_EQ(on_referral[0].first, "klassiek");
    EXPECT_DOUBLE_EQ(on_referral[0].second, std::log(m1));
    changed += m0 != 1.5 ? 1 : 0;
  }
  EXPECT_EQ(changed, draws.draws);

  // A distribution that can draw values the key does not take is refused where it is declared.
  const int L = first_effect_line();
  const auto ds = errors_of(body(by_function + R"(
[uncertainty]
"organisation_effect[0].multiplier" = { dist = "normal", mean = 1.0, sd = 0.5 }
"organisation_effect[7].multiplier" = { dist = "lognormal", median = 1.0, sd_log = 0.5 }
)"));
  ASSERT_EQ(ds.size(), 2u) << dump(ds);
  EXPECT_TRUE(has(ds, L + 9, "uncertainty.\"organisation_effect[0].multiplier\"",
                  "a normal distribution with these parameters takes values in (-inf, inf) but the key needs values in "
                  "(0, inf); use a lognormal or gamma distribution"))
      << dump(ds);
  EXPECT_TRUE(has(ds, L + 10, "uncertainty.\"organisation_effect[7].multiplier\"", "no element '7'")) << dump(ds);
}

}  // namespace
