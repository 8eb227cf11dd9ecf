#pragma once
/// \file
/// Where a calibration goes: a new scenario text with the fitted values (everything else in the
/// file untouched, provenance in comments). The HDF5 fit report is written by
/// trede::io::write_calibration (trede/io/calibration.hpp).

#include <string>
#include <vector>

#include "trede/calib/fit.hpp"
#include "trede/io/atomic_file.hpp"
#include "trede/model/scenario.hpp"

namespace trede::calib {

/// Where the fitted values came from, for the comment block of the calibrated scenario and the
/// attributes of the report.
struct Provenance {
  std::string command_line;   ///< as typed
  std::string data_path;      ///< data or target file
  std::string data_sha256;
  std::string created;        ///< UTC time stamp; filled in when empty
};

/// One change to a scenario text: set `key` (a --set style path such as
/// "transition[bijstand->diagnose].rate" or "transition[a->b].covariates.age") to the TOML value
/// `value`, with `comment` appended to the line.
struct ScenarioEdit {
  std::string key;
  std::string value;
  std::string comment;
};

/// The edits that write the estimates of `fit` (those with a `key`) into a scenario.
[[nodiscard]] std::vector<ScenarioEdit> edits_for(const FitResult& fit);

/// Applies `edits` to the scenario text `text` (the file `source_name`): each value replaces the
/// key's value in place (a missing key is added to its table); comments, order and every other
/// line stay as they were. A comment block describing the calibration is put at the top.
/// \throws ModelError when a key cannot be found in the text (e.g. it is defined in a base file
///         named by `extends`).
[[nodiscard]] std::string apply_edits(const std::string& text, const std::string& source_name,
                                      const std::vector<ScenarioEdit>& edits, const std::string& header_comment);

/// The sampling uncertainty of a fit as a multivariate normal over scenario keys: one key per
/// free parameter, on the log scale for rates and hazard pieces (and positive keys fitted on the
/// natural scale, by the delta method), on the natural scale for covariate effects and other
/// real-valued keys. Parameters without a standard error or with bounded values are left out
/// (`notes` says which).
struct UncertaintyBlock {
  std::vector<std::string> keys;
  std::vector<bool> log_scale;
  std::vector<double> mean;        ///< [k] on each key's scale
  std::vector<double> covariance;  ///< [k, k] on those scales
  std::vector<std::string> notes;
};
[[nodiscard]] UncertaintyBlock uncertainty_block(const model::Scenario& scenario, const FitResult& fit);

/// The calibrated scenario: `scenario.text` with the estimates of `fit` written in, a
/// provenance comment block at the top, and the estimates' sampling uncertainty at the end as
/// an `[[uncertainty.multivariate_normal]]` group (replacing the scenario's own [uncertainty]
/// entries for the fitted keys). The result parses to a valid scenario.
/// Without `write_uncertainty`, the [uncertainty] group is left out (the first stage of a
/// two-stage calibration: calib::calibrate writes both stages' groups at the end).
[[nodiscard]] std::string calibrated_scenario_text(const model::Scenario& scenario, const FitResult& fit,
                                                   const Provenance& provenance, bool write_uncertainty = true);

/// `block` without `keys` (the marginal distribution of the rest: their rows and columns
/// removed).
[[nodiscard]] UncertaintyBlock without_keys(const UncertaintyBlock& block, const std::vector<std::string>& keys);
/// `block` as an `[[uncertainty.multivariate_normal]]` table named `name` (TOML text, starting
/// with a blank line and `comment` as a comment line); "" when it has no keys.
[[nodiscard]] std::string uncertainty_toml(const UncertaintyBlock& block, const std::string& comment,
                                           const std::string& name);
/// `base`, or `base (2)`, `base (3)`, ...: the first that no [uncertainty] group of `scenario`
/// is named (a calibration's group gets a name of its own, docs/uncertainty.md).
[[nodiscard]] std::string unused_group_name(const model::Scenario& scenario, const std::string& base);

}  // namespace trede::calib
