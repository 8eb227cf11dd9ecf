// Organisation models (built-in and declared), [[handover]] rules and [organisation_costs].

#include <algorithm>
#include <functional>
#include <set>

#include "model/loader.hpp"

namespace trede::model::detail {

const std::vector<std::string_view>& Loader::functionalities() {
  static const std::vector<std::string_view> f = {"inkomen", "A", "B", "C", "D", "E", "F", "G", "H", "wsw", "uitval"};
  return f;
}

void Loader::builtin_models() {
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

std::optional<std::uint32_t> Loader::find_model(std::string_view name) const {
  for (std::size_t i = 0; i < s_.organisation_models.size(); ++i)
    if (s_.organisation_models[i].name == name) return static_cast<std::uint32_t>(i);
  return std::nullopt;
}

std::optional<std::uint32_t> Loader::model_ref(const TableReader& r, std::string_view k) {
  auto name = r.string(k);
  if (!name) return std::nullopt;
  if (auto m = find_model(*name)) return m;
  std::vector<std::string_view> names;
  for (auto& m : s_.organisation_models) names.push_back(m.name);
  ctx_.error(*r.node(k), r.key(k),
             "unknown organisation model '" + *name + "'" + did_you_mean(*name, names) + "; known: " + join(names));
  return std::nullopt;
}

bool Loader::valid_organisation(std::string_view o) { return o.empty() || valid_identifier(o); }

void Loader::read_organisation_models(const TableReader& top) {
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
    // False when `name`'s chain of bases runs into a cycle: then it and every model on the way
    // stay out of `done_models` and are reported below. (A model that is its own base is read,
    // and reported as such.)
    std::function<bool(const std::string&)> visit = [&](const std::string& name) {
      if (done_models.count(name) || !t->get(name) || !t->get(name)->is_table()) return true;
      if (!visiting.insert(name).second) return false;  // back on the path: a cycle
      if (auto b = t->get(name)->as_table()->get("base"); b && b->is_string()) {
        const std::string base(*b->value<std::string_view>());
        if (base != name && !visit(base)) return false;
      }
      done_models.insert(name);
      order.push_back(name);
      return true;
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

void Loader::read_handovers(const TableReader& top) {
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
    h.leakage = r.ranged("leakage", rule_of("handover", "leakage"))
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

void Loader::read_organisation_costs(const TableReader& top) {
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
    c.fixed_eur_per_year = r.ranged("fixed_eur_per_year", rule_of("organisation_costs", "fixed_eur_per_year")).value_or(0.0);
    c.eur_per_person_year = r.ranged("eur_per_person_year", rule_of("organisation_costs", "eur_per_person_year")).value_or(0.0);
    s_.organisation_costs.push_back(std::move(c));
  }
}

void Loader::check_organisations(const TableReader& top) {
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

}  // namespace trede::model::detail
