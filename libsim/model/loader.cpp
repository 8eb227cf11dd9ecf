// The loader: the order in which the sections of a scenario are read, and the helpers every
// section uses (state references, year tables).

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model/graph_check.hpp"
#include "model/toml_tree.hpp"
#include "model/loader.hpp"
#include "model/sample_share.hpp"
#include "trede/model/limits.hpp"

namespace trede::model::detail {

Scenario Loader::load() {
  TableReader top(ctx_, root_, "",
                  {"extends", "name", "description", "start_year", "horizon_years", "report", "kpi",
                   "attributes", "exit_age", "state", "transition", "population", "inflow", "region",
                   "organisation_model", "organisation_models", "handover", "organisation_costs", "organisation_effect",
                   "uncertainty", "sample_share"});
  s_.name = top.string("name").value_or("");
  s_.description = top.string("description").value_or("");
  s_.start_year = top.ranged("start_year", rule_of("", "start_year")).value_or(2025.0);
  horizon_ok_ = true;
  if (auto h = top.ranged("horizon_years", rule_of("", "horizon_years"), true)) s_.horizon_years = *h;
  else horizon_ok_ = false;

  read_states(top);
  read_attributes(top);
  read_capacities();
  if (s_.states.size() > limits::max_states)
    ctx_.error(*root_.get("state"), "state",
               std::to_string(s_.states.size()) + " states (with the generated waiting states); at most " +
                   std::to_string(limits::max_states) + ": the engine stores a person's state in 16 bits");
  read_transitions(top);
  finish_waiting_states();
  read_exit_age(top);
  read_population(top);
  read_inflows(top);
  read_report(top);
  read_kpi(top);
  read_organisation_models(top);
  read_handovers(top);
  read_organisation_costs(top);
  read_regions(top);
  check_organisations(top);
  read_organisation_effects(top);
  apply_sample_share(top);
  if (ctx_.diagnostics.empty()) {
    detail::check_graph(s_, ctx_, state_lines_, state_files_);
  }
  return std::move(s_);
}

// A sample of the population (`sample_share` s < 1): every extensive input is scaled by s —
// people at the start (each group's count rounded to whole people), inflow rates, places
// (rounded to whole places) and the fixed organisation costs — so that results are s times
// the full-scale ones (in expectation) and intensive results estimate the full-scale values.
void Loader::apply_sample_share(const TableReader& top) {
  const auto s = top.ranged("sample_share", rule_of("", "sample_share"));
  if (!s) return;
  s_.sample_share = *s;
  if (*s == 1.0) return;
  const toml::node& where = *root_.get("sample_share");
  for (Region& g : s_.regions) {
    if (!g.individuals.empty()) {
      ctx_.error(where, "sample_share",
                 "cannot take a sample of a population read from a CSV file (region '" + g.name +
                     "'); sample the file itself, or use the whole population");
      continue;
    }
    for (InitialGroup& grp : g.initial) grp.count = detail::sampled_count(*s, grp.count);
    for (Inflow& in : g.inflows) {
      in.rate_per_year.before = detail::sampled_rate(*s, in.rate_per_year.before);
      for (double& v : in.rate_per_year.values) v = detail::sampled_rate(*s, v);
    }
    for (std::size_t st = 0; st < g.places.size(); ++st) {
      if (!s_.states[st].capacity) continue;
      StepSchedule& p = g.places[st];
      p.before = detail::sampled_places(*s, p.before);
      for (double& v : p.values) v = detail::sampled_places(*s, v);
    }
  }
  for (OrganisationCost& c : s_.organisation_costs) c.fixed_eur_per_year = detail::sampled_rate(*s, c.fixed_eur_per_year);
}

std::filesystem::path Loader::file_dir(const toml::node& n) const {
  const auto& src = n.source().path;
  if (src && !src->empty() && *src != ctx_.file) {
    const auto dir = std::filesystem::path(*src).parent_path();
    return dir.empty() ? std::filesystem::path(".") : dir;
  }
  return std::filesystem::path(base_dir_);
}

std::optional<StateIndex> Loader::state_ref(const toml::node& n, const std::string& key, bool allow_absorbing,
                                    bool allow_generated) {
  if (!n.is_string()) {
    ctx_.error(n, key, std::string("must be a state name (got ") + type_name(n) + ")");
    return std::nullopt;
  }
  const auto name = *n.value<std::string_view>();
  for (std::size_t i = 0; i < s_.states.size(); ++i) {
    if (s_.states[i].name == name) {
      if (s_.states[i].generated && !allow_generated) break;
      if (!allow_absorbing && s_.states[i].absorbing) {
        ctx_.error(n, key, "state '" + std::string(name) + "' is absorbing; people cannot start there");
        return std::nullopt;
      }
      return static_cast<StateIndex>(i);
    }
  }
  std::vector<std::string_view> names;
  for (auto& st : s_.states) if (!st.generated) names.push_back(st.name);
  ctx_.error(n, key, "unknown state '" + std::string(name) + "'" + did_you_mean(name, names));
  return std::nullopt;
}

std::optional<StateIndex> Loader::state_ref(const TableReader& r, std::string_view k, bool required,
                                    bool allow_absorbing, bool allow_generated) {
  const toml::node* n = r.node(k);
  if (!n) {
    if (required) r.missing(k);
    return std::nullopt;
  }
  return state_ref(*n, r.key(k), allow_absorbing, allow_generated);
}

std::optional<StepSchedule> Loader::year_schedule(const TableReader& r, std::string_view k, bool required,
                                                  double default_before, bool must_cover_start,
                                                  const NumericRule& rule) {
  const toml::node* n = r.node(k);
  if (!n) {
    if (required) r.missing(k);
    return std::nullopt;
  }
  const std::string full = r.key(k);
  auto check_value = [&](const toml::node& v, const std::string& key) -> std::optional<double> {
    auto x = r.as_number(v, key);
    return x ? r.in_range(v, key, *x, rule) : std::nullopt;
  };
  if (n->is_number()) {
    auto v = check_value(*n, full);
    if (!v) return std::nullopt;
    return StepSchedule::constant_value(*v);
  }
  const toml::table* t = n->as_table();
  if (!t) {
    ctx_.error(*n, full, std::string("must be a number or a table of {year = value} (got ") +
                             type_name(*n) + ")");
    return std::nullopt;
  }
  if (t->empty()) {
    ctx_.error(*n, full, "must list at least one {year = value}");
    return std::nullopt;
  }
  std::vector<std::pair<double, double>> points;
  bool ok = true;
  for (auto&& [key, v] : *t) {
    const auto ks = key.str();
    const std::string item = full + "." + std::string(ks);
    const auto y = year_key(ks);
    if (!y) {
      ctx_.error(v, item, "key must be a calendar year such as 2025 or \"2025.5\"");
      ok = false;
      continue;
    }
    const double year = *y;
    if (const std::string p = year_rule().problem(year); !p.empty()) {
      ctx_.error(v, item, "key " + p);
      ok = false;
      continue;
    }
    auto x = check_value(v, item);
    if (!x) { ok = false; continue; }
    points.emplace_back(year, *x);
  }
  if (!ok) return std::nullopt;
  std::sort(points.begin(), points.end());
  for (std::size_t i = 1; i < points.size(); ++i)
    if (points[i].first == points[i - 1].first) {
      ctx_.error(*n, full, "year " + fmt_num(points[i].first) + " is given twice");
      return std::nullopt;
    }
  if (must_cover_start && points.front().first > s_.start_year) {
    ctx_.error(*n, full, "first year " + fmt_num(points.front().first) +
                             " is after start_year " + fmt_num(s_.start_year) +
                             "; give a value for the start");
    return std::nullopt;
  }
  StepSchedule sch;
  sch.before = must_cover_start ? points.front().second : default_before;
  // Drop steps at or before the start: the value at the start is what matters.
  for (auto& [y, v] : points) {
    if (y <= s_.start_year) {
      sch.before = v;
      continue;
    }
    sch.times.push_back(y);
    sch.values.push_back(v);
  }
  return sch;
}

std::optional<AttributeIndex> Loader::age_attribute() const {
  for (std::size_t i = 0; i < s_.attributes.size(); ++i)
    if (s_.attributes[i].kind == AttributeKind::age) return static_cast<AttributeIndex>(i);
  return std::nullopt;
}

}  // namespace trede::model::detail
