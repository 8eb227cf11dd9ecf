#pragma once
// Reading the [uncertainty] table of a scenario (private to the loader).

#include <toml++/toml.h>

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "model/load_context.hpp"
#include "trede/model/uncertainty.hpp"

namespace trede::model::detail {

// The values scenario key `key` accepts, or nullopt with `problem` saying why the key cannot be
// uncertain (no such key, not a number, ...).
using KeyDomain = std::function<std::optional<random::Interval>(const std::string& key, std::string& problem)>;

// Why scenario keys `keys` set to `values` together cannot be drawn (they move the report grid,
// ...), or "".
using KeysAtValues = std::function<std::string(std::span<const std::string> keys, std::span<const double> values)>;

// The [uncertainty] table at `node` (may be null: nothing uncertain). Every problem is recorded
// in `ctx` with file, line and key: a bad distribution, a key that does not exist or does not
// take numbers (`domain_of`), a distribution whose values do not fit the key, keys whose drawn
// values the scenario cannot take (`at_values`, asked for every key at once at the lowest and at
// the highest values its distribution draws, then key by key if that fails), a key given twice,
// a bad correlation or covariance matrix.
[[nodiscard]] Uncertainty read_uncertainty(const toml::node* node, LoadContext& ctx, const KeyDomain& domain_of,
                                           const KeysAtValues& at_values = {});

}  // namespace trede::model::detail
