// Key paths: parsing and printing, --set assignments, and the typed numeric keys behind
// `numeric_key` and `with_values`.

#include "trede/model/key_path.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "model/document.hpp"
#include "model/key_path_select.hpp"
#include "model/numeric_rules.hpp"
#include "model/toml_tree.hpp"
#include "text.hpp"
#include "trede/error.hpp"
#include "trede/model/limits.hpp"
#include "trede/model/load.hpp"

namespace trede::model {
namespace {

bool bare(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), detail::bare_key_char); }

std::string quote_key(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

[[noreturn]] void bad_path(std::string_view text, const std::string& message) {
  throw ModelError("", 0, std::string(text), message);
}

// A quoted key or selector starting at text[i] == '"': its content; i moves past the quote.
std::string read_quoted(std::string_view text, std::size_t& i) {
  std::string out;
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      out += text[++i];
    } else if (text[i] == '"') {
      ++i;
      return out;
    } else {
      out += text[i];
    }
  }
  bad_path(text, "unterminated quote");
}

}  // namespace

KeyPath KeyPath::parse(std::string_view text) {
  const std::string_view t = trede::detail::trim(text);
  if (t.empty()) bad_path(text, "empty key");
  std::vector<KeySegment> segs;
  std::size_t i = 0;
  const auto col = [&] { return " at column " + std::to_string(i + 1); };
  for (;;) {
    KeySegment seg;
    if (t[i] == '"') {
      seg.name = read_quoted(t, i);
    } else {
      const std::size_t b = i;
      while (i < t.size() && detail::bare_key_char(t[i])) ++i;
      seg.name = std::string(t.substr(b, i - b));
      if (seg.name.empty())
        bad_path(t, "expected a key" + col() + " (got '" + std::string(1, t[i]) +
                        "'); keys are letters, digits, '_' and '-', or quoted with \"");
    }
    if (i < t.size() && t[i] == '[') {
      ++i;
      std::string sel;
      if (i < t.size() && t[i] == '"') {
        sel = read_quoted(t, i);
        if (i >= t.size() || t[i] != ']') bad_path(t, "expected ']'" + col());
      } else {
        const auto close = t.find(']', i);
        if (close == std::string_view::npos) bad_path(t, "unterminated [" + col());
        sel = std::string(trede::detail::trim(t.substr(i, close - i)));
        i = close;
      }
      if (sel.empty()) bad_path(t, "empty selector []" + col() + "; give an index, a name, an id or from->to");
      ++i;
      seg.selector = std::move(sel);
    }
    if (seg.name.size() > limits::max_key_bytes || (seg.selector && seg.selector->size() > limits::max_key_bytes))
      bad_path(t.substr(0, 64), "a key or selector longer than " + std::to_string(limits::max_key_bytes) + " characters");
    segs.push_back(std::move(seg));
    if (segs.size() > max_segments)
      bad_path(t.substr(0, 64), "more than " + std::to_string(max_segments) + " segments");
    if (i == t.size()) break;
    if (t[i] != '.') bad_path(t, "expected '.' or '['" + col() + " (got '" + std::string(1, t[i]) + "')");
    if (++i == t.size()) bad_path(t, "ends with '.'");
  }
  return KeyPath(std::move(segs));
}

std::string KeyPath::text() const {
  std::string out;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const KeySegment& s = segments_[i];
    if (i) out += '.';
    out += bare(s.name) ? s.name : quote_key(s.name);
    if (s.selector) {
      const bool plain = s.selector->find_first_of("]\"") == std::string::npos &&
                         trede::detail::trim(*s.selector) == *s.selector && !s.selector->empty();
      out += "[" + (plain ? *s.selector : quote_key(*s.selector)) + "]";
    }
  }
  return out;
}

std::string Assignment::text() const { return key.text() + "=" + value; }

Assignment parse_assignment(std::string_view text) {
  // The first '=' outside brackets and quotes ends the key.
  std::size_t eq = std::string_view::npos;
  bool in_quote = false;
  int depth = 0;
  for (std::size_t i = 0; i < text.size() && eq == std::string_view::npos; ++i) {
    const char c = text[i];
    if (in_quote) {
      if (c == '\\') ++i;
      else if (c == '"') in_quote = false;
    } else if (c == '"') {
      in_quote = true;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      --depth;
    } else if (c == '=' && depth == 0) {
      eq = i;
    }
  }
  if (eq == std::string_view::npos || trede::detail::trim(text.substr(0, eq)).empty())
    throw ModelError("", 0, "", "must be key=value, e.g. horizon_years=20 or state[beschut_werk].capacity=3000");
  Assignment a;
  a.key = KeyPath::parse(text.substr(0, eq));
  a.value = std::string(trede::detail::trim(text.substr(eq + 1)));
  return a;
}

