#pragma once
// Typed, diagnosing access to TOML tables for the scenario loader (private to libtrede).
// Every getter records a Diagnostic (file, line, key, message) instead of throwing, and a
// TableReader reports keys it does not know, with a "did you mean" suggestion.

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "model/load_context.hpp"
#include "model/numeric_rules.hpp"
#include "model/toml_tree.hpp"
#include "text.hpp"

namespace trede::model::detail {

inline std::string fmt_num(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

using trede::detail::did_you_mean;

inline std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::string(v[i]);
  return s;
}

// Reads one TOML table: typed getters that record errors, and a check for unknown keys.
class TableReader {
 public:
  TableReader(LoadContext& ctx, const toml::table& tbl, std::string path,
              std::vector<std::string_view> known, bool report_unknown = true)
      : ctx_(ctx), tbl_(tbl), path_(std::move(path)), known_(std::move(known)) {
    if (!report_unknown) return;
    for (auto&& [k, v] : tbl_) {
      if (std::find(known_.begin(), known_.end(), k.str()) == known_.end())
        ctx_.error(v, key(k.str()),
                   "unknown key" + did_you_mean(k.str(), known_) + "; allowed keys: " + join(known_));
    }
  }

  [[nodiscard]] std::string key(std::string_view k) const {
    return path_.empty() ? std::string(k) : path_ + "." + std::string(k);
  }
  [[nodiscard]] const toml::table& table() const { return tbl_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const toml::node* node(std::string_view k) const { return tbl_.get(k); }
  [[nodiscard]] bool has(std::string_view k) const { return tbl_.contains(k); }

  void missing(std::string_view k, const std::string& what = "") const {
    ctx_.error(tbl_, key(k), "missing required key" + (what.empty() ? "" : " (" + what + ")"));
  }

  // A finite number. Integers are accepted where numbers are expected.
  std::optional<double> number(std::string_view k, bool required = false) const {
    const toml::node* n = tbl_.get(k);
    if (!n) {
      if (required) missing(k);
      return std::nullopt;
    }
    return as_number(*n, key(k));
  }

  std::optional<double> as_number(const toml::node& n, const std::string& full_key) const {
    if (!n.is_number()) {
      ctx_.error(n, full_key, std::string("must be a number (got ") + type_name(n) + ")");
      return std::nullopt;
    }
    const double v = number_value(n);
    if (!std::isfinite(v)) {
      ctx_.error(n, full_key, "must be a finite number (got " + fmt_num(v) + ")");
      return std::nullopt;
    }
    return v;
  }

  std::optional<double> positive(std::string_view k, bool required = false) const {
    auto v = number(k, required);
    if (v && !(*v > 0)) {
      ctx_.error(*tbl_.get(k), key(k), "must be > 0 (got " + fmt_num(*v) + ")");
      return std::nullopt;
    }
    return v;
  }

  // A number in the valid range of `rule` (docs/scenario-format.md, "Valid ranges").
  std::optional<double> ranged(std::string_view k, const NumericRule& rule, bool required = false) const {
    auto v = number(k, required);
    return v ? in_range(*tbl_.get(k), key(k), *v, rule) : std::nullopt;
  }
  std::optional<double> in_range(const toml::node& n, const std::string& full_key, double v, const NumericRule& rule) const {
    if (const std::string p = rule.problem(v); !p.empty()) {
      ctx_.error(n, full_key, p);
      return std::nullopt;
    }
    return v;
  }
  // A whole number in the range of `rule`: an integer, or a real without a fractional part.
  std::optional<double> whole(std::string_view k, const NumericRule& rule, bool required = false) const {
    const toml::node* n = tbl_.get(k);
    if (!n) {
      if (required) missing(k);
      return std::nullopt;
    }
    if (!n->is_number()) {
      ctx_.error(*n, key(k), std::string("must be a whole number (got ") + type_name(*n) + ")");
      return std::nullopt;
    }
    return in_range(*n, key(k), number_value(*n), rule);
  }

  std::optional<std::string> string(std::string_view k, bool required = false) const {
    const toml::node* n = tbl_.get(k);
    if (!n) {
      if (required) missing(k);
      return std::nullopt;
    }
    if (!n->is_string()) {
      ctx_.error(*n, key(k), std::string("must be a string (got ") + type_name(*n) + ")");
      return std::nullopt;
    }
    return std::string(*n->value<std::string_view>());
  }

  // A string from a fixed set of choices.
  std::optional<std::string> choice(std::string_view k, const std::vector<std::string_view>& choices,
                                    bool required = false) const {
    auto s = string(k, required);
    if (s && std::find(choices.begin(), choices.end(), *s) == choices.end()) {
      ctx_.error(*tbl_.get(k), key(k),
                 "must be one of " + join(choices) + " (got '" + *s + "')" + did_you_mean(*s, choices));
      return std::nullopt;
    }
    return s;
  }

  std::optional<bool> boolean(std::string_view k) const {
    const toml::node* n = tbl_.get(k);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      ctx_.error(*n, key(k), std::string("must be true or false (got ") + type_name(*n) + ")");
      return std::nullopt;
    }
    return *n->value<bool>();
  }

  std::optional<std::int64_t> integer(std::string_view k, bool required = false) const {
    const toml::node* n = tbl_.get(k);
    if (!n) {
      if (required) missing(k);
      return std::nullopt;
    }
    if (n->is_integer()) return *n->value<std::int64_t>();
    if (n->is_floating_point()) {
      const double v = number_value(*n);
      if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
    }
    ctx_.error(*n, key(k), "must be a whole number (got " +
                               (n->is_floating_point() ? fmt_num(number_value(*n)) : std::string(type_name(*n))) + ")");
    return std::nullopt;
  }

  const toml::table* subtable(std::string_view k, bool required = false) const {
    const toml::node* n = tbl_.get(k);
    if (!n) {
      if (required) missing(k);
      return nullptr;
    }
    if (!n->is_table()) {
      ctx_.error(*n, key(k), std::string("must be a table (got ") + type_name(*n) + ")");
      return nullptr;
    }
    return n->as_table();
  }

  // An array of numbers (all finite).
  std::optional<std::vector<double>> numbers(std::string_view k, bool required = false) const {
    const toml::node* n = tbl_.get(k);
    if (!n) {
      if (required) missing(k);
      return std::nullopt;
    }
    const toml::array* arr = n->as_array();
    if (!arr) {
      ctx_.error(*n, key(k), std::string("must be an array of numbers (got ") + type_name(*n) + ")");
      return std::nullopt;
    }
    std::vector<double> out;
    bool ok = true;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto v = as_number((*arr)[i], key(k) + "[" + std::to_string(i) + "]");
      if (v) out.push_back(*v);
      else ok = false;
    }
    return ok ? std::optional(out) : std::nullopt;
  }

  std::optional<std::vector<std::string>> strings(std::string_view k) const {
    const toml::node* n = tbl_.get(k);
    if (!n) return std::nullopt;
    const toml::array* arr = n->as_array();
    if (!arr) {
      ctx_.error(*n, key(k), std::string("must be an array of strings (got ") + type_name(*n) + ")");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      if (!(*arr)[i].is_string()) {
        ctx_.error((*arr)[i], key(k) + "[" + std::to_string(i) + "]", "must be a string");
        return std::nullopt;
      }
      out.emplace_back(*(*arr)[i].value<std::string_view>());
    }
    return out;
  }

  LoadContext& ctx() const { return ctx_; }

 private:
  LoadContext& ctx_;
  const toml::table& tbl_;
  std::string path_;
  std::vector<std::string_view> known_;
};

inline bool valid_identifier(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace trede::model::detail
