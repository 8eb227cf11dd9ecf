#pragma once
// The valid range of every numeric key of a scenario (private to libtrede): one table that the
// loader checks values against, `numeric_key` reports and `with_values` enforces. The bounds
// are the constants of trede/model/limits.hpp; docs/scenario-format.md lists them.

#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trede/model/key_path.hpp"

namespace trede::model::detail {

// True when `v` is finite, in [min, max], > 0 for Domain::positive and whole for Domain::whole.
inline bool in_range(Domain d, double min, double max, double v) noexcept {
  if (!(v >= min && v <= max)) return false;  // also false for NaN
  if (d == Domain::positive && !(v > 0.0)) return false;
  if (d == Domain::whole && v != std::floor(v)) return false;
  return true;
}

struct NumericRule {
  std::string_view table;  // "" (top level), "state", "transition", "transition.covariates", "population",
                           // "inflow", "region", "region.capacity", "handover", "organisation_costs",
                           // "organisation_effect", "attributes", "exit_age", "report"
  std::string_view key;    // "" = any key of the table
  Domain domain = Domain::real;
  double min = 0.0, max = 0.0;  // inclusive; Domain::positive also excludes 0
  std::string_view unit;        // "per year", "years", "places", ...
  std::optional<double> default_value;

  [[nodiscard]] bool accepts(double v) const noexcept { return in_range(domain, min, max, v); }
  // What is wrong with `v` ("must be >= 0 (got -1)", "must be at most 1e+06 per year (got 1e+308)"),
  // or "" when it is valid.
  [[nodiscard]] std::string problem(double v) const;
};

// The rule of `key` in `table`, or nullptr.
[[nodiscard]] const NumericRule* numeric_rule(std::string_view table, std::string_view key);

// The rule of `key` in `table`, which must exist (the loader's keys all have one).
[[nodiscard]] const NumericRule& rule_of(std::string_view table, std::string_view key);

// The keys of `table` that have rules (for "did you mean").
[[nodiscard]] std::vector<std::string_view> numeric_rule_keys(std::string_view table);

// The rule for a key of a year table (a calendar year between limits::min_year and max_year).
[[nodiscard]] const NumericRule& year_rule();

// Sets `keys[i]` to `values[i]` in `s` without the loader, as loading with --set would; false
// (with `s` partly changed) when some key or value needs the loader. The fast path of
// with_values, declared here for tests.
[[nodiscard]] bool apply_values_fast(Scenario& s, std::span<const KeyPath> keys, std::span<const double> values);

// "1e+06", "0.5", "9007199254740992": numbers in messages.
[[nodiscard]] std::string message_number(double v);

}  // namespace trede::model::detail
