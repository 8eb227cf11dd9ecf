// [[organisation_effect]]: multipliers on rates that depend on the organisation model of a
// person's region, turned into covariate effects on a generated attribute
// (model/organisation_effects.hpp).

#include <algorithm>
#include <set>

#include "model/key_path_select.hpp"
#include "model/loader.hpp"
#include "model/organisation_effects.hpp"
#include "trede/model/limits.hpp"

namespace trede::model::detail {
namespace {

// A string or an array of strings at `k`: each value with its node (for messages); nullopt
// (with a diagnostic) for anything else.
std::optional<std::vector<std::pair<std::string, const toml::node*>>> one_or_more(const TableReader& r,
                                                                                  std::string_view k) {
  const toml::node* n = r.node(k);
  if (!n) return std::nullopt;
  std::vector<std::pair<std::string, const toml::node*>> out;
  if (n->is_string()) {
    out.emplace_back(std::string(*n->value<std::string_view>()), n);
    return out;
  }
  const toml::array* arr = n->as_array();
  bool ok = arr && !arr->empty();
  for (std::size_t i = 0; ok && i < arr->size(); ++i) {
    if (!(*arr)[i].is_string()) ok = false;
    else out.emplace_back(std::string(*(*arr)[i].value<std::string_view>()), &(*arr)[i]);
  }
  if (!ok) {
    r.ctx().error(*n, r.key(k), std::string("must be a string or a non-empty array of strings (got ") + type_name(*n) + ")");
    return std::nullopt;
  }
  return out;
}

}  // namespace

void Loader::read_organisation_effects(const TableReader& top) {
  const toml::node* n = top.node("organisation_effect");
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr || !arr->is_array_of_tables()) {
    ctx_.error(*n, "organisation_effect", "must be an array of tables: write each as [[organisation_effect]]");
    return;
  }
  std::set<std::string> orgs;
  for (const auto& m : s_.organisation_models)
    for (const auto& [f, o] : m.runs)
      if (!o.empty()) orgs.insert(o);
  const std::vector<std::string> org_list(orgs.begin(), orgs.end());
  std::vector<std::string_view> model_names;
  for (const auto& m : s_.organisation_models) model_names.push_back(m.name);
  std::set<std::string> names;
  std::vector<const toml::table*> tables;  // of the effects read, with their labels
  std::vector<std::string> labels;

  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::table& t = *(*arr)[i].as_table();
    std::string label = "organisation_effect[" + std::to_string(i) + "]";
    if (auto nm = t.get("name"); nm && nm->is_string()) label = "organisation_effect[" + std::string(*nm->value<std::string_view>()) + "]";
    TableReader r(ctx_, t, label,
                  {"name", "description", "organisation_model", "functionality", "organisation", "transition", "from",
                   "from_functionality", "to", "into", "multiplier"});
    OrganisationEffect e;
    e.line = ctx_.line_of(t);
    bool ok = true;
    if (auto nm = r.string("name")) {
      if (!valid_identifier(*nm)) {
        ctx_.error(*t.get("name"), r.key("name"), "effect names are letters, digits, '_' or '-'");
        ok = false;
      } else if (!names.insert(*nm).second) {
        ctx_.error(*t.get("name"), r.key("name"), "duplicate organisation effect '" + *nm + "'");
        ok = false;
      }
      e.name = *nm;
    }
    e.description = r.string("description").value_or("");
    if (auto m = r.ranged("multiplier", rule_of("organisation_effect", "multiplier"))) e.multiplier = *m;
    else if (r.has("multiplier")) ok = false;

