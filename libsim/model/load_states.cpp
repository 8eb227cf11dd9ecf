// [[state]]: names, trede, costs, capacities and waiting lists; generated waiting states.

#include <algorithm>
#include <cmath>
#include <set>

#include "model/loader.hpp"
#include "trede/model/limits.hpp"

namespace trede::model::detail {

void Loader::read_states(const TableReader& top) {
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
    st.cost_eur_per_year = r.ranged("cost_eur_per_year", rule_of("state", "cost_eur_per_year")).value_or(0.0);
    if (st.absorbing && st.cost_eur_per_year > 0)
      ctx_.error(*t.get("cost_eur_per_year"), r.key("cost_eur_per_year"),
                 "an absorbing state holds everyone who ever left the model; it cannot have a cost per person-year");
    s_.states.push_back(std::move(st));
    state_tables_.push_back(&t);
    state_lines_.push_back(s_.states.back().line);
  }
}

void Loader::read_capacities() {
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
      auto sch = year_schedule(r, "capacity", true, 0.0, true, rule_of("state", "capacity"));
      if (!sch) continue;
      template_places_[i] = *sch;
      if (r.has("cost_per_place_eur"))
        ctx_.error(*t.get("cost_per_place_eur"), r.key("cost_per_place_eur"),
                   "only used with capacity_budget_eur");
    } else {
      auto budget = year_schedule(r, "capacity_budget_eur", true, 0.0, true, rule_of("state", "capacity_budget_eur"));
      auto per_place = r.ranged("cost_per_place_eur", rule_of("state", "cost_per_place_eur"), true);
      if (!budget || !per_place) continue;
      StepSchedule places = *budget;
      places.before = std::floor(budget->before / *per_place);
      for (double& v : places.values) v = std::floor(v / *per_place);
      bool too_many = places.before > limits::max_places;
      for (double v : places.values) too_many = too_many || v > limits::max_places;
      if (too_many) {
        ctx_.error(*t.get("cost_per_place_eur"), r.key("cost_per_place_eur"),
                   "the budget pays for more than 2^53 places; give the cost per place in euros per place per year");
        continue;
      }
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
    cap.renege_rate = r.ranged("renege_rate", rule_of("state", "renege_rate")).value_or(0.0);
    if (r.has("renege_to")) cap.renege_to = state_ref(r, "renege_to", true);
    if (cap.renege_to && !(cap.renege_rate > 0) && r.has("renege_to"))
      ctx_.error(*t.get("renege_to"), r.key("renege_to"), "has no effect without renege_rate > 0");
    if (cap.waiting == WaitingMode::separate && cap.renege_rate > 0 && !cap.renege_to)
      ctx_.error(t, r.key("renege_to"), "separate waiting with renege_rate > 0 needs renege_to");
    if (cap.renege_to && *cap.renege_to == i)
      ctx_.error(*t.get("renege_to"), r.key("renege_to"), "cannot renege into the state waited for");

    if (cap.waiting == WaitingMode::separate) {
      std::string wname = r.string("waiting_state").value_or("wait_" + s_.states[i].name);
      // Without a waiting_state key the name comes from the state's own (invalid) name: the
      // problem is then reported at the state's table.
      if (!valid_identifier(wname))
        ctx_.error(t.get("waiting_state") ? *t.get("waiting_state") : static_cast<const toml::node&>(t),
                   r.key("waiting_state"),
                   "must be a name of letters, digits, '_' or '-' (got '" + wname + "')");
      const State* existing = s_.find_state(wname);
      if (existing) {
        const auto w = static_cast<StateIndex>(existing - s_.states.data());
        if (existing->absorbing || existing->capacity || existing->waiting_for) {
          ctx_.error(ctx_.blame(t, {t.get("waiting_state")}), r.key("waiting_state"),
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

void Loader::finish_waiting_states() {
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

}  // namespace trede::model::detail
