// [[transition]]: from, to, id, the hazard of each family, covariates and multipliers.

#include <algorithm>
#include <map>
#include <set>

#include "model/loader.hpp"
#include "trede/model/limits.hpp"

namespace trede::model::detail {

void Loader::read_transitions(const TableReader& top) {
  const toml::node* n = top.node("transition");
  if (!n) return;  // a scenario without transitions fails the graph check
  const toml::array* arr = n->as_array();
  if (!arr || !arr->is_array_of_tables()) {
    ctx_.error(*n, "transition", "must be an array of tables: write each as [[transition]]");
    return;
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::table& t = *(*arr)[i].as_table();
    std::string label = "transition[" + std::to_string(i) + "]";
    const toml::node* fn = t.get("from");
    const toml::node* tn = t.get("to");
    if (auto idn = t.get("id"); idn && idn->is_string())
      label = "transition[" + std::string(*idn->value<std::string_view>()) + "]";
    else if (fn && tn && fn->is_string() && tn->is_string())
      label = "transition[" + std::string(*fn->value<std::string_view>()) + "->" +
              std::string(*tn->value<std::string_view>()) + "]";
    TableReader r(ctx_, t, label,
                  {"id", "from", "to", "hazard", "rate", "shape", "scale", "meanlog", "sdlog",
                   "duration", "breaks", "rates", "clock", "covariates", "multiplier"});
    Transition tr;
    tr.line = ctx_.line_of(t);
    auto from = state_ref(r, "from", true);
    auto to = state_ref(r, "to", true);
    if (from && to) {
      tr.from = *from;
      tr.to = *to;
      if (*from == *to) ctx_.error(ctx_.blame(t, {fn, tn}), label, "a transition cannot lead back to its own state");
      if (s_.states[*from].absorbing)
        ctx_.error(*t.get("from"), r.key("from"),
                   "absorbing state '" + s_.states[*from].name + "' cannot have outgoing transitions");
    }
    tr.id = r.string("id").value_or(from && to ? s_.states[*from].name + "->" + s_.states[*to].name
                                               : label);
    if (!ids.insert(tr.id).second)
      ctx_.error(t, label, "duplicate transition id '" + tr.id +
                               "'; give parallel transitions between the same states distinct ids");
    read_hazard(r, tr.hazard, tr.rate_by_year);
    read_covariates(r, tr);
    if (auto m = year_schedule(r, "multiplier", false, 1.0, false, rule_of("transition", "multiplier"))) {
      tr.multiplier = *m;
      check_largest_rate(r, tr);
    }
    s_.transitions.push_back(std::move(tr));
  }
}

void Loader::read_hazard(const TableReader& r, Hazard& h, std::optional<StepSchedule>& rate_by_year) {
  const auto kind = r.choice("hazard", {"exponential", "weibull", "gamma", "lognormal", "fixed", "table"},
                             false);
  std::string k = kind.value_or(r.has("hazard") ? "" : "exponential");
  if (k.empty()) return;
  const auto rule = [](std::string_view key) -> const NumericRule& { return rule_of("transition", key); };
  // Keys each family uses; any other hazard key is an error (no silently ignored key).
  static const std::map<std::string, std::vector<std::string_view>> uses = {
      {"exponential", {"rate"}}, {"weibull", {"shape", "scale"}}, {"gamma", {"shape", "scale", "rate"}},
      {"lognormal", {"meanlog", "sdlog"}}, {"fixed", {"duration"}}, {"table", {"breaks", "rates", "clock"}}};
  for (auto key : {"rate", "shape", "scale", "meanlog", "sdlog", "duration", "breaks", "rates", "clock"}) {
    const auto& u = uses.at(k);
    if (r.has(key) && std::find(u.begin(), u.end(), key) == u.end())
      ctx_.error(*r.node(key), r.key(key), std::string(k == "exponential" ? "not used by an " : "not used by a ") + k +
                                               " hazard (uses " + join(u) + ")");
  }
  if (k == "exponential") {
    h.kind = HazardKind::exponential;
    if (!r.has("rate") && !r.has("hazard")) {
      r.missing("rate", "or give hazard = \"weibull\" | \"gamma\" | \"lognormal\" | \"fixed\" | \"table\"");
    } else if (r.node("rate") && r.node("rate")->is_table()) {
      // A rate schedule: hazard.rate is the rate at the start, rate_by_year the schedule.
      rate_by_year = year_schedule(r, "rate", true, 0.0, true, rule("rate"));
      if (rate_by_year) h.rate = rate_by_year->before;
    } else {
      h.rate = r.ranged("rate", rule("rate"), true).value_or(0.0);
    }
  } else if (k == "weibull") {
    h.kind = HazardKind::weibull;
    h.shape = r.ranged("shape", rule("shape"), true).value_or(1.0);
    h.scale = r.ranged("scale", rule("scale"), true).value_or(1.0);
  } else if (k == "gamma") {
    h.kind = HazardKind::gamma;
    h.shape = r.ranged("shape", rule("shape"), true).value_or(1.0);
    if (r.has("rate") && r.has("scale")) {
      ctx_.error(*r.node("rate"), r.key("rate"), "give either scale (years) or rate (per year), not both");
    } else if (r.has("rate")) {
      // rate = 1/scale: (0, largest rate], so the scale is at least the shortest duration.
      auto rate = r.positive("rate", true);
      if (rate) rate = r.in_range(*r.node("rate"), r.key("rate"), *rate, rule("rate"));
      h.scale = 1.0 / rate.value_or(1.0);
    } else {
      h.scale = r.ranged("scale", rule("scale"), true).value_or(1.0);
    }
  } else if (k == "lognormal") {
    h.kind = HazardKind::lognormal;
    h.meanlog = r.ranged("meanlog", rule("meanlog"), true).value_or(0.0);
    h.sdlog = r.ranged("sdlog", rule("sdlog"), true).value_or(1.0);
  } else if (k == "fixed") {
    h.kind = HazardKind::fixed;
    h.duration = r.ranged("duration", rule("duration"), true).value_or(1.0);
  } else {
    h.kind = HazardKind::table;
    const auto clock = r.choice("clock", {"time_in_state", "age", "calendar"}).value_or("time_in_state");
    h.clock = clock == "age" ? Clock::age : clock == "calendar" ? Clock::calendar : Clock::time_in_state;
    if (h.clock == Clock::age && !age_attribute())
      ctx_.error(*r.node("clock"), r.key("clock"), "clock = \"age\" needs an attribute of type \"age\"");
    auto breaks = r.numbers("breaks", true);
    auto rates = r.numbers("rates", true);
    if (breaks && rates) {
      bool ok = true;
      if (breaks->empty()) {
        ctx_.error(*r.node("breaks"), r.key("breaks"), "must not be empty");
        ok = false;
      } else if (breaks->size() != rates->size()) {
        ctx_.error(*r.node("rates"), r.key("rates"),
                   "must have one rate per break (" + std::to_string(breaks->size()) + " breaks, " +
                       std::to_string(rates->size()) + " rates)");
        ok = false;
      }
      for (std::size_t j = 1; ok && j < breaks->size(); ++j)
        if (!((*breaks)[j] > (*breaks)[j - 1])) {
          ctx_.error(*r.node("breaks"), r.key("breaks"), "must be strictly increasing");
          ok = false;
        }
      if (ok && h.clock == Clock::time_in_state && breaks->front() < 0) {
        ctx_.error(*r.node("breaks"), r.key("breaks"), "time in state starts at 0; breaks must be >= 0");
        ok = false;
      }
      for (std::size_t j = 0; ok && j < rates->size(); ++j)
        ok = r.in_range(*r.node("rates"), r.key("rates") + "[" + std::to_string(j) + "]", (*rates)[j], rule("rates"))
                 .has_value();
      for (std::size_t j = 0; ok && j < breaks->size(); ++j)
        ok = r.in_range(*r.node("breaks"), r.key("breaks") + "[" + std::to_string(j) + "]", (*breaks)[j],
                        rule("breaks"))
                 .has_value();
      if (ok) {
        h.breaks = *breaks;
        h.rates = *rates;
      }
    }
  }
}

void Loader::check_largest_rate(const TableReader& r, const Transition& tr) {
  double rate = 0.0;
  if (tr.hazard.kind == HazardKind::exponential)
    rate = tr.rate_by_year ? tr.rate_by_year->largest() : tr.hazard.rate;
  else if (tr.hazard.kind == HazardKind::table)
    for (double x : tr.hazard.rates) rate = std::max(rate, x);
  const double m = tr.multiplier.largest();
  if (rate * m > limits::max_rate_per_year)
    ctx_.error(*r.node("multiplier"), r.key("multiplier"),
               "the rate times the multiplier reaches " + message_number(rate * m) + " per year; at most " +
                   message_number(limits::max_rate_per_year) + " per year (a cycle of faster moves never ends)");
}

void Loader::read_covariates(const TableReader& r, Transition& tr) {
  const toml::table* t = r.subtable("covariates");
  if (!t) return;
  for (auto&& [k, v] : *t) {
    const std::string key = r.key("covariates") + "." + std::string(k.str());
    auto beta = r.as_number(v, key);
    if (beta) beta = r.in_range(v, key, *beta, rule_of("transition.covariates", ""));
    std::string name(k.str()), level;
    if (auto eq = name.find('='); eq != std::string::npos) {
      level = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const Attribute* a = s_.find_attribute(name);
    if (!a) {
      std::vector<std::string_view> names;
      for (auto& at : s_.attributes) names.push_back(at.name);
      ctx_.error(v, key, "unknown attribute '" + name + "'" + did_you_mean(name, names) +
                             "; declare it under [attributes]");
      continue;
    }
    CovariateEffect e;
    e.attribute = static_cast<AttributeIndex>(a - s_.attributes.data());
    if (a->kind == AttributeKind::category) {
      auto it = std::find(a->levels.begin(), a->levels.end(), level);
      if (level.empty() || it == a->levels.end()) {
        ctx_.error(v, key, "a category effect is written \"" + name + "=<level>\" with a level of " + name);
        continue;
      }
      e.level = static_cast<int>(it - a->levels.begin());
    } else if (!level.empty()) {
      ctx_.error(v, key, "'=' is only for category attributes");
      continue;
    }
    if (!beta) continue;
    e.beta = *beta;
    tr.covariates.push_back(e);
  }
}

}  // namespace trede::model::detail
