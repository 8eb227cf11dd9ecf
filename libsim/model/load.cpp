// Scenario loading, the entry points: the file read with a reason when it cannot be, its
// document built (model/document.hpp), the loader run (model/loader.hpp), every problem thrown
// together, sorted by file and line.

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model/document.hpp"
#include "model/loader.hpp"
#include "model/numeric_slot.hpp"
#include "model/table_reader.hpp"
#include "model/uncertainty_reader.hpp"
#include "trede/model/key_path.hpp"
#include "text.hpp"
#include "trede/error.hpp"
#include "trede/model/load.hpp"

namespace trede::model {
namespace {

// True while parse_again runs on this thread.
thread_local bool parsing_again = false;

using namespace detail;

void throw_if_errors(LoadContext& ctx) {
  if (ctx.diagnostics.empty()) return;
  // Files in the order they first appear, then by line (a strict weak order).
  std::vector<std::string> files;
  for (const Diagnostic& d : ctx.diagnostics)
    if (std::find(files.begin(), files.end(), d.file) == files.end()) files.push_back(d.file);
  auto rank = [&](const Diagnostic& d) { return std::find(files.begin(), files.end(), d.file) - files.begin(); };
  std::stable_sort(ctx.diagnostics.begin(), ctx.diagnostics.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    const auto ra = rank(a), rb = rank(b);
    return ra != rb ? ra < rb : a.line < b.line;
  });
  throw ModelError(std::move(ctx.diagnostics));
}

}  // namespace

Scenario parse_scenario(std::string_view text, const std::string& source_name,
                        const std::vector<std::string>& overrides, const std::string& base_dir) {
  LoadContext ctx;
  ctx.file = source_name;
  std::vector<SourceText> bases;
  auto root = read_document(text, source_name, base_dir, overrides, ctx, bases, disk_reader());
  if (!root) throw_if_errors(ctx);
  Loader loader(ctx, *root, base_dir);
  Scenario s = loader.load();
  throw_if_errors(ctx);
  s.source_path = source_name;
  s.base_dir = base_dir;
  s.text = std::string(text);
  s.overrides = overrides;
  for (auto& b : bases) {
    s.base_paths.push_back(b.path);
    s.base_texts.push_back(b.text);
  }
  if (s.name.empty()) s.name = std::filesystem::path(source_name).stem().string();
  // Uncertain parameters last: their keys are checked against the scenario they belong to.
  if (const toml::node* u = root->get("uncertainty")) {
    // Drawn keys must leave the report grid as it is (every draw is read on one grid): asked by
    // setting them as a draw would. Keys with a fast path (rates, costs, ...) cannot move it; the
    // others make with_values parse the scenario again, and that parse does not ask again.
    detail::KeysAtValues at_values;
    if (!parsing_again) {
      at_values = [&s](std::span<const std::string> keys, std::span<const double> values) -> std::string {
        std::vector<KeyPath> all, paths;
        std::vector<double> slow_values;
        try {
          for (const std::string& key : keys) all.push_back(KeyPath::parse(key));
          const std::vector<NumericKey> described = numeric_keys(s, all);  // one call: each costs a pass
          for (std::size_t i = 0; i < keys.size(); ++i) {
            if (described[i].fast) continue;
            slow_values.push_back(described[i].domain == Domain::whole ? std::round(values[i]) : values[i]);
            paths.push_back(all[i]);
          }
          if (!paths.empty() && with_values(s, paths, slow_values).report_times != s.report_times)
            return "changes the report grid (at " + fmt_num(slow_values.front()) +
                   "); every draw is read on one grid, so keys such as horizon_years or the report times cannot be "
                   "uncertain";
        } catch (const ModelError&) {  // values the keys cannot take: the other checks say so
        }
        return {};
      };
    }
    s.uncertainty = read_uncertainty(u, ctx, [&s, &root, &ctx](const std::string& key, std::string& problem) -> std::optional<random::Interval> {
      try {
        const KeyPath path = KeyPath::parse(key);
        const NumericKey k = std::move(numeric_keys_in(s, std::span<const KeyPath>(&path, 1), *root, ctx).front());
        switch (k.domain) {
          case Domain::positive: return random::Interval{0.0, k.max, true, false};
          case Domain::non_negative: return random::Interval{0.0, k.max, false, false};
          case Domain::probability: return random::Interval::probability();
          case Domain::whole:
          case Domain::calendar_year:
          case Domain::real: return random::Interval{k.min, k.max, false, false};
        }
        return random::Interval::real();
      } catch (const ModelError& e) {
        problem.clear();
        for (const auto& d : e.diagnostics()) problem += (problem.empty() ? "" : "; ") + d.message;
        return std::nullopt;
      }
    }, at_values);
    throw_if_errors(ctx);
  }
  return s;
}

namespace detail {

Scenario parse_again(const Scenario& base, const std::vector<std::string>& sets) {
  struct Again {
    bool was = parsing_again;
    Again() { parsing_again = true; }
    ~Again() { parsing_again = was; }
  } again;
  return reparse(base, base.text, sets);
}

}  // namespace detail

namespace {
constexpr std::string_view override_prefix = "--set '";
}

std::string override_source(std::string_view assignment) {
  return std::string(override_prefix) + std::string(assignment) + "'";
}

bool is_override_source(std::string_view file) { return file.starts_with(override_prefix) && file.ends_with('\''); }

void relabel_overrides(std::vector<Diagnostic>& problems, const std::vector<std::string>& overrides,
                       const std::function<std::string(const std::string&)>& label) {
  for (Diagnostic& d : problems)
    for (const std::string& o : overrides)
      if (d.file == override_source(o)) {
        d.file = label(o);
        break;
      }
}

Scenario reparse(const Scenario& base, std::string_view text, const std::vector<std::string>& overrides) {
  return parse_scenario(text, base.source_path, overrides, base.base_dir);
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  std::string text;
  if (const std::string why = trede::detail::read_file(path, text); !why.empty())
    throw IoError(path, why == "is a directory, not a file" ? "is a directory, not a scenario file"
                                                            : "cannot open scenario file: " + why);
  const auto dir = std::filesystem::path(path).parent_path();
  return parse_scenario(text, path, overrides, dir.empty() ? "." : dir.string());
}

}  // namespace trede::model
