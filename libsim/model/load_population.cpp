// Distributions, attribute draws, [[population]] (groups and CSV files) and [[inflow]].

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "model/csv_population.hpp"
#include "model/loader.hpp"

namespace trede::model::detail {

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


std::optional<Distribution> Loader::distribution(const toml::node& n, const std::string& key,
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
    const double v = number_value(n);
    if (const std::string p = rule_of("distribution", "value").problem(v); !p.empty()) {
      ctx_.error(n, key, p);
      return std::nullopt;
    }
    d.a = v;
    return d;
  }
  TableReader r(ctx_, *n.as_table(), key,
                {"dist", "value", "min", "max", "mean", "sd", "values", "weights", "shape", "scale", "meanlog", "sdlog"});
  // A parameter in its valid range (docs/scenario-format.md, "Valid ranges").
  const auto param = [&](const char* k, bool positive, bool required = true) -> std::optional<double> {
    auto v = positive ? r.positive(k, required) : r.number(k, required);
    return v ? r.in_range(*r.node(k), r.key(k), *v, rule_of("distribution", k)) : std::nullopt;
  };
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
    auto x = is_cat ? category_value(*v, r.key("value")) : param("value", false);
    if (!x) return std::nullopt;
    d.a = *x;
  } else if (*kind == "exponential") {
    d.kind = Distribution::Kind::exponential;
    auto mean = param("mean", true);
    if (!mean) return std::nullopt;
    d.a = *mean;
  } else if (*kind == "gamma") {
    d.kind = Distribution::Kind::gamma;
    auto shape = param("shape", true), scale = param("scale", true);
    if (!shape || !scale) return std::nullopt;
    d.a = *shape;
    d.b = *scale;
  } else if (*kind == "lognormal") {
    d.kind = Distribution::Kind::lognormal;
    auto ml = param("meanlog", false);
    auto sl = param("sdlog", true);
    if (!ml || !sl) return std::nullopt;
    d.a = *ml;
    d.b = *sl;
  } else if (*kind == "uniform") {
    d.kind = Distribution::Kind::uniform;
    auto lo = param("min", false), hi = param("max", false);
    if (!lo || !hi) return std::nullopt;
    if (!(*hi >= *lo)) {
      ctx_.error(*r.node("max"), r.key("max"), "must be >= min");
      return std::nullopt;
    }
    d.a = *lo;
    d.b = *hi;
  } else if (*kind == "normal") {
    d.kind = Distribution::Kind::normal;
    auto mean = param("mean", false);
    auto sd = param("sd", true);
    if (!mean || !sd) return std::nullopt;
    d.a = *mean;
    d.b = *sd;
    d.lo = r.has("min") ? param("min", false, false).value_or(-infinity) : -infinity;
    d.hi = r.has("max") ? param("max", false, false).value_or(infinity) : infinity;
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
      if (x && !is_cat) x = r.in_range((*va)[j], k, *x, rule_of("distribution", "values"));
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
    if (!std::isfinite(sum)) {
      ctx_.error(*r.node("weights"), r.key("weights"),
                 "the weights sum to more than the largest number (about 1.8e308); divide them by a common factor");
      return std::nullopt;
    }
    d.weights = *weights;
  }
  if (!ok) return std::nullopt;
  return d;
}

std::vector<AttributeDraw> Loader::attribute_draws(const TableReader& r, const toml::table& owner) {
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

void Loader::read_population(const TableReader& top) {
  read_groups(top.node("population"), "population", template_initial_, template_individuals_);
}

void Loader::read_groups(const toml::node* n, const std::string& key, std::vector<InitialGroup>& initial,
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
      s_.data_paths.push_back(p.string());  // an input of the run: no output may overwrite it
      detail::read_population_csv(p.string(), s_, individuals, ctx_, *t.get("csv"), r.key("csv"));
      continue;
    }
    InitialGroup g;
    g.line = ctx_.line_of(t);
    auto st = state_ref(r, "state", true, false, true);
    const auto count = r.whole("count", rule_of("population", "count"), true);
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
    if (st && count) {
      g.count = static_cast<std::uint64_t>(*count);
      initial.push_back(std::move(g));
    }
  }
}

void Loader::read_inflows(const TableReader& top) { read_inflow_list(top.node("inflow"), "inflow", template_inflows_); }

void Loader::read_inflow_list(const toml::node* n, const std::string& key, std::vector<Inflow>& inflows) {
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
    auto rate = year_schedule(r, "rate_per_year", true, 0.0, true, rule_of("inflow", "rate_per_year"));
    if (rate) f.rate_per_year = *rate;
    f.attributes = attribute_draws(r, t);
    if (st && rate) inflows.push_back(std::move(f));
  }
}

}  // namespace trede::model::detail