    // Where it applies: the regions whose organisation model is named, or runs the functionality
    // by the organisation.
    const bool by_model = r.has("organisation_model");
    const bool by_function = r.has("functionality") || r.has("organisation");
    if (by_model && by_function) {
      ctx_.error(*t.get("organisation_model"), r.key("organisation_model"),
                 "give either organisation_model or functionality with organisation, not both");
      ok = false;
    } else if (!by_model && !by_function) {
      ctx_.error(t, label,
                 "missing the condition: give organisation_model = \"<model>\" or functionality = \"<A..H, inkomen, wsw>\" "
                 "with organisation = \"<organisation>\"");
      ok = false;
    } else if (by_model) {
      if (auto models = one_or_more(r, "organisation_model")) {
        for (const auto& [name, node] : *models) {
          if (auto m = find_model(name)) e.models.push_back(*m);
          else {
            ctx_.error(*node, r.key("organisation_model"),
                       "unknown organisation model '" + name + "'" + did_you_mean(name, model_names) +
                           "; known: " + join(model_names));
            ok = false;
          }
        }
      } else {
        ok = false;
      }
    } else {
      const auto f = r.choice("functionality", functionalities());
      const auto o = r.string("organisation");
      if (!r.has("functionality")) r.missing("functionality", "the functionality whose organisation decides, e.g. \"B\"");
      if (!r.has("organisation")) r.missing("organisation", "the organisation that runs the functionality, e.g. \"SOB\"");
      if (o && !orgs.count(*o)) {
        ctx_.error(*t.get("organisation"), r.key("organisation"),
                   "unknown organisation '" + *o + "'" + did_you_mean(*o, org_list) + "; known: " +
                       join(std::vector<std::string_view>(org_list.begin(), org_list.end())));
        ok = false;
      }
      if (!f || !o) ok = false;
      if (ok) {
        e.functionality = *f;
        e.organisation = *o;
        for (std::size_t m = 0; m < s_.organisation_models.size(); ++m)
          if (s_.organisation_models[m].organisation_of(*f) == *o) e.models.push_back(static_cast<std::uint32_t>(m));
        if (e.models.empty()) {
          ctx_.error(t, label, "no organisation model has functionality " + *f + " run by " + *o);
          ok = false;
        }
      }
    }

