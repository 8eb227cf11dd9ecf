// Writing fitted values back into a scenario's text.
//
// The file is edited as text, not re-serialised: comments, key order, blank lines and every value
// not calibrated stay byte for byte as they were. The text is cut into blocks at table headers
// ([table], [[array]]); a key path such as transition[bijstand->diagnose].rate picks the
// [[transition]] block whose from/to (or id, name, or index) match, then the `rate = ...` line in
// it, whose value is replaced (a value spanning several lines, such as a long array, is replaced
// whole). A missing key is added at the end of its block.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <sstream>

#include "calib/internal.hpp"
#include "text.hpp"
#include "trede/calib/report.hpp"
#include "trede/error.hpp"
#include "trede/version.hpp"

namespace trede::calib {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string_view::npos ? std::string{} : std::string(s.substr(b, e - b + 1));
}

std::string unquote(std::string s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) return s.substr(1, s.size() - 2);
  return s;
}

// A TOML key as written: bare when it can be, quoted otherwise.
std::string toml_key(const std::string& k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? k : "\"" + k + "\"";
}

// Position of the end of a value that starts at `pos` in `s` (strings, arrays and inline tables
// may nest); npos when it continues on a later line.
std::size_t value_end(const std::string& s, std::size_t pos, int& depth, bool& in_string) {
  for (std::size_t i = pos; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') ++depth;
    else if (c == ']' || c == '}') --depth;
    else if (c == '#' && depth == 0) return i;
    if (depth == 0 && (c == ']' || c == '}')) return i + 1;
  }
  return depth == 0 && !in_string ? s.size() : std::string::npos;
}

struct Block {
  std::string header;      // "" for the top level, "transition", "report", "transition.covariates"
  bool array = false;      // [[header]]
  std::size_t begin = 0;   // first line after the header line (or 0 for the top level)
  std::size_t end = 0;     // one past the last line
  std::size_t header_line = 0;
  int parent = -1;         // for [a.b] after [[a]]: the [[a]] block it belongs to
};

struct KeyLine {
  std::size_t first = 0, last = 0;  // lines the key's value spans
  std::size_t value_begin = 0;      // column of the value on the first line
  std::size_t value_end = 0;        // column after the value on the last line
};

class TextEditor {
 public:
  TextEditor(const std::string& text, std::string source) : source_(std::move(source)) {
    std::size_t pos = 0;
    while (pos <= text.size()) {
      const auto nl = text.find('\n', pos);
      if (nl == std::string::npos) {
        if (pos < text.size()) lines_.push_back(text.substr(pos));
        break;
      }
      lines_.push_back(text.substr(pos, nl - pos));
      pos = nl + 1;
    }
    trailing_newline_ = !text.empty() && text.back() == '\n';
    index();
  }

  std::string text() const {
    std::string out;
    for (std::size_t i = 0; i < lines_.size(); ++i) out += lines_[i] + (i + 1 < lines_.size() || trailing_newline_ ? "\n" : "");
    return out;
  }

  void prepend(const std::string& comment_block) {
    std::vector<std::string> add;
    std::istringstream is(comment_block);
    for (std::string l; std::getline(is, l);) add.push_back(l.empty() ? "#" : "# " + l);
    add.emplace_back();
    lines_.insert(lines_.begin(), add.begin(), add.end());
    index();
  }

  bool has_extends() const {
    for (std::size_t i = blocks_.front().begin; i < blocks_.front().end; ++i)
      if (key_of(lines_[i]) == "extends") return true;
    return false;
  }

