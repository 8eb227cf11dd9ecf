#pragma once
/// \file
/// Uncertain parameters of a scenario (its `[uncertainty]` table, docs/scenario-format.md §19.2): scenario
/// keys, addressed by the same key paths as `--set`, given a distribution instead of one value.
/// Independent parameters each have their own distribution; keys drawn together form a group —
/// a Gaussian copula over the keys' own distributions with a correlation matrix, or a
/// multivariate normal (on the log or natural scale) with a covariance matrix, as a calibration
/// writes it. A probabilistic sensitivity analysis (mc::psa) draws parameter sets from them.

#include <optional>
#include <string>
#include <vector>

#include "trede/random/parameter.hpp"

namespace trede::model {

/// One scenario key with its own distribution.
struct UncertainParameter {
  std::string key;                          ///< key path, e.g. "handover[0].leakage"
  random::ParameterDistribution distribution;
  std::string file;                         ///< where it was declared
  int line = 0;
};

/// Keys drawn together.
struct UncertainGroup {
  enum class Kind { correlated, multivariate_normal };
  Kind kind = Kind::correlated;
  std::vector<std::string> keys;  ///< in the group's order
  random::CorrelatedGroup group;
  std::string file;
  int line = 0;
  std::string name;               ///< optional `name`: labels the group in EVPPI and sensitivity tables
};

/// A group whose name does not tell its block apart (Uncertainty::label_clashes).
struct LabelClash {
  std::size_t group = 0;             ///< the named group
  std::optional<std::size_t> other;  ///< the group whose label its name repeats; none: the name is an uncertain key
};

/// All uncertain parameters of a scenario.
struct Uncertainty {
  std::vector<UncertainParameter> parameters;  ///< independent ones, in file order
  std::vector<UncertainGroup> groups;          ///< groups, in file order

  /// True when nothing is uncertain.
  [[nodiscard]] bool empty() const noexcept { return parameters.empty() && groups.empty(); }
  /// Every uncertain key in draw order: the independent parameters, then each group's keys.
  [[nodiscard]] std::vector<std::string> keys() const;
  /// The joint distribution over keys() (an independent block per parameter, one per group).
  [[nodiscard]] random::JointDistribution joint() const;
  /// The label of each block of joint() (an independent parameter or a group), in draw order:
  /// a parameter's key; a group's `name`, or its keys joined by ", " when it has none.
  [[nodiscard]] std::vector<std::string> block_names() const;
  /// The groups whose name would label two blocks alike: a name that is an uncertain key, or that
  /// repeats another group's label (of two groups with one name, the later is listed; a named
  /// group whose name is an unnamed group's keys is listed whatever their order). The one rule
  /// for loading a scenario and for scenarios compared on one draw set.
  [[nodiscard]] std::vector<LabelClash> label_clashes() const;
  /// A line per parameter or group, e.g. "handover[0].leakage ~ beta(a = 3.5, b = 31.5)".
  [[nodiscard]] std::vector<std::string> describe() const;

  /// Same keys, distributions, correlations and group names (where they were declared does not count).
  bool operator==(const Uncertainty& other) const;
};

}  // namespace trede::model
