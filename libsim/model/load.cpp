// Scenario loading: TOML text -> validated model::Scenario.
//
// Every problem is collected (file, line, key, message) and reported together in one
// ModelError; nothing is thrown until the whole file has been read. Every table is read through
// a TableReader that knows its allowed keys, so an unknown (misspelt) key is an error with a
// suggestion, never silently ignored.

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "model/csv_population.hpp"
#include "model/document.hpp"
#include "model/graph_check.hpp"
#include "model/load_context.hpp"
#include "model/uncertainty_reader.hpp"
#include "trede/model/key_path.hpp"
#include "model/table_reader.hpp"
#include "model/toml_tree.hpp"
#include "trede/error.hpp"
#include "text.hpp"
#include "trede/model/load.hpp"

namespace trede::model {
namespace {

using namespace detail;

bool can_be_negative(const Distribution& d) {
  switch (d.kind) {
    case Distribution::Kind::fixed: return d.a < 0;
    case Distribution::Kind::uniform: return d.a < 0;
    case Distribution::Kind::normal: return d.lo < 0;
    case Distribution::Kind::categorical: return *std::min_element(d.values.begin(), d.values.end()) < 0;
    case Distribution::Kind::exponential:
    case Distribution::Kind::gamma:
    case Distribution::Kind::lognormal: return false;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The loader proper.

class Loader {
 public:
  Loader(LoadContext& ctx, const toml::table& root, std::string base_dir)
      : ctx_(ctx), root_(root), base_dir_(std::move(base_dir)) {}

  Scenario load() {
    TableReader top(ctx_, root_, "",
                    {"extends", "name", "description", "start_year", "horizon_years", "report", "kpi",
                     "attributes", "exit_age", "state", "transition", "population", "inflow", "region",
                     "organisation_model", "organisation_models", "handover", "organisation_costs", "uncertainty"});
    s_.name = top.string("name").value_or("");
    s_.description = top.string("description").value_or("");
    s_.start_year = top.number("start_year").value_or(2025.0);
    horizon_ok_ = true;
    if (auto h = top.positive("horizon_years", true)) s_.horizon_years = *h;
    else horizon_ok_ = false;

    read_states(top);
    read_attributes(top);
    read_capacities();
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
    if (ctx_.diagnostics.empty()) {
      detail::check_graph(s_, ctx_, state_lines_, state_files_);
    }
    return std::move(s_);
  }

 private:
  // ---- helpers ------------------------------------------------------------------------------

  // Directory of the file a node was read from (a file this one extends, or this one): paths in
  // a base scenario are relative to the base.
  std::filesystem::path file_dir(const toml::node& n) const {
    const auto& src = n.source().path;
    if (src && !src->empty() && *src != ctx_.file) {
      const auto dir = std::filesystem::path(*src).parent_path();
      return dir.empty() ? std::filesystem::path(".") : dir;
    }
    return std::filesystem::path(base_dir_);
  }

  std::optional<StateIndex> state_ref(const toml::node& n, const std::string& key, bool allow_absorbing = true,
                                      bool allow_generated = false) {
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

  std::optional<StateIndex> state_ref(const TableReader& r, std::string_view k, bool required,
                                      bool allow_absorbing = true, bool allow_generated = false) {
    const toml::node* n = r.node(k);
    if (!n) {
      if (required) r.missing(k);
      return std::nullopt;
    }
    return state_ref(*n, r.key(k), allow_absorbing, allow_generated);
  }

  // A value that is either a number or a table {year = value, ...} (step function of calendar
  // year). `must_cover_start`: the table's first year must be at or before start_year.
  std::optional<StepSchedule> year_schedule(const TableReader& r, std::string_view k, bool required,
                                            double default_before, bool must_cover_start,
                                            bool non_negative = true) {
    const toml::node* n = r.node(k);
    if (!n) {
      if (required) r.missing(k);
      return std::nullopt;
    }
    const std::string full = r.key(k);
    auto check_value = [&](const toml::node& v, const std::string& key) -> std::optional<double> {
      auto x = r.as_number(v, key);
      if (x && non_negative && *x < 0) {
        ctx_.error(v, key, "must be >= 0 (got " + fmt_num(*x) + ")");
        return std::nullopt;
      }
      return x;
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

  // ---- states -------------------------------------------------------------------------------

  void read_states(const TableReader& top) {
    const toml::node* n = top.node("state");
    if (!n) {
      top.missing("state", "at least one [[state]]");
      return;
    }
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      ctx_.error(*n, "state", "must be an array of tables: write each state as [[state]]");
      return;
    }
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *(*arr)[i].as_table();
      std::string label = "state[" + std::to_string(i) + "]";
      if (auto nm = t.get("name"); nm && nm->is_string()) label = "state[" + std::string(*nm->value<std::string_view>()) + "]";
      TableReader r(ctx_, t, label,
                    {"name", "trede", "functionality", "cost_eur_per_year", "absorbing", "capacity",
                     "capacity_budget_eur", "cost_per_place_eur", "waiting", "waiting_state",
                     "discipline", "priority_attribute", "priority_order", "renege_rate", "renege_to"});
      State st;
      st.line = ctx_.line_of(t);
      state_files_.push_back(ctx_.file_of(t));
      auto name = r.string("name", true);
      if (name) {
        if (!valid_identifier(*name)) {
          ctx_.error(*t.get("name"), r.key("name"),
                     "must be a non-empty name of letters, digits, '_' or '-' (got '" + *name + "')");
        } else if (!seen.insert(*name).second) {
          ctx_.error(*t.get("name"), r.key("name"), "duplicate state '" + *name + "'");
        }
        st.name = *name;
      } else {
        st.name = "#" + std::to_string(i);
      }
      st.absorbing = r.boolean("absorbing").value_or(false);
      if (auto tr = r.integer("trede", !st.absorbing)) {
        if (*tr < 0 || *tr > 6)
          ctx_.error(*t.get("trede"), r.key("trede"),
                     "must be a participatieladder rung 1..6, or 0 for off the ladder (got " +
                         std::to_string(*tr) + ")");
        else
          st.trede = static_cast<int>(*tr);
      }
      st.functionality = r.choice("functionality",
                                  {"A", "B", "C", "D", "E", "F", "G", "H", "inkomen", "wsw", "uitval", "none"})
                             .value_or("none");
      st.cost_eur_per_year = r.non_negative("cost_eur_per_year").value_or(0.0);
      if (st.absorbing && st.cost_eur_per_year > 0)
        ctx_.error(*t.get("cost_eur_per_year"), r.key("cost_eur_per_year"),
                   "an absorbing state holds everyone who ever left the model; it cannot have a cost per person-year");
      s_.states.push_back(std::move(st));
      state_tables_.push_back(&t);
      state_lines_.push_back(s_.states.back().line);
    }
  }

  // Capacities are read after attributes (priority by attribute) and create waiting states.
  void read_capacities() {
    const std::size_t declared = state_tables_.size();
    for (std::size_t i = 0; i < declared; ++i) {
      const toml::table& t = *state_tables_[i];
      // A second reader over the same table: unknown keys were already reported by the first.
      TableReader r(ctx_, t, "state[" + s_.states[i].name + "]",
                    {"name", "trede", "functionality", "cost_eur_per_year", "absorbing", "capacity",
                     "capacity_budget_eur", "cost_per_place_eur", "waiting", "waiting_state",
                     "discipline", "priority_attribute", "priority_order", "renege_rate", "renege_to"},
                    /*report_unknown=*/false);
      const bool has_cap = r.has("capacity"), has_budget = r.has("capacity_budget_eur");
      const bool capacity_keys = has_cap || has_budget || r.has("waiting") || r.has("discipline") ||
                                 r.has("renege_rate") || r.has("renege_to") || r.has("waiting_state") ||
                                 r.has("priority_attribute") || r.has("priority_order") ||
                                 r.has("cost_per_place_eur");
      if (!capacity_keys) continue;
      if (!has_cap && !has_budget) {
        ctx_.error(t, r.key("capacity"),
                   "waiting-list keys need a capacity: give capacity or capacity_budget_eur");
        continue;
      }
      if (has_cap && has_budget) {
        ctx_.error(*t.get("capacity_budget_eur"), r.key("capacity_budget_eur"),
                   "give either capacity or capacity_budget_eur, not both");
        continue;
      }
      if (s_.states[i].absorbing) {
        ctx_.error(*t.get(has_cap ? "capacity" : "capacity_budget_eur"), r.key(has_cap ? "capacity" : "capacity_budget_eur"),
                   "an absorbing state cannot have a capacity");
        continue;
      }
      Capacity cap;
      if (has_cap) {
        auto sch = year_schedule(r, "capacity", true, 0.0, true);
        if (!sch) continue;
        bool whole = std::floor(sch->before) == sch->before;
        for (double v : sch->values) whole = whole && std::floor(v) == v;
        if (!whole) {
          ctx_.error(*t.get("capacity"), r.key("capacity"), "must be a whole number of places");
          continue;
        }
        template_places_[i] = *sch;
        if (r.has("cost_per_place_eur"))
          ctx_.error(*t.get("cost_per_place_eur"), r.key("cost_per_place_eur"),
                     "only used with capacity_budget_eur");
      } else {
        auto budget = year_schedule(r, "capacity_budget_eur", true, 0.0, true);
        auto per_place = r.positive("cost_per_place_eur", true);
        if (!budget || !per_place) continue;
        StepSchedule places = *budget;
        places.before = std::floor(budget->before / *per_place);
        for (double& v : places.values) v = std::floor(v / *per_place);
        template_places_[i] = std::move(places);
        cap.budget_cost_per_place = *per_place;
      }
      const std::string mode = r.choice("waiting", {"stay", "separate"}).value_or("stay");
      cap.waiting = mode == "separate" ? WaitingMode::separate : WaitingMode::stay;
      const std::string disc = r.choice("discipline", {"fifo", "priority"}).value_or("fifo");
      cap.discipline = disc == "priority" ? Discipline::priority : Discipline::fifo;
      if (cap.discipline == Discipline::priority) {
        auto an = r.string("priority_attribute", true);
        if (an) {
          const Attribute* a = s_.find_attribute(*an);
          if (!a)
            ctx_.error(*t.get("priority_attribute"), r.key("priority_attribute"),
                       "unknown attribute '" + *an + "'");
          else
            cap.priority_attribute = static_cast<AttributeIndex>(a - s_.attributes.data());
        }
        cap.priority_descending =
            r.choice("priority_order", {"descending", "ascending"}).value_or("descending") == "descending";
      } else {
        for (auto k : {"priority_attribute", "priority_order"})
          if (r.has(k)) ctx_.error(*t.get(k), r.key(k), "only used with discipline = \"priority\"");
      }
      cap.renege_rate = r.non_negative("renege_rate").value_or(0.0);
      if (r.has("renege_to")) cap.renege_to = state_ref(r, "renege_to", true);
      if (cap.renege_to && !(cap.renege_rate > 0) && r.has("renege_to"))
        ctx_.error(*t.get("renege_to"), r.key("renege_to"), "has no effect without renege_rate > 0");
      if (cap.waiting == WaitingMode::separate && cap.renege_rate > 0 && !cap.renege_to)
        ctx_.error(t, r.key("renege_to"), "separate waiting with renege_rate > 0 needs renege_to");
      if (cap.renege_to && *cap.renege_to == i)
        ctx_.error(*t.get("renege_to"), r.key("renege_to"), "cannot renege into the state waited for");

      if (cap.waiting == WaitingMode::separate) {
        std::string wname = r.string("waiting_state").value_or("wait_" + s_.states[i].name);
        if (!valid_identifier(wname))
          ctx_.error(*t.get("waiting_state"), r.key("waiting_state"),
                     "must be a name of letters, digits, '_' or '-' (got '" + wname + "')");
        const State* existing = s_.find_state(wname);
        if (existing) {
          const auto w = static_cast<StateIndex>(existing - s_.states.data());
          if (existing->absorbing || existing->capacity || existing->waiting_for) {
            ctx_.error(t, r.key("waiting_state"),
                       "waiting state '" + wname + "' must be a plain state (not absorbing, no capacity, not shared)");
          }
          cap.waiting_state = w;
          s_.states[w].waiting_for = static_cast<StateIndex>(i);
        } else {
          State w;
          w.name = wname;
          w.trede = 0;  // set after transitions are read: the lowest trede of the origins
          w.functionality = s_.states[i].functionality;
          w.generated = true;
          w.line = s_.states[i].line;
          w.waiting_for = static_cast<StateIndex>(i);
          cap.waiting_state = static_cast<StateIndex>(s_.states.size());
          s_.states.push_back(std::move(w));
          state_lines_.push_back(s_.states.back().line);
          state_files_.push_back(state_files_[i]);
        }
      } else if (r.has("waiting_state")) {
        ctx_.error(*t.get("waiting_state"), r.key("waiting_state"), "only used with waiting = \"separate\"");
      }
      s_.states[i].capacity = std::move(cap);
    }
  }

  // ---- attributes ---------------------------------------------------------------------------

  void read_attributes(const TableReader& top) {
    const toml::table* t = top.subtable("attributes");
    if (!t) return;
    for (auto&& [k, v] : *t) {
      const std::string key = "attributes." + std::string(k.str());
      if (!v.is_table()) {
        ctx_.error(v, key, std::string("must be a table such as { type = \"number\" } (got ") + type_name(v) + ")");
        continue;
      }
      TableReader r(ctx_, *v.as_table(), key, {"type", "levels", "default", "center", "counts"});
      Attribute a;
      a.name = std::string(k.str());
      if (!valid_identifier(a.name)) ctx_.error(v, key, "attribute names are letters, digits, '_' or '-'");
      const auto type = r.choice("type", {"number", "category", "age", "count"}, true).value_or("number");
      a.kind = type == "category" ? AttributeKind::category
               : type == "age"    ? AttributeKind::age
               : type == "count"  ? AttributeKind::count
                                  : AttributeKind::number;
      if (a.kind == AttributeKind::category) {
        auto levels = r.strings("levels");
        if (!levels || levels->empty()) {
          if (!r.has("levels") || levels) ctx_.error(v, r.key("levels"), "a category needs a non-empty list of levels");
        } else {
          a.levels = *levels;
          std::set<std::string> uniq(levels->begin(), levels->end());
          if (uniq.size() != levels->size()) ctx_.error(*r.node("levels"), r.key("levels"), "levels must be distinct");
        }
        if (const toml::node* d = r.node("default")) {
          if (!d->is_string()) {
            ctx_.error(*d, r.key("default"), "must be one of the levels (a string)");
          } else {
            const auto lv = std::string(*d->value<std::string_view>());
            auto it = std::find(a.levels.begin(), a.levels.end(), lv);
            if (it == a.levels.end()) ctx_.error(*d, r.key("default"), "'" + lv + "' is not one of the levels");
            else a.default_value = static_cast<double>(it - a.levels.begin());
          }
        }
        if (r.has("center")) ctx_.error(*r.node("center"), r.key("center"), "not used for a category");
      } else {
        if (r.has("levels")) ctx_.error(*r.node("levels"), r.key("levels"), "only used with type = \"category\"");
        a.default_value = r.number("default");
        if ((a.kind == AttributeKind::count || a.kind == AttributeKind::age) && a.default_value && *a.default_value < 0)
          ctx_.error(*r.node("default"), r.key("default"),
                     std::string(a.kind == AttributeKind::age ? "an age" : "a count") + " must be >= 0");
        a.center = r.number("center").value_or(0.0);
      }
      if (a.kind == AttributeKind::count) {
        auto counts = r.strings("counts");
        if (!counts || counts->empty()) {
          ctx_.error(v, r.key("counts"), "a count attribute needs the states whose entries it counts");
        } else {
          const toml::array& arr = *r.node("counts")->as_array();
          for (std::size_t j = 0; j < counts->size(); ++j)
            if (auto si = state_ref(arr[j], r.key("counts") + "[" + std::to_string(j) + "]"))
              a.counted_states.push_back(*si);
        }
      } else if (r.has("counts")) {
        ctx_.error(*r.node("counts"), r.key("counts"), "only used with type = \"count\"");
      }
      if (a.kind == AttributeKind::age && age_attribute())
        ctx_.error(v, key, "only one attribute can have type \"age\" (already: '" + s_.attributes[*age_attribute()].name + "')");
      s_.attributes.push_back(std::move(a));
    }
  }

  // ---- transitions --------------------------------------------------------------------------

  void read_transitions(const TableReader& top) {
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
        if (*from == *to) ctx_.error(t, label, "a transition cannot lead back to its own state");
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
      if (auto m = year_schedule(r, "multiplier", false, 1.0, false)) tr.multiplier = *m;
      s_.transitions.push_back(std::move(tr));
    }
  }

  void read_hazard(const TableReader& r, Hazard& h, std::optional<StepSchedule>& rate_by_year) {
    const auto kind = r.choice("hazard", {"exponential", "weibull", "gamma", "lognormal", "fixed", "table"},
                               false);
    std::string k = kind.value_or(r.has("hazard") ? "" : "exponential");
    if (k.empty()) return;
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
        rate_by_year = year_schedule(r, "rate", true, 0.0, true);
        if (rate_by_year) h.rate = rate_by_year->before;
      } else {
        h.rate = r.non_negative("rate", true).value_or(0.0);
      }
    } else if (k == "weibull") {
      h.kind = HazardKind::weibull;
      h.shape = r.positive("shape", true).value_or(1.0);
      h.scale = r.positive("scale", true).value_or(1.0);
    } else if (k == "gamma") {
      h.kind = HazardKind::gamma;
      h.shape = r.positive("shape", true).value_or(1.0);
      if (r.has("rate") && r.has("scale")) {
        ctx_.error(*r.node("rate"), r.key("rate"), "give either scale (years) or rate (per year), not both");
      } else if (r.has("rate")) {
        h.scale = 1.0 / r.positive("rate", true).value_or(1.0);
      } else {
        h.scale = r.positive("scale", true).value_or(1.0);
      }
    } else if (k == "lognormal") {
      h.kind = HazardKind::lognormal;
      h.meanlog = r.number("meanlog", true).value_or(0.0);
      h.sdlog = r.positive("sdlog", true).value_or(1.0);
    } else if (k == "fixed") {
      h.kind = HazardKind::fixed;
      h.duration = r.positive("duration", true).value_or(1.0);
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
          if ((*rates)[j] < 0) {
            ctx_.error(*r.node("rates"), r.key("rates") + "[" + std::to_string(j) + "]",
                       "must be >= 0 (got " + fmt_num((*rates)[j]) + ")");
            ok = false;
          }
        if (ok) {
          h.breaks = *breaks;
          h.rates = *rates;
        }
      }
    }
  }

