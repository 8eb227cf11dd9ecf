// The TOML document of a scenario: parse with limits, merge onto `extends` bases, apply --set.

#include "model/document.hpp"

#include <algorithm>
#include <filesystem>

#include "model/toml_tree.hpp"
#include "text.hpp"
#include "trede/error.hpp"
#include "trede/model/key_path.hpp"

namespace trede::model::detail {
namespace {

// Merges `over` into `base`: tables merge key by key, everything else (values, arrays,
// arrays of tables) is replaced. Nodes are moved, not copied: toml++ keeps a node's source
// (file and line) only when it is moved, and messages must name where a key came from.
void deep_merge(toml::table& base, toml::table& over) {
  for (auto&& [k, v] : over) {
    toml::node* b = base.get(k.str());
    if (b && b->is_table() && v.is_table()) {
      deep_merge(*b->as_table(), *v.as_table());
    } else if (auto* t = v.as_table()) {
      base.insert_or_assign(k.str(), std::move(*t));
    } else if (auto* a = v.as_array()) {
      base.insert_or_assign(k.str(), std::move(*a));
    } else {
      // The key is copied into the lambda: clang before 16 cannot capture a structured binding.
      v.visit([&base, key = std::string(k.str())](auto&& val) {
        using V = std::remove_cvref_t<decltype(val)>;
        if constexpr (toml::is_value<V>) base.insert_or_assign(key, std::move(const_cast<V&>(val)));
      });
    }
  }
}

// Parses `text` and, recursively, the files named by its `extends` key (relative to `dir`).
std::optional<toml::table> parse_with_bases(std::string_view text, const std::string& name, const std::string& dir,
                                            LoadContext& ctx, std::vector<SourceText>& bases,
                                            std::vector<std::string>& chain, const BaseReader& read_base) {
  toml::table root;
  try {
    root = parse_toml(text, name);
  } catch (const ModelError& e) {
    for (const Diagnostic& d : e.diagnostics()) ctx.diagnostics.push_back(d);
    return std::nullopt;
  }
  const toml::node* ext = root.get("extends");
  if (!ext) return root;
  if (!ext->is_string()) {
    ctx.error(*ext, "extends", "must be the path of a base scenario file (a string)");
    return std::nullopt;
  }
  std::filesystem::path bp(std::string(*ext->value<std::string_view>()));
  if (bp.is_relative()) bp = std::filesystem::path(dir) / bp;
  const std::string base_name = bp.lexically_normal().string();
  std::error_code ec;
  const std::string canonical = std::filesystem::weakly_canonical(bp, ec).string();
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
    ctx.error(*ext, "extends", "'" + base_name + "' extends itself (cycle)");
    return std::nullopt;
  }
  std::string base_text, why;
  if (!read_base(base_name, base_text, why)) {
    ctx.error(*ext, "extends", "cannot open base scenario '" + base_name + "': " + why);
    return std::nullopt;
  }
  bases.push_back({base_name, std::move(base_text)});
  chain.push_back(canonical);
  const auto base_dir = bp.parent_path().empty() ? std::string(".") : bp.parent_path().string();
  auto base = parse_with_bases(bases.back().text, base_name, base_dir, ctx, bases, chain, read_base);
  if (!base) return std::nullopt;
  root.erase("extends");
  deep_merge(*base, root);
  return base;
}

void mark_override(const toml::node& n, const std::string& expr, LoadContext& ctx) {
  ctx.override_of[&n] = expr;
  if (auto* t = n.as_table())
    for (auto&& [k, v] : *t) mark_override(v, expr, ctx);
  if (auto* a = n.as_array())
    for (auto& v : *a) mark_override(v, expr, ctx);
}

}  // namespace

BaseReader disk_reader() {
  return [](const std::string& path, std::string& text, std::string& error) {
    error = trede::detail::read_file(path, text);
    return error.empty();
  };
}

std::optional<toml::table> read_document(std::string_view text, const std::string& source, const std::string& base_dir,
                                         const std::vector<std::string>& overrides, LoadContext& ctx,
                                         std::vector<SourceText>& bases, const BaseReader& read_base) {
  std::vector<std::string> chain;
  {
    std::error_code ec;
    chain.push_back(std::filesystem::weakly_canonical(source, ec).string());
  }
  auto root = parse_with_bases(text, source, base_dir, ctx, bases, chain, read_base);
  if (!root) return std::nullopt;
  for (const std::string& o : overrides) {
    try {
      for (const toml::node* n : apply_assignment(*root, parse_assignment(o))) mark_override(*n, o, ctx);
    } catch (const ModelError& e) {
      for (const Diagnostic& d : e.diagnostics()) ctx.diagnostics.push_back({override_source(o), 0, d.key, d.message});
    }
  }
  return root;
}

}  // namespace trede::model::detail
