// Long-format CSV data for calibration: id,time,state[,covariates...].
//
// Every problem is collected with its line and reported together (ModelError), like scenario
// problems; only the first few of one kind per file would drown the rest, so the list is capped.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "text.hpp"
#include "trede/calib/data.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"

namespace trede::calib {
namespace {

constexpr std::size_t max_problems = 50;

bool is_missing(const std::string& s) {
  return s.empty() || s == "NA" || s == "NaN" || s == "nan" || s == "." || s == "null";
}

// How one selected covariate column is turned into model columns.
struct CovariateColumn {
  std::string name;
  std::size_t field = 0;
  const model::Attribute* attribute = nullptr;
  std::size_t first_output = 0;  // first index in PanelData::covariate_names
};

}  // namespace

std::size_t PanelData::observations() const noexcept {
  std::size_t n = 0;
  for (const auto& s : subjects) n += s.time_years.size();
  return n;
}

PanelData parse_csv(std::string_view text, const std::string& source_name, const model::Scenario& scenario,
                    const CsvOptions& options) {
  std::vector<Diagnostic> problems;
  std::size_t found = 0;  // every problem, also those beyond the first max_problems listed
  auto problem = [&](int line, const std::string& key, const std::string& msg) {
    if (problems.size() < max_problems) problems.push_back({source_name, line, key, msg});
    ++found;
  };
  PanelData d;
  d.source = source_name;
  d.sha256 = io::sha256_hex(text);
  std::vector<std::string> state_names;
  for (const auto& st : scenario.states) {
    d.state_names.push_back(st.name);
    if (!st.generated) state_names.push_back(st.name);
  }

  // One CSV reader for the library: byte-order mark, delimiter and decimal separator (text.hpp).
  trede::detail::CsvReader csv(text);
  std::vector<std::string> fields;
  std::string header_error;
  if (!csv.read_header(header_error))
    throw ModelError(source_name, 0, "", "no header line: the file must start with id,time,state");
  int line_no = csv.header_line();
  if (!header_error.empty()) throw ModelError(source_name, line_no, "", header_error);
  const std::vector<std::string>& header = csv.header();
  const std::size_t nfields = header.size();
  for (const auto& [name, message] : csv.header_problems()) problem(line_no, name, message);
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < header.size(); ++i)
    if (!header[i].empty()) column.emplace(header[i], i);
  for (const char* required : {"id", "time", "state"})
    if (!column.count(required))
      problem(line_no, required, std::string("missing column '") + required + "' in the header (need id,time,state)" +
                                     trede::detail::did_you_mean(required, header));
  std::vector<CovariateColumn> cov;
  for (const auto& name : options.covariates) {
    auto it = column.find(name);
    if (it == column.end()) {
      problem(line_no, name, "covariate column '" + name + "' is not in the file" + trede::detail::did_you_mean(name, header));
      continue;
    }
    const model::Attribute* a = scenario.find_attribute(name);
    if (!a) {
      std::vector<std::string> names;
      for (const auto& at : scenario.attributes) names.push_back(at.name);
      problem(line_no, name, "covariate '" + name + "' is not an attribute of the scenario" + trede::detail::did_you_mean(name, names) +
                                 "; declare it under [attributes] so its effects can be written back");
      continue;
    }
    if (a->kind == model::AttributeKind::count) {
      problem(line_no, name, "count attributes are history, not data columns; give a number attribute instead");
      continue;
    }
    CovariateColumn c{name, it->second, a, d.covariate_names.size()};
    if (a->kind == model::AttributeKind::category) {
      for (std::size_t l = 1; l < a->levels.size(); ++l) {
        d.covariate_names.push_back(name + "=" + a->levels[l]);
        d.covariate_centers.push_back(0.0);
      }
    } else {
      d.covariate_names.push_back(name);
      d.covariate_centers.push_back(a->center);
    }
    cov.push_back(c);
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  const std::size_t id_col = column["id"], time_col = column["time"], state_col = column["state"];
  const std::size_t C = d.covariate_names.size();

  std::unordered_map<std::string, int> seen_at;  // id -> line where its rows began
  std::vector<double> row_cov(C);
  bool split_ok = true;
  std::string why;
  while (csv.next(fields, line_no, split_ok)) {
    if (!split_ok) {
      problem(line_no, "", "unterminated quote");
      continue;
    }
    if (fields.size() != nfields) {
      problem(line_no, "", "has " + std::to_string(fields.size()) + " fields, the header has " +
                               std::to_string(nfields));
      continue;
    }
    bool ok = true;
    const std::string& id = fields[id_col];
    if (is_missing(id)) {
      problem(line_no, "id", "missing value");
      ok = false;
    }
    std::optional<double> t;
    if (is_missing(fields[time_col])) {
      problem(line_no, "time", "missing value");
      ok = false;
    } else if (!(t = csv.number(fields[time_col], line_no, why))) {
      problem(line_no, "time", why.empty() ? "'" + fields[time_col] + "' is not a finite number (years)" : why);
      ok = false;
    }
    const std::string& sname = fields[state_col];
    const model::State* st = nullptr;
    if (is_missing(sname)) {
      problem(line_no, "state", "missing value");
      ok = false;
    } else {
      st = scenario.find_state(sname);
      if (!st || st->generated) {
        problem(line_no, "state", "unknown state '" + sname + "'" + trede::detail::did_you_mean(sname, state_names));
        ok = false;
        st = nullptr;
      }
    }
    for (const auto& c : cov) {
      const std::string& v = fields[c.field];
      if (is_missing(v)) {
        problem(line_no, c.name, "missing value");
        ok = false;
        continue;
      }
      if (c.attribute->kind == model::AttributeKind::category) {
        auto it = std::find(c.attribute->levels.begin(), c.attribute->levels.end(), v);
        if (it == c.attribute->levels.end()) {
          problem(line_no, c.name, "'" + v + "' is not a level of " + c.name + trede::detail::did_you_mean(v, c.attribute->levels));
          ok = false;
          continue;
        }
        const auto level = static_cast<std::size_t>(it - c.attribute->levels.begin());
        for (std::size_t l = 1; l < c.attribute->levels.size(); ++l) row_cov[c.first_output + l - 1] = l == level ? 1.0 : 0.0;
      } else {
        auto x = csv.number(v, line_no, why);
        if (!x) {
          problem(line_no, c.name, why.empty() ? "'" + v + "' is not a finite number" : why);
          ok = false;
          continue;
        }
        row_cov[c.first_output] = *x - c.attribute->center;
      }
    }
    if (!ok) continue;
    // A new id starts a subject; an id seen before, not directly above, is an error.
    if (d.subjects.empty() || d.subjects.back().id != id) {
      auto [it, inserted] = seen_at.emplace(id, line_no);
      if (!inserted) {
        problem(line_no, "id", "rows of id '" + id + "' are split (it also appears from line " +
                                   std::to_string(it->second) + "); sort the file by id, then time");
        continue;
      }
      d.subjects.push_back(Subject{id, {}, {}, {}, {}});
    }
    Subject& s = d.subjects.back();
    const auto state = static_cast<model::StateIndex>(st - scenario.states.data());
    if (!s.time_years.empty()) {
      const double prev = s.time_years.back();
      if (*t == prev) {
        problem(line_no, "time", "duplicate time " + fields[time_col] + " for id '" + id + "' (also on line " +
                                     std::to_string(s.line.back()) + ")");
        continue;
      }
      if (*t < prev) {
        problem(line_no, "time", "time " + fields[time_col] + " is before the previous time of id '" + id +
                                     "' (line " + std::to_string(s.line.back()) + "); sort by id, then time");
        continue;
      }
      if (scenario.states[s.state.back()].absorbing && state != s.state.back()) {
        problem(line_no, "state", "id '" + id + "' is in absorbing state '" + scenario.states[s.state.back()].name +
                                      "' since line " + std::to_string(s.line.back()) + " and cannot move to '" +
                                      sname + "'");
        continue;
      }
    }
    s.time_years.push_back(*t);
    s.state.push_back(state);
    s.covariates.insert(s.covariates.end(), row_cov.begin(), row_cov.end());
    s.line.push_back(line_no);
  }
  if (auto p = csv.finish()) problem(p->first, "", p->second);
  if (problems.empty() && d.subjects.empty()) problem(csv.line(), "", "no observations after the header");
  if (!problems.empty()) {
    // The last one listed says how many more there are (a line of its own would be counted as a
    // problem of its own).
    if (found > problems.size())
      problems.back().message += " (and " + std::to_string(found - problems.size()) + " more problem" +
                                 (found - problems.size() == 1 ? "" : "s") + " not listed: the first " +
                                 std::to_string(max_problems) + " are)";
    throw ModelError(std::move(problems));
  }
  return d;
}

PanelData read_csv(const std::string& path, const model::Scenario& scenario, const CsvOptions& options) {
  std::string text;
  if (const std::string why = trede::detail::read_file(path, text); !why.empty())
    throw IoError(path, "cannot open data file: " + why);
  return parse_csv(text, path, scenario, options);
}

std::string to_csv(const PanelData& d) {
  std::ostringstream os;
  os.precision(17);
  os << "id,time,state";
  for (const auto& c : d.covariate_names) os << ',' << c;
  os << '\n';
  for (const auto& s : d.subjects)
    for (std::size_t i = 0; i < s.time_years.size(); ++i) {
      os << s.id << ',' << s.time_years[i] << ',' << d.state_names[s.state[i]];
      for (std::size_t c = 0; c < d.covariate_names.size(); ++c)
        os << ',' << d.covariate(s, i, c) + (c < d.covariate_centers.size() ? d.covariate_centers[c] : 0.0);
      os << '\n';
    }
  return os.str();
}

}  // namespace trede::calib