  std::optional<AttributeIndex> age_attribute() const {
    for (std::size_t i = 0; i < s_.attributes.size(); ++i)
      if (s_.attributes[i].kind == AttributeKind::age) return static_cast<AttributeIndex>(i);
    return std::nullopt;
  }

  void read_covariates(const TableReader& r, Transition& tr) {
    const toml::table* t = r.subtable("covariates");
    if (!t) return;
    for (auto&& [k, v] : *t) {
      const std::string key = r.key("covariates") + "." + std::string(k.str());
      auto beta = r.as_number(v, key);
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

  // Separate-mode waiting states: their trede (the lowest of the states people wait from) and
  // their reneging edge, which is an ordinary exponential transition of the waiting state.
  void finish_waiting_states() {
    for (std::size_t x = 0; x < s_.states.size(); ++x) {
      const auto& cap = s_.states[x].capacity;
      if (!cap || cap->waiting != WaitingMode::separate) continue;
      // Someone in a waiting state waits for x; they cannot also wait in place there for another
      // state, so moves out of it may not lead into a state whose waiting is in place.
      auto waits_in_place = [&](StateIndex d) {
        return s_.states[d].capacity && s_.states[d].capacity->waiting == WaitingMode::stay;
      };
      if (cap->renege_to && waits_in_place(*cap->renege_to))
        ctx_.error_at(s_.states[x].line, "state[" + s_.states[x].name + "].renege_to",
                      "people reneging from the waiting state '" + s_.states[cap->waiting_state].name +
                          "' cannot go to '" + s_.states[*cap->renege_to].name +
                          "', whose waiting is in place; give it waiting = \"separate\" or renege elsewhere");
      for (const Transition& tr : s_.transitions)
        if (tr.from == cap->waiting_state && waits_in_place(tr.to))
          ctx_.error_at(tr.line, "transition[" + tr.id + "]",
                        "leads out of the waiting state '" + s_.states[tr.from].name + "' into '" + s_.states[tr.to].name +
                            "', whose waiting is in place; give it waiting = \"separate\"");
      State& w = s_.states[cap->waiting_state];
      if (w.generated) {
        int trede = 7;
        for (const Transition& tr : s_.transitions)
          if (tr.to == x && !s_.states[tr.from].absorbing) trede = std::min(trede, s_.states[tr.from].trede);
        w.trede = trede == 7 ? s_.states[x].trede : trede;
      }
      if (cap->renege_rate > 0 && cap->renege_to) {
        Transition tr;
        tr.from = cap->waiting_state;
        tr.to = *cap->renege_to;
        tr.id = w.name + "->" + s_.states[tr.to].name + " (renege)";
        tr.hazard.kind = HazardKind::exponential;
        tr.hazard.rate = cap->renege_rate;
        tr.line = s_.states[x].line;
        tr.renege = true;
        s_.transitions.push_back(std::move(tr));
      }
    }
  }

  // ---- exit age -----------------------------------------------------------------------------

  void read_exit_age(const TableReader& top) {
    const toml::table* t = top.subtable("exit_age");
    if (!t) return;
    TableReader r(ctx_, *t, "exit_age", {"age", "to", "attribute"});
    ExitAge e;
    e.age = r.positive("age", true).value_or(67.0);
    auto to = state_ref(r, "to", true);
    if (to) {
      if (!s_.states[*to].absorbing)
        ctx_.error(*t->get("to"), r.key("to"), "must be an absorbing state (people leave the model there)");
      e.to = *to;
    }
    if (auto an = r.string("attribute")) {
      const Attribute* a = s_.find_attribute(*an);
      if (!a || a->kind != AttributeKind::age)
        ctx_.error(*t->get("attribute"), r.key("attribute"), "must name an attribute of type \"age\"");
      else
        e.attribute = static_cast<AttributeIndex>(a - s_.attributes.data());
    } else if (auto ai = age_attribute()) {
      e.attribute = *ai;
    } else {
      ctx_.error(*t, "exit_age", "needs an attribute of type \"age\" under [attributes]");
      return;
    }
    if (to) s_.exit_age = e;
  }

  // ---- population and inflow ----------------------------------------------------------------

  std::optional<Distribution> distribution(const toml::node& n, const std::string& key,
                                           const Attribute* attr) {
    Distribution d;
    auto category_value = [&](const toml::node& v, const std::string& k) -> std::optional<double> {
      if (!v.is_string()) {
        ctx_.error(v, k, "must be one of the levels of '" + attr->name + "' (a string)");
        return std::nullopt;
      }
      const auto lv = std::string(*v.value<std::string_view>());
      auto it = std::find(attr->levels.begin(), attr->levels.end(), lv);
      if (it == attr->levels.end()) {
        std::vector<std::string_view> lvls(attr->levels.begin(), attr->levels.end());
        ctx_.error(v, k, "'" + lv + "' is not a level of '" + attr->name + "'" + did_you_mean(lv, lvls));
        return std::nullopt;
      }
      return static_cast<double>(it - attr->levels.begin());
    };
    const bool is_cat = attr && attr->kind == AttributeKind::category;
    if (!n.is_table()) {
      if (is_cat) {
        auto v = category_value(n, key);
        if (!v) return std::nullopt;
        d.a = *v;
        return d;
      }
      if (!n.is_number()) {
        ctx_.error(n, key, std::string("must be a number or a distribution table (got ") + type_name(n) + ")");
        return std::nullopt;
      }
      const double v = *n.value<double>();
      if (!std::isfinite(v)) {
        ctx_.error(n, key, "must be a finite number");
        return std::nullopt;
      }
      d.a = v;
      return d;
    }
    TableReader r(ctx_, *n.as_table(), key,
                  {"dist", "value", "min", "max", "mean", "sd", "values", "weights", "shape", "scale", "meanlog", "sdlog"});
    const auto kind =
        r.choice("dist", {"fixed", "uniform", "normal", "categorical", "exponential", "gamma", "lognormal"}, true);
    if (!kind) return std::nullopt;
    static const std::map<std::string, std::vector<std::string_view>> uses = {
        {"fixed", {"value"}}, {"uniform", {"min", "max"}}, {"normal", {"mean", "sd", "min", "max"}},
        {"categorical", {"values", "weights"}}, {"exponential", {"mean"}}, {"gamma", {"shape", "scale"}},
        {"lognormal", {"meanlog", "sdlog"}}};
    bool ok = true;
    for (auto k : {"value", "min", "max", "mean", "sd", "values", "weights", "shape", "scale", "meanlog", "sdlog"}) {
      const auto& u = uses.at(*kind);
      if (r.has(k) && std::find(u.begin(), u.end(), k) == u.end()) {
        ctx_.error(*r.node(k), r.key(k), "not used by dist = \"" + *kind + "\" (uses " + join(u) + ")");
        ok = false;
      }
    }
    if (is_cat && *kind != "fixed" && *kind != "categorical") {
      ctx_.error(n, key, "a category attribute takes dist = \"fixed\" or \"categorical\"");
      return std::nullopt;
    }
    if (*kind == "fixed") {
      d.kind = Distribution::Kind::fixed;
      const toml::node* v = r.node("value");
      if (!v) { r.missing("value"); return std::nullopt; }
      auto x = is_cat ? category_value(*v, r.key("value")) : r.number("value", true);
      if (!x) return std::nullopt;
      d.a = *x;
    } else if (*kind == "exponential") {
      d.kind = Distribution::Kind::exponential;
      auto mean = r.positive("mean", true);
      if (!mean) return std::nullopt;
      d.a = *mean;
    } else if (*kind == "gamma") {
      d.kind = Distribution::Kind::gamma;
      auto shape = r.positive("shape", true), scale = r.positive("scale", true);
      if (!shape || !scale) return std::nullopt;
      d.a = *shape;
      d.b = *scale;
    } else if (*kind == "lognormal") {
      d.kind = Distribution::Kind::lognormal;
      auto ml = r.number("meanlog", true);
      auto sl = r.positive("sdlog", true);
      if (!ml || !sl) return std::nullopt;
      d.a = *ml;
      d.b = *sl;
    } else if (*kind == "uniform") {
      d.kind = Distribution::Kind::uniform;
      auto lo = r.number("min", true), hi = r.number("max", true);
      if (!lo || !hi) return std::nullopt;
      if (!(*hi >= *lo)) {
        ctx_.error(*r.node("max"), r.key("max"), "must be >= min");
        return std::nullopt;
      }
      d.a = *lo;
      d.b = *hi;
    } else if (*kind == "normal") {
      d.kind = Distribution::Kind::normal;
      auto mean = r.number("mean", true);
      auto sd = r.positive("sd", true);
      if (!mean || !sd) return std::nullopt;
      d.a = *mean;
      d.b = *sd;
      d.lo = r.number("min").value_or(-infinity);
      d.hi = r.number("max").value_or(infinity);
      if (!(d.hi > d.lo)) {
        ctx_.error(*r.node("max"), r.key("max"), "must be > min");
        return std::nullopt;
      }
    } else {
      d.kind = Distribution::Kind::categorical;
      const toml::node* vals = r.node("values");
      auto weights = r.numbers("weights", true);
      if (!vals) { r.missing("values"); return std::nullopt; }
      const toml::array* va = vals->as_array();
      if (!va || va->empty()) {
        ctx_.error(*vals, r.key("values"), "must be a non-empty array");
        return std::nullopt;
      }
      for (std::size_t j = 0; j < va->size(); ++j) {
        const std::string k = r.key("values") + "[" + std::to_string(j) + "]";
        auto x = is_cat ? category_value((*va)[j], k) : r.as_number((*va)[j], k);
        if (!x) return std::nullopt;
        d.values.push_back(*x);
      }
      if (!weights) return std::nullopt;
      if (weights->size() != d.values.size()) {
        ctx_.error(*r.node("weights"), r.key("weights"), "must have one weight per value");
        return std::nullopt;
      }
      double sum = 0;
      for (double w : *weights) {
        if (w < 0) {
          ctx_.error(*r.node("weights"), r.key("weights"), "weights must be >= 0 (got " + fmt_num(w) + ")");
          return std::nullopt;
        }
        sum += w;
      }
      if (!(sum > 0)) {
        ctx_.error(*r.node("weights"), r.key("weights"), "weights sum to zero");
        return std::nullopt;
      }
      d.weights = *weights;
    }
    if (!ok) return std::nullopt;
    return d;
  }

  // Attribute draws for a population group or inflow: given ones, then defaults.
  std::vector<AttributeDraw> attribute_draws(const TableReader& r, const toml::table& owner) {
    std::vector<AttributeDraw> out;
    std::vector<bool> given(s_.attributes.size(), false);
    if (const toml::table* t = r.subtable("attributes")) {
      for (auto&& [k, v] : *t) {
        const std::string key = r.key("attributes") + "." + std::string(k.str());
        const Attribute* a = s_.find_attribute(k.str());
        if (!a) {
          std::vector<std::string_view> names;
          for (auto& at : s_.attributes) names.push_back(at.name);
          ctx_.error(v, key, "unknown attribute '" + std::string(k.str()) + "'" + did_you_mean(k.str(), names));
          continue;
        }
        const auto ai = static_cast<AttributeIndex>(a - s_.attributes.data());
        if (auto d = distribution(v, key, a)) {
          if ((a->kind == AttributeKind::age || a->kind == AttributeKind::count) && can_be_negative(*d))
            ctx_.error(v, key, std::string(a->kind == AttributeKind::age ? "ages" : "counts") +
                                   " cannot be negative (truncate a normal with min = 0)");
          out.push_back({ai, *d});
        }
        given[ai] = true;
      }
    }
    for (std::size_t i = 0; i < s_.attributes.size(); ++i) {
      if (given[i]) continue;
      const Attribute& a = s_.attributes[i];
      if (a.kind == AttributeKind::count && !a.default_value) {
        out.push_back({static_cast<AttributeIndex>(i), Distribution{}});  // counts start at 0
        continue;
      }
      if (!a.default_value) {
        ctx_.error(owner, r.key("attributes." + a.name),
                   "no value for attribute '" + a.name + "': give it here or set attributes." + a.name +
                       ".default");
        continue;
      }
      Distribution d;
      d.a = *a.default_value;
      out.push_back({static_cast<AttributeIndex>(i), d});
    }
    std::sort(out.begin(), out.end(), [](auto& x, auto& y) { return x.attribute < y.attribute; });
    return out;
  }

  void read_population(const TableReader& top) {
    read_groups(top.node("population"), "population", template_initial_, template_individuals_);
  }

  // An array of [[population]] tables (`key` names it in messages) into groups and individuals.
  void read_groups(const toml::node* n, const std::string& key, std::vector<InitialGroup>& initial,
                   std::vector<Individual>& individuals) {
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      ctx_.error(*n, key, "must be an array of tables: write each group as [[" + key + "]]");
      return;
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *(*arr)[i].as_table();
      const std::string label = key + "[" + std::to_string(i) + "]";
      TableReader r(ctx_, t, label, {"state", "count", "attributes", "time_in_state", "csv"});
      if (r.has("csv")) {
        for (auto k : {"state", "count", "attributes", "time_in_state"})
          if (r.has(k)) ctx_.error(*t.get(k), r.key(k), "not used with csv (the file gives each person)");
        auto path = r.string("csv", true);
        if (!path) continue;
        std::filesystem::path p(*path);
        if (p.is_relative()) p = file_dir(*t.get("csv")) / p;
        s_.data_paths.push_back(p.string());
        detail::read_population_csv(p.string(), s_, individuals, ctx_, *t.get("csv"), r.key("csv"));
        continue;
      }
      InitialGroup g;
      g.line = ctx_.line_of(t);
      auto st = state_ref(r, "state", true, false, true);
      const std::int64_t count = r.integer("count", true).value_or(-1);
      const bool count_ok = count >= 0;
      if (!count_ok && r.has("count") && r.node("count")->is_number() && std::isfinite(*r.node("count")->value<double>()) &&
          *r.node("count")->value<double>() == std::floor(*r.node("count")->value<double>()))
        ctx_.error(*t.get("count"), r.key("count"), "must be >= 0 (got " + std::to_string(count) + ")");
      if (st) g.state = *st;
      g.attributes = attribute_draws(r, t);
      if (const toml::node* tis = r.node("time_in_state")) {
        if (auto d = distribution(*tis, r.key("time_in_state"), nullptr)) {
          if (can_be_negative(*d))
            ctx_.error(*tis, r.key("time_in_state"),
                       "years already spent in the state cannot be negative (truncate a normal with min = 0)");
          else
            g.time_in_state = *d;
        }
      }
      if (count_ok && count > std::numeric_limits<std::int32_t>::max()) {
        ctx_.error(*t.get("count"), r.key("count"),
                   "more than 2^31 - 1 people in one group; the engine holds at most 2^31 - 1 people at once");
      } else if (st && count_ok) {
        g.count = static_cast<std::uint64_t>(count);
        initial.push_back(std::move(g));
      }
    }
  }

  void read_inflows(const TableReader& top) { read_inflow_list(top.node("inflow"), "inflow", template_inflows_); }

  void read_inflow_list(const toml::node* n, const std::string& key, std::vector<Inflow>& inflows) {
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      ctx_.error(*n, key, "must be an array of tables: write each as [[" + key + "]]");
      return;
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *(*arr)[i].as_table();
      std::string label = key + "[" + std::to_string(i) + "]";
      TableReader r(ctx_, t, label, {"state", "rate_per_year", "attributes"});
      Inflow f;
      f.line = ctx_.line_of(t);
      auto st = state_ref(r, "state", true, false);
      if (st) {
        f.state = *st;
        const auto& cap = s_.states[*st].capacity;
        if (cap && cap->waiting == WaitingMode::stay)
          ctx_.error(*t.get("state"), r.key("state"),
                     "arrivals into capacity state '" + s_.states[*st].name +
                         "' have no state to wait in: use waiting = \"separate\" there, or let them arrive elsewhere");
      }
      auto rate = year_schedule(r, "rate_per_year", true, 0.0, true);
      if (rate) f.rate_per_year = *rate;
      f.attributes = attribute_draws(r, t);
      if (st && rate) inflows.push_back(std::move(f));
    }
  }

