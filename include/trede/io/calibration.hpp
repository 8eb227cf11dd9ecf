#pragma once
/// \file
/// The HDF5 fit report of a calibration (`trede calibrate --report`; layout in
/// docs/calibration.md), written atomically through the same HDF5 layer as every other trede
/// file, and read back.

#include <string>
#include <vector>

#include "trede/calib/fit.hpp"
#include "trede/calib/report.hpp"
#include "trede/model/scenario.hpp"

namespace trede::io {

/// Writes the fit report to `path` atomically: attributes (method, status, log-likelihood, AIC,
/// iterations, seconds, provenance), /estimates, /parameters (theta and covariance), /q,
/// /sojourn, /starts, /targets, and the scenario texts before and after.
/// \throws IoError if the file cannot be written; `path` is then unchanged.
void write_calibration(const std::string& path, const calib::FitResult& fit, const model::Scenario& scenario,
                       const std::string& calibrated_text, const calib::Provenance& provenance);

class PendingFile;

/// Writes the fit report into `out` without committing it, so that it can be committed together
/// with the calibrated scenario (io::commit_all: both files or neither). \throws IoError.
void write_calibration(PendingFile& out, const calib::FitResult& fit, const model::Scenario& scenario,
                       const std::string& calibrated_text, const calib::Provenance& provenance);

/// The parts of a fit report read back (for tests and tools).
struct CalibrationReport {
  std::string method, status, message, created, command_line, data_path, data_sha256;
  double log_likelihood = 0.0, aic = 0.0, seconds = 0.0;
  int iterations = 0;
  std::vector<calib::Estimate> estimates;  ///< name, kind, key, estimate, se, lower, upper, start, fixed
  std::vector<double> covariance;
  std::vector<calib::TargetFit> targets;
  std::string scenario_text, calibrated_text;
};

/// Reads a report written by `write_calibration`. \throws IoError if it cannot be read or is not
/// a calibration report.
[[nodiscard]] CalibrationReport read_calibration(const std::string& path);

}  // namespace trede::io