const char* to_string(Domain d) noexcept {
  switch (d) {
    case Domain::real: return "real";
    case Domain::positive: return "positive";
    case Domain::non_negative: return "non-negative";
    case Domain::probability: return "probability";
    case Domain::whole: return "whole number";
    case Domain::calendar_year: return "calendar year";
  }
  return "?";
}

bool NumericKey::accepts(double v) const noexcept { return detail::in_range(domain, min, max, v); }

// ---- typed numeric keys ----------------------------------------------------------------------------

namespace {

using detail::NumericRule;

// What a numeric key sets in a Scenario.
enum class Target : std::uint8_t {
  none,  // a key with a rule that is applied by parsing again (start_year, horizon_years, ...)
  exit_age,
  attribute_center,
  state_cost,
  state_places,
  renege_rate,
  hazard_rate,
  weibull_shape,
  weibull_scale,
  gamma_shape,
  meanlog,
  sdlog,
  duration,
  table_rate,
  multiplier,
  covariate,
  template_count,
  template_inflow,
  region_count,
  region_inflow,
  region_places,
  leakage,
  delay,
  organisation_fixed,
  organisation_per_person,
};

struct Slot {
  const NumericRule* rule = nullptr;
  Target target = Target::none;
  std::size_t a = 0, b = 0;        // element indices (state, transition, region, ...)
  std::optional<double> year;      // the key of a year table
  std::string name;                // covariate key or organisation
};

// The year of segment `i` of `k` when it is a plain year key.
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

// The numeric key `k` of `s`: its rule and, for the keys with a fast path, what it sets.
// nullopt when `k` is not a key with a rule (or names an element that does not exist).
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
  if (key_is(0, "organisation_costs") && n == 3 && !k[1].selector && !k[2].selector) {
    slot.rule = rule("organisation_costs", k[2].name);
    if (!slot.rule) return std::nullopt;
    slot.name = k[1].name;
    slot.target = k[2].name == "fixed_eur_per_year" ? Target::organisation_fixed : Target::organisation_per_person;
    return slot;
  }
  return std::nullopt;
}

// Sets the step of `sch` at `year` (a step after the start) to `v`; false when there is none.
bool set_step(StepSchedule& sch, double year, double v) {
  const auto it = std::find(sch.times.begin(), sch.times.end(), year);
  if (it == sch.times.end()) return false;
  sch.values[static_cast<std::size_t>(it - sch.times.begin())] = v;
  return true;
}

double largest(const StepSchedule& sch) {
  double m = sch.before;
  for (double v : sch.values) m = std::max(m, v);
  return m;
}

