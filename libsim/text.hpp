#pragma once
// Small text helpers shared inside libtrede: CSV fields, numbers, timestamps.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trede::detail {

// Splits one CSV line into `out`; a field may be double-quoted ("" inside quotes is a quote),
// blanks around unquoted fields are trimmed and a trailing '\r' is dropped. Returns false on an
// unterminated quote.
bool split_csv(std::string_view line, std::vector<std::string>& out);

// The whole of `s` as a finite number (an optional leading '+'); nullopt otherwise.
std::optional<double> parse_finite(std::string_view s);

// Now as ISO 8601 UTC, e.g. "2026-11-23T01:23:09Z" (provenance attributes and comments).
std::string utc_now();

}  // namespace trede::detail
