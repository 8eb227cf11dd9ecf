#include "trede/error.hpp"

namespace trede {
namespace {
std::string join_diagnostics(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (std::size_t i = 0; i < ds.size(); ++i) s += (i ? "\n" : "") + ds[i].to_string();
  return s;
}
}  // namespace

std::string Diagnostic::to_string() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  if (!key.empty()) s += (s.empty() ? "" : ": ") + key;
  return s + (s.empty() ? "" : ": ") + message;
}

ModelError::ModelError(std::vector<Diagnostic> diagnostics)
    : Error(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

ModelError::ModelError(std::string file, int line, std::string key, std::string message)
    : ModelError(std::vector<Diagnostic>{{std::move(file), line, std::move(key), std::move(message)}}) {}

IoError::IoError(std::string path, const std::string& message)
    : Error(path + ": " + message), path_(std::move(path)) {}

}  // namespace trede
