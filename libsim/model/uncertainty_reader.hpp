#pragma once
// Reading the [uncertainty] table of a scenario (private to the loader).

#include <toml++/toml.h>

#include <functional>
#include <optional>
#include <string>

#include "model/load_context.hpp"
#include "trede/model/uncertainty.hpp"

namespace trede::model::detail {

// The values scenario key `key` accepts, or nullopt with `problem` saying why the key cannot be
// uncertain (no such key, not a number, ...).
using KeyDomain = std::function<std::optional<random::Interval>(const std::string& key, std::string& problem)>;

// The [uncertainty] table at `node` (may be null: nothing uncertain). Every problem is recorded
// in `ctx` with file, line and key: a bad distribution, a key that does not exist or does not
// take numbers (`domain_of`), a distribution whose values do not fit the key, a key given twice,
// a bad correlation or covariance matrix.
[[nodiscard]] Uncertainty read_uncertainty(const toml::node* node, LoadContext& ctx, const KeyDomain& domain_of);

}  // namespace trede::model::detail
