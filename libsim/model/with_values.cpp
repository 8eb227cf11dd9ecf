// with_values: numeric keys written into a copy of the scenario, as loading it again with --set
// would (apply_fast), or the scenario parsed again when that needs the loader.

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "model/numeric_slot.hpp"
#include "model/sample_share.hpp"
#include "model/organisation_effects.hpp"
#include "text.hpp"
#include "trede/model/limits.hpp"
#include "trede/model/load.hpp"

namespace trede::model {
namespace detail {
namespace {

// Sets the step of `sch` at `year` (a step after the start) to `v`; false when there is none.
bool set_step(StepSchedule& sch, double year, double v) {
  const auto it = std::find(sch.times.begin(), sch.times.end(), year);
  if (it == sch.times.end()) return false;
  sch.values[static_cast<std::size_t>(it - sch.times.begin())] = v;
  return true;
}

}  // namespace

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
        const double p = sampled_places(s.sample_share, std::round(v * g.share.value_or(1.0)));
        if (slot.year ? !set_step(g.places[slot.a], *slot.year, p) : false) return false;
        if (!slot.year) g.places[slot.a] = StepSchedule::constant_value(p);
        any = true;
      }
      return any;  // no region takes the state's capacity: the loader says so
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
      if (v == 0.0 || v * t.multiplier.largest() > limits::max_rate_per_year) return false;
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
      Transition& t = s.transitions[slot.a];
      if (v == 0.0 || v * t.multiplier.largest() > limits::max_rate_per_year) return false;
      t.hazard.rates[slot.b] = v;
      return true;
    }
    case Target::multiplier: {
      Transition& t = s.transitions[slot.a];
      double rate = 0.0;  // the largest rate the multiplier multiplies
      if (t.hazard.kind == HazardKind::exponential) rate = t.rate_by_year ? t.rate_by_year->largest() : t.hazard.rate;
      if (t.hazard.kind == HazardKind::table) rate = *std::max_element(t.hazard.rates.begin(), t.hazard.rates.end());
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
      if (a->generated) return false;  // not a key of the file: the loader says so
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
          const auto c = sampled_count(s.sample_share, static_cast<std::uint64_t>(std::llround(v * *g.share)));
          if (c == 0) return false;
          g.initial[slot.b].count = c;
        } else {
          if (slot.b >= g.inflows.size()) return false;
          StepSchedule& r = g.inflows[slot.b].rate_per_year;
          const double rate = sampled_rate(s.sample_share, v * *g.share);
          if (slot.year ? !set_step(r, *slot.year, rate) : false) return false;
          if (!slot.year) r = StepSchedule::constant_value(rate);
        }
        any = true;
      }
      return any;
    }
    case Target::region_count: {
      Region& g = s.regions[slot.a];
      if (v == 0.0 || !g.individuals.empty()) return false;
      const std::uint64_t c = sampled_count(s.sample_share, static_cast<std::uint64_t>(v));
      if (c == 0) return false;
      g.initial[slot.b].count = c;
      return true;
    }
    case Target::region_inflow: {
      if (v == 0.0) return false;
      StepSchedule& r = s.regions[slot.a].inflows[slot.b].rate_per_year;
      if (slot.year) return set_step(r, *slot.year, sampled_rate(s.sample_share, v));
      r = StepSchedule::constant_value(sampled_rate(s.sample_share, v));
      return true;
    }
    case Target::region_places: {
      Region& g = s.regions[slot.a];
      if (slot.year) return g.own_places[slot.b] && set_step(g.places[slot.b], *slot.year, sampled_places(s.sample_share, v));
      g.places[slot.b] = StepSchedule::constant_value(sampled_places(s.sample_share, v));
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
    case Target::delay_parameter: {
      Distribution& d = s.handovers[slot.a].delay;
      const auto param = delay_parameter(d, slot.name);
      if (!param || (param->positive && !(v > 0.0))) return false;
      (param->second ? d.b : d.a) = v;
      return true;
    }
    case Target::organisation_fixed:
    case Target::organisation_per_person:
      for (OrganisationCost& c : s.organisation_costs)
        if (c.organisation == slot.name) {
          (slot.target == Target::organisation_fixed ? c.fixed_eur_per_year : c.eur_per_person_year) =
              slot.target == Target::organisation_fixed ? sampled_rate(s.sample_share, v) : v;
          return true;
        }
      return false;
    case Target::organisation_effect:
      s.organisation_effects[slot.a].multiplier = v;
      return !apply_organisation_effects(s);  // a rate beyond the limit: the loader's error
  }
  return false;
}

bool apply_values_fast(Scenario& s, std::span<const KeyPath> keys, std::span<const double> values) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto slot = resolve(s, keys[i]);
    if (!slot || !apply_fast(s, *slot, values[i])) return false;
  }
  return true;
}

}  // namespace detail

Scenario with_values(const Scenario& base, std::span<const KeyPath> keys, std::span<const double> values) {
  if (keys.size() != values.size()) throw std::invalid_argument("with_values: one value per key");
  std::vector<std::string> sets = base.overrides;
  for (std::size_t i = 0; i < keys.size(); ++i) sets.push_back(keys[i].text() + "=" + trede::detail::shortest_number(values[i]));
  Scenario s = base;
  if (detail::apply_values_fast(s, keys, values)) {
    s.overrides = std::move(sets);
    return s;
  }
  return detail::parse_again(base, sets);
}

}  // namespace trede::model
