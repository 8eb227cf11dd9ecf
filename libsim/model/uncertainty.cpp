// The [uncertainty] table of a scenario (trede/model/uncertainty.hpp, docs/scenario-format.md §19.2).

#include "trede/model/uncertainty.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>

#include "model/table_reader.hpp"
#include "model/uncertainty_reader.hpp"

namespace trede::model {

std::vector<std::string> Uncertainty::keys() const {
  std::vector<std::string> out;
  for (const auto& p : parameters) out.push_back(p.key);
  for (const auto& g : groups) out.insert(out.end(), g.keys.begin(), g.keys.end());
  return out;
}

random::JointDistribution Uncertainty::joint() const {
  random::JointDistribution j;
  for (const auto& p : parameters) j.add(p.distribution);
  for (const auto& g : groups) j.add(g.group);
  return j;
}

std::vector<std::string> Uncertainty::block_names() const {
  std::vector<std::string> out;
  for (const auto& p : parameters) out.push_back(p.key);
  for (const auto& g : groups) {
    std::string label = g.name;
    if (label.empty())
      for (const auto& k : g.keys) label += (label.empty() ? "" : ", ") + k;
    out.push_back(std::move(label));
  }
  return out;
}

std::vector<LabelClash> Uncertainty::label_clashes() const {
  const std::vector<std::string> labels = block_names(), all_keys = keys();
  const std::size_t P = parameters.size();
  std::vector<LabelClash> out;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string& name = groups[g].name;
    if (name.empty()) continue;
    if (std::find(all_keys.begin(), all_keys.end(), name) != all_keys.end()) {
      out.push_back({g, std::nullopt});
      continue;
    }
    for (std::size_t h = 0; h < groups.size(); ++h)
      if (h != g && labels[P + h] == name && (h < g || groups[h].name.empty())) {
        out.push_back({g, h});
        break;
      }
  }
  return out;
}

std::vector<std::string> Uncertainty::describe() const {
  std::vector<std::string> out;
  for (const auto& p : parameters) out.push_back(p.key + " ~ " + p.distribution.to_string());
  for (const auto& g : groups) {
    std::string line = g.kind == UncertainGroup::Kind::correlated ? "correlated" : "multivariate normal";
    line += g.name.empty() ? ": " : " '" + g.name + "': ";
    for (std::size_t i = 0; i < g.keys.size(); ++i)
      line += (i ? ", " : "") + g.keys[i] + " ~ " + g.group.marginals()[i].to_string();
    out.push_back(line);
  }
  return out;
}

namespace {

bool same(const random::ParameterDistribution& a, const random::ParameterDistribution& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  return a.family() == b.family() && std::equal(pa.begin(), pa.end(), pb.begin(), pb.end());
}

}  // namespace

bool Uncertainty::operator==(const Uncertainty& o) const {
  if (parameters.size() != o.parameters.size() || groups.size() != o.groups.size()) return false;
  for (std::size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].key != o.parameters[i].key || !same(parameters[i].distribution, o.parameters[i].distribution))
      return false;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto &a = groups[i], &b = o.groups[i];
    if (a.kind != b.kind || a.name != b.name || a.keys != b.keys || a.group.correlation() != b.group.correlation() ||
        a.group.size() != b.group.size())
      return false;
    for (std::size_t j = 0; j < a.group.size(); ++j)
      if (!same(a.group.marginals()[j], b.group.marginals()[j])) return false;
  }
  return true;
}

