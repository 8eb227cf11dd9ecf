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

/// A failure in a step the processes of an MPI job take together (mc::MpiExecutor: a rank failed
/// where others did not). Only the root reports it, and every process ends with `exit_code()`
/// (2 when the failure was bad input, 1 otherwise). When `everyone_knows()`, every process has
/// been told and ends on its own; otherwise some may still be waiting and the program must end
/// the job (mc::MpiExecutor::abort).
class JobError : public Error {
 public:
  JobError(const std::string& message, int exit_code, bool everyone_knows)
      : Error(message), exit_code_(exit_code), everyone_knows_(everyone_knows) {}
  [[nodiscard]] int exit_code() const noexcept { return exit_code_; }
  [[nodiscard]] bool everyone_knows() const noexcept { return everyone_knows_; }

 private:
  int exit_code_;
  bool everyone_knows_;
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
