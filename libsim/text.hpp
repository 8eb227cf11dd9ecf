#pragma once
// Small text helpers shared inside libtrede: blanks, "did you mean" suggestions, reading whole
// files with a reason when they cannot be read, CSV fields, numbers, timestamps. Each concept
// has its one implementation here; the loaders and readers call these.

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trede::detail {

// `s` without blanks (space, tab, carriage return) at either end.
std::string_view trim(std::string_view s) noexcept;

// Levenshtein distance: the fewest one-character insertions, deletions and substitutions that
// turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

// " (did you mean 'x'?)" for the candidate closest to `got` when it is close enough (at most
// max(2, |got| / 3) edits away), else "". Ties go to the first candidate. The one suggestion
// rule of the library: unknown keys, states, columns, levels, selectors.
template <class Range>
std::string did_you_mean(std::string_view got, const Range& candidates) {
  std::string_view best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::string_view v(c);
    if (v == got) continue;
    const std::size_t d = edit_distance(got, v);
    if (d < best_d) best_d = d, best = v;
  }
  const std::size_t limit = got.size() / 3 > 2 ? got.size() / 3 : 2;
  return best_d <= limit ? " (did you mean '" + std::string(best) + "'?)" : std::string{};
}

// Reads the whole file at `path` into `out`. Returns "" on success, otherwise why it cannot be
// read, in words a user acts on: "no such file", "permission denied", "is a directory", or the
// system's message.
std::string read_file(const std::string& path, std::string& out);

// Splits one CSV line into `out`; a field may be double-quoted ("" inside quotes is a quote),
// blanks around unquoted fields are trimmed and a trailing '\r' is dropped. Returns false on an
// unterminated quote.
bool split_csv(std::string_view line, std::vector<std::string>& out, char delimiter = ',');

// The whole of `s` as a finite number (an optional leading '+'); nullopt otherwise.
std::optional<double> parse_finite(std::string_view s);

// Shortest text that reads back as exactly `v` ("0.5", "3", "1e+20"), valid as a TOML number
// for finite `v`.
std::string shortest_number(double v);

// Now as ISO 8601 UTC, e.g. "2026-11-23T01:23:09Z" (provenance attributes and comments).
std::string utc_now();

}  // namespace trede::detail