namespace detail {
namespace {

// ModelError diagnostics of a distribution or group (key = the entry) as the loader's, at `n`.
// Each diagnostic at the member of table n it names (its line: a group's `correlation` or
// `covariance`), else at n.
void report(LoadContext& ctx, const toml::node& n, const std::string& prefix, const ModelError& e) {
  for (const auto& d : e.diagnostics()) {
    const toml::node* at = &n;
    if (const toml::table* t = n.as_table())
      if (const toml::node* m = t->get(d.key.substr(0, d.key.find_first_of(".[")))) at = m;
    ctx.error(*at, d.key.empty() ? prefix : prefix + "." + d.key, d.message);
  }
}

// Element i of a group's `keys` array (its own line), or the group when there is none.
const toml::node& key_node(const TableReader& r, const toml::table& group, std::size_t i) {
  const toml::node* keys = r.node("keys");
  const toml::array* a = keys ? keys->as_array() : nullptr;
  return a && i < a->size() ? *a->get(i) : static_cast<const toml::node&>(group);
}

// A k x k matrix given as an array of k arrays of numbers; nullopt (with a diagnostic) otherwise.
std::optional<std::vector<double>> matrix(LoadContext& ctx, const TableReader& r, std::string_view k, std::size_t size) {
  const toml::node* n = r.node(k);
  if (!n) {
    r.missing(k, "a " + std::to_string(size) + " x " + std::to_string(size) + " array of arrays of numbers");
    return std::nullopt;
  }
  const toml::array* rows = n->as_array();
  if (!rows || rows->size() != size) {
    ctx.error(*n, r.key(k), "must be " + std::to_string(size) + " rows (one per key) of " + std::to_string(size) + " numbers");
    return std::nullopt;
  }
  std::vector<double> m;
  for (std::size_t i = 0; i < size; ++i) {
    const toml::array* row = (*rows)[i].as_array();
    if (!row || row->size() != size) {
      ctx.error((*rows)[i], r.key(k) + "[" + std::to_string(i) + "]", "must be a row of " + std::to_string(size) + " numbers");
      return std::nullopt;
    }
    for (std::size_t j = 0; j < size; ++j) {
      const auto v = r.as_number((*row)[j], r.key(k) + "[" + std::to_string(i) + "][" + std::to_string(j) + "]");
      if (!v) return std::nullopt;
      m.push_back(*v);
    }
  }
  return m;
}

std::optional<std::vector<std::string>> key_list(LoadContext& ctx, const TableReader& r) {
  const toml::node* n = r.node("keys");
  if (!n) {
    r.missing("keys", "the scenario keys of the group, e.g. [\"transition[a->b].rate\", ...]");
    return std::nullopt;
  }
  const toml::array* a = n->as_array();
  std::vector<std::string> keys;
  if (a)
    for (const auto& e : *a)
      if (const auto s = e.value<std::string>()) keys.push_back(*s);
  if (!a || keys.size() != a->size() || keys.empty()) {
    ctx.error(*n, r.key("keys"), "must be a non-empty array of key paths (strings)");
    return std::nullopt;
  }
  return keys;
}

// A multivariate normal whose coordinates are on the log scale ("log": the key is
// lognormal) or the natural scale: a Gaussian copula of lognormal and normal marginals with
// the covariance's correlation, which is that multivariate normal exactly.
random::CorrelatedGroup mixed_normal(const std::vector<std::string>& scales, const std::vector<double>& mean,
                                     const std::vector<double>& cov) {
  const std::size_t k = mean.size();
  if (std::all_of(scales.begin(), scales.end(), [](const std::string& x) { return x == "log"; }))
    return random::CorrelatedGroup::log_normal(mean, cov);
  if (std::all_of(scales.begin(), scales.end(), [](const std::string& x) { return x == "natural"; }))
    return random::CorrelatedGroup::normal(mean, cov);
  std::vector<Diagnostic> problems;
  for (std::size_t i = 0; i < k; ++i) {
    if (!(cov[i * k + i] > 0.0))
      problems.push_back({"", 0, "covariance[" + std::to_string(i) + "][" + std::to_string(i) + "]", "must be > 0"});
    for (std::size_t j = 0; j < i; ++j)
      if (cov[i * k + j] != cov[j * k + i])
        problems.push_back({"", 0, "covariance[" + std::to_string(i) + "][" + std::to_string(j) + "]",
                            "must equal covariance[" + std::to_string(j) + "][" + std::to_string(i) + "] (symmetric)"});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  std::vector<random::ParameterDistribution> marginals;
  std::vector<double> corr(k * k);
  for (std::size_t i = 0; i < k; ++i) {
    const double sd = std::sqrt(cov[i * k + i]);
    marginals.push_back(scales[i] == "log" ? random::ParameterDistribution::lognormal(std::exp(mean[i]), sd)
                                           : random::ParameterDistribution::normal(mean[i], sd));
    for (std::size_t j = 0; j < k; ++j) corr[i * k + j] = cov[i * k + j] / std::sqrt(cov[i * k + i] * cov[j * k + j]);
  }
  return random::CorrelatedGroup(std::move(marginals), corr);
}

std::optional<random::ParameterDistribution> distribution(LoadContext& ctx, const toml::node& n, const std::string& key) {
  const toml::table* t = n.as_table();
  if (!t) {
    ctx.error(n, key, std::string("must be a table { dist = \"...\", ... } (got ") + type_name(n) + ")");
    return std::nullopt;
  }
  const toml::node* family = t->get("dist");
  if (!family || !family->is_string()) {
    ctx.error(n, key + ".dist",
              "missing or not a string: the distribution, one of uniform, triangular, normal, lognormal, gamma, beta");
    return std::nullopt;
  }
  std::vector<random::NamedValue> values;
  bool ok = true;
  for (auto&& [k, v] : *t) {
    if (k.str() == "dist") continue;
    if (!v.is_number() || !std::isfinite(*v.value<double>())) {
      ctx.error(v, key + "." + std::string(k.str()), std::string("must be a finite number (got ") + type_name(v) + ")");
      ok = false;
      continue;
    }
    values.push_back({std::string(k.str()), *v.value<double>()});
  }
  if (!ok) return std::nullopt;
  try {
    return random::make_distribution(*family->value<std::string_view>(), values);
  } catch (const ModelError& e) {
    report(ctx, n, key, e);
    return std::nullopt;
  }
}

}  // namespace

Uncertainty read_uncertainty(const toml::node* node, LoadContext& ctx, const KeyDomain& domain_of,
                             const KeysAtValues& at_values) {
  Uncertainty out;
  if (!node) return out;
  const toml::table* tbl = node->as_table();
  if (!tbl) {
    ctx.error(*node, "uncertainty", "must be a table of key = { dist = ..., ... } entries");
    return out;
  }
  // Every entry is checked: the key exists and takes numbers, the distribution's values fit it.
  std::set<std::string> seen;
  struct Drawn {  // a checked key, its lowest and highest draws and where it is declared
    std::string key;
    double lowest, highest;
    const toml::node* where;
    std::string label;
  };
  std::vector<Drawn> drawn;
  auto check_key = [&](const toml::node& where, const std::string& label, const std::string& key,
                       const random::ParameterDistribution* dist) {
    if (!seen.insert(key).second) {
      ctx.error(where, label, "key '" + key + "' is given more than once in [uncertainty]");
      return false;
    }
    std::string problem;
    const std::optional<random::Interval> domain = domain_of(key, problem);
    if (!domain) {
      ctx.error(where, label, problem);
      return false;
    }
    if (dist) {
      // The lower end as the distribution's mathematics has it (an open end does not fit a
      // closed one: a rate needs min > 0 of a uniform); the upper end as far as draws can
      // reach (quantile clamps u below 1 - 2^-53), since every key has a finite maximum.
      random::Interval lower_part = *domain;
      lower_part.upper = std::numeric_limits<double>::infinity();
      lower_part.upper_open = true;
      std::string p = random::support_problem(*dist, lower_part);
      const double highest = dist->quantile(1.0);
      if (p.empty() && !(highest <= domain->upper))
        p = "a " + std::string(random::family_name(dist->family())) + " distribution with these parameters draws values up to " +
            fmt_num(highest) + " but the key takes at most " + fmt_num(domain->upper) + " (" + dist->to_string() + ")";
      if (!p.empty()) {
        ctx.error(where, label, p);
        return false;
      }
      drawn.push_back({key, dist->quantile(0.0), highest, &where, label});
    }
    return true;
  };

  // Independent entries first (their order is the draw order); those a `correlated` group
  // names move into the group.
  std::map<std::string, std::pair<random::ParameterDistribution, const toml::node*>> marginals;
  std::vector<std::string> order;
  for (auto&& [k, v] : *tbl) {
    const std::string key(k.str());
    if (key == "correlated" || key == "multivariate_normal") continue;
    const std::string label = "uncertainty.\"" + key + "\"";
    if (auto d = distribution(ctx, v, label)) {
      marginals.emplace(key, std::pair{*d, &v});
      order.push_back(key);
    }
  }
  std::set<std::string> grouped;
  // A group's optional `name`: its label in EVPPI and sensitivity tables. It must not be blank;
  // that it tells the group apart from every other block is checked at the end.
  struct NameAt {
    const toml::node* node = nullptr;  // null: the group has no name
    std::string path;
  };
  std::vector<NameAt> name_at;  // [group] where each group of `out` was named
  NameAt last_name;
  auto group_name = [&](const TableReader& r) -> std::string {
    last_name = {};
    const auto name = r.string("name");
    if (!name) return "";
    const toml::node& n = *r.node("name");
    if (std::all_of(name->begin(), name->end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
      ctx.error(n, r.key("name"), "must not be blank (it labels the group in EVPPI and sensitivity tables; leave it out "
                                  "to label the group by its keys)");
      return "";
    }
    last_name = {&n, r.key("name")};
    return *name;
  };
  auto add_group = [&](UncertainGroup g) {
    out.groups.push_back(std::move(g));
    name_at.push_back(last_name);
  };
  auto groups_of = [&](const char* name) -> const toml::array* {
    const toml::node* n = tbl->get(name);
    if (!n) return nullptr;
    // An empty array is no groups: a variant (`extends`) drops its base's groups that way, as
    // arrays of tables are replaced as a whole.
    if (const toml::array* a = n->as_array(); a && a->empty()) return nullptr;
    if (!n->is_array_of_tables()) {
      ctx.error(*n, std::string("uncertainty.") + name, "must be an array of tables [[uncertainty." + std::string(name) + "]]");
      return nullptr;
    }
    return n->as_array();
  };
  if (const toml::array* groups = groups_of("correlated")) {
    for (std::size_t gi = 0; gi < groups->size(); ++gi) {
      const toml::table& t = *(*groups)[gi].as_table();
      const std::string path = "uncertainty.correlated[" + std::to_string(gi) + "]";
      TableReader r(ctx, t, path, {"keys", "correlation", "name"});
      const auto keys = key_list(ctx, r);
      const std::string name = group_name(r);
      if (!keys) continue;
      std::vector<random::ParameterDistribution> ms;
      bool ok = true;
      for (std::size_t i = 0; i < keys->size(); ++i) {
        const std::string& key = (*keys)[i];
        const auto it = marginals.find(key);
        if (it == marginals.end()) {
          ctx.error(key_node(r, t, i), r.key("keys"),
                    "'" + key + "' has no distribution of its own: give it one in [uncertainty] (the group "
                    "only correlates them)");
          ok = false;
        } else if (!grouped.insert(key).second) {
          ctx.error(key_node(r, t, i), r.key("keys"), "'" + key + "' is in two groups");
          ok = false;
        } else {
          ms.push_back(it->second.first);
        }
      }
      const auto corr = matrix(ctx, r, "correlation", keys->size());
      if (!ok || !corr) continue;
      try {
        add_group({UncertainGroup::Kind::correlated, *keys, random::CorrelatedGroup(ms, *corr), ctx.file_of(t),
                   ctx.line_of(t), name});
      } catch (const ModelError& e) {
        report(ctx, t, path, e);
      }
    }
  }
  for (const auto& key : order) {
    if (grouped.count(key)) continue;
    const auto& [dist, where] = marginals.at(key);
    if (check_key(*where, "uncertainty.\"" + key + "\"", key, &dist))
      out.parameters.push_back({key, dist, ctx.file_of(*where), ctx.line_of(*where)});
  }
  for (const auto& g : out.groups)
    for (std::size_t i = 0; i < g.keys.size(); ++i)
      (void)check_key(*marginals.at(g.keys[i]).second, "uncertainty.\"" + g.keys[i] + "\"", g.keys[i], &g.group.marginals()[i]);

  if (const toml::array* groups = groups_of("multivariate_normal")) {
    for (std::size_t gi = 0; gi < groups->size(); ++gi) {
      const toml::table& t = *(*groups)[gi].as_table();
      const std::string path = "uncertainty.multivariate_normal[" + std::to_string(gi) + "]";
      TableReader r(ctx, t, path, {"keys", "scale", "mean", "covariance", "name"});
      const auto keys = key_list(ctx, r);
      const std::string name = group_name(r);
      if (!keys) continue;
      // `scale`: "log" (log X is normal: calibrated rates), "natural", or one of those per key.
      std::vector<std::string> scales;
      if (const toml::node* sc = r.node("scale")) {
        if (const auto one = sc->value<std::string>()) scales.assign(keys->size(), *one);
        else if (const toml::array* a = sc->as_array())
          for (const auto& e : *a) scales.push_back(e.value<std::string>().value_or("?"));
      } else {
        scales.assign(keys->size(), "log");
      }
      const bool scales_ok = scales.size() == keys->size() &&
                             std::all_of(scales.begin(), scales.end(), [](const std::string& x) { return x == "log" || x == "natural"; });
      if (!scales_ok) {
        ctx.error(t, r.key("scale"), "must be \"log\" (log X is normal, as calibrations write), \"natural\", or an array "
                                     "with one of those per key");
        continue;
      }
      const toml::node* mean_node = r.node("mean");
      std::vector<double> mean;
      if (const toml::array* a = mean_node ? mean_node->as_array() : nullptr)
        for (std::size_t i = 0; i < a->size(); ++i)
          if (auto v = r.as_number((*a)[i], r.key("mean") + "[" + std::to_string(i) + "]")) mean.push_back(*v);
      if (mean.size() != keys->size()) {
        ctx.error(mean_node ? *mean_node : static_cast<const toml::node&>(t), r.key("mean"),
                  "must be " + std::to_string(keys->size()) + " numbers, one per key (the means of the logs on the "
                  "log scale)");
        continue;
      }
      const auto cov = matrix(ctx, r, "covariance", keys->size());
      if (!cov) continue;
      try {
        random::CorrelatedGroup group = mixed_normal(scales, mean, *cov);
        bool ok = true;
        for (std::size_t i = 0; i < keys->size(); ++i) {
          if (marginals.count((*keys)[i])) {
            ctx.error(key_node(r, t, i), r.key("keys"),
                      "'" + (*keys)[i] + "' also has a distribution of its own in [uncertainty]");
            ok = false;
          } else {
            ok = check_key(key_node(r, t, i), r.key("keys") + "[" + std::to_string(i) + "]", (*keys)[i],
                           &group.marginals()[i]) && ok;
          }
        }
        if (ok)
          add_group({UncertainGroup::Kind::multivariate_normal, *keys, std::move(group), ctx.file_of(t),
                     ctx.line_of(t), name});
      } catch (const ModelError& e) {
        report(ctx, t, path, e);
      }
    }
  }
  // The scenario must take the values drawn: asked for all keys at once at their lowest and at
  // their highest draws (a key at the top or bottom of its range moves only one way), and key by
  // key only when that fails, so that each problem names its key.
  if (at_values && !drawn.empty()) {
    std::vector<std::string> keys;
    std::vector<double> low, high;
    for (const Drawn& d : drawn) keys.push_back(d.key), low.push_back(d.lowest), high.push_back(d.highest);
    if (!at_values(keys, high).empty() || !at_values(keys, low).empty())
      for (const Drawn& d : drawn) {
        std::string p = at_values(std::span(&d.key, 1), std::span(&d.highest, 1));
        if (p.empty()) p = at_values(std::span(&d.key, 1), std::span(&d.lowest, 1));
        if (!p.empty()) ctx.error(*d.where, d.label, p);
      }
  }
  // Every block's label (block_names) must be its own.
  for (const LabelClash& c : out.label_clashes()) {
    const NameAt& at = name_at[c.group];
    const std::string& name = out.groups[c.group].name;
    if (!c.other) {
      ctx.error(*at.node, at.path, "'" + name + "' is an uncertain key; a group's name must tell it apart from every key");
      continue;
    }
    const UncertainGroup& other = out.groups[*c.other];  // perhaps from a base file (extends)
    ctx.error(*at.node, at.path, "'" + name + "' already labels the group at " +
                                     (other.file == out.groups[c.group].file ? "line " : other.file + ":") +
                                     std::to_string(other.line) + (other.name.empty() ? " (its keys)" : " (its name)") +
                                     "; each group needs a label of its own");
  }
  return out;
}

}  // namespace detail
}  // namespace trede::model
