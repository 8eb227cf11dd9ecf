// Aggregate targets and the simulated method of moments.
//
// Every candidate parameter vector is written into the scenario as --set overrides and the
// scenario is re-read, so any numeric key can be calibrated and every candidate passes the same
// checks as a scenario file. All candidates run replicates 0..R-1 of the same master seed:
// person k draws the same random numbers in every candidate (common random numbers), so the
// difference between two candidates' objectives is mostly the effect of the parameters, not
// noise, and a derivative-free optimiser can follow it.

#include <nlopt.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <string_view>
#include <array>
#include <span>
#include <sstream>

#include "calib/internal.hpp"
#include "text.hpp"
#include "trede/calib/targets.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/key_path.hpp"
#include "trede/model/limits.hpp"
#include "trede/model/load.hpp"

namespace trede::calib {
namespace {

using nlohmann::json;


// Where each target value is read from in an ensemble: report-time index, or the periods that
// make up its window; and the state and edge indices.
struct Plan {
  std::vector<std::size_t> states, of, edges;
  std::vector<std::size_t> time_index;                  // stock, share
  std::vector<std::vector<std::size_t>> periods;        // flow, rate
};

std::vector<Plan> plan(const TargetSet& ts, const engine::Layout& L, std::vector<Diagnostic>* problems) {
  std::vector<Plan> out;
  int line = 0;
  auto problem = [&](const std::string& key, const std::string& msg) {
    if (problems) problems->push_back({ts.source, line, key, msg});
  };
  for (std::size_t i = 0; i < ts.targets.size(); ++i) {
    const Target& t = ts.targets[i];
    line = t.line;
    const std::string where = "targets[" + t.id + "]";
    Plan p;
    auto state_list = [&](const std::vector<std::string>& names, std::vector<std::size_t>& idx, const char* member) {
      for (const auto& n : names) {
        auto it = std::find(L.states.begin(), L.states.end(), n);
        if (it == L.states.end()) problem(where + ".model." + member, "unknown state '" + n + "'");
        else idx.push_back(static_cast<std::size_t>(it - L.states.begin()));
      }
    };
    state_list(t.states, p.states, "states");
    state_list(t.of, p.of, "of");
    for (const auto& e : t.edges) {
      auto it = std::find_if(L.edges.begin(), L.edges.end(), [&](const engine::FlowEdge& fe) { return fe.id == e; });
      if (it == L.edges.end()) {
        std::string list;
        for (const auto& fe : L.edges) list += (list.empty() ? "" : ", ") + fe.id;
        problem(where + ".model.edges", "unknown flow edge '" + e + "' (edges: " + list + ")");
      } else {
        p.edges.push_back(static_cast<std::size_t>(it - L.edges.begin()));
      }
    }
    line = t.times_line;
    for (double time : t.times) {
      if (t.kind == TargetKind::stock || t.kind == TargetKind::share) {
        std::size_t best = L.T();
        for (std::size_t k = 0; k < L.T(); ++k)
          if (std::abs(L.report_times[k] - time) < 1e-6) best = k;
        if (best == L.T()) problem(where + ".times", "time " + detail::fmt(time, 10) + " is not a report time of the scenario; "
                                                         "add it to [report] times or choose step_years to hit it");
        p.time_index.push_back(best);
      } else {
        // Periods (start, end] that tile (time - window, time].
        std::vector<std::size_t> ps;
        const double lo = time - t.window_years;
        for (std::size_t k = 0; k < L.P(); ++k)
          if (L.period_end[k] > lo + 1e-9 && L.period_end[k] <= time + 1e-9 && L.period_end[k] > L.period_start[k]) ps.push_back(k);
        bool ok = !ps.empty() && std::abs(L.period_end[ps.back()] - time) < 1e-6 &&
                  std::abs(L.period_start[ps.front()] - lo) < 1e-6;
        if (!ok) problem(where + ".times", "the window (" + detail::fmt(lo, 10) + ", " + detail::fmt(time, 10) +
                                               "] is not a union of report periods; report times must fall on both ends");
        p.periods.push_back(ps);
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

// Value of target `i`, time `k`, in replicate r of ensemble e.
double value(const Target& t, const Plan& p, const mc::Ensemble& e, std::size_t r, std::size_t k) {
  const auto& L = e.layout;
  const std::size_t T = L.T(), S = L.S(), P = L.P(), E = L.E();
  const std::vector<std::int32_t>& occupancy = e.values<std::int32_t>("occupancy");
  const std::vector<std::int32_t>& flows = e.values<std::int32_t>("flows");
  auto occ = [&](const std::vector<std::size_t>& states) {
    double sum = 0;
    for (auto s : states) sum += occupancy[(r * T + p.time_index[k]) * S + s];
    return sum;
  };
  auto moves = [&] {
    double sum = 0;
    for (auto per : p.periods[k])
      for (auto ed : p.edges) sum += flows[(r * P + per) * E + ed];
    return sum;
  };
  switch (t.kind) {
    case TargetKind::stock: return occ(p.states) * t.scale;
    case TargetKind::share: {
      const double den = occ(p.of);
      return den > 0 ? occ(p.states) / den * t.scale : std::numeric_limits<double>::quiet_NaN();
    }
    case TargetKind::flow: return moves() * t.scale;
    case TargetKind::rate: {
      const std::vector<double>& person_years = e.values<double>("person_years");
      double py = 0;
      for (auto per : p.periods[k])
        for (auto s : p.of) py += person_years[(r * P + per) * S + s];
      return py > 0 ? moves() / py * t.scale : std::numeric_limits<double>::quiet_NaN();
    }
  }
  return 0;
}

SimulatedTargets summarize(const TargetSet& ts, const std::vector<Plan>& plans, const mc::Ensemble& e) {
  SimulatedTargets out;
  const std::size_t R = e.replicates;
  for (std::size_t i = 0; i < ts.targets.size(); ++i) {
    const Target& t = ts.targets[i];
    std::vector<double> mean(t.times.size()), se(t.times.size());
    for (std::size_t k = 0; k < t.times.size(); ++k) {
      double s = 0, s2 = 0;
      std::size_t n = 0;
      for (std::size_t r = 0; r < R; ++r) {
        const double v = value(t, plans[i], e, r, k);
        if (!std::isfinite(v)) continue;
        s += v;
        s2 += v * v;
        ++n;
      }
      mean[k] = n ? s / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
      const double var = n > 1 ? std::max(0.0, (s2 - s * s / static_cast<double>(n)) / static_cast<double>(n - 1)) : 0.0;
      se[k] = n ? std::sqrt(var / static_cast<double>(n)) : std::numeric_limits<double>::quiet_NaN();
    }
    out.mean.push_back(std::move(mean));
    out.se.push_back(std::move(se));
  }
  return out;
}

std::optional<double> number(const json& j) {
  if (j.is_number()) {
    const double v = j.get<double>();
    if (std::isfinite(v)) return v;
  }
  return std::nullopt;
}

// Smallest uncertainty of a target value, relative to max(|value|, 1), and smallest cv.
constexpr double min_relative_sd = 1e-6;

// The line on which each value of a JSON text starts, by JSON pointer ("" for the whole text,
// "/targets/0/sd"): nlohmann::json keeps no positions. The text must be valid JSON (it is
// parsed first); the scan is iterative, so any depth of nesting is safe.
class JsonLines {
 public:
  explicit JsonLines(std::string_view text) : text_(text) { scan(); }

  // The line of the value at `pointer`, or of its nearest enclosing value that has one.
  [[nodiscard]] int at(std::string pointer) const {
    for (;;) {
      if (auto it = lines_.find(pointer); it != lines_.end()) return it->second;
      const auto slash = pointer.rfind('/');
      if (slash == std::string::npos) return 0;
      pointer.resize(slash);
    }
  }

  // The pointer of member `key` of the object at `pointer` (RFC 6901 escapes).
  [[nodiscard]] static std::string member(const std::string& pointer, std::string_view key) {
    std::string out = pointer + "/";
    for (char c : key) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    return out;
  }

 private:
  void blanks() {
    while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\n' || text_[i_] == '\r')) {
      if (text_[i_] == '\n') ++line_;
      ++i_;
    }
  }
  // A string starting at the quote at i_; returns its decoded text.
  std::string string() {
    const std::size_t start = i_;
    bool escaped = false;
    for (++i_; i_ < text_.size() && text_[i_] != '"'; ++i_)
      if (text_[i_] == '\\') escaped = true, ++i_;
    ++i_;
    const std::string_view raw = text_.substr(start, std::min(i_, text_.size()) - start);
    if (!escaped) return std::string(raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0));
    try {
      return json::parse(raw).get<std::string>();
    } catch (const json::exception&) {
      return std::string(raw);
    }
  }
  // The key of the next member of an object (i_ at its opening quote), then past the ':'.
  std::string key() {
    blanks();
    std::string k = i_ < text_.size() && text_[i_] == '"' ? string() : std::string();
    blanks();
    if (i_ < text_.size() && text_[i_] == ':') ++i_;
    return k;
  }
  void scan() {
    struct Open {
      std::string pointer;
      long index;  // next element of an array; -1 for an object
    };
    std::vector<Open> open;
    std::string here;  // pointer of the next value
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;
    for (;;) {
      blanks();
      if (i_ >= text_.size()) return;
      lines_.insert_or_assign(here, line_);
      const char c = text_[i_];
      bool container = false;
      if (c == '{' || c == '[') {
        ++i_;
        open.push_back({here, c == '{' ? -1 : 0});
        blanks();
        if (i_ < text_.size() && text_[i_] != '}' && text_[i_] != ']') {
          here = c == '{' ? member(open.back().pointer, key()) : open.back().pointer + "/0";
          container = true;
        }
      } else if (c == '"') {
        (void)string();
      } else {
        while (i_ < text_.size() && std::strchr(",]} \t\r\n", text_[i_]) == nullptr) ++i_;
      }
      if (container) continue;
      // After a value: close containers, or go on to the next member or element.
      for (;;) {
        blanks();
        if (open.empty() || i_ >= text_.size()) return;
        const char d = text_[i_++];
        if (d == '}' || d == ']') {
          open.pop_back();
          continue;
        }
        if (d != ',') return;  // not JSON after all
        Open& o = open.back();
        here = o.index < 0 ? member(o.pointer, key()) : o.pointer + "/" + std::to_string(++o.index);
        break;
      }
    }
  }

  std::string_view text_;
  std::size_t i_ = 0;
  int line_ = 1;
  std::map<std::string, int> lines_;
};

// The current numeric value of a --set style key in the scenario text, if it has one.
std::optional<double> current_value(const model::Scenario& s, const std::string& key) {
  toml::table root;
  try {
    root = toml::parse(s.text, s.source_path);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  const toml::node* cur = &root;
  std::size_t i = 0;
  while (i < key.size() && cur) {
    std::string name;
    while (i < key.size() && key[i] != '.' && key[i] != '[') name += key[i++];
    const toml::table* t = cur->as_table();
    if (!t) return std::nullopt;
    cur = t->get(name);
    if (cur && i < key.size() && key[i] == '[') {
      const auto close = key.find(']', i);
      if (close == std::string::npos) return std::nullopt;
      const std::string sel = key.substr(i + 1, close - i - 1);
      i = close + 1;
      const toml::array* arr = cur->as_array();
      if (!arr) return std::nullopt;
      const toml::node* found = nullptr;
      std::size_t idx = 0;
      auto [p, ec] = std::from_chars(sel.data(), sel.data() + sel.size(), idx);
      if (ec == std::errc{} && p == sel.data() + sel.size()) {
        found = idx < arr->size() ? &(*arr)[idx] : nullptr;
      } else {
        for (const auto& el : *arr) {
          const toml::table* et = el.as_table();
          if (!et) continue;
          auto str = [&](const char* k) { return et->get(k) && et->get(k)->is_string() ? std::string(*et->get(k)->value<std::string_view>()) : std::string{}; };
          if (str("name") == sel || str("id") == sel || str("from") + "->" + str("to") == sel) found = &el;
        }
      }
      cur = found;
    }
    if (i < key.size() && key[i] == '.') ++i;
  }
  if (cur && cur->is_number()) return cur->value<double>();
  return std::nullopt;
}

struct Candidate {
  const model::Scenario& scenario;
  const TargetSet& targets;
  const std::vector<Plan>& plans;
  const std::vector<ParameterBound>& params;
  const MomentOptions& options;
  int evaluations = 0;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> best_u;
  std::string last_error;

  double to_value(std::size_t i, double u) const {
    const auto& b = params[i];
    u = std::clamp(u, 0.0, 1.0);
    if (b.log_scale) return std::exp(std::log(b.lower) + u * (std::log(b.upper) - std::log(b.lower)));
    return b.lower + u * (b.upper - b.lower);
  }
  double to_u(std::size_t i, double v) const {
    const auto& b = params[i];
    if (b.log_scale) return (std::log(v) - std::log(b.lower)) / (std::log(b.upper) - std::log(b.lower));
    return (v - b.lower) / (b.upper - b.lower);
  }

  // A candidate: the values applied to the loaded scenario as typed key values (with_values
  // reads the text again only for keys without a fast path).
  model::Scenario scenario_at(const std::vector<double>& values) const {
    if (keys.empty())
      for (const auto& p : params) keys.push_back(model::KeyPath::parse(p.key));
    return model::with_values(scenario, keys, values);
  }
  mutable std::vector<model::KeyPath> keys;

  std::uint64_t total_runs() const {
    return static_cast<std::uint64_t>(options.max_evaluations) + (options.standard_errors ? 2 * params.size() : 0) + 1;
  }

  SimulatedTargets simulate(const std::vector<double>& values) const {
    struct Tick {  // reports progress however simulate() ends
      const Candidate& c;
      ~Tick() {
        const std::uint64_t done = ++c.runs;
        if (c.options.progress) c.options.progress(done, std::max(done, c.total_runs()));
      }
    } tick{*this};
    const model::Scenario s = scenario_at(values);
    if (s.report_times != scenario.report_times)
      throw ModelError(targets.source, 0, "parameters", "a parameter changed the report grid of the scenario");
    mc::RunOptions ro;
    ro.replicates = options.replicates;
    ro.seed = options.seed;
    ro.threads = options.threads;
    mc::ThreadExecutor threads;
    mc::Executor& exec = options.executor ? *options.executor : threads;
    const mc::Ensemble e = exec.run(engine::Simulator(s), ro);
    SimulatedTargets out;
    if (exec.root()) {
      if (e.layout.T() != plans_layout_T || e.layout.P() != plans_layout_P || e.layout.E() != plans_layout_E)
        throw ModelError(targets.source, 0, "parameters", "a parameter changed the report grid or the edges of the scenario");
      out = summarize(targets, plans, e);
    }
    if (exec.processes() > 1) broadcast(exec, out);  // every rank follows the same optimiser path
    return out;
  }

  // The root's simulated targets to every process (same shapes everywhere: one per target time).
  void broadcast(mc::Executor& exec, SimulatedTargets& t) const {
    std::vector<char> bytes;
    if (exec.root())
      for (const auto* part : {&t.mean, &t.se})
        for (const auto& row : *part)
          bytes.insert(bytes.end(), reinterpret_cast<const char*>(row.data()),
                       reinterpret_cast<const char*>(row.data() + row.size()));
    exec.broadcast(bytes);
    if (exec.root()) return;
    std::size_t off = 0;
    for (auto* part : {&t.mean, &t.se}) {
      part->clear();
      for (const auto& target : targets.targets) {
        std::vector<double> row(target.times.size());
        std::memcpy(row.data(), bytes.data() + off, row.size() * sizeof(double));
        off += row.size() * sizeof(double);
        part->push_back(std::move(row));
      }
    }
  }

  double objective(const SimulatedTargets& sim) const {
    double sum = 0;
    for (std::size_t i = 0; i < targets.targets.size(); ++i)
      for (std::size_t k = 0; k < targets.targets[i].times.size(); ++k) {
        const double z = (sim.mean[i][k] - targets.targets[i].values[k]) / targets.targets[i].sd[k];
        sum += std::isfinite(z) ? z * z : 1e6;
      }
    return sum;
  }

  double operator()(const double* u) {
    ++evaluations;
    std::vector<double> v(params.size()), uu(u, u + params.size());
    for (std::size_t i = 0; i < params.size(); ++i) v[i] = to_value(i, u[i]);
    double f;
    try {
      f = objective(simulate(v));
    } catch (const ModelError& e) {
      last_error = e.what();
      f = 1e300;
    }
    if (f < best) {
      best = f;
      best_u = uu;
    }
    return f;
  }

  std::size_t plans_layout_T = 0, plans_layout_P = 0, plans_layout_E = 0;
  mutable std::uint64_t runs = 0;  // simulated candidates so far (progress)
};

double nlopt_objective(unsigned n, const double* x, double* grad, void* data) {
  (void)n;
  (void)grad;
  return (*static_cast<Candidate*>(data))(x);
}

}  // namespace

ParameterBound parse_parameter_bound(const std::string& text) {
  const auto eq = text.rfind('=');
  auto bad = [&](const std::string& msg) {
    return ModelError("--param", 0, text, msg + " (write key=lower:upper, key=lower:upper:start or key=log:lower:upper)");
  };
  if (eq == std::string::npos || eq == 0) throw bad("no '='");
  ParameterBound b;
  b.key = text.substr(0, eq);
  b.source = "--param '" + text + "'";
  std::string range = text.substr(eq + 1);
  if (range.rfind("log:", 0) == 0) {
    b.log_scale = true;
    range = range.substr(4);
  }
  std::vector<double> parts;
  std::size_t pos = 0;
  while (pos <= range.size()) {
    const auto c = range.find(':', pos);
    const std::string f = range.substr(pos, c == std::string::npos ? std::string::npos : c - pos);
    const auto v = trede::detail::parse_finite(f);
    if (!v) throw bad("'" + f + "' is not a number");
    parts.push_back(*v);
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) throw bad("need two or three numbers");
  b.lower = parts[0];
  b.upper = parts[1];
  if (parts.size() == 3) b.start = parts[2];
  if (!(b.lower < b.upper)) throw bad("lower must be below upper");
  if (b.log_scale && !(b.lower > 0)) throw bad("a log-scale range needs lower > 0");
  if (b.start && (*b.start < b.lower || *b.start > b.upper)) throw bad("start must lie within the bounds");
  return b;
}

TargetSet parse_targets(const std::string& text, const std::string& src, const model::Scenario& scenario) {
  TargetSet ts;
  ts.source = src;
  ts.sha256 = io::sha256_hex(text);
  // Nesting is bounded before parsing (the JSON library's values are recursive).
  {
    std::size_t depth = 0;
    int line = 1;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '\n') ++line;
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth > model::limits::max_nesting)
          throw ModelError(src, line, "", "JSON nested deeper than " + std::to_string(model::limits::max_nesting) + " levels");
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
    }
  }
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    // Turn the byte offset into a line number.
    std::size_t at = text.size();
    if (const auto* pe = dynamic_cast<const json::parse_error*>(&e)) at = std::min<std::size_t>(pe->byte, text.size());
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at ? at - 1 : 0), '\n'));
    std::string what = e.what();
    if (const auto p = what.find("] "); what.rfind("[json.exception.", 0) == 0 && p != std::string::npos) what = what.substr(p + 2);
    throw ModelError(src, line, "", "JSON syntax error: " + what);
  }
  const JsonLines lines(text);
  std::vector<Diagnostic> problems;
  // A problem with the member at JSON pointer `ptr`, reported as `key` on the member's line.
  auto problem = [&](const std::string& ptr, const std::string& key, const std::string& msg) {
    problems.push_back({src, lines.at(ptr), key, msg});
  };
  auto has = [](const json& j, const char* member) { return j.is_object() && j.contains(member); };
  auto string_member = [&](const json& j, const char* member, const std::string& fallback, const std::string& ptr,
                           const std::string& key) {
    if (!has(j, member)) return fallback;
    if (j[member].is_string()) return j[member].get<std::string>();
    problem(ptr + "/" + member, key, "must be a string");
    return fallback;
  };
  auto string_list = [&](const json& j, const std::string& ptr, const std::string& key) {
    std::vector<std::string> out;
    if (j.is_string()) return std::vector<std::string>{j.get<std::string>()};
    if (!j.is_array()) {
      problem(ptr, key, "must be a list of names");
      return out;
    }
    for (std::size_t i = 0; i < j.size(); ++i)
      if (j[i].is_string()) out.push_back(j[i].get<std::string>());
      else problem(ptr + "/" + std::to_string(i), key, "must be a list of names");
    return out;
  };
  const json* list = &root;
  if (root.is_object()) {
    for (auto it = root.begin(); it != root.end(); ++it)
      if (it.key() != "targets" && it.key() != "parameters" && it.key() != "replicates" && it.key() != "seed" &&
          it.key() != "description")
        problem(JsonLines::member("", it.key()), it.key(),
                "unknown member (allowed: targets, parameters, replicates, seed, description)" +
                    trede::detail::did_you_mean(it.key(), std::array<std::string_view, 5>{"targets", "parameters", "replicates", "seed", "description"}));
    if (!root.contains("targets")) problem("", "targets", "missing: the list of targets");
    list = root.contains("targets") ? &root["targets"] : nullptr;
    if (root.contains("replicates")) {
      const json& r = root["replicates"];
      if (r.is_number_unsigned() && r.get<std::uint64_t>() >= 2) ts.replicates = r.get<std::uint64_t>();
      else problem("/replicates", "replicates", "must be a whole number >= 2");
    }
    if (root.contains("seed")) {
      if (root["seed"].is_number_unsigned()) ts.seed = root["seed"].get<std::uint64_t>();
      else problem("/seed", "seed", "must be a whole number from 0 to 2^64 - 1");
    }
    if (root.contains("parameters")) {
      const json& ps = root["parameters"];
      if (!ps.is_array()) problem("/parameters", "parameters", "must be a list of {key, lower, upper[, start, log]}");
      else
        for (std::size_t i = 0; i < ps.size(); ++i) {
          const json& p = ps[i];
          const std::string ptr = "/parameters/" + std::to_string(i);
          const std::string where = "parameters[" + std::to_string(i) + "]";
          if (!p.is_object() || !p.contains("key") || !p["key"].is_string() || !number(p.value("lower", json())) ||
              !number(p.value("upper", json()))) {
            problem(ptr, where, "must be {\"key\": \"...\", \"lower\": number, \"upper\": number[, \"start\": number, \"log\": true]}");
            continue;
          }
          for (auto it = p.begin(); it != p.end(); ++it)
            if (it.key() != "key" && it.key() != "lower" && it.key() != "upper" && it.key() != "start" && it.key() != "log")
              problem(JsonLines::member(ptr, it.key()), where + "." + it.key(), "unknown member (allowed: key, lower, upper, start, log)");
          ParameterBound b;
          b.key = p["key"].get<std::string>();
          b.lower = *number(p["lower"]);
          b.upper = *number(p["upper"]);
          b.source = src;
          b.line = lines.at(ptr);
          if (p.contains("start")) {
            b.start = number(p["start"]);
            if (!b.start) problem(ptr + "/start", where + ".start", "must be a number");
            else if (*b.start < b.lower || *b.start > b.upper) problem(ptr + "/start", where + ".start", "must lie within the bounds");
          }
          if (p.contains("log")) {
            if (p["log"].is_boolean()) b.log_scale = p["log"].get<bool>();
            else problem(ptr + "/log", where + ".log", "must be true or false");
          }
          if (!(b.lower < b.upper)) problem(ptr, where, "lower must be below upper");
          if (b.log_scale && !(b.lower > 0)) problem(ptr, where, "a log-scale range needs lower > 0");
          try {
            (void)model::KeyPath::parse(b.key);
          } catch (const ModelError& e) {
            for (const auto& d : e.diagnostics()) problem(ptr + "/key", where + ".key", d.key + ": " + d.message);
          }
          ts.parameters.push_back(b);
        }
    }
  }
  if (list && !list->is_array()) {
    problem(root.is_object() ? "/targets" : "", "targets", "must be a list of target objects");
    list = nullptr;
  }
  const std::string list_ptr = root.is_object() ? "/targets" : "";
  std::set<std::string> ids;
  if (list)
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& j = (*list)[i];
      const std::string ptr = list_ptr + "/" + std::to_string(i);
      std::string where = "targets[" + std::to_string(i) + "]";
      if (!j.is_object()) {
        problem(ptr, where, "must be an object");
        continue;
      }
      Target t;
      if (j.contains("id") && j["id"].is_string() && !j["id"].get<std::string>().empty()) t.id = j["id"].get<std::string>();
      else {
        problem(j.contains("id") ? ptr + "/id" : ptr, where + ".id", "missing: every target needs an id (a non-empty string)");
        continue;
      }
      where = "targets[" + t.id + "]";
      if (!ids.insert(t.id).second) problem(ptr + "/id", where, "id used twice");
      if (!j.contains("model")) {
        ts.skipped.push_back(t.id);
        continue;
      }
      // Every member of a target that is fitted is read or describes it; a misspelt one (`vc` for
      // `cv`, `valeus`) would be ignored without a word, so it is an error.
      static const std::set<std::string> target_members = {"id",  "years", "year", "times", "values", "value", "sd",
                                                            "cv",  "model", "quantity", "unit", "source", "kind",
                                                            "status", "notes", "description"};
      for (auto it = j.begin(); it != j.end(); ++it)
        if (!target_members.count(it.key()))
          problem(JsonLines::member(ptr, it.key()), where + "." + it.key(),
                  "unknown member" + trede::detail::did_you_mean(it.key(), target_members) +
                      " (a target is read from id, years/year/times, values/value, sd/cv and model; quantity, unit, "
                      "source, kind, status, notes and description describe it)");
      const json& m = j["model"];
      const std::string mp = ptr + "/model";
      t.line = lines.at(mp);
      if (!m.is_object()) {
        problem(mp, where + ".model", "must be an object saying what the target measures in the model");
        continue;
      }
      static const std::set<std::string> allowed = {"kind", "states", "of", "edges", "from", "to", "window_years",
                                                    "scale", "at", "value_key", "sd", "cv"};
      for (auto it = m.begin(); it != m.end(); ++it)
        if (!allowed.count(it.key()))
          problem(JsonLines::member(mp, it.key()), where + ".model." + it.key(), "unknown member" + trede::detail::did_you_mean(it.key(), allowed));
      const std::string kind = has(m, "kind") ? string_member(m, "kind", "", mp, where + ".model.kind")
                                              : string_member(j, "kind", "", ptr, where + ".kind");
      if (kind == "stock") t.kind = TargetKind::stock;
      else if (kind == "flow") t.kind = TargetKind::flow;
      else if (kind == "share") t.kind = TargetKind::share;
      else if (kind == "rate") t.kind = TargetKind::rate;
      else {
        problem(has(m, "kind") ? mp + "/kind" : mp, where + ".model.kind",
                "must be \"stock\", \"flow\", \"share\" or \"rate\" (got \"" + kind + "\")");
        continue;
      }
      if (m.contains("states")) t.states = string_list(m["states"], mp + "/states", where + ".model.states");
      if (m.contains("of")) t.of = string_list(m["of"], mp + "/of", where + ".model.of");
      if (m.contains("edges")) t.edges = string_list(m["edges"], mp + "/edges", where + ".model.edges");
      if (m.contains("from") || m.contains("to")) {
        // All flow edges from any of `from` to any of `to` (either may be omitted: any).
        const auto from = m.contains("from") ? string_list(m["from"], mp + "/from", where + ".model.from") : std::vector<std::string>{};
        const auto to = m.contains("to") ? string_list(m["to"], mp + "/to", where + ".model.to") : std::vector<std::string>{};
        const engine::Simulator sim(scenario);
        for (const auto& fe : sim.layout().edges)
          if ((from.empty() || std::count(from.begin(), from.end(), fe.from)) && (to.empty() || std::count(to.begin(), to.end(), fe.to)))
            t.edges.push_back(fe.id);
        if (t.edges.empty()) problem(mp, where + ".model", "no flow edge goes from the 'from' states to the 'to' states");
      }
      if ((t.kind == TargetKind::stock || t.kind == TargetKind::share) && t.states.empty()) problem(mp, where + ".model.states", "missing");
      if ((t.kind == TargetKind::share || t.kind == TargetKind::rate) && t.of.empty()) problem(mp, where + ".model.of", "missing: the denominator states");
      if ((t.kind == TargetKind::flow || t.kind == TargetKind::rate) && t.edges.empty() && !m.contains("from") && !m.contains("to"))
        problem(mp, where + ".model.edges", "missing: the flow edges counted");
      if (m.contains("window_years")) {
        auto w = number(m["window_years"]);
        if (!w || *w <= 0 || *w > model::limits::max_horizon_years)
          problem(mp + "/window_years", where + ".model.window_years",
                  "must be a number > 0 and at most " + trede::detail::shortest_number(model::limits::max_horizon_years) + " (years)");
        else t.window_years = *w;
      }
      if (m.contains("scale")) {
        auto sc = number(m["scale"]);
        if (!sc || *sc == 0) problem(mp + "/scale", where + ".model.scale", "must be a non-zero number");
        else t.scale = *sc;
      }
      const std::string at = string_member(m, "at", "end", mp, where + ".model.at");
      if (at != "end" && at != "start") problem(mp + "/at", where + ".model.at", "must be \"end\" or \"start\" of the year");
      // Times: explicit calendar times, or years (at their end by default).
      std::vector<double> times;
      auto read_times = [&](const char* member, double shift) {
        const std::string tp = ptr + "/" + member;
        t.times_line = lines.at(tp);
        const json& x = j[member];
        if (!x.is_array()) {
          if (auto v = number(x)) times.push_back(*v + shift);
          else problem(tp, where + "." + member, "must be a number or a list of numbers (calendar years)");
          return;
        }
        for (std::size_t k = 0; k < x.size(); ++k)
          if (auto v = number(x[k])) times.push_back(*v + shift);
          else problem(tp + "/" + std::to_string(k), where + "." + member, "must be numbers (calendar years)");
      };
      if (j.contains("times")) read_times("times", 0.0);
      else if (j.contains("years")) read_times("years", at == "end" ? 1.0 : 0.0);
      else if (j.contains("year")) read_times("year", at == "end" ? 1.0 : 0.0);
      else problem(ptr, where, "missing times (calendar years) or years");
      // Values: a list, a number, or one member of an object named by model.value_key.
      const char* vm = j.contains("values") ? "values" : "value";
      std::string vp = ptr + "/" + vm;
      json vals = j.contains(vm) ? j[vm] : json();
      if (j.contains("value") && !j.contains("values") && !vals.is_object()) vals = json::array({vals});
      if (vals.is_object()) {
        const std::string vk = string_member(m, "value_key", "", mp, where + ".model.value_key");
        if (vk.empty() || !vals.contains(vk)) {
          problem(has(m, "value_key") ? mp + "/value_key" : vp, where + ".model.value_key",
                  "values is an object; name the member to use with model.value_key");
          continue;
        }
        vals = json::array({vals[vk]});
        vp = JsonLines::member(vp, vk);
      }
      if (!vals.is_array()) {
        problem(j.contains(vm) ? vp : ptr, where + ".values", "missing or not a list of numbers");
        continue;
      }
      for (std::size_t k = 0; k < vals.size(); ++k)
        if (auto v = number(vals[k])) t.values.push_back(*v);
        else problem(vals.size() == 1 ? vp : vp + "/" + std::to_string(k), where + ".values", "must be finite numbers");
      if (t.values.size() != times.size()) {
        problem(vp, where + ".values", std::to_string(t.values.size()) + " values for " + std::to_string(times.size()) + " times");
        continue;
      }
      t.times = times;
      // Uncertainty: sd (number or list), or cv (relative); in the entry or in model.
      const std::string sd_ptr = j.contains("sd") ? ptr + "/sd" : mp + "/sd", cv_ptr = j.contains("cv") ? ptr + "/cv" : mp + "/cv";
      const json* sd = j.contains("sd") ? &j["sd"] : m.contains("sd") ? &m["sd"] : nullptr;
      const json* cv = j.contains("cv") ? &j["cv"] : m.contains("cv") ? &m["cv"] : nullptr;
      // The smallest uncertainty taken as one: below it the weight 1/sd² is not a statistical
      // statement (sd = 1e-308 makes every residual infinite).
      auto smallest_sd = [](double value) { return min_relative_sd * std::max(std::abs(value), 1.0); };
      auto check_sd = [&](double v, double value, const std::string& p) {
        if (!(v > 0) || !std::isfinite(v)) {
          problem(p, where + ".sd", "must be a finite number > 0 (got " + trede::detail::shortest_number(v) + ")");
          return false;
        }
        if (v < smallest_sd(value)) {
          problem(p, where + ".sd", "an uncertainty of " + trede::detail::shortest_number(v) + " for a value of " +
                                        trede::detail::shortest_number(value) + " is below 1e-6 x max(|value|, 1): give the real uncertainty");
          return false;
        }
        return true;
      };
      if (sd && sd->is_array()) {
        if (sd->size() != t.values.size()) problem(sd_ptr, where + ".sd", "needs one sd per value");
        for (std::size_t k = 0; k < sd->size(); ++k) {
          const auto v = number((*sd)[k]);
          if (!v) problem(sd_ptr + "/" + std::to_string(k), where + ".sd", "must be finite numbers > 0");
          else if (k < t.values.size() && check_sd(*v, t.values[k], sd_ptr + "/" + std::to_string(k))) t.sd.push_back(*v);
        }
      } else if (sd) {
        const auto v = number(*sd);
        if (!v) problem(sd_ptr, where + ".sd", "must be a finite number > 0");
        else
          for (double value : t.values)
            if (check_sd(*v, value, sd_ptr)) t.sd.push_back(*v);
            else break;
      } else {
        double c = 0.1;
        if (cv) {
          const auto v = number(*cv);
          if (!v || !(*v >= min_relative_sd)) {
            problem(cv_ptr, where + ".cv", "must be a finite number of at least 1e-6");
            continue;
          }
          c = *v;
        } else {
          ts.notes.push_back(t.id + ": no sd or cv given; a coefficient of variation of 10% is assumed");
        }
        for (double v : t.values) {
          if (v == 0.0) {
            problem(cv ? cv_ptr : vp, where + ".sd", "a coefficient of variation gives no uncertainty for a value of 0: give sd");
            break;
          }
          t.sd.push_back(c * std::abs(v));
        }
      }
      ts.targets.push_back(std::move(t));
    }
  if (problems.empty() && ts.targets.empty())
    problem(list_ptr, "targets", "no target has a `model` member, so nothing can be compared (" + std::to_string(ts.skipped.size()) +
                                     " skipped); see docs/calibration.md");
  if (problems.empty()) {
    const engine::Simulator sim(scenario);
    (void)plan(ts, sim.layout(), &problems);
    if (ts.replicates) try {
        mc::check_memory(sim.layout(), *ts.replicates);
      } catch (const ModelError& e) {
        for (const auto& d : e.diagnostics()) problem("/replicates", "replicates", d.message);
      }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  return ts;
}

