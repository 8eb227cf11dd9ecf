#include "model/csv_population.hpp"

#include <algorithm>
#include <cmath>

#include "text.hpp"
#include "trede/model/limits.hpp"

namespace trede::model::detail {

void read_population_csv(const std::string& path, const Scenario& s, std::vector<Individual>& out,
                         LoadContext& ctx, const toml::node& at, const std::string& key) {
  std::string text;
  if (const std::string why = trede::detail::read_file(path, text); !why.empty()) {
    ctx.error(at, key, "cannot open population file '" + path + "': " + why);
    return;
  }
  trede::detail::CsvReader csv(text);
  std::string header_error;
  if (!csv.read_header(header_error) || csv.header().empty() || csv.header()[0].empty() || !header_error.empty()) {
    ctx.error_in(path, csv.line(), "header",
                 header_error.empty() ? "missing header line (state[,time_in_state][,<attribute>...])" : header_error);
    return;
  }
  const int header_line = csv.header_line();
  bool header_ok = true;
  for (const auto& [name, message] : csv.header_problems()) {
    ctx.error_in(path, header_line, name, message);
    header_ok = false;
  }
  std::vector<int> attr_col(s.attributes.size(), -1);
  for (const std::string& name : csv.header()) {
    if (name == "state" || name == "time_in_state" || name.empty()) continue;
    const Attribute* a = s.find_attribute(name);
    if (!a) {
      std::vector<std::string> known = {"state", "time_in_state"};
      for (const Attribute& at_ : s.attributes) known.push_back(at_.name);
      ctx.error_in(path, header_line, name,
                   "unknown column: expected state, time_in_state or a declared attribute" +
                       trede::detail::did_you_mean(name, known));
      header_ok = false;
      continue;
    }
    attr_col[static_cast<std::size_t>(a - s.attributes.data())] = static_cast<int>(*csv.column(name));
  }
  const auto state_col = csv.column("state");
  const auto tis_col = csv.column("time_in_state");
  if (!state_col) {
    ctx.error_in(path, header_line, "state", "missing required column 'state'");
    header_ok = false;
  }
  for (std::size_t a = 0; a < s.attributes.size(); ++a)
    if (attr_col[a] < 0 && !s.attributes[a].default_value && s.attributes[a].kind != AttributeKind::count) {
      ctx.error_in(path, header_line, s.attributes[a].name,
                   "missing column for attribute '" + s.attributes[a].name + "' (and it has no default)");
      header_ok = false;
    }
  if (!header_ok) return;

  const std::size_t ncol = csv.header().size();
  std::size_t errors = 0;
  auto bad = [&](int ln, const std::string& col, const std::string& msg) {
    if (++errors <= 20) ctx.error_in(path, ln, col, msg);
  };
  std::vector<std::string> fields;
  int lineno = 0;
  bool split_ok = true;
  std::string why;
  while (csv.next(fields, lineno, split_ok)) {
    if (!split_ok) { bad(lineno, "row", "unterminated quote"); continue; }
    if (fields.size() != ncol) {
      bad(lineno, "row", "has " + std::to_string(fields.size()) + " fields, the header has " + std::to_string(ncol));
      continue;
    }
    if (out.size() >= static_cast<std::size_t>(limits::max_people)) {
      bad(lineno, "row", "more than 2^31 - 1 people in one file; the engine holds at most 2^31 - 1 people at once");
      break;
    }
    Individual ind;
    bool ok = true;
    const std::string& sname = fields[*state_col];
    const State* st = s.find_state(sname);
    if (!st) { bad(lineno, "state", "unknown state '" + sname + "'"); ok = false; }
    else if (st->absorbing) { bad(lineno, "state", "state '" + sname + "' is absorbing; people cannot start there"); ok = false; }
    else ind.state = static_cast<StateIndex>(st - s.states.data());
    if (tis_col) {
      const std::string& f = fields[*tis_col];
      auto v = csv.number(f, lineno, why);
      if (!v || *v < 0 || *v > limits::max_duration_years) {
        bad(lineno, "time_in_state", why.empty() ? "must be a number of years >= 0 (got '" + f + "')" : why);
        ok = false;
      } else {
        ind.time_in_state = *v;
      }
    }
    ind.attributes.assign(s.attributes.size(), 0.0);
    for (std::size_t a = 0; a < s.attributes.size(); ++a) {
      const Attribute& at_ = s.attributes[a];
      if (attr_col[a] < 0) {
        ind.attributes[a] = at_.default_value.value_or(0.0);
        continue;
      }
      const std::string& f = fields[static_cast<std::size_t>(attr_col[a])];
      if (f.empty()) { bad(lineno, at_.name, "missing value"); ok = false; continue; }
      if (at_.kind == AttributeKind::category) {
        auto it = std::find(at_.levels.begin(), at_.levels.end(), f);
        if (it == at_.levels.end()) { bad(lineno, at_.name, "'" + f + "' is not a level of '" + at_.name + "'"); ok = false; }
        else ind.attributes[a] = static_cast<double>(it - at_.levels.begin());
        continue;
      }
      auto v = csv.number(f, lineno, why);
      if (!v) { bad(lineno, at_.name, why.empty() ? "must be a number (got '" + f + "')" : why); ok = false; continue; }
      if ((at_.kind == AttributeKind::count || at_.kind == AttributeKind::age) && *v < 0) {
        bad(lineno, at_.name, "must be >= 0 (got '" + f + "')");
        ok = false;
        continue;
      }
      if (at_.kind == AttributeKind::count && *v != std::floor(*v)) {
        bad(lineno, at_.name, "a count must be a whole number (got '" + f + "')");
        ok = false;
        continue;
      }
      if (std::fabs(*v) > (at_.kind == AttributeKind::age ? limits::max_age_years : limits::max_abs_value)) {
        bad(lineno, at_.name,
            "must be at most " + std::string(at_.kind == AttributeKind::age ? "150 (years)" : "1e9 in size") + " (got '" + f + "')");
        ok = false;
        continue;
      }
      ind.attributes[a] = *v;
    }
    if (ok) out.push_back(std::move(ind));
  }
  if (auto p = csv.finish()) bad(p->first, "row", p->second);
  if (errors > 20)
    ctx.error_in(path, csv.line(), "row", std::to_string(errors - 20) + " more bad rows not listed");
}

}  // namespace trede::model::detail
