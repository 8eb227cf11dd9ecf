#pragma once
// TOML documents and key paths (private to libtrede): parsing with input limits, finding the
// node a KeyPath names, and applying a --set assignment to a parsed document. The grammar of
// paths is in trede/model/key_path.hpp; the selection rule in model/key_path_select.hpp.

#include <toml++/toml.h>

#include <cstdint>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/key_path_select.hpp"
#include "trede/model/key_path.hpp"

namespace trede::model::detail {

// A character of a bare TOML key: letters, digits, '_' and '-'.
[[nodiscard]] inline bool bare_key_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// The value of a number node as a double. toml++'s value<double>() is empty for an integer that
// a double cannot hold exactly (beyond 2^53); this rounds it instead, so range checks see it,
// and never onto ±2^53 itself (2^53 + 1 rounds to 2^53): a limit of 2^53 must refuse it.
[[nodiscard]] inline double number_value(const toml::node& n) {
  if (const auto i = n.value_exact<std::int64_t>()) {
    constexpr std::int64_t exact = std::int64_t{1} << 53;
    const double d = static_cast<double>(*i);
    if (*i > exact && d <= static_cast<double>(exact)) return std::nextafter(d, std::numeric_limits<double>::infinity());
    if (*i < -exact && d >= -static_cast<double>(exact)) return std::nextafter(d, -std::numeric_limits<double>::infinity());
    return d;
  }
  return n.value_exact<double>().value_or(std::numeric_limits<double>::quiet_NaN());
}

// "a table", "a string", "a number", ...: the type of a node in messages.
[[nodiscard]] const char* type_name(const toml::node& n);

// A problem found in TOML text before it is parsed.
struct TextProblem {
  int line = 0;
  std::string message;
};

// Checks `text` against limits::max_key_segments, max_key_bytes and max_nesting without
// parsing it (the parser recurses on dotted keys and nesting: deeper text overflows its stack).
// Strings and comments are skipped; the first problem is returned.
[[nodiscard]] std::optional<TextProblem> check_text_limits(std::string_view text);

// Parses `text` (named `source` in messages): the limits, then toml++.
// \throws ModelError(source, line, "", message) for either.
[[nodiscard]] toml::table parse_toml(std::string_view text, const std::string& source);

// The name, id, from and to of an element of an array of tables, for selection.
[[nodiscard]] ElementLabels labels_of(const toml::node& element);

// The element of `arr` (an array of tables) that `selector` picks, or nullptr and `error`.
[[nodiscard]] const toml::table* select_element(const toml::array& arr, std::string_view selector, std::string& error);

// The node `path` names in `root`, or nullptr with `error` (what is wrong) and `where` (the
// path up to the segment that failed).
[[nodiscard]] const toml::node* find_node(const toml::table& root, const KeyPath& path, std::string& error,
                                          std::string& where);

// `path` with every selector replaced by the index of the element it picks in `root` (so that
// `transition[0].rate` and `transition[a->b].rate` give the same text when both name the first
// transition); from the first segment that does not resolve on, the rest as given.
[[nodiscard]] KeyPath indexed_path(const toml::table& root, const KeyPath& path);

// The value text of an assignment as a TOML node, in a table under the key "v": a TOML value,
// or a bare word as a string. \throws ModelError(key = `key`) for a number that is out of range
// or malformed, and for text beyond the limits.
[[nodiscard]] toml::table parse_value(std::string_view value, const std::string& key);

// Applies `a` to `root` (see docs/scenario-format.md, "--set"): the nodes it inserted or
// replaced are returned (the value, and tables it created on the way), for messages.
// \throws ModelError(key = the path up to the failing segment) when the path does not fit.
std::vector<const toml::node*> apply_assignment(toml::table& root, const Assignment& a);

// A year written as a key of a year table ("2025", "2025.5"), or nullopt.
[[nodiscard]] std::optional<double> year_key(std::string_view key);

}  // namespace trede::model::detail