    // Which transitions: named ones, or the exits of states (by name or functionality),
    // optionally only those to some states or into work, uitval, up or down the ladder.
    const int kinds = int(r.has("transition")) + int(r.has("from")) + int(r.has("from_functionality"));
    if (kinds > 1) {
      ctx_.error(t, label, "give one of transition, from and from_functionality");
      ok = false;
    } else if (r.has("transition")) {
      for (auto k : {"to", "into"})
        if (r.has(k)) {
          ctx_.error(*t.get(k), r.key(k), "not used with transition (it names the transitions itself)");
          ok = false;
        }
      if (auto sels = one_or_more(r, "transition")) {
        std::vector<std::uint32_t> declared;
        for (std::size_t ti = 0; ti < s_.transitions.size(); ++ti)
          if (!s_.transitions[ti].renege) declared.push_back(static_cast<std::uint32_t>(ti));
        for (const auto& [sel, node] : *sels) {
          std::string error;
          const auto k = pick_element(
              sel, declared.size(),
              [&](std::size_t j) {
                const Transition& tr = s_.transitions[declared[j]];
                // A transition whose states did not resolve (already reported) has no from->to.
                if (tr.from >= s_.states.size() || tr.to >= s_.states.size()) return ElementLabels{{}, tr.id, {}, {}};
                return ElementLabels{{}, tr.id, s_.states[tr.from].name, s_.states[tr.to].name};
              },
              error);
          if (k) e.transitions.push_back(declared[*k]);
          else {
            ctx_.error(*node, r.key("transition"), error);
            ok = false;
          }
        }
      } else {
        ok = false;
      }
    } else {
      std::vector<bool> from(s_.states.size(), false);
      if (r.has("from")) {
        const toml::node& fn = *t.get("from");
        const auto list = fn.is_array() ? fn.as_array() : nullptr;
        if (list && !list->empty()) {
          for (std::size_t j = 0; j < list->size(); ++j)
            if (auto si = state_ref((*list)[j], r.key("from") + "[" + std::to_string(j) + "]")) from[*si] = true;
            else ok = false;
        } else if (auto si = state_ref(fn, r.key("from"))) {
          from[*si] = true;
        } else {
          ok = false;
        }
      } else {
        std::vector<std::pair<std::string, const toml::node*>> fs;
        if (r.has("from_functionality")) {
          if (auto list = one_or_more(r, "from_functionality")) fs = *list;
          else ok = false;
        } else if (!e.functionality.empty()) {
          fs.emplace_back(e.functionality, nullptr);
        } else if (by_model && !by_function) {
          ctx_.error(t, label, "missing the transitions: give transition, from or from_functionality");
          ok = false;
        }
        const auto& known = functionalities();
        for (const auto& [f, node] : fs) {
          if (std::find(known.begin(), known.end(), f) == known.end() && f != "none") {
            std::vector<std::string_view> all = known;
            all.push_back("none");
            ctx_.error(*node, r.key("from_functionality"),
                       "must be one of " + join(all) + " (got '" + f + "')" + did_you_mean(f, all));
            ok = false;
            continue;
          }
          for (std::size_t si = 0; si < s_.states.size(); ++si)
            if (s_.states[si].functionality == f) from[si] = true;
        }
      }
      std::optional<std::vector<bool>> to;
      if (r.has("to")) {
        to.emplace(s_.states.size(), false);
        const toml::node& tn = *t.get("to");
        const auto list = tn.is_array() ? tn.as_array() : nullptr;
        if (list && !list->empty()) {
          for (std::size_t j = 0; j < list->size(); ++j)
            if (auto si = state_ref((*list)[j], r.key("to") + "[" + std::to_string(j) + "]")) (*to)[*si] = true;
            else ok = false;
        } else if (auto si = state_ref(tn, r.key("to"))) {
          (*to)[*si] = true;
        } else {
          ok = false;
        }
      }
      const auto into = r.choice("into", {"work", "uitval", "up", "down"});
      if (r.has("into") && !into) ok = false;
      std::vector<bool> work(s_.states.size(), false), uitval(s_.states.size(), false);
      for (StateIndex w : s_.kpi.work) work[w] = true;
      for (StateIndex u : s_.kpi.uitval) uitval[u] = true;
      for (std::size_t ti = 0; ti < s_.transitions.size() && ok; ++ti) {
        const Transition& tr = s_.transitions[ti];
        if (tr.renege || tr.from >= s_.states.size() || tr.to >= s_.states.size()) continue;
        if (!from[tr.from] || (to && !(*to)[tr.to])) continue;
        const State& a = s_.states[tr.from];
        const State& b = s_.states[tr.to];
        const bool on_ladder = !b.absorbing && a.trede >= 1 && b.trede >= 1;
        if (into == "work" && !work[tr.to]) continue;
        if (into == "uitval" && !uitval[tr.to]) continue;
        if (into == "up" && !(on_ladder && b.trede > a.trede)) continue;
        if (into == "down" && !(on_ladder && b.trede < a.trede)) continue;
        e.transitions.push_back(static_cast<std::uint32_t>(ti));
      }
      if (ok && e.transitions.empty()) {
        ctx_.error(t, label, "selects no transition: no transition leads from those states" +
                                 std::string(to || into ? " to those destinations" : ""));
        ok = false;
      }
    }
    std::sort(e.transitions.begin(), e.transitions.end());
    e.transitions.erase(std::unique(e.transitions.begin(), e.transitions.end()), e.transitions.end());
    std::sort(e.models.begin(), e.models.end());
    e.models.erase(std::unique(e.models.begin(), e.models.end()), e.models.end());
    if (!ok) continue;
    s_.organisation_effects.push_back(std::move(e));
    tables.push_back(&t);
    labels.push_back(label);
  }
  if (arr->empty()) return;
  const bool any_model = std::any_of(s_.regions.begin(), s_.regions.end(),
                                     [](const Region& g) { return g.organisation_model.has_value(); });
  if (!any_model) {
    ctx_.error(*n, "organisation_effect", "has no effect: no region has an organisation_model (set organisation_model)");
    return;
  }
  if (s_.organisation_effects.empty()) return;
  add_organisation_attribute(s_);
  if (const auto over = apply_organisation_effects(s_)) {
    const toml::table& t = *tables[over->effect];
    ctx_.error(t.get("multiplier") ? *t.get("multiplier") : static_cast<const toml::node&>(t), labels[over->effect] + ".multiplier",
               "with the other organisation effects on transition[" + s_.transitions[over->transition].id + "] under " +
                   s_.organisation_models[over->model].name + ", its rate reaches " + fmt_num(over->rate) +
                   " per year; at most " + message_number(limits::max_rate_per_year) +
                   " per year (a cycle of faster moves never ends)");
  }
}

}  // namespace trede::model::detail
