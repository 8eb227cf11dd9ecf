#pragma once
// The TOML document of a scenario (private to libtrede): the file parsed with the input limits,
// merged onto the base files it `extends` (recursively), with the --set overrides applied. The
// loader reads it; numeric_key reads it again from memory to say where a key is defined.

#include <toml++/toml.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/load_context.hpp"
#include "trede/model/key_path.hpp"

namespace trede::model::detail {

// A base file named by `extends`: its path as named in messages, and its text as read.
struct SourceText {
  std::string path, text;
};

// Reads a base file: true with `text`, or false with `error` (why it cannot be read).
using BaseReader = std::function<bool(const std::string& path, std::string& text, std::string& error)>;

// Reads base files from disk.
[[nodiscard]] BaseReader disk_reader();

// The document of the scenario `text` (called `source`; its relative `extends` paths resolved
// against `base_dir`), with `overrides` applied; the nodes overrides set are recorded in
// `ctx.override_of`. Problems go to `ctx.diagnostics`; nullopt when the text or a base cannot
// be parsed. `bases` receives the base files, nearest first.
[[nodiscard]] std::optional<toml::table> read_document(std::string_view text, const std::string& source,
                                                       const std::string& base_dir,
                                                       const std::vector<std::string>& overrides, LoadContext& ctx,
                                                       std::vector<SourceText>& bases, const BaseReader& read_base);

// numeric_keys (trede/model/key_path.hpp) for the scenario's document `doc` as already read into
// `ctx` (the loader checks every uncertain key against the document it has just read).
[[nodiscard]] std::vector<NumericKey> numeric_keys_in(const Scenario& scenario, std::span<const KeyPath> keys,
                                                      const toml::table& doc, const LoadContext& ctx);

}  // namespace trede::model::detail
