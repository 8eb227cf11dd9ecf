#pragma once
// Collects diagnostics while a scenario is read, and knows which TOML nodes came from --set
// overrides so that their problems point at the override instead of a file line.

#include <toml++/toml.h>

#include <initializer_list>
#include <string>
#include <unordered_map>
#include <vector>

#include "trede/error.hpp"
#include "trede/model/load.hpp"

namespace trede::model::detail {

struct LoadContext {
  std::string file;                                               // scenario file name for messages
  std::vector<Diagnostic> diagnostics;
  std::unordered_map<const toml::node*, std::string> override_of;  // node -> "--set key=value"

  [[nodiscard]] int line_of(const toml::node& n) const {
    return override_of.count(&n) ? 0 : static_cast<int>(n.source().begin.line);
  }
  // Where a problem of table `t` caused by its keys `keys` is reported: the first key set by a
  // --set override (so the message names the override), else the table (its line in the file).
  [[nodiscard]] const toml::node& blame(const toml::node& t, std::initializer_list<const toml::node*> keys) const {
    for (const toml::node* k : keys)
      if (k && override_of.count(k)) return *k;
    return t;
  }
  void error(const toml::node& n, std::string key, std::string message) {
    if (auto it = override_of.find(&n); it != override_of.end())
      diagnostics.push_back({override_source(it->second), 0, std::move(key), std::move(message)});
    else
      diagnostics.push_back({file_of(n), static_cast<int>(n.source().begin.line), std::move(key), std::move(message)});
  }
  // The file a node was read from: the scenario itself or a file it extends.
  [[nodiscard]] std::string file_of(const toml::node& n) const {
    const auto& path = n.source().path;
    return path && !path->empty() ? *path : file;
  }
  void error_at(int line, std::string key, std::string message) {
    diagnostics.push_back({file, line, std::move(key), std::move(message)});
  }
  void error_in(std::string other_file, int line, std::string key, std::string message) {
    diagnostics.push_back({std::move(other_file), line, std::move(key), std::move(message)});
  }
};

}  // namespace trede::model::detail