  // ---- organisation models, handovers and organisation costs ---------------------------------

  static const std::vector<std::string_view>& functionalities() {
    static const std::vector<std::string_view> f = {"inkomen", "A", "B", "C", "D", "E", "F", "G", "H", "wsw", "uitval"};
    return f;
  }

  // The five organisation models (docs/scenario-format.md §16.1; SER/Berenschot functionalities;
  // national shares per Hilversum 2025, docs/sources.md). "SOB / werkgever" is read as SOB, "sociale dienst / werkgever" as
  // sociale_dienst, "sociale dienst (elsewhere)" as sociale_dienst, and "—" (the SOB does not
  // offer it) as `extern`, another provider. These are defaults a scenario may redefine.
  void builtin_models() {
    const std::string sob = "SOB", sd = "sociale_dienst", ext = "extern";
    auto model = [&](const char* name, const std::string& inkomen, const std::string& a, const std::string& b,
                     const std::string& c, const std::string& f, const std::string& g, const std::string& h) {
      OrganisationModel m;
      m.name = name;
      m.runs = {{"inkomen", inkomen}, {"A", a}, {"B", b}, {"C", c}, {"F", f}, {"G", g}, {"H", h}, {"wsw", sob}};
      s_.organisation_models.push_back(std::move(m));
    };
    model("gecombineerd", sob, sob, sob, sob, sob, sob, sob);
    model("integraal", sd, sob, sob, sob, sob, sob, sob);
    model("partieel", sd, sd, sob, sd, sob, sob, sob);
    model("bedrijf_beschut_werk", sd, sd, sd, sd, sd, ext, sob);
    model("klassiek", sd, sd, sd, sd, sd, ext, sd);
  }

