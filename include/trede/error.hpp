#pragma once
/// \file
/// The one error hierarchy of trede: `Error`, with `ModelError` for bad input and `IoError` for
/// files. Numerical outcomes (non-convergence) are returned as a status, never thrown.

#include <stdexcept>
#include <string>
#include <vector>

namespace trede {

/// Base of every exception trede throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One problem found in user input: where it is and what is wrong.
struct Diagnostic {
  std::string file;     ///< scenario or data file, or "--set" for a command-line override
  int line = 0;         ///< 1-based line in `file`; 0 when no line applies
  std::string key;      ///< dotted key path, e.g. "transition[bijstand->diagnose].rate"
  std::string message;  ///< what is wrong, e.g. "must be > 0 (got -0.2)"

  /// "file:line: key: message" (parts that are empty are left out).
  [[nodiscard]] std::string to_string() const;
};

/// Bad input (scenario, data file, run options). Holds every problem found, not just the first.
class ModelError : public Error {
 public:
  explicit ModelError(std::vector<Diagnostic> diagnostics);
  /// Convenience for a single problem.
  ModelError(std::string file, int line, std::string key, std::string message);

  /// All problems, in the order they were found.
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// An error that every process of an MPI job has been told of (mc::MpiExecutor, when a step the
/// ranks take together fails on some of them): each process ends on its own and only the root
/// reports it, so that no process is left waiting and nothing is said twice.
class JobError : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written. Carries the path.
class IoError : public Error {
 public:
  IoError(std::string path, const std::string& message);
  /// The file the error is about.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace trede