// Applies `v` to `s` through `slot` as loading with --set would; false when that needs the
// loader (a change of structure, or a value whose consequences other checks decide: a zero
// rate, count or leakage, a year that is not a step of the table).
bool apply_fast(Scenario& s, const Slot& slot, double v) {
  if (slot.target == Target::none || !slot.rule->accepts(v)) return false;
  if (v == 0.0) v = 0.0;  // -0 reads back as 0
  const bool later = slot.year && *slot.year > s.start_year;
  if (slot.year && !later) return false;  // steps at or before the start are folded into the value at the start
  switch (slot.target) {
    case Target::none: return false;
    case Target::exit_age: s.exit_age->age = v; return true;
    case Target::attribute_center: s.attributes[slot.a].center = v; return true;
    case Target::state_cost: s.states[slot.a].cost_eur_per_year = v; return true;
    case Target::state_places: {
      bool any = false;
      for (Region& g : s.regions) {
        if (g.own_places[slot.a]) continue;
        const double p = std::round(v * g.share.value_or(1.0));
        if (slot.year ? !set_step(g.places[slot.a], *slot.year, p) : false) return false;
        if (!slot.year) g.places[slot.a] = StepSchedule::constant_value(p);
        any = true;
      }
      return any || !slot.year;
    }
    case Target::renege_rate: {
      Capacity& cap = *s.states[slot.a].capacity;
      if (!(cap.renege_rate > 0.0) || v == 0.0) return false;  // reneging appears or disappears
      cap.renege_rate = v;
      if (cap.waiting == WaitingMode::separate)
        for (Transition& t : s.transitions)
          if (t.renege && t.from == cap.waiting_state) t.hazard.rate = v;
      return true;
    }
    case Target::hazard_rate: {
      Transition& t = s.transitions[slot.a];
      if (v == 0.0 || v * largest(t.multiplier) > limits::max_rate_per_year) return false;
      if (slot.year) return t.rate_by_year && set_step(*t.rate_by_year, *slot.year, v);
      t.hazard.rate = v;
      t.rate_by_year.reset();
      return true;
    }
    case Target::weibull_shape:
    case Target::gamma_shape: s.transitions[slot.a].hazard.shape = v; return true;
    case Target::weibull_scale: s.transitions[slot.a].hazard.scale = v; return true;
    case Target::meanlog: s.transitions[slot.a].hazard.meanlog = v; return true;
    case Target::sdlog: s.transitions[slot.a].hazard.sdlog = v; return true;
    case Target::duration: s.transitions[slot.a].hazard.duration = v; return true;
    case Target::table_rate: {
      if (v == 0.0) return false;
      s.transitions[slot.a].hazard.rates[slot.b] = v;
      return true;
    }
    case Target::multiplier: {
      Transition& t = s.transitions[slot.a];
      const double rate = t.hazard.kind != HazardKind::exponential ? 0.0
                          : t.rate_by_year                         ? largest(*t.rate_by_year)
                                                                   : t.hazard.rate;
      if (v == 0.0 || rate * v > limits::max_rate_per_year) return false;
      if (slot.year) return set_step(t.multiplier, *slot.year, v);
      t.multiplier = StepSchedule::constant_value(v);
      return true;
    }
    case Target::covariate: {
      Transition& t = s.transitions[slot.a];
      std::string name = slot.name, level;
      if (auto eq = name.find('='); eq != std::string::npos) level = name.substr(eq + 1), name = name.substr(0, eq);
      const Attribute* a = s.find_attribute(name);
      if (!a) return false;
      const auto ai = static_cast<AttributeIndex>(a - s.attributes.data());
      int li = -1;
      if (a->kind == AttributeKind::category) {
        auto it = std::find(a->levels.begin(), a->levels.end(), level);
        if (it == a->levels.end()) return false;
        li = static_cast<int>(it - a->levels.begin());
      } else if (!level.empty()) {
        return false;
      }
      for (CovariateEffect& e : t.covariates)
        if (e.attribute == ai && e.level == li) {
          e.beta = v;
          return true;
        }
      return false;  // a new effect: the loader decides its place
    }
    case Target::template_count:
    case Target::template_inflow: {
      if (v == 0.0) return false;
      bool any = false;
      for (Region& g : s.regions) {
        if (!g.share) continue;
        if (slot.target == Target::template_count) {
          if (!g.individuals.empty() || slot.b >= g.initial.size()) return false;
          const auto c = static_cast<std::uint64_t>(std::llround(v * *g.share));
          if (c == 0) return false;
          g.initial[slot.b].count = c;
        } else {
          if (slot.b >= g.inflows.size()) return false;
          StepSchedule& r = g.inflows[slot.b].rate_per_year;
          if (slot.year ? !set_step(r, *slot.year, v * *g.share) : false) return false;
          if (!slot.year) r = StepSchedule::constant_value(v * *g.share);
        }
        any = true;
      }
      return any;
    }
    case Target::region_count: {
      Region& g = s.regions[slot.a];
      if (v == 0.0 || !g.individuals.empty()) return false;
      g.initial[slot.b].count = static_cast<std::uint64_t>(v);
      return true;
    }
    case Target::region_inflow: {
      if (v == 0.0) return false;
      StepSchedule& r = s.regions[slot.a].inflows[slot.b].rate_per_year;
      if (slot.year) return set_step(r, *slot.year, v);
      r = StepSchedule::constant_value(v);
      return true;
    }
    case Target::region_places: {
      Region& g = s.regions[slot.a];
      if (slot.year) return g.own_places[slot.b] && set_step(g.places[slot.b], *slot.year, v);
      g.places[slot.b] = StepSchedule::constant_value(v);
      g.own_places[slot.b] = true;
      return true;
    }
    case Target::leakage: {
      HandoverRule& h = s.handovers[slot.a];
      if (!(h.leakage > 0.0) || v == 0.0) return false;  // leak_to is needed exactly when leakage > 0
      h.leakage = v;
      return true;
    }
    case Target::delay: {
      Distribution d;
      d.a = v;
      s.handovers[slot.a].delay = d;
      return true;
    }
    case Target::organisation_fixed:
    case Target::organisation_per_person:
      for (OrganisationCost& c : s.organisation_costs)
        if (c.organisation == slot.name) {
          (slot.target == Target::organisation_fixed ? c.fixed_eur_per_year : c.eur_per_person_year) = v;
          return true;
        }
      return false;
  }
  return false;
}

std::string base_dir_of(const Scenario& s) {
  const auto dir = std::filesystem::path(s.source_path).parent_path();
  return dir.empty() ? std::string(".") : dir.string();
}

