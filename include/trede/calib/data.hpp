#pragma once
/// \file
/// Longitudinal data for calibration: long-format CSV files `id,time,state[,covariates...]`,
/// one row per observation of one person, read and checked against a scenario.
///
/// Units: `time` in years (any origin: calendar years or years since entry; only differences
/// matter, except for piecewise-constant hazards by time in state, whose clock starts at each
/// person's first observation). Covariates are numbers, or level names of a category attribute.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "trede/model/scenario.hpp"

namespace trede::calib {

/// One person's observations, in time order.
struct Subject {
  std::string id;                          ///< the `id` field as written
  std::vector<double> time_years;          ///< [n] strictly increasing
  std::vector<model::StateIndex> state;    ///< [n] index into Scenario::states
  /// [n * C] covariate values, row-major (C = PanelData::covariate_names.size()): numbers minus
  /// the attribute's `center`, or 0/1 indicators for category levels.
  std::vector<double> covariates;
  std::vector<int> line;                   ///< [n] 1-based line of each row in the file
};

/// The observations of many people.
struct PanelData {
  std::string source;                        ///< file name used in messages
  std::string sha256;                        ///< SHA-256 of the file's bytes (provenance)
  std::vector<std::string> state_names;      ///< the scenario's states, by StateIndex
  /// Covariate columns as they enter the model: a number or age attribute `x` keeps its name;
  /// a category attribute `g` with levels {a, b, c} becomes the indicators "g=b" and "g=c"
  /// (the first level is the reference), the same keys a scenario's `covariates` table uses.
  std::vector<std::string> covariate_names;
  std::vector<double> covariate_centers;     ///< [C] subtracted from the file's values (attribute `center`; 0 for indicators)
  std::vector<Subject> subjects;

  /// Number of rows (observations) over all subjects.
  [[nodiscard]] std::size_t observations() const noexcept;
  /// Covariate value `c` of observation `i` of subject `s`.
  [[nodiscard]] double covariate(const Subject& s, std::size_t i, std::size_t c) const noexcept {
    return s.covariates[i * covariate_names.size() + c];
  }
};

/// What to read from a CSV file.
struct CsvOptions {
  /// Covariate columns to read (each must be a column of the file and an attribute of the
  /// scenario, so that fitted effects can be written back); other extra columns are ignored.
  std::vector<std::string> covariates;
};

/// Reads a long-format CSV file: a header line naming `id`, `time` and `state` (any order) and
/// optional further columns, then one row per observation. Rows of one id must be contiguous
/// and in strictly increasing time. `#` starts a comment line; blank lines are skipped.
///
/// \throws ModelError listing every problem found (unknown state, unsorted or duplicate times,
///         missing or non-numeric values, wrong number of fields, observations after an
///         absorbing state, ids split over the file), each with file and line.
/// \throws IoError when the file cannot be read.
///
/// Example:
/// \code
///   auto s = trede::model::load_scenario("models/calibration/ladder4.toml");
///   auto d = trede::calib::read_csv("models/calibration/panel.csv", s, {.covariates = {"age"}});
/// \endcode
[[nodiscard]] PanelData read_csv(const std::string& path, const model::Scenario& scenario,
                                 const CsvOptions& options = {});

/// Like `read_csv`, from text in memory; `source_name` is used in messages.
[[nodiscard]] PanelData parse_csv(std::string_view text, const std::string& source_name,
                                  const model::Scenario& scenario, const CsvOptions& options = {});

/// Writes `data` as long-format CSV (the inverse of `parse_csv` for number and age covariates,
/// whose centers are added back; category indicators are written as their 0/1 columns).
[[nodiscard]] std::string to_csv(const PanelData& data);

}  // namespace trede::calib