  // Sets `path` to `value`; returns an error message or "".
  std::string set(const std::string& path, const std::string& value, const std::string& comment) {
    // Split "a[sel].b.c" into segments, keeping quoted parts and selectors whole.
    std::vector<std::pair<std::string, std::optional<std::string>>> segs;
    std::size_t i = 0;
    while (i < path.size()) {
      std::string name;
      if (path[i] == '"') {
        const auto close = path.find('"', i + 1);
        if (close == std::string::npos) return "unterminated quote in key";
        name = path.substr(i + 1, close - i - 1);
        i = close + 1;
      } else {
        while (i < path.size() && path[i] != '.' && path[i] != '[') name += path[i++];
      }
      std::optional<std::string> sel;
      if (i < path.size() && path[i] == '[') {
        const auto close = path.find(']', i);
        if (close == std::string::npos) return "unterminated [ in key";
        sel = path.substr(i + 1, close - i - 1);
        i = close + 1;
      }
      segs.emplace_back(name, sel);
      if (i < path.size() && path[i] == '.') ++i;
    }
    if (segs.empty()) return "empty key";
    // Resolve the block: [[array]] element, [table] or the top level.
    int block = 0;
    std::size_t s = 0;
    if (segs.size() >= 2 && segs[0].second) {
      block = select(segs[0].first, *segs[0].second);
      if (block < 0) return "no [[" + segs[0].first + "]] element '" + *segs[0].second + "' in this file";
      s = 1;
    } else if (segs.size() >= 2) {
      // Longest [a.b] header that prefixes the path.
      for (std::size_t n = segs.size() - 1; n >= 1 && block == 0; --n) {
        std::string h;
        for (std::size_t k = 0; k < n; ++k) h += (k ? "." : "") + segs[k].first;
        for (std::size_t b = 1; b < blocks_.size(); ++b)
          if (!blocks_[b].array && blocks_[b].header == h) {
            block = static_cast<int>(b);
            s = n;
            break;
          }
      }
    }
    // Indexed array value at the end ("rates[2]") is not a path we write piecewise.
    if (segs.back().second) return "cannot write one element of an array; write the whole array";
    const std::size_t rest = segs.size() - s;
    if (rest == 1) return set_in_block(block, segs[s].first, value, comment);
    if (rest == 2) {
      const std::string& table = segs[s].first;
      const std::string& key = segs[s + 1].first;
      // [parent.table] sub-block?
      const std::string sub = (block > 0 ? blocks_[static_cast<std::size_t>(block)].header + "." : "") + table;
      for (std::size_t b = 1; b < blocks_.size(); ++b)
        if (blocks_[b].header == sub && !blocks_[b].array && (blocks_[b].parent == block || block == 0))
          return set_in_block(static_cast<int>(b), key, value, comment);
      if (value.empty()) return "";  // nothing to remove
      return set_inline(block, table, key, value, comment);
    }
    return "key path too deep to edit";
  }