TargetSet read_targets(const std::string& path, const model::Scenario& scenario) {
  std::string text;
  if (const std::string why = trede::detail::read_file(path, text); !why.empty()) throw IoError(path, "cannot read the target file: " + why);
  return parse_targets(text, path, scenario);
}

SimulatedTargets simulate_targets(const model::Scenario& scenario, const TargetSet& targets, std::uint64_t replicates,
                                  std::uint64_t seed, int threads) {
  const engine::Simulator sim(scenario);
  std::vector<Diagnostic> problems;
  const auto plans = plan(targets, sim.layout(), &problems);
  if (!problems.empty()) throw ModelError(std::move(problems));
  mc::RunOptions ro;
  ro.replicates = replicates;
  ro.seed = seed;
  ro.threads = threads;
  return summarize(targets, plans, mc::run(sim, ro));
}

void MomentOptions::check() const {
  std::vector<Diagnostic> problems;
  if (replicates < 2) problems.push_back({"", 0, "replicates", "need at least 2 replicates per candidate"});
  if (const std::string why = mc::threads_problem(threads); !why.empty()) problems.push_back({"", 0, "threads", why});
  if (max_evaluations < 1) problems.push_back({"", 0, "max_evaluations", "must be >= 1"});
  if (!(xtol_rel > 0.0)) problems.push_back({"", 0, "xtol_rel", "must be > 0"});
  if (algorithm != "bobyqa" && algorithm != "neldermead")
    problems.push_back({"", 0, "algorithm", "must be bobyqa or neldermead (got " + algorithm + ")"});
  if (!problems.empty()) throw ModelError(std::move(problems));
}