  std::optional<std::uint32_t> find_model(std::string_view name) const {
    for (std::size_t i = 0; i < s_.organisation_models.size(); ++i)
      if (s_.organisation_models[i].name == name) return static_cast<std::uint32_t>(i);
    return std::nullopt;
  }

  std::optional<std::uint32_t> model_ref(const TableReader& r, std::string_view k) {
    auto name = r.string(k);
    if (!name) return std::nullopt;
    if (auto m = find_model(*name)) return m;
    std::vector<std::string_view> names;
    for (auto& m : s_.organisation_models) names.push_back(m.name);
    ctx_.error(*r.node(k), r.key(k),
               "unknown organisation model '" + *name + "'" + did_you_mean(*name, names) + "; known: " + join(names));
    return std::nullopt;
  }

  static bool valid_organisation(std::string_view o) { return o.empty() || valid_identifier(o); }

  void read_organisation_models(const TableReader& top) {
    builtin_models();
    if (const toml::table* t = top.subtable("organisation_models")) {
      // Models may name a base declared after them (TOML tables have no order): resolve bases
      // first, in dependency order.
      std::vector<std::string> pending;
      for (auto&& [k, v] : *t)
        if (v.is_table()) pending.emplace_back(k.str());
      for (auto&& [k, v] : *t)
        if (v.is_table() && !find_model(k.str())) {
          OrganisationModel placeholder;
          placeholder.name = std::string(k.str());
          s_.organisation_models.push_back(std::move(placeholder));
        }
      std::vector<std::string> order;
      std::set<std::string> visiting, done_models;
      std::function<void(const std::string&)> visit = [&](const std::string& name) {
        if (done_models.count(name) || !t->get(name) || !t->get(name)->is_table()) return;
        if (!visiting.insert(name).second) return;  // a cycle: reported below
        if (auto b = t->get(name)->as_table()->get("base"); b && b->is_string()) visit(std::string(*b->value<std::string_view>()));
        done_models.insert(name);
        order.push_back(name);
      };
      for (auto&& [k, v] : *t)
        if (!v.is_table())
          ctx_.error(v, "organisation_models." + std::string(k.str()), "must be a table of functionality = \"organisation\"");
      for (const auto& name : pending) visit(name);
      for (const auto& name : pending)
        if (!done_models.count(name))
          ctx_.error(*t->get(name), "organisation_models." + name + ".base", "the bases of these models form a cycle");
      for (const auto& name : order) {
        const toml::node& v = *t->get(name);
        const std::string_view k = name;
        const std::string key = "organisation_models." + std::string(k);
        std::vector<std::string_view> known = functionalities();
        known.push_back("base");
        TableReader r(ctx_, *v.as_table(), key, known);
        OrganisationModel m;
        m.name = std::string(k);
        m.line = ctx_.line_of(v);
        if (!valid_identifier(m.name)) ctx_.error(v, key, "model names are letters, digits, '_' or '-'");
        if (r.has("base")) {
          if (auto b = model_ref(r, "base")) {
            if (s_.organisation_models[*b].name == m.name)
              ctx_.error(*r.node("base"), r.key("base"), "a model cannot be its own base");
            else
              m.runs = s_.organisation_models[*b].runs;
          }
        }
        for (auto f : functionalities()) {
          auto org = r.string(f);
          if (!org) continue;
          if (!valid_organisation(*org)) {
            ctx_.error(*r.node(f), r.key(f), "organisation names are letters, digits, '_' or '-' (\"\" = nobody)");
            continue;
          }
          auto it = std::find_if(m.runs.begin(), m.runs.end(), [&](auto& p) { return p.first == f; });
          if (it != m.runs.end()) it->second = *org;
          else m.runs.emplace_back(std::string(f), *org);
        }
        if (auto existing = find_model(m.name)) s_.organisation_models[*existing] = std::move(m);
        else s_.organisation_models.push_back(std::move(m));
      }
    }
    if (top.has("organisation_model")) default_model_ = model_ref(top, "organisation_model");
  }

