#include "model/csv_population.hpp"

#include "text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>

namespace trede::model::detail {
void read_population_csv(const std::string& path, const Scenario& s, std::vector<Individual>& out,
                         LoadContext& ctx, const toml::node& at, const std::string& key) {
  std::ifstream in(path);
  if (!in) {
    ctx.error(at, key, "cannot open population file '" + path + "'");
    return;
  }
  std::string line;
  std::vector<std::string> fields;
  int lineno = 0;
  // Header.
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") != std::string::npos && line[line.find_first_not_of(" \t")] != '#') break;
  }
  if (!trede::detail::split_csv(line, fields) || fields.empty() || fields[0].empty()) {
    ctx.error_in(path, lineno, "header", "missing header line (state[,time_in_state][,<attribute>...])");
    return;
  }
  const std::size_t ncol = fields.size();
  int state_col = -1, tis_col = -1;
  std::vector<int> attr_col(s.attributes.size(), -1);
  bool header_ok = true;
  for (std::size_t c = 0; c < ncol; ++c) {
    const std::string& name = fields[c];
    auto dup = [&](int col) {
      if (col >= 0) {
        ctx.error_in(path, lineno, name, "column appears twice");
        header_ok = false;
      }
    };
    if (name == "state") { dup(state_col); state_col = static_cast<int>(c); continue; }
    if (name == "time_in_state") { dup(tis_col); tis_col = static_cast<int>(c); continue; }
    const Attribute* a = s.find_attribute(name);
    if (!a) {
      ctx.error_in(path, lineno, name,
                   "unknown column: expected state, time_in_state or a declared attribute");
      header_ok = false;
      continue;
    }
    const auto ai = static_cast<std::size_t>(a - s.attributes.data());
    dup(attr_col[ai]);
    attr_col[ai] = static_cast<int>(c);
  }
  if (state_col < 0) {
    ctx.error_in(path, lineno, "state", "missing required column 'state'");
    header_ok = false;
  }
  for (std::size_t a = 0; a < s.attributes.size(); ++a)
    if (attr_col[a] < 0 && !s.attributes[a].default_value && s.attributes[a].kind != AttributeKind::count) {
      ctx.error_in(path, lineno, s.attributes[a].name,
                   "missing column for attribute '" + s.attributes[a].name + "' (and it has no default)");
      header_ok = false;
    }
  if (!header_ok) return;

  std::size_t errors = 0;
  auto bad = [&](int ln, const std::string& col, const std::string& msg) {
    if (++errors <= 20) ctx.error_in(path, ln, col, msg);
  };
  while (std::getline(in, line)) {
    ++lineno;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    if (!trede::detail::split_csv(line, fields)) { bad(lineno, "row", "unterminated quote"); continue; }
    if (fields.size() != ncol) {
      bad(lineno, "row", "has " + std::to_string(fields.size()) + " fields, the header has " + std::to_string(ncol));
      continue;
    }
    Individual ind;
    bool ok = true;
    const std::string& sname = fields[static_cast<std::size_t>(state_col)];
    const State* st = s.find_state(sname);
    if (!st) { bad(lineno, "state", "unknown state '" + sname + "'"); ok = false; }
    else if (st->absorbing) { bad(lineno, "state", "state '" + sname + "' is absorbing; people cannot start there"); ok = false; }
    else ind.state = static_cast<StateIndex>(st - s.states.data());
    if (tis_col >= 0) {
      auto v = trede::detail::parse_finite(fields[static_cast<std::size_t>(tis_col)]);
      if (!v || *v < 0) { bad(lineno, "time_in_state", "must be a number of years >= 0 (got '" + fields[static_cast<std::size_t>(tis_col)] + "')"); ok = false; }
      else ind.time_in_state = *v;
    }
    ind.attributes.assign(s.attributes.size(), 0.0);
    for (std::size_t a = 0; a < s.attributes.size(); ++a) {
      const Attribute& at = s.attributes[a];
      if (attr_col[a] < 0) {
        ind.attributes[a] = at.default_value.value_or(0.0);
        continue;
      }
      const std::string& f = fields[static_cast<std::size_t>(attr_col[a])];
      if (f.empty()) { bad(lineno, at.name, "missing value"); ok = false; continue; }
      if (at.kind == AttributeKind::category) {
        auto it = std::find(at.levels.begin(), at.levels.end(), f);
        if (it == at.levels.end()) { bad(lineno, at.name, "'" + f + "' is not a level of '" + at.name + "'"); ok = false; }
        else ind.attributes[a] = static_cast<double>(it - at.levels.begin());
        continue;
      }
      auto v = trede::detail::parse_finite(f);
      if (!v) { bad(lineno, at.name, "must be a number (got '" + f + "')"); ok = false; continue; }
      if ((at.kind == AttributeKind::count || at.kind == AttributeKind::age) && *v < 0) {
        bad(lineno, at.name, "must be >= 0 (got '" + f + "')");
        ok = false;
        continue;
      }
      if (at.kind == AttributeKind::count && *v != std::floor(*v)) {
        bad(lineno, at.name, "a count must be a whole number (got '" + f + "')");
        ok = false;
        continue;
      }
      ind.attributes[a] = *v;
    }
    if (ok) out.push_back(std::move(ind));
  }
  if (errors > 20)
    ctx.error_in(path, lineno, "row", std::to_string(errors - 20) + " more bad rows not listed");
}

}  // namespace trede::model::detail
