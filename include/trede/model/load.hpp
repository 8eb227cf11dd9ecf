#pragma once
/// \file
/// Reading scenarios from TOML. Every problem in a scenario is reported at once, each with
/// file, line and key, before anything runs (see docs/scenario-format.md for the format).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "trede/error.hpp"
#include "trede/model/scenario.hpp"

namespace trede::model {

/// Reads and validates the scenario file at `path`, applying `overrides` ("key=value", where
/// key is a dotted path such as `horizon_years`, `state[beschut_werk].capacity` or
/// `transition[bijstand->diagnose].rate`, and value is a TOML value) before validation.
///
/// Relative paths inside the scenario (population CSV files) are taken relative to the
/// scenario file's directory.
///
/// \throws ModelError listing every problem found (syntax, unknown keys, wrong types, bad
///         values, graph structure), each with file, line and key.
/// \throws IoError when the file cannot be read.
///
/// Example:
/// \code
///   auto s = trede::model::load_scenario("models/ladder-bm.toml", {"horizon_years=5"});
/// \endcode
[[nodiscard]] Scenario load_scenario(const std::string& path,
                                     const std::vector<std::string>& overrides = {});

/// Like `load_scenario`, from text already in memory. `source_name` is used in messages and
/// `base_dir` to resolve relative paths (population CSV files).
[[nodiscard]] Scenario parse_scenario(std::string_view text, const std::string& source_name,
                                      const std::vector<std::string>& overrides = {},
                                      const std::string& base_dir = ".");

/// `text` read as `base` was: the same source name and directory (`Scenario::base_dir`, for
/// `extends` and population CSV files), with `overrides` (which replace `base.overrides`; pass
/// them on to keep them). How every derived scenario is read: a sweep point, an organisation
/// model of a comparison, a calibrated scenario's text, a key that `with_values` cannot set
/// without the loader.
[[nodiscard]] Scenario reparse(const Scenario& base, std::string_view text, const std::vector<std::string>& overrides);

/// Where a problem that override `assignment` ("key=value") causes is reported: the `file` of its
/// Diagnostic, "--set 'key=value'".
[[nodiscard]] std::string override_source(std::string_view assignment);
/// True when `file` is such a source: the problem comes from an override.
[[nodiscard]] bool is_override_source(std::string_view file);

/// Renames the source of every problem in `problems` caused by one of `overrides` to
/// `label(override)`: how the caller's user gave that override (a sweep point, `--set-for N:`).
void relabel_overrides(std::vector<Diagnostic>& problems, const std::vector<std::string>& overrides,
                       const std::function<std::string(const std::string&)>& label);

/// One line per state and per transition, and the totals: what `trede validate` prints.
[[nodiscard]] std::string describe(const Scenario& scenario);

}  // namespace trede::model