  void read_handovers(const TableReader& top) {
    const toml::node* n = top.node("handover");
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      ctx_.error(*n, "handover", "must be an array of tables: write each rule as [[handover]]");
      return;
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *(*arr)[i].as_table();
      TableReader r(ctx_, t, "handover[" + std::to_string(i) + "]", {"from", "to", "delay", "leakage", "leak_to"});
      HandoverRule h;
      h.line = ctx_.line_of(t);
      for (auto k : {"from", "to"}) {
        auto org = r.string(k);
        if (!org) continue;
        if (*org != "*" && (org->empty() || !valid_organisation(*org))) {
          ctx_.error(*t.get(k), r.key(k), "must be an organisation name or \"*\" (any)");
          continue;
        }
        (std::string_view(k) == "from" ? h.from : h.to) = *org;
      }
      if (const toml::node* d = r.node("delay")) {
        if (auto dist = distribution(*d, r.key("delay"), nullptr)) {
          if (can_be_negative(*dist)) ctx_.error(*d, r.key("delay"), "a delay cannot be negative (years)");
          else h.delay = *dist;
        }
      }
      h.leakage = r.checked("leakage", false, [](double v) { return v >= 0 && v <= 1; }, "must be a probability in [0, 1]")
                      .value_or(0.0);
      if (r.has("leak_to")) h.leak_to = state_ref(r, "leak_to", true);
      if (h.leak_to && s_.states[*h.leak_to].capacity)
        ctx_.error(*t.get("leak_to"), r.key("leak_to"), "people lost at a handover cannot go to a state with a capacity");
      if (h.leakage > 0 && !h.leak_to) ctx_.error(t, r.key("leak_to"), "leakage > 0 needs leak_to (where the lost go)");
      if (h.leak_to && !(h.leakage > 0))
        ctx_.error(*t.get("leak_to"), r.key("leak_to"), "has no effect without leakage > 0");
      s_.handovers.push_back(std::move(h));
    }
  }

