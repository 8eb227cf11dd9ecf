#pragma once
// Organisation effects as covariates (private to libtrede): the one place where an
// [[organisation_effect]] becomes what the engine runs, used by the loader and by the fast path
// of with_values, so both give the same scenario.
//
// Every person carries a generated category attribute whose level is their region's organisation
// model (Scenario::organisation_attribute). An effect with multiplier m on transition t under
// models M is the covariate effect beta = ln m on the indicator of each level in M: the engine's
// proportional-hazards factor exp(beta·x) multiplies exactly the hazards of the people of those
// regions, for every hazard family, at no cost per event beyond what covariates already cost.
// A multiplier of 1 adds nothing (no covariate), so a neutral effect leaves the engine's fast
// path, and so every result, bit for bit as without the effect.

#include <cstddef>
#include <optional>

#include "trede/model/scenario.hpp"

namespace trede::model::detail {

/// The name of the generated attribute (not a valid attribute name in a file, so it cannot clash).
inline constexpr const char* organisation_attribute_name = "(organisation model)";

/// Adds the generated organisation-model attribute to `s` (levels: the organisation models, then
/// "(none)") and gives every person of every region its value: a fixed draw in each population
/// group and inflow, a value in each individual. Sets `s.organisation_attribute`.
/// Precondition: the regions are complete and `s` has no organisation attribute yet.
void add_organisation_attribute(Scenario& s);

/// A hazard that organisation effects push beyond limits::max_rate_per_year.
struct EffectOverLimit {
  std::size_t effect = 0;      ///< the last effect (in file order) with a multiplier > 1 on it
  std::size_t transition = 0;  ///< index into Scenario::transitions
  std::size_t model = 0;       ///< index into Scenario::organisation_models
  double rate = 0.0;           ///< its largest rate, per year, with every multiplier
};

/// Rewrites the covariate effects of the organisation effects on the transitions of `s`: removes
/// those on the generated attribute and appends, for every effect with multiplier != 1, one per
/// (transition, model) in file order. Returns a hazard that exceeds limits::max_rate_per_year
/// (its largest rate times its largest calendar multiplier times the product of the
/// organisation effects on it under one model), or nullopt.
[[nodiscard]] std::optional<EffectOverLimit> apply_organisation_effects(Scenario& s);

}  // namespace trede::model::detail