 private:
  static std::string key_of(const std::string& line) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '[') return {};
    // key = value, where key may be quoted
    std::size_t i = 0;
    std::string k;
    if (t[0] == '"' || t[0] == '\'') {
      const auto close = t.find(t[0], 1);
      if (close == std::string::npos) return {};
      k = t.substr(1, close - 1);
      i = close + 1;
    } else {
      while (i < t.size() && t[i] != '=' && t[i] != ' ' && t[i] != '\t') k += t[i++];
    }
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
    if (i >= t.size() || t[i] != '=') return {};
    return k;
  }

  void index() {
    blocks_.clear();
    blocks_.push_back(Block{"", false, 0, lines_.size(), 0, -1});
    int last_array = -1;
    std::string last_array_name;
    bool in_multiline = false;
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const std::string t = trim(lines_[i]);
      if (in_multiline) {
        if (value_end(lines_[i], 0, depth, in_string) != std::string::npos) in_multiline = false;
        continue;
      }
      if (!t.empty() && t[0] == '[') {
        const bool arr = t.size() > 1 && t[1] == '[';
        const auto close = t.find(arr ? "]]" : "]");
        std::string h = trim(t.substr(arr ? 2 : 1, close == std::string::npos ? std::string::npos : close - (arr ? 2 : 1)));
        blocks_.back().end = i;
        Block b{h, arr, i + 1, lines_.size(), i, -1};
        if (arr) {
          last_array = static_cast<int>(blocks_.size());
          last_array_name = h;
        } else if (last_array >= 0 && h.rfind(last_array_name + ".", 0) == 0) {
          b.parent = last_array;
        }
        blocks_.push_back(b);
        continue;
      }
      if (!key_of(lines_[i]).empty()) {
        const auto eq = lines_[i].find('=');
        depth = 0;
        in_string = false;
        if (value_end(lines_[i], eq + 1, depth, in_string) == std::string::npos) in_multiline = true;
      }
    }
  }

  std::optional<std::string> string_value(const Block& b, const std::string& key) const {
    for (std::size_t i = b.begin; i < b.end; ++i)
      if (key_of(lines_[i]) == key) {
        const auto eq = lines_[i].find('=');
        int depth = 0;
        bool in_str = false;
        auto end = value_end(lines_[i], eq + 1, depth, in_str);
        return unquote(lines_[i].substr(eq + 1, end == std::string::npos ? std::string::npos : end - eq - 1));
      }
    return std::nullopt;
  }

  int select(const std::string& array, const std::string& sel) const {
    std::vector<int> elems;
    for (std::size_t b = 1; b < blocks_.size(); ++b)
      if (blocks_[b].array && blocks_[b].header == array) elems.push_back(static_cast<int>(b));
    std::size_t idx = 0;
    auto [p, ec] = std::from_chars(sel.data(), sel.data() + sel.size(), idx);
    if (ec == std::errc{} && p == sel.data() + sel.size()) return idx < elems.size() ? elems[idx] : -1;
    for (int b : elems) {
      const Block& bl = blocks_[static_cast<std::size_t>(b)];
      auto name = string_value(bl, "name"), id = string_value(bl, "id"), from = string_value(bl, "from"),
           to = string_value(bl, "to");
      if ((name && *name == sel) || (id && *id == sel)) return b;
      if (!id && from && to && *from + "->" + *to == sel) return b;
    }
    return -1;
  }

  std::optional<KeyLine> find_key(const Block& b, const std::string& key) const {
    for (std::size_t i = b.begin; i < b.end; ++i) {
      if (key_of(lines_[i]) != key) continue;
      KeyLine k;
      k.first = i;
      const auto eq = lines_[i].find('=');
      k.value_begin = eq + 1;
      int depth = 0;
      bool in_str = false;
      std::size_t j = i;
      std::size_t end = value_end(lines_[j], eq + 1, depth, in_str);
      while (end == std::string::npos && j + 1 < b.end) {
        ++j;
        end = value_end(lines_[j], 0, depth, in_str);
      }
      k.last = j;
      k.value_end = end == std::string::npos ? lines_[j].size() : end;
      return k;
    }
    return std::nullopt;
  }

  std::string set_in_block(int block, const std::string& key, const std::string& value, const std::string& comment) {
    const Block& b = blocks_[static_cast<std::size_t>(block)];
    if (value.empty()) {  // remove the key
      if (auto k = find_key(b, key)) {
        lines_.erase(lines_.begin() + static_cast<long>(k->first), lines_.begin() + static_cast<long>(k->last) + 1);
        index();
      }
      return "";
    }
    if (auto k = find_key(b, key)) {
      const std::string head = lines_[k->first].substr(0, k->value_begin);
      std::string tail = lines_[k->last].substr(k->value_end);
      const std::string old_comment = trim(tail);
      std::string line = head + " " + value + (comment.empty() ? "" : "  # " + comment);
      if (!old_comment.empty() && old_comment[0] == '#') line += " | " + trim(old_comment.substr(1));
      lines_.erase(lines_.begin() + static_cast<long>(k->first), lines_.begin() + static_cast<long>(k->last) + 1);
      lines_.insert(lines_.begin() + static_cast<long>(k->first), line);
      index();
      return "";
    }
    // Add it after the block's last key line.
    std::size_t at = b.begin;
    for (std::size_t i = b.begin; i < b.end; ++i)
      if (!trim(lines_[i]).empty() && trim(lines_[i])[0] != '#') at = i + 1;
    if (block == 0 && at == 0) at = b.end;
    lines_.insert(lines_.begin() + static_cast<long>(at), toml_key(key) + " = " + value + (comment.empty() ? "" : "  # " + comment));
    index();
    return "";
  }

  // key inside an inline table `table = { ... }` of the block (created when missing).
  std::string set_inline(int block, const std::string& table, const std::string& key, const std::string& value,
                         const std::string& comment) {
    const Block& b = blocks_[static_cast<std::size_t>(block)];
    std::vector<std::pair<std::string, std::string>> entries;
    auto k = find_key(b, table);
    if (k) {
      std::string body;
      for (std::size_t i = k->first; i <= k->last; ++i) {
        const std::size_t from = i == k->first ? k->value_begin : 0;
        const std::size_t to = i == k->last ? k->value_end : lines_[i].size();
        body += lines_[i].substr(from, to - from) + " ";
      }
      body = trim(body);
      if (body.size() < 2 || body.front() != '{' || body.back() != '}') return "'" + table + "' is not an inline table";
      body = body.substr(1, body.size() - 2);
      // Split on top-level commas.
      int depth = 0;
      bool in_str = false;
      std::string cur;
      auto flush = [&] {
        const std::string t = trim(cur);
        cur.clear();
        if (t.empty()) return;
        std::size_t eq = std::string::npos;
        bool q = false;
        for (std::size_t i = 0; i < t.size(); ++i) {
          if (t[i] == '"') q = !q;
          if (t[i] == '=' && !q) {
            eq = i;
            break;
          }
        }
        if (eq != std::string::npos) entries.emplace_back(unquote(t.substr(0, eq)), trim(t.substr(eq + 1)));
      };
      for (char c : body) {
        if (c == '"') in_str = !in_str;
        if (!in_str && (c == '{' || c == '[')) ++depth;
        if (!in_str && (c == '}' || c == ']')) --depth;
        if (c == ',' && depth == 0 && !in_str) flush();
        else cur += c;
      }
      flush();
    }
    bool found = false;
    for (auto& [ek, ev] : entries)
      if (ek == key) ev = value, found = true;
    if (!found) entries.emplace_back(key, value);
    std::string inl = "{ ";
    for (std::size_t i = 0; i < entries.size(); ++i)
      inl += (i ? ", " : "") + toml_key(entries[i].first) + " = " + entries[i].second;
    inl += " }";
    return set_in_block(block, table, inl, comment);
  }

  std::string source_;
  std::vector<std::string> lines_;
  std::vector<Block> blocks_;
  bool trailing_newline_ = true;
};

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  std::string s = buf;
  // A TOML float needs a '.', 'e' or is an integer; integers are fine for every numeric key.
  return s;
}

}  // namespace

