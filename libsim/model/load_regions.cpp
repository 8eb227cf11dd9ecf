// [[region]]: each region's people, inflow and places, the top-level template expanded into
// the regions that take it.

#include <algorithm>
#include <cmath>
#include <set>

#include "model/loader.hpp"
#include "trede/model/limits.hpp"

namespace trede::model::detail {

std::vector<StepSchedule> Loader::template_places(double share) const {
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

bool Loader::valid_region_name(std::string_view n) {
  return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || c == '-' || c == ' ' || c == '\'' || u >= 0x80;  // UTF-8 letters
  });
}

void Loader::read_regions(const TableReader& top) {
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
  if (arr->size() > limits::max_regions) {
    ctx_.error(*n, "region",
               std::to_string(arr->size()) + " regions; at most " + std::to_string(limits::max_regions) +
                   ": the engine stores a person's region in 16 bits");
    return;
  }
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
    const auto share = r.ranged("share", rule_of("region", "share"));
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
        if (auto sch = year_schedule(cr, k.str(), true, 0.0, true, rule_of("region.capacity", k.str()))) {
          g.places[static_cast<std::size_t>(st - s_.states.data())] = *sch;
          g.own_places[static_cast<std::size_t>(st - s_.states.data())] = true;
        }
      }
    }
    s_.regions.push_back(std::move(g));
  }
  // A --set of a state's capacity that no region takes (each gives its own places) would be
  // silently ignored: say where to set it instead.
  if (const toml::array* states = root_["state"].as_array(); states && !s_.regions.empty())
    for (const toml::node& n : *states) {
      const toml::table* t = n.as_table();
      const toml::node* cap = t ? t->get("capacity") : nullptr;
      const auto name = t ? t->get_as<std::string>("name") : nullptr;
      if (!cap || !name || !ctx_.override_of.count(cap)) continue;
      const State* st = s_.find_state(name->get());
      if (!st) continue;
      const std::size_t i = static_cast<std::size_t>(st - s_.states.data());
      bool reaches = false;
      for (const Region& g : s_.regions) reaches = reaches || !g.own_places[i];
      if (!reaches)
        ctx_.error(*cap, "state[" + name->get() + "].capacity",
                   "has no effect: every region gives its own places for '" + name->get() +
                       "' ([region.capacity]); set region[NAME].capacity." + name->get() + " instead");
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

}  // namespace trede::model::detail
