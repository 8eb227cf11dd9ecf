// numeric_key: which rule a key path follows and what it sets (resolve), its value and where it
// is defined (read from the scenario's document, held in memory).

#include <algorithm>
#include <limits>

#include "model/document.hpp"
#include "model/key_path_select.hpp"
#include "model/numeric_slot.hpp"
#include "model/toml_tree.hpp"
#include "text.hpp"
#include "trede/error.hpp"

namespace trede::model {
namespace detail {
namespace {

std::optional<double> year_segment(const KeyPath& k, std::size_t i) {
  if (i >= k.size() || k[i].selector) return std::nullopt;
  auto y = detail::year_key(k[i].name);
  if (y && detail::year_rule().accepts(*y)) return y;
  return std::nullopt;
}

std::optional<std::size_t> pick_state(const Scenario& s, std::string_view sel) {
  std::vector<std::size_t> declared;
  for (std::size_t i = 0; i < s.states.size(); ++i)
    if (!s.states[i].generated) declared.push_back(i);
  std::string error;
  auto i = detail::pick_element(
      sel, declared.size(), [&](std::size_t k) { return detail::ElementLabels{s.states[declared[k]].name, {}, {}, {}}; },
      error);
  if (!i) return std::nullopt;
  return declared[*i];
}

std::optional<std::size_t> pick_transition(const Scenario& s, std::string_view sel) {
  std::vector<std::size_t> declared;
  for (std::size_t i = 0; i < s.transitions.size(); ++i)
    if (!s.transitions[i].renege) declared.push_back(i);
  std::string error;
  auto i = detail::pick_element(
      sel, declared.size(),
      [&](std::size_t k) {
        const Transition& t = s.transitions[declared[k]];
        return detail::ElementLabels{{}, t.id, s.states[t.from].name, s.states[t.to].name};
      },
      error);
  if (!i) return std::nullopt;
  return declared[*i];
}

std::optional<std::size_t> pick_region(const Scenario& s, std::string_view sel) {
  std::string error;
  return detail::pick_element(
      sel, s.regions.size(), [&](std::size_t k) { return detail::ElementLabels{s.regions[k].name, {}, {}, {}}; }, error);
}

std::optional<std::size_t> pick_index(std::string_view sel, std::size_t n) {
  std::string error;
  return detail::pick_element(sel, n, [](std::size_t) { return detail::ElementLabels{}; }, error);
}

}  // namespace

std::optional<Slot> resolve(const Scenario& s, const KeyPath& k) {
  const std::size_t n = k.size();
  if (n == 0) return std::nullopt;
  const KeySegment& s0 = k[0];
  auto key_is = [&](std::size_t i, std::string_view name) { return i < n && !k[i].selector && k[i].name == name; };
  auto rule = [](std::string_view table, std::string_view key) { return detail::numeric_rule(table, key); };
  Slot slot;

  if (!s0.selector && n == 1 && (s0.name == "start_year" || s0.name == "horizon_years")) {
    slot.rule = rule("", s0.name);
    return slot;
  }
  if (key_is(0, "report") && n == 2 && key_is(1, "step_years")) {
    slot.rule = rule("report", "step_years");
    return slot;
  }
  if (key_is(0, "exit_age") && n == 2 && key_is(1, "age")) {
    slot.rule = rule("exit_age", "age");
    if (s.exit_age) slot.target = Target::exit_age;
    return slot;
  }
  if (key_is(0, "attributes") && n == 3 && !k[1].selector && (key_is(2, "center") || key_is(2, "default"))) {
    const Attribute* a = s.find_attribute(k[1].name);
    if (!a || a->kind == AttributeKind::category) return std::nullopt;
    slot.rule = rule("attributes", k[2].name);
    if (k[2].name == "center") slot.target = Target::attribute_center;
    slot.a = static_cast<std::size_t>(a - s.attributes.data());
    return slot;
  }
  if (s0.name == "state" && s0.selector && (n == 2 || n == 3) && !k[1].selector) {
    auto i = pick_state(s, *s0.selector);
    if (!i) return std::nullopt;
    slot.a = *i;
    slot.rule = rule("state", k[1].name);
    if (!slot.rule) return std::nullopt;
    const State& st = s.states[*i];
    const std::string& key = k[1].name;
    if (n == 3) {
      if (key != "capacity" && key != "capacity_budget_eur") return std::nullopt;
      if (!(slot.year = year_segment(k, 2))) return std::nullopt;
    }
    if (key == "cost_eur_per_year" && !st.absorbing) slot.target = Target::state_cost;
    if (key == "capacity" && st.capacity && !st.capacity->budget_cost_per_place) slot.target = Target::state_places;
    if (key == "renege_rate" && st.capacity) slot.target = Target::renege_rate;
    return slot;
  }
  if (s0.name == "transition" && s0.selector && (n == 2 || n == 3)) {
    auto i = pick_transition(s, *s0.selector);
    if (!i) return std::nullopt;
    slot.a = *i;
    const Transition& t = s.transitions[*i];
    const std::string& key = k[1].name;
    if (key == "covariates" && n == 3 && !k[1].selector && !k[2].selector) {
      slot.rule = rule("transition.covariates", k[2].name);
      slot.target = Target::covariate;
      slot.name = k[2].name;
      return slot;
    }
    slot.rule = rule("transition", key);
    if (!slot.rule) return std::nullopt;
    if (key == "rates" || key == "breaks") {
      if (n != 2 || !k[1].selector || t.hazard.kind != HazardKind::table) return std::nullopt;
      auto j = pick_index(*k[1].selector, t.hazard.rates.size());
      if (!j) return std::nullopt;
      slot.b = *j;
      if (key == "rates") slot.target = Target::table_rate;
      return slot;
    }
    if (k[1].selector) return std::nullopt;
    if (n == 3) {
      if (key != "rate" && key != "multiplier") return std::nullopt;
      if (!(slot.year = year_segment(k, 2))) return std::nullopt;
    }
    const HazardKind kind = t.hazard.kind;
    if (key == "rate" && kind == HazardKind::exponential) slot.target = Target::hazard_rate;
    if (key == "multiplier") slot.target = Target::multiplier;
    if (key == "shape" && kind == HazardKind::weibull) slot.target = Target::weibull_shape;
    if (key == "shape" && kind == HazardKind::gamma) slot.target = Target::gamma_shape;
    if (key == "scale" && kind == HazardKind::weibull) slot.target = Target::weibull_scale;
    if (key == "meanlog" && kind == HazardKind::lognormal) slot.target = Target::meanlog;
    if (key == "sdlog" && kind == HazardKind::lognormal) slot.target = Target::sdlog;
    if (key == "duration" && kind == HazardKind::fixed) slot.target = Target::duration;
    // A gamma hazard may be given by scale or by rate; which one the file uses decides whether
    // the other is an error, so both are applied by parsing again.
    return slot;
  }
  if ((s0.name == "population" || s0.name == "inflow") && s0.selector && (n == 2 || n == 3) && !k[1].selector) {
    const bool pop = s0.name == "population";
    slot.rule = pop ? (key_is(1, "count") && n == 2 ? rule("population", "count") : nullptr)
                    : (key_is(1, "rate_per_year") ? rule("inflow", "rate_per_year") : nullptr);
    if (!slot.rule) return std::nullopt;
    if (n == 3 && !(slot.year = year_segment(k, 2))) return std::nullopt;
    std::size_t size = 0;  // the template's length, from a region that takes a share of it
    for (const Region& g : s.regions)
      if (g.share) size = std::max(size, pop ? g.initial.size() : g.inflows.size());
    auto i = pick_index(*s0.selector, size);
    if (!i) return std::nullopt;
    slot.b = *i;
    slot.target = pop ? Target::template_count : Target::template_inflow;
    return slot;
  }
  if (s0.name == "region" && s0.selector && n >= 2) {
    auto g = pick_region(s, *s0.selector);
    if (!g) return std::nullopt;
    slot.a = *g;
    const Region& r = s.regions[*g];
    if (key_is(1, "share") && n == 2) {
      slot.rule = rule("region", "share");
      return slot;
    }
    if (key_is(1, "capacity") && (n == 3 || n == 4) && !k[2].selector) {
      slot.rule = rule("region.capacity", k[2].name);
      auto i = pick_state(s, k[2].name);
      if (!i || k[2].name != s.states[*i].name) return std::nullopt;
      slot.b = *i;
      if (n == 4 && !(slot.year = year_segment(k, 3))) return std::nullopt;
      if (s.states[*i].capacity) slot.target = Target::region_places;
      return slot;
    }
    if ((k[1].name == "population" || k[1].name == "inflow") && k[1].selector && (n == 3 || n == 4) && !k[2].selector) {
      const bool pop = k[1].name == "population";
      slot.rule = pop ? (key_is(2, "count") && n == 3 ? rule("population", "count") : nullptr)
                      : (key_is(2, "rate_per_year") ? rule("inflow", "rate_per_year") : nullptr);
      if (!slot.rule) return std::nullopt;
      if (n == 4 && !(slot.year = year_segment(k, 3))) return std::nullopt;
      auto i = pick_index(*k[1].selector, pop ? r.initial.size() : r.inflows.size());
      if (!i) return std::nullopt;
      slot.b = *i;
      if (!r.share) slot.target = pop ? Target::region_count : Target::region_inflow;
      return slot;
    }
    return std::nullopt;
  }
  if (s0.name == "handover" && s0.selector && n == 2 && !k[1].selector) {
    auto h = pick_index(*s0.selector, s.handovers.size());
    if (!h) return std::nullopt;
    slot.a = *h;
    slot.rule = rule("handover", k[1].name);
    if (!slot.rule) return std::nullopt;
    slot.target = k[1].name == "leakage" ? Target::leakage : Target::delay;
    return slot;
  }
  if (s0.name == "handover" && s0.selector && n == 3 && !k[1].selector && !k[2].selector && k[1].name == "delay") {
    auto h = pick_index(*s0.selector, s.handovers.size());
    if (!h) return std::nullopt;
    slot.a = *h;
    slot.rule = rule("distribution", k[2].name);
    if (!slot.rule) return std::nullopt;
    slot.name = k[2].name;
    if (delay_parameter(s.handovers[*h].delay, slot.name)) slot.target = Target::delay_parameter;
    return slot;
  }
  if (s0.name == "organisation_effect" && s0.selector && n == 2 && !k[1].selector) {
    std::string error;
    auto e = detail::pick_element(
        *s0.selector, s.organisation_effects.size(),
        [&](std::size_t i) { return detail::ElementLabels{s.organisation_effects[i].name, {}, {}, {}}; }, error);
    if (!e) return std::nullopt;
    slot.a = *e;
    slot.rule = rule("organisation_effect", k[1].name);
    if (!slot.rule) return std::nullopt;
    slot.target = Target::organisation_effect;
    return slot;
  }
  if (key_is(0, "organisation_costs") && n == 3 && !k[1].selector && !k[2].selector) {
    slot.rule = rule("organisation_costs", k[2].name);
    if (!slot.rule) return std::nullopt;
    slot.name = k[1].name;
    slot.target = k[2].name == "fixed_eur_per_year" ? Target::organisation_fixed : Target::organisation_per_person;
    return slot;
  }
  return std::nullopt;
}

}  // namespace detail

namespace {

// The value of a number or year-table node at the start of the simulation.
std::optional<double> value_at_start(const toml::node& n, const Scenario& s, std::optional<double> fallback) {
  if (n.is_number()) return detail::number_value(n);
  const toml::table* t = n.as_table();
  if (!t) return std::nullopt;
  std::optional<double> best_year, first_year, best, first;
  for (auto&& [k, v] : *t) {
    auto y = detail::year_key(k.str());
    if (!y || !v.is_number()) return std::nullopt;
    const double x = detail::number_value(v);
    if (!first_year || *y < *first_year) first_year = y, first = x;
    if (*y <= s.start_year && (!best_year || *y > *best_year)) best_year = y, best = x;
  }
  if (best) return best;
  return fallback ? fallback : first;
}

// The table kind of the element a key path's first segments name, for suggestions.
std::string_view table_of(const KeyPath& k) {
  if (k.size() <= 1) return "";
  const std::string& a = k[0].name;
  if (a == "region" && k.size() >= 3) return k[1].name == "capacity" ? "region.capacity" : std::string_view(k[1].name);
  if (a == "transition" && k.size() >= 3 && k[1].name == "covariates") return "transition.covariates";
  return a;
}

}  // namespace

namespace {

// The scenario's document as loaded: the text, its bases (from memory) and the overrides. `ctx`
// and `bases` hold where each value came from, for as long as the caller keeps them.
toml::table loaded_document(const Scenario& scenario, detail::LoadContext& ctx, std::vector<detail::SourceText>& bases) {
  ctx.file = scenario.source_path;
  // The base files come in the order the loader read them (nearest first), whatever the
  // directory the scenario was parsed with.
  std::size_t next_base = 0;
  const detail::BaseReader from_memory = [&](const std::string&, std::string& text, std::string& error) {
    if (next_base >= scenario.base_texts.size()) {
      error = "not among the scenario's base files";
      return false;
    }
    text = scenario.base_texts[next_base++];
    return true;
  };
  auto doc = detail::read_document(scenario.text, scenario.source_path, scenario.base_dir, scenario.overrides, ctx,
                                   bases, from_memory);
  if (!doc || !ctx.diagnostics.empty()) throw ModelError(std::move(ctx.diagnostics));
  return std::move(*doc);
}

}  // namespace

std::vector<NumericKey> numeric_keys(const Scenario& scenario, std::span<const KeyPath> keys) {
  detail::LoadContext ctx;
  std::vector<detail::SourceText> bases;
  const toml::table doc = loaded_document(scenario, ctx, bases);
  return detail::numeric_keys_in(scenario, keys, doc, ctx);
}

std::vector<std::string> key_identities(const Scenario& scenario, std::span<const KeyPath> keys) {
  detail::LoadContext ctx;
  std::vector<detail::SourceText> bases;
  const toml::table doc = loaded_document(scenario, ctx, bases);
  std::vector<std::string> out;
  for (const KeyPath& k : keys) out.push_back(detail::indexed_path(doc, k).text());
  return out;
}

namespace detail {

std::vector<NumericKey> numeric_keys_in(const Scenario& scenario, std::span<const KeyPath> keys, const toml::table& doc,
                                        const LoadContext& ctx) {
  std::vector<NumericKey> out;
  for (const KeyPath& key : keys) {
    NumericKey nk;
    nk.key = key;
    const auto slot = detail::resolve(scenario, key);
    std::string error, where;
    const toml::node* node = detail::find_node(doc, key, error, where);
    auto fail = [&](const std::string& message) { throw ModelError(scenario.source_path, 0, where, message); };
    if (!node) {
      // A key the file leaves out: its default, or for a region's places the places it takes
      // from the state's capacity (times its share). Found at the table that would hold it.
      std::optional<double> fallback;
      std::vector<KeySegment> owner(key.segments().begin(), key.segments().end() - 1);
      if (slot && slot->target == detail::Target::region_places && !slot->year) {
        fallback = scenario.regions[slot->a].places[slot->b].before;
        owner.resize(1);
      } else if (slot && slot->rule->default_value && where == key.text()) {
        fallback = slot->rule->default_value;
      }
      if (!fallback) {
        // Misspelt last key: suggest among the numeric keys of that table too.
        if (where == key.text() && error.find("did you mean") == std::string::npos) {
          const auto known = detail::numeric_rule_keys(table_of(key));
          const std::string hint = trede::detail::did_you_mean(key.segments().back().name, known);
          if (!hint.empty()) error = "not in the scenario" + hint;
        }
        fail(error);
      }
      nk.value = *fallback;
      nk.defaulted = true;
      std::string e2, w2;
      node = detail::find_node(doc, KeyPath(std::move(owner)), e2, w2);
    } else {
      where = key.text();
      auto v = value_at_start(*node, scenario, slot ? slot->rule->default_value : std::nullopt);
      if (!v) fail(std::string("is not a number") + (node->is_table() ? " or a table of {year = number}" : ""));
      nk.value = *v;
    }
    if (slot && slot->target == detail::Target::state_places && !scenario.regions.empty()) {
      // The state's capacity reaches only regions without places of their own for it.
      bool reaches = false;
      for (const Region& r : scenario.regions) reaches = reaches || !(slot->a < r.own_places.size() && r.own_places[slot->a]);
      if (!reaches)
        throw ModelError(scenario.source_path, 0, key.text(),
                         "has no effect: every region gives its own places for '" + scenario.states[slot->a].name +
                             "' ([region.capacity]); set region[NAME].capacity." + scenario.states[slot->a].name +
                             " instead");
    }
    if (slot) {
      nk.domain = slot->rule->domain;
      nk.min = slot->rule->min;
      nk.max = slot->rule->max;
      nk.unit = std::string(slot->rule->unit);
      nk.fast = slot->target != detail::Target::none;
    } else {
      nk.domain = Domain::real;
      nk.min = -std::numeric_limits<double>::max();
      nk.max = std::numeric_limits<double>::max();
    }
    if (node) {
      if (auto it = ctx.override_of.find(node); it != ctx.override_of.end()) {
        nk.file = override_source(it->second);
      } else {
        nk.file = ctx.file_of(*node);
        nk.line = static_cast<int>(node->source().begin.line);
      }
    }
    out.push_back(std::move(nk));
  }
  return out;
}

}  // namespace detail

NumericKey numeric_key(const Scenario& scenario, const KeyPath& key) {
  return std::move(numeric_keys(scenario, std::span<const KeyPath>(&key, 1)).front());
}

}  // namespace trede::model