  void read_organisation_costs(const TableReader& top) {
    const toml::table* t = top.subtable("organisation_costs");
    if (!t) return;
    for (auto&& [k, v] : *t) {
      const std::string key = "organisation_costs." + std::string(k.str());
      if (!v.is_table()) {
        ctx_.error(v, key, "must be a table { fixed_eur_per_year = ..., eur_per_person_year = ... }");
        continue;
      }
      TableReader r(ctx_, *v.as_table(), key, {"fixed_eur_per_year", "eur_per_person_year"});
      OrganisationCost c;
      c.organisation = std::string(k.str());
      c.line = ctx_.line_of(v);
      if (!valid_identifier(c.organisation)) ctx_.error(v, key, "organisation names are letters, digits, '_' or '-'");
      c.fixed_eur_per_year = r.non_negative("fixed_eur_per_year").value_or(0.0);
      c.eur_per_person_year = r.non_negative("eur_per_person_year").value_or(0.0);
      s_.organisation_costs.push_back(std::move(c));
    }
  }

  // Handover rules and organisation costs must name organisations some model uses, and need a
  // region with an organisation model to mean anything.
  void check_organisations(const TableReader& top) {
    std::set<std::string> orgs;
    for (const auto& m : s_.organisation_models)
      for (const auto& [f, o] : m.runs)
        if (!o.empty()) orgs.insert(o);
    const std::vector<std::string> known_list(orgs.begin(), orgs.end());
    std::vector<std::string_view> known(known_list.begin(), known_list.end());
    const bool any_model = std::any_of(s_.regions.begin(), s_.regions.end(),
                                       [](const Region& g) { return g.organisation_model.has_value(); });
    if (const toml::node* n = top.node("handover"); n && n->is_array()) {
      const toml::array& arr = *n->as_array();
      for (std::size_t i = 0; i < arr.size() && i < s_.handovers.size(); ++i) {
        const toml::table* t = arr[i].as_table();
        if (!t) continue;
        if (!any_model)
          ctx_.error(*t, "handover[" + std::to_string(i) + "]",
                     "has no effect: no region has an organisation_model (set organisation_model)");
        for (auto k : {"from", "to"})
          if (const toml::node* o = t->get(k); o && o->is_string()) {
            const std::string org(*o->value<std::string_view>());
            if (org != "*" && !orgs.count(org))
              ctx_.error(*o, "handover[" + std::to_string(i) + "]." + k,
                         "unknown organisation '" + org + "'" + did_you_mean(org, known) + "; known: " + join(known));
          }
      }
    }
    if (const toml::table* t = top.subtable("organisation_costs"))
      for (auto&& [k, v] : *t) {
        const std::string org(k.str());
        if (!orgs.count(org))
          ctx_.error(v, "organisation_costs." + org,
                     "unknown organisation '" + org + "'" + did_you_mean(org, known) + "; known: " + join(known));
        else if (!any_model)
          ctx_.error(v, "organisation_costs." + org, "has no effect: no region has an organisation_model");
      }
  }

  // ---- regions ------------------------------------------------------------------------------

  // Places of every capacity state from the top-level declarations, scaled by `share`.
  std::vector<StepSchedule> template_places(double share) const {
    std::vector<StepSchedule> places(s_.states.size());
    for (std::size_t i = 0; i < s_.states.size(); ++i) {
      if (!s_.states[i].capacity) continue;
      StepSchedule p = template_places_.at(static_cast<StateIndex>(i));
      p.before = std::round(p.before * share);
      for (double& v : p.values) v = std::round(v * share);
      places[i] = std::move(p);
    }
    return places;
  }