FitResult fit_targets(const model::Scenario& scenario, const TargetSet& targets, const std::vector<ParameterBound>& params_in,
                      const MomentOptions& o) {
  const double t0 = detail::now_seconds();
  if (params_in.empty()) throw ModelError(targets.source, 0, "parameters", "no parameters to calibrate (give --param key=lower:upper)");
  o.check();
  std::vector<ParameterBound> params = params_in;
  std::vector<Diagnostic> problems;
  // Each parameter once: a key in the target file and again in --param (or twice in either, in
  // any spelling: transition[0].rate and transition[a->b].rate) was fitted twice, one copy never
  // leaving its start. Keys compare by what they name in the scenario (model::key_identities).
  std::vector<model::KeyPath> parsed;
  std::vector<const ParameterBound*> of;
  for (const ParameterBound& b : params) {
    try {
      parsed.push_back(model::KeyPath::parse(b.key));
      of.push_back(&b);
    } catch (const ModelError&) {  // a bad key is reported where it is applied
    }
  }
  const std::vector<std::string> ids = model::key_identities(scenario, parsed);
  std::map<std::string, const ParameterBound*> first;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const ParameterBound& b = *of[i];
    const auto [at, fresh] = first.emplace(ids[i], &b);
    if (!fresh)
      problems.push_back({b.source, b.line, b.key,
                          "given twice (also " + at->second->source +
                              (at->second->line > 0 ? " line " + std::to_string(at->second->line) : std::string()) +
                              "): give each parameter once"});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  std::vector<double> start_values;
  for (auto& b : params) {
    const auto cur = current_value(scenario, b.key);
    if (!b.start) b.start = cur && *cur >= b.lower && *cur <= b.upper ? *cur : (b.log_scale ? std::sqrt(b.lower * b.upper) : 0.5 * (b.lower + b.upper));
    start_values.push_back(*b.start);
  }
  const engine::Simulator sim0(scenario);
  const auto plans = plan(targets, sim0.layout(), &problems);
  if (!problems.empty()) throw ModelError(std::move(problems));
  Candidate cand{scenario, targets, plans, params, o, 0, std::numeric_limits<double>::infinity(), {}, {}, {}};
  cand.plans_layout_T = sim0.layout().T();
  cand.plans_layout_P = sim0.layout().P();
  cand.plans_layout_E = sim0.layout().E();
  // Bad keys are found here, before any simulation: the loader checks every override. A
  // parameter may not move the report grid anywhere in its range (the targets are read on it).
  // Each parameter is tried alone first, so that a problem names the parameter (its file and
  // line, or its --param) that causes it, never a --set nobody typed.
  auto grid_problem = [&](const ParameterBound& b) {
    problems.push_back({b.source, b.line, b.key,
                        "changes the report grid of the scenario within its bounds; a calibrated key may not "
                        "move the report times the targets are read at"});
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    const ParameterBound& b = params[i];
    try {
      const model::KeyPath key = model::KeyPath::parse(b.key);
      const std::pair<const char*, double> values[] = {{"start", start_values[i]}, {"lower bound", b.lower}, {"upper bound", b.upper}};
      for (const auto& [what, v] : values) {
        try {
          if (model::with_values(scenario, std::span(&key, 1), std::span(&v, 1)).report_times != scenario.report_times) {
            grid_problem(b);
            break;
          }
        } catch (const ModelError& e) {
          for (const Diagnostic& d : e.diagnostics())
            problems.push_back(model::is_override_source(d.file)
                                   ? Diagnostic{b.source, b.line, d.key.empty() ? b.key : d.key,
                                                std::string("at its ") + what + " " + trede::detail::shortest_number(v) + ": " + d.message}
                                   : d);
          break;
        }
      }
    } catch (const ModelError& e) {
      for (const Diagnostic& d : e.diagnostics()) problems.push_back({b.source, b.line, b.key, d.message});
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  if (cand.scenario_at(start_values).report_times != scenario.report_times)
    problems.push_back({targets.source, 0, "parameters", "the starting values change the report grid of the scenario"});
  for (std::size_t i = 0; i < params.size(); ++i)
    for (double v : {params[i].lower, params[i].upper}) {
      std::vector<double> at = start_values;
      at[i] = v;
      if (cand.scenario_at(at).report_times != scenario.report_times) {
        grid_problem(params[i]);
        break;
      }
    }
  if (!problems.empty()) throw ModelError(std::move(problems));

  const auto n = static_cast<unsigned>(params.size());
  std::vector<double> u(n), lo(n, 0.0), hi(n, 1.0);
  for (unsigned i = 0; i < n; ++i) u[i] = std::clamp(cand.to_u(i, start_values[i]), 0.0, 1.0);
  // NLopt's BOBYQA needs at least two variables; one is searched by Nelder–Mead.
  const bool bobyqa = o.algorithm == "bobyqa" && n >= 2;
  nlopt_opt opt = nlopt_create(bobyqa ? NLOPT_LN_BOBYQA : NLOPT_LN_NELDERMEAD, n);
  nlopt_set_lower_bounds(opt, lo.data());
  nlopt_set_upper_bounds(opt, hi.data());
  nlopt_set_min_objective(opt, nlopt_objective, &cand);
  nlopt_set_xtol_abs1(opt, o.xtol_rel);
  nlopt_set_maxeval(opt, o.max_evaluations);
  std::vector<double> step(n, 0.15);
  nlopt_set_initial_step(opt, step.data());
  double fmin = 0;
  const nlopt_result res = nlopt_optimize(opt, u.data(), &fmin);
  nlopt_destroy(opt);

  FitResult r;
  r.method = "targets";
  r.evaluations = cand.evaluations;
  r.iterations = cand.evaluations;
  if (res == NLOPT_MAXEVAL_REACHED) r.status = FitStatus::max_iterations;
  else if (res > 0) r.status = FitStatus::converged;
  else if (res == NLOPT_ROUNDOFF_LIMITED) r.status = FitStatus::not_improving;
  else r.status = FitStatus::failed;
  r.message = std::string(bobyqa ? "NLopt BOBYQA" : "NLopt Nelder-Mead") + " on parameters scaled to [0, 1]; " +
              std::to_string(o.replicates) + " replicates per candidate, seed " + std::to_string(o.seed);
  if (!cand.best_u.empty()) u = cand.best_u;
  std::vector<double> est(n);
  for (unsigned i = 0; i < n; ++i) est[i] = cand.to_value(i, u[i]);
  if (!std::isfinite(cand.best) || cand.best >= 1e300) {
    r.status = FitStatus::failed;
    r.message = "no candidate could be simulated: " + cand.last_error;
  }
  SimulatedTargets sim;
  try {
    sim = cand.simulate(est);
  } catch (const ModelError& e) {
    r.status = FitStatus::failed;
    r.message = e.what();
    r.seconds = detail::now_seconds() - t0;
    return r;
  }
  r.objective = cand.objective(sim);
  r.log_likelihood = -0.5 * r.objective;
  r.parameters = n;
  r.aic = r.objective + 2.0 * n;
  std::size_t m = 0;
  for (std::size_t i = 0; i < targets.targets.size(); ++i) {
    const Target& t = targets.targets[i];
    for (std::size_t k = 0; k < t.times.size(); ++k, ++m)
      r.targets.push_back({t.id, t.times[k], t.values[k], t.sd[k], sim.mean[i][k], sim.se[i][k],
                           (sim.mean[i][k] - t.values[k]) / t.sd[k]});
  }
  // Sandwich standard errors: J = ∂(simulated moments)/∂(parameters) by central differences
  // (common random numbers keep them stable), W = diag(1/sd²), Σ = diag(sd² + sim_se²).
  Eigen::MatrixXd cov = Eigen::MatrixXd::Constant(n, n, std::numeric_limits<double>::quiet_NaN());
  if (o.standard_errors && r.status != FitStatus::failed) {
    Eigen::MatrixXd J(static_cast<Eigen::Index>(m), n);
    bool ok = true;
    for (unsigned j = 0; j < n && ok; ++j) {
      const double h = 0.02;
      double up = std::min(1.0, u[j] + h), dn = std::max(0.0, u[j] - h);
      std::vector<double> vp = est, vm = est;
      vp[j] = cand.to_value(j, up);
      vm[j] = cand.to_value(j, dn);
      try {
        const auto sp = cand.simulate(vp), sm = cand.simulate(vm);
        r.evaluations += 2;
        Eigen::Index row = 0;
        for (std::size_t i = 0; i < targets.targets.size(); ++i)
          for (std::size_t k = 0; k < targets.targets[i].times.size(); ++k, ++row)
            J(row, j) = (sp.mean[i][k] - sm.mean[i][k]) / (vp[j] - vm[j]);
      } catch (const ModelError&) {
        ok = false;
      }
    }
    if (ok && J.allFinite()) {
      Eigen::VectorXd w(static_cast<Eigen::Index>(m)), sig(static_cast<Eigen::Index>(m));
      for (std::size_t i = 0; i < m; ++i) {
        w[static_cast<Eigen::Index>(i)] = 1.0 / (r.targets[i].sd * r.targets[i].sd);
        sig[static_cast<Eigen::Index>(i)] = r.targets[i].sd * r.targets[i].sd + r.targets[i].simulated_se * r.targets[i].simulated_se;
      }
      const Eigen::MatrixXd A = J.transpose() * w.asDiagonal() * J;
      const Eigen::MatrixXd B = J.transpose() * (w.array() * w.array() * sig.array()).matrix().asDiagonal() * J;
      Eigen::MatrixXd Ainv;
      std::vector<int> bad;
      detail::invert_information(A, Ainv, bad);
      if (bad.empty()) {
        cov = Ainv * B * Ainv;
      } else {
        r.notes.push_back("the targets do not determine every parameter (flat directions); no standard errors for some");
        if (r.status == FitStatus::converged) r.status = FitStatus::singular_information;
      }
    }
  }
  r.covariance.assign(static_cast<std::size_t>(n) * n, 0.0);
  for (unsigned i = 0; i < n; ++i)
    for (unsigned j = 0; j < n; ++j) r.covariance[i * n + j] = cov(i, j);
  for (unsigned i = 0; i < n; ++i) {
    Estimate e;
    e.name = params[i].key;
    e.kind = "parameter";
    e.key = params[i].key;
    e.estimate = est[i];
    e.se = std::sqrt(cov(i, i));
    e.lower = e.estimate - z95 * e.se;
    e.upper = e.estimate + z95 * e.se;
    e.start = start_values[i];
    e.parameter = static_cast<int>(i);
    r.estimates.push_back(e);
    r.parameter_names.push_back(params[i].key);
    r.theta.push_back(est[i]);
    if (u[i] <= 1e-6 || u[i] >= 1 - 1e-6) r.notes.push_back(params[i].key + " is at a bound; widen the range");
  }
  for (const auto& s : targets.skipped) r.notes.push_back("target " + s + " skipped: it has no `model` member");
  for (const auto& s : targets.notes) r.notes.push_back(s);
  r.starts.push_back({"start", -0.5 * r.objective, r.iterations, r.status});
  r.seconds = detail::now_seconds() - t0;
  return r;
}

}  // namespace trede::calib
