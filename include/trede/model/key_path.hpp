#pragma once
/// \file
/// Key paths: the one grammar for naming a value of a scenario, used by `--set` overrides,
/// sweeps, calibration (candidates and write-back) and uncertain parameters.
///
/// A path is a list of segments separated by `.`; a segment is a key, optionally followed by a
/// selector in brackets that picks one element of an array:
///
/// \code
///   horizon_years
///   transition[bijstand->diagnose].rate      // by from->to (also for a transition with an id)
///   transition[3].rate                       // by index, 0-based
///   transition[my_id].rate                   // by id
///   state[beschut_werk].capacity             // by name
///   region[Groningen].capacity.beschut_werk
///   transition[a->b].covariates."doelgroep=beschut"   // quoted key
///   transition[a->b].rates[2]                // one element of a plain array
/// \endcode
///
/// Keys are bare (letters, digits, `_`, `-`) or quoted with `"`; selectors run to the next `]`
/// unless quoted (`region["a]b"]`). Selection rules (the same everywhere): a decimal selector
/// is an index; otherwise the element whose `name` or `id` equals it; otherwise the one whose
/// `from->to` equals it (an error when several transitions share that pair).
///
/// The typed fast path: `numeric_key` describes a numeric parameter (value, valid range, where it
/// is defined) and `with_values` returns the scenario with new values for a set of numeric keys,
/// exactly as loading it again with `--set key=value` would, without re-parsing for the common
/// keys. Both throw ModelError for a misspelt key or selector, with a suggestion.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trede/model/scenario.hpp"

namespace trede::model {

/// One step of a key path: a key, and optionally a selector picking an element of an array.
struct KeySegment {
  std::string name;                     ///< the key, e.g. "transition", "rate", "2030"
  std::optional<std::string> selector;  ///< e.g. "3", "beschut_werk", "bijstand->diagnose"

  bool operator==(const KeySegment&) const = default;
};

/// A parsed key path such as `transition[bijstand->diagnose].rate`.
class KeyPath {
 public:
  KeyPath() = default;
  explicit KeyPath(std::vector<KeySegment> segments) : segments_(std::move(segments)) {}

  /// Parses `text`. At most `max_segments` segments.
  /// \throws ModelError (key = `text`) saying what is wrong, e.g. "unterminated [ at column 11".
  static KeyPath parse(std::string_view text);

  [[nodiscard]] const std::vector<KeySegment>& segments() const noexcept { return segments_; }
  [[nodiscard]] bool empty() const noexcept { return segments_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return segments_.size(); }
  [[nodiscard]] const KeySegment& operator[](std::size_t i) const { return segments_[i]; }

  /// The canonical text: keys bare when they can be, quoted otherwise; selectors as given
  /// (quoted when they contain `[`, `]` or `"`). `KeyPath::parse(p.text()) == p`, and
  /// `parse_assignment(a.text())` gives back `a`.
  [[nodiscard]] std::string text() const;

  /// Most segments a path may have (longer paths are refused before any parsing).
  static constexpr std::size_t max_segments = 32;

  bool operator==(const KeyPath&) const = default;

 private:
  std::vector<KeySegment> segments_;
};

/// One `--set` assignment: a key path and a TOML value as text (`20`, `0.5`, `"text"`,
/// `{2025 = 100}`; a bare word is a string).
struct Assignment {
  KeyPath key;
  std::string value;

  /// "key=value" with the canonical key text.
  [[nodiscard]] std::string text() const;
};

/// Parses "key=value" (the `--set` syntax): split at the first `=` outside brackets and
/// quotes, blanks around both parts removed.
/// \throws ModelError (key = the key part) when there is no `=`, the key is empty or not a path.
[[nodiscard]] Assignment parse_assignment(std::string_view text);

/// What values a numeric key accepts (the bounds are in `NumericKey::min` and `max`).
enum class Domain : std::uint8_t {
  real,           ///< any number in [min, max]
  positive,       ///< > 0 (and <= max)
  non_negative,   ///< >= 0 (and <= max)
  probability,    ///< in [0, 1]
  whole,          ///< a whole number in [min, max]
  calendar_year,  ///< a calendar year in [min, max]
};

/// "real", "positive", "non-negative", "probability", "whole number", "calendar year".
[[nodiscard]] const char* to_string(Domain d) noexcept;

/// A numeric parameter of a scenario, as `numeric_key` finds it.
struct NumericKey {
  KeyPath key;              ///< canonical
  double value = 0.0;       ///< the value the scenario gives it (a year table: its value at start_year)
  Domain domain = Domain::real;
  double min = 0.0;         ///< smallest valid value (excluded for Domain::positive)
  double max = 0.0;         ///< largest valid value
  std::string unit;         ///< e.g. "per year", "years", "places", "euros per year"
  std::string file;         ///< where the value is defined: the scenario, a base file, or "--set 'k=v'"
  int line = 0;             ///< line in `file` (0 for an override); the table's line when defaulted
  /// Not given: `value` is the default (for a region's places: what it takes from the state's
  /// capacity, times its share).
  bool defaulted = false;
  bool fast = false;        ///< `with_values` sets it without re-parsing (for in-range values)

  /// True when `v` is a valid value of this key.
  [[nodiscard]] bool accepts(double v) const noexcept;
};

/// Describes the numeric key `key` of `scenario`: its value, domain and valid range, and where
/// it is defined. Costs about one parse of the scenario text (held in memory; no file is read
/// but base files named by `extends`, which are taken from `scenario.base_texts`).
/// \throws ModelError for a key that names nothing (with a "did you mean" suggestion for a
///         misspelt key or selector) or that is not a number.
[[nodiscard]] NumericKey numeric_key(const Scenario& scenario, const KeyPath& key);

/// What each of `keys` names in `scenario` (as loaded, with its bases and overrides), as text in
/// which every selector is the index of the element it picks: two spellings of one key
/// (`transition[0].rate`, `transition[bijstand->diagnose].rate`) give the same text, two keys the
/// same text only when they name the same thing. A key that does not resolve keeps its remaining
/// segments as given (whoever applies it reports that). For refusing a key given twice.
/// \throws ModelError when the scenario's text cannot be read.
[[nodiscard]] std::vector<std::string> key_identities(const Scenario& scenario, std::span<const KeyPath> keys);

/// `numeric_key` for several keys with one parse.
[[nodiscard]] std::vector<NumericKey> numeric_keys(const Scenario& scenario, std::span<const KeyPath> keys);

/// The scenario `base` with `keys[i]` set to `values[i]`: exactly what
/// `reparse(base, base.text, base.overrides + {"key=value", ...})` returns (the overrides are
/// recorded in `overrides` the same way), but without re-parsing when every key
/// is one of the common numeric parameters (transition rates and hazard parameters, calendar
/// multipliers, covariate effects, state costs, places, renege rates, population counts, inflow
/// rates, handover leakage and delays, organisation costs, exit age, attribute centres) and
/// every value is in range. Anything else is applied by parsing `base.text` again with the
/// overrides (`reparse`: base files and CSV files are then read again, relative to
/// `base.base_dir`).
/// Cost: a copy of the scenario (74 µs on the 342-region national benchmark, against 4.6 ms to
/// parse it again; bench/README.md "Scenario parameters").
/// \throws ModelError for an unknown key or a bad value, as loading with --set would.
/// \throws std::invalid_argument when `keys` and `values` differ in length.
[[nodiscard]] Scenario with_values(const Scenario& base, std::span<const KeyPath> keys, std::span<const double> values);

}  // namespace trede::model