namespace detail {
std::string edit_text(const std::string& text, const std::string& source, const std::vector<std::pair<std::string, std::string>>& set,
                      const std::vector<std::string>& remove) {
  TextEditor ed(text, source);
  for (const auto& k : remove) (void)ed.set(k, "", "");
  for (const auto& [k, v] : set) {
    const std::string err = ed.set(k, v, "");
    if (!err.empty()) throw ModelError(source, 0, k, err);
  }
  return ed.text();
}
}  // namespace detail

std::vector<ScenarioEdit> edits_for(const FitResult& fit) {
  std::vector<ScenarioEdit> out;
  std::map<std::string, std::vector<const Estimate*>> arrays;  // "transition[x].rates" -> pieces in order
  std::vector<std::string> array_order;
  for (const auto& e : fit.estimates) {
    if (e.key.empty()) continue;
    if (const auto br = e.key.rfind('['); br != std::string::npos && e.key.back() == ']' && br > e.key.rfind('.')) {
      const std::string base = e.key.substr(0, br);
      if (!arrays.count(base)) array_order.push_back(base);
      arrays[base].push_back(&e);
      continue;
    }
    std::string comment = "calibrated";
    if (std::isfinite(e.lower) && std::isfinite(e.upper) && !e.fixed)
      comment += ", 95% CI [" + detail::fmt(e.lower) + ", " + detail::fmt(e.upper) + "]";
    if (std::isfinite(e.start)) comment += "; was " + detail::fmt(e.start, 6);
    out.push_back({e.key, num(e.estimate), comment});
  }
  for (const auto& base : array_order) {
    std::string v = "[", lo, hi;
    const auto& pieces = arrays[base];
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      v += (i ? ", " : "") + num(pieces[i]->estimate);
      lo += (i ? ", " : "") + detail::fmt(pieces[i]->lower);
      hi += (i ? ", " : "") + detail::fmt(pieces[i]->upper);
    }
    v += "]";
    out.push_back({base, v, "calibrated, 95% CI lower [" + lo + "], upper [" + hi + "]"});
  }
  return out;
}