  static bool valid_region_name(std::string_view n) {
    return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return std::isalnum(u) || c == '_' || c == '-' || c == ' ' || c == '\'' || u >= 0x80;  // UTF-8 letters
    });
  }

  void read_regions(const TableReader& top) {
    const toml::node* n = top.node("region");
    if (!n) {
      // The single region takes the whole template.
      Region g;
      g.name = "all";
      g.organisation_model = default_model_;
      g.initial = std::move(template_initial_);
      g.individuals = std::move(template_individuals_);
      g.inflows = std::move(template_inflows_);
      g.places = template_places(1.0);
      g.share = 1.0;
      g.own_places.assign(s_.states.size(), false);
      s_.regions.push_back(std::move(g));
      return;
    }
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      ctx_.error(*n, "region", "must be an array of tables: write each as [[region]]");
      return;
    }
    std::set<std::string> names;
    bool shared = false;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *(*arr)[i].as_table();
      std::string label = "region[" + std::to_string(i) + "]";
      if (auto nm = t.get("name"); nm && nm->is_string()) label = "region[" + std::string(*nm->value<std::string_view>()) + "]";
      TableReader r(ctx_, t, label, {"name", "organisation_model", "share", "population", "inflow", "capacity"});
      Region g;
      g.line = ctx_.line_of(t);
      g.own_places.assign(s_.states.size(), false);
      if (auto nm = r.string("name", true)) {
        if (!valid_region_name(*nm))
          ctx_.error(*t.get("name"), r.key("name"), "must be a name of letters, digits, spaces, '_', '-' or an apostrophe");
        else if (!names.insert(*nm).second)
          ctx_.error(*t.get("name"), r.key("name"), "duplicate region '" + *nm + "'");
        g.name = *nm;
      }
      g.organisation_model = r.has("organisation_model") ? model_ref(r, "organisation_model") : default_model_;
      const auto share = r.positive("share");
      if (share) {
        shared = true;
        g.share = *share;
        for (auto k : {"population", "inflow"})
          if (r.has(k))
            ctx_.error(*t.get(k), r.key(k),
                       "give either share (of the top-level population and inflow) or the region's own " + std::string(k));
        if (!template_individuals_.empty())
          ctx_.error(*t.get("share"), r.key("share"),
                     "cannot take a share of a population read from CSV; give the region its own [[region.population]]");
        for (InitialGroup grp : template_initial_) {
          grp.count = static_cast<std::uint64_t>(std::llround(static_cast<double>(grp.count) * *share));
          g.initial.push_back(std::move(grp));
        }
        for (Inflow f : template_inflows_) {
          f.rate_per_year.before *= *share;
          for (double& v : f.rate_per_year.values) v *= *share;
          g.inflows.push_back(std::move(f));
        }
        g.places = template_places(*share);
      } else {
        read_groups(r.node("population"), r.key("population"), g.initial, g.individuals);
        read_inflow_list(r.node("inflow"), r.key("inflow"), g.inflows);
        g.places = template_places(1.0);
      }
      if (const toml::table* caps = r.subtable("capacity")) {
        TableReader cr(ctx_, *caps, r.key("capacity"), {}, /*report_unknown=*/false);
        for (auto&& [k, v] : *caps) {
          const std::string ck = cr.key(k.str());
          const State* st = s_.find_state(k.str());
          if (!st || st->generated) {
            ctx_.error(v, ck, "unknown state '" + std::string(k.str()) + "'");
            continue;
          }
          if (!st->capacity) {
            ctx_.error(v, ck, "state '" + st->name + "' has no capacity; declare capacity (and its waiting rules) on the state");
            continue;
          }
          if (auto sch = year_schedule(cr, k.str(), true, 0.0, true)) {
            bool whole = std::floor(sch->before) == sch->before;
            for (double x : sch->values) whole = whole && std::floor(x) == x;
            if (!whole) {
              ctx_.error(v, ck, "must be a whole number of places");
            } else {
              g.places[static_cast<std::size_t>(st - s_.states.data())] = *sch;
              g.own_places[static_cast<std::size_t>(st - s_.states.data())] = true;
            }
          }
        }
      }
      s_.regions.push_back(std::move(g));
    }
    if (!shared) {
      for (auto k : {"population", "inflow"})
        if (top.has(k))
          ctx_.error(*top.node(k), k,
                     "with [[region]] tables the top-level " + std::string(k) +
                         " is only a template for regions with share, and no region has one; give it to the regions as [[region." +
                         k + "]]");
    }
  }

  // ---- reporting and KPIs -------------------------------------------------------------------

  void read_report(const TableReader& top) {
    const double start = s_.start_year, end = s_.end_year();
    const toml::table* t = top.subtable("report");
    if (!t) {
      if (horizon_ok_) default_grid(1.0);
      return;
    }
    TableReader r(ctx_, *t, "report", {"step_years", "times"});
    if (r.has("step_years") && r.has("times")) {
      ctx_.error(*t->get("times"), r.key("times"), "give either step_years or times, not both");
      return;
    }
    if (auto times = r.numbers("times")) {
      if (times->empty()) {
        ctx_.error(*t->get("times"), r.key("times"), "must not be empty");
        return;
      }
      for (std::size_t i = 0; i < times->size(); ++i) {
        const double x = (*times)[i];
        if (x < start - 1e-9 || x > end + 1e-9) {
          ctx_.error(*t->get("times"), r.key("times") + "[" + std::to_string(i) + "]",
                     "report time " + fmt_num(x) + " is outside the simulation [" + fmt_num(start) + ", " +
                         fmt_num(end) + "] (calendar years)");
          return;
        }
        if (i > 0 && !(x > (*times)[i - 1])) {
          ctx_.error(*t->get("times"), r.key("times"), "must be strictly increasing");
          return;
        }
      }
      if (std::fabs(times->back() - end) > 1e-9) {
        ctx_.error(*t->get("times"), r.key("times"),
                   "the last report time (" + fmt_num(times->back()) + ") must be the end of the simulation, start_year + horizon_years = " +
                       fmt_num(end) + ", so that flows, person-years and costs cover the whole run");
        return;
      }
      s_.report_times = *times;
      return;
    }
    if (auto step = r.positive("step_years")) {
      if (horizon_ok_) {
        if (s_.horizon_years / *step > 1e6) {
          ctx_.error(*t->get("step_years"), r.key("step_years"), "gives more than a million report times");
          return;
        }
        default_grid(*step);
      }
    } else if (horizon_ok_ && !r.has("step_years")) {
      default_grid(1.0);
    }
  }

  void default_grid(double step) {
    if (s_.horizon_years / step > 1e6) {
      ctx_.error(*root_.get("horizon_years"), "horizon_years",
                 "reporting every " + fmt_num(step) + " year" + (step == 1.0 ? "" : "s") +
                     " gives more than a million report times; shorten the horizon or give [report] step_years or times");
      return;
    }
    const auto n = static_cast<std::size_t>(std::floor(s_.horizon_years / step + 1e-9));
    for (std::size_t k = 0; k <= n; ++k) s_.report_times.push_back(s_.start_year + static_cast<double>(k) * step);
    if (s_.report_times.back() < s_.end_year() - 1e-9) s_.report_times.push_back(s_.end_year());
  }

  void read_kpi(const TableReader& top) {
    const toml::table* t = top.subtable("kpi");
    auto list = [&](const TableReader& r, std::string_view k, std::vector<StateIndex>& out) {
      auto names = r.strings(k);
      if (!names) return false;
      const toml::array& arr = *r.node(k)->as_array();
      for (std::size_t j = 0; j < names->size(); ++j)
        if (auto si = state_ref(arr[j], r.key(k) + "[" + std::to_string(j) + "]")) out.push_back(*si);
      return true;
    };
    bool work = false, uitval = false;
    if (t) {
      TableReader r(ctx_, *t, "kpi", {"work_states", "uitval_states"});
      work = list(r, "work_states", s_.kpi.work);
      uitval = list(r, "uitval_states", s_.kpi.uitval);
    }
    for (std::size_t i = 0; i < s_.states.size(); ++i) {
      const State& st = s_.states[i];
      if (!work && !st.absorbing && st.trede >= 5 && !st.waiting_for) s_.kpi.work.push_back(static_cast<StateIndex>(i));
      if (!uitval && !st.waiting_for && (st.functionality == "uitval" || st.name.rfind("uitval", 0) == 0))
        s_.kpi.uitval.push_back(static_cast<StateIndex>(i));
    }
  }

 private:
  LoadContext& ctx_;
  const toml::table& root_;
  std::string base_dir_;
  Scenario s_;
  bool horizon_ok_ = true;
  std::optional<std::uint32_t> default_model_;
  std::vector<const toml::table*> state_tables_;
  // The top-level template, expanded into the regions by read_regions.
  std::vector<InitialGroup> template_initial_;
  std::vector<Individual> template_individuals_;
  std::vector<Inflow> template_inflows_;
  std::map<StateIndex, StepSchedule> template_places_;
  std::vector<int> state_lines_;
  std::vector<std::string> state_files_;
};

}  // namespace
}  // namespace trede::model

namespace trede::model {
namespace {

void throw_if_errors(LoadContext& ctx) {
  if (ctx.diagnostics.empty()) return;
  // Files in the order they first appear, then by line (a strict weak order).
  std::vector<std::string> files;
  for (const Diagnostic& d : ctx.diagnostics)
    if (std::find(files.begin(), files.end(), d.file) == files.end()) files.push_back(d.file);
  auto rank = [&](const Diagnostic& d) { return std::find(files.begin(), files.end(), d.file) - files.begin(); };
  std::stable_sort(ctx.diagnostics.begin(), ctx.diagnostics.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    const auto ra = rank(a), rb = rank(b);
    return ra != rb ? ra < rb : a.line < b.line;
  });
  throw ModelError(std::move(ctx.diagnostics));
}

}  // namespace