// The value of a number or year-table node at the start of the simulation.
std::optional<double> value_at_start(const toml::node& n, const Scenario& s, std::optional<double> fallback) {
  if (n.is_number()) return n.value<double>();
  const toml::table* t = n.as_table();
  if (!t) return std::nullopt;
  std::optional<double> best_year, first_year, best, first;
  for (auto&& [k, v] : *t) {
    auto y = detail::year_key(k.str());
    if (!y || !v.is_number()) return std::nullopt;
    const double x = *v.value<double>();
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

std::vector<NumericKey> numeric_keys(const Scenario& scenario, std::span<const KeyPath> keys) {
  // The document as loaded: the text, its bases (from memory) and the overrides.
  detail::LoadContext ctx;
  ctx.file = scenario.source_path;
  std::vector<detail::SourceText> bases;
  const detail::BaseReader from_memory = [&](const std::string& path, std::string& text, std::string& error) {
    for (std::size_t i = 0; i < scenario.base_paths.size(); ++i)
      if (scenario.base_paths[i] == path) {
        text = scenario.base_texts[i];
        return true;
      }
    error = "not among the scenario's base files";
    return false;
  };
  auto doc = detail::read_document(scenario.text, scenario.source_path, base_dir_of(scenario), scenario.overrides, ctx,
                                   bases, from_memory);
  if (!doc || !ctx.diagnostics.empty()) throw ModelError(std::move(ctx.diagnostics));

  std::vector<NumericKey> out;
  for (const KeyPath& key : keys) {
    NumericKey nk;
    nk.key = key;
    const auto slot = resolve(scenario, key);
    std::string error, where;
    const toml::node* node = detail::find_node(*doc, key, error, where);
    auto fail = [&](const std::string& message) { throw ModelError(scenario.source_path, 0, where, message); };
    if (!node) {
      if (!slot || !slot->rule->default_value || where != key.text()) {
        // Misspelt last key: suggest among the numeric keys of that table too.
        if (where == key.text() && error.find("did you mean") == std::string::npos) {
          const auto known = detail::numeric_rule_keys(table_of(key));
          const std::string hint = trede::detail::did_you_mean(key.segments().back().name, known);
          if (!hint.empty()) error = "not in the scenario" + hint;
        }
        fail(error);
      }
      nk.value = *slot->rule->default_value;
      nk.defaulted = true;
      std::vector<KeySegment> owner(key.segments().begin(), key.segments().end() - 1);
      std::string e2, w2;
      node = detail::find_node(*doc, KeyPath(std::move(owner)), e2, w2);
    } else {
      where = key.text();
      auto v = value_at_start(*node, scenario, slot ? slot->rule->default_value : std::nullopt);
      if (!v) fail(std::string("is not a number") + (node->is_table() ? " or a table of {year = number}" : ""));
      nk.value = *v;
    }
    if (slot) {
      nk.domain = slot->rule->domain;
      nk.min = slot->rule->min;
      nk.max = slot->rule->max;
      nk.unit = std::string(slot->rule->unit);
      nk.fast = slot->target != Target::none;
    } else {
      nk.domain = Domain::real;
      nk.min = -std::numeric_limits<double>::max();
      nk.max = std::numeric_limits<double>::max();
    }
    if (node) {
      if (auto it = ctx.override_of.find(node); it != ctx.override_of.end()) {
        nk.file = "--set '" + it->second + "'";
      } else {
        nk.file = ctx.file_of(*node);
        nk.line = static_cast<int>(node->source().begin.line);
      }
    }
    out.push_back(std::move(nk));
  }
  return out;
}

bool detail::apply_values_fast(Scenario& s, std::span<const KeyPath> keys, std::span<const double> values) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto slot = resolve(s, keys[i]);
    if (!slot || !apply_fast(s, *slot, values[i])) return false;
  }
  return true;
}

NumericKey numeric_key(const Scenario& scenario, const KeyPath& key) {
  return std::move(numeric_keys(scenario, std::span<const KeyPath>(&key, 1)).front());
}

Scenario with_values(const Scenario& base, std::span<const KeyPath> keys, std::span<const double> values) {
  if (keys.size() != values.size()) throw std::invalid_argument("with_values: one value per key");
  std::vector<std::string> sets = base.overrides;
  for (std::size_t i = 0; i < keys.size(); ++i) sets.push_back(keys[i].text() + "=" + trede::detail::shortest_number(values[i]));
  Scenario s = base;
  if (detail::apply_values_fast(s, keys, values)) {
    s.overrides = std::move(sets);
    return s;
  }
  return parse_scenario(base.text, base.source_path, sets, base_dir_of(base));
}

}  // namespace trede::model