std::string apply_edits(const std::string& text, const std::string& source_name, const std::vector<ScenarioEdit>& edits,
                        const std::string& header_comment) {
  TextEditor ed(text, source_name);
  std::vector<Diagnostic> problems;
  for (const auto& e : edits) {
    const std::string err = ed.set(e.key, e.value, e.comment);
    if (!err.empty())
      problems.push_back({source_name, 0, e.key,
                          "cannot write the calibrated value: " + err +
                              (ed.has_extends() ? " (it may be defined in the base file named by `extends`; calibrate that file)" : "")});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  if (!header_comment.empty()) ed.prepend(header_comment);
  return ed.text();
}

std::string calibrated_scenario_text(const model::Scenario& scenario, const FitResult& fit, const Provenance& prov) {
  std::ostringstream h;
  const char* method = fit.method == "panel"   ? "panel-data maximum likelihood (continuous-time Markov model)"
                       : fit.method == "exact" ? "event-history maximum likelihood (piecewise-constant hazards)"
                                               : "simulated method of moments against aggregate targets";
  h << "Calibrated by trede calibrate (trede " << trede::version << ", commit " << trede::git_commit() << ") on "
    << (prov.created.empty() ? trede::detail::utc_now() : prov.created) << "\n";
  if (!prov.command_line.empty()) h << "command: " << prov.command_line << "\n";
  h << "from scenario: " << (scenario.source_path.empty() ? scenario.name : scenario.source_path) << "\n";
  if (!prov.data_path.empty()) h << "data: " << prov.data_path << " (sha256 " << prov.data_sha256 << ")\n";
  h << "method: " << method << "; status " << to_string(fit.status) << " after " << fit.iterations << " iterations\n";
  if (fit.method == "targets") h << "objective (weighted sum of squares): " << detail::fmt(fit.objective, 8) << "\n";
  else h << "log-likelihood " << detail::fmt(fit.log_likelihood, 10) << ", -2 log L " << detail::fmt(fit.objective, 10)
         << ", AIC " << detail::fmt(fit.aic, 10) << "\n";
  h << "values changed below (estimate [95% interval]); every other line is as it was:\n";
  for (const auto& e : fit.estimates)
    if (!e.key.empty())
      h << "  " << e.key << " = " << detail::fmt(e.estimate, 6) << " [" << detail::fmt(e.lower) << ", "
        << detail::fmt(e.upper) << "]\n";
  if (!scenario.overrides.empty()) {
    h << "note: the scenario was read with --set overrides that are NOT in this text:\n";
    for (const auto& o : scenario.overrides) h << "  " << o << "\n";
  }
  return apply_edits(scenario.text, scenario.source_path, edits_for(fit), h.str());
}

}  // namespace trede::calib