Scenario parse_scenario(std::string_view text, const std::string& source_name,
                        const std::vector<std::string>& overrides, const std::string& base_dir) {
  LoadContext ctx;
  ctx.file = source_name;
  std::vector<SourceText> bases;
  auto root = read_document(text, source_name, base_dir, overrides, ctx, bases, disk_reader());
  if (!root) throw_if_errors(ctx);
  Loader loader(ctx, *root, base_dir);
  Scenario s = loader.load();
  throw_if_errors(ctx);
  s.source_path = source_name;
  s.text = std::string(text);
  s.overrides = overrides;
  for (auto& b : bases) {
    s.base_paths.push_back(b.path);
    s.base_texts.push_back(b.text);
  }
  if (s.name.empty()) s.name = std::filesystem::path(source_name).stem().string();
  // Uncertain parameters last: their keys are checked against the scenario they belong to.
  if (const toml::node* u = root->get("uncertainty")) {
    s.uncertainty = read_uncertainty(u, ctx, [&s](const std::string& key, std::string& problem) -> std::optional<random::Interval> {
      try {
        const NumericKey k = numeric_key(s, KeyPath::parse(key));
        switch (k.domain) {
          case Domain::positive: return random::Interval{0.0, k.max, true, false};
          case Domain::non_negative: return random::Interval{0.0, k.max, false, false};
          case Domain::probability: return random::Interval::probability();
          case Domain::whole:
          case Domain::calendar_year:
          case Domain::real: return random::Interval{k.min, k.max, false, false};
        }
        return random::Interval::real();
      } catch (const ModelError& e) {
        problem.clear();
        for (const auto& d : e.diagnostics()) problem += (problem.empty() ? "" : "; ") + d.message;
        return std::nullopt;
      }
    });
    throw_if_errors(ctx);
  }
  return s;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  std::string text;
  if (const std::string why = trede::detail::read_file(path, text); !why.empty())
    throw IoError(path, why == "is a directory, not a file" ? "is a directory, not a scenario file"
                                                            : "cannot open scenario file: " + why);
  const auto dir = std::filesystem::path(path).parent_path();
  return parse_scenario(text, path, overrides, dir.empty() ? "." : dir.string());
}

std::string describe(const Scenario& s) {
  std::ostringstream os;
  os << "scenario " << s.name << ": " << s.states.size() << " states, " << s.transitions.size()
     << " transitions, start " << s.start_year << ", horizon " << s.horizon_years << " years, "
     << s.report_times.size() << " report times\n";
  std::size_t inflows = 0, individuals = 0;
  for (const Region& g : s.regions) inflows += g.inflows.size(), individuals += g.individuals.size();
  os << "population at start: " << s.initial_population() << " people";
  if (individuals > 0) os << " (" << individuals << " from CSV)";
  os << "; inflow sources: " << inflows << "\n";
  if (s.regions.size() > 1 || s.regions.front().organisation_model) {
    os << "regions: " << s.regions.size();
    std::map<std::string, int> models;
    for (const Region& g : s.regions)
      ++models[g.organisation_model ? s.organisation_models[*g.organisation_model].name : std::string("(none)")];
    os << " (organisation models:";
    for (const auto& [m, n] : models) os << " " << m << " " << n;
    os << ")";
    if (!s.handovers.empty()) os << "; handover rules: " << s.handovers.size();
    os << "\n";
  }
  os << "states:\n";
  for (const State& st : s.states) {
    os << "  " << st.name << "  trede " << st.trede << "  " << st.functionality;
    if (st.absorbing) os << "  absorbing";
    if (st.cost_eur_per_year > 0) os << "  " << st.cost_eur_per_year << " EUR/person-year";
    if (st.capacity) {
      const StepSchedule places = s.total_places(static_cast<StateIndex>(&st - s.states.data()));
      os << "  capacity " << places.before;
      if (!places.constant()) os << " (changes " << places.times.size() << "x)";
      os << (st.capacity->waiting == WaitingMode::stay ? ", waiting in place" : ", waiting in ")
         << (st.capacity->waiting == WaitingMode::separate ? s.states[st.capacity->waiting_state].name : "");
      if (st.capacity->renege_rate > 0) os << ", renege " << st.capacity->renege_rate << "/yr";
    }
    if (st.generated) os << "  (waiting list of " << s.states[*st.waiting_for].name << ")";
    os << "\n";
  }
  os << "transitions:\n";
  static const char* kinds[] = {"exponential", "weibull", "gamma", "lognormal", "fixed", "table"};
  for (const Transition& t : s.transitions) {
    os << "  " << t.id << "  " << kinds[static_cast<int>(t.hazard.kind)];
    if (t.hazard.kind == HazardKind::exponential) os << " rate " << t.hazard.rate << "/yr" << (t.rate_by_year && !t.rate_by_year->constant() ? " at the start, by calendar year" : "");
    else if (t.hazard.kind == HazardKind::table && t.hazard.clock != Clock::time_in_state)
      os << " by " << (t.hazard.clock == Clock::age ? "age" : "calendar year");
    else os << " mean " << hazard_mean(t.hazard) << " yr";
    if (!t.covariates.empty()) os << "  " << t.covariates.size() << " covariate effect(s)";
    if (!t.multiplier.constant()) os << "  calendar multiplier";
    else if (t.multiplier.before != 1.0) os << "  multiplier " << t.multiplier.before;
    os << "\n";
  }
  return os.str();
}

namespace {
// The step schedule op(a.at(t), b.at(t)), with the steps of both.
template <class Op>
StepSchedule combine(const StepSchedule& a, const StepSchedule& b, Op op) {
  StepSchedule out;
  out.before = op(a.before, b.before);
  std::vector<double> times = a.times;
  times.insert(times.end(), b.times.begin(), b.times.end());
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  for (double t : times) {
    out.times.push_back(t);
    out.values.push_back(op(a.at(t), b.at(t)));
  }
  return out;
}
}  // namespace

StepSchedule product(const StepSchedule& a, const StepSchedule& b) { return combine(a, b, std::multiplies<>{}); }

StepSchedule calendar_factor(const Transition& t) {
  return t.rate_by_year ? product(t.multiplier, *t.rate_by_year) : t.multiplier;
}

StepSchedule Scenario::total_places(StateIndex i) const {
  StepSchedule sum = StepSchedule::constant_value(0.0);
  for (const Region& r : regions)
    if (i < r.places.size()) sum = combine(sum, r.places[i], std::plus<>{});
  return sum;
}

double StepSchedule::at(double t) const noexcept {
  const auto it = std::upper_bound(times.begin(), times.end(), t);
  return it == times.begin() ? before : values[static_cast<std::size_t>(it - times.begin()) - 1];
}

const State* Scenario::find_state(std::string_view n) const noexcept {
  for (const State& st : states)
    if (st.name == n) return &st;
  return nullptr;
}

StateIndex Scenario::state_index(std::string_view n) const {
  const State* st = find_state(n);
  if (!st) throw ModelError(source_path, 0, "state", "no state named '" + std::string(n) + "'");
  return static_cast<StateIndex>(st - states.data());
}

const Attribute* Scenario::find_attribute(std::string_view n) const noexcept {
  for (const Attribute& a : attributes)
    if (a.name == n) return &a;
  return nullptr;
}

std::uint64_t Scenario::initial_population() const noexcept {
  std::uint64_t n = 0;
  for (const Region& r : regions) {
    n += r.individuals.size();
    for (const InitialGroup& g : r.initial) n += g.count;
  }
  return n;
}

std::string OrganisationModel::organisation_of(std::string_view functionality) const {
  for (const auto& [f, o] : runs)
    if (f == functionality) return o;
  return {};
}

}  // namespace trede::model
