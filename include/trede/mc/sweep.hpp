#pragma once
/// \file
/// Designs for parameter sweeps: a grid over listed values, or a seeded Latin hypercube over
/// ranges. A point is a list of scenario overrides ("key=value", as `--set`); every point runs
/// the same replicates of the same master seed, so differences between points are not blurred
/// by different random numbers (common random numbers across points).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "trede/mc/ensemble.hpp"

namespace trede::mc {

/// The points of a sweep.
struct Design {
  std::string kind;                              ///< "grid" or "lhs"
  std::vector<std::string> keys;                 ///< scenario keys, as for --set
  std::vector<std::vector<std::string>> values;  ///< [N][keys] TOML values as text
  std::vector<std::vector<double>> numeric;      ///< [N][keys] the same as numbers (NaN when not a number)

  /// Number of points.
  [[nodiscard]] std::size_t size() const noexcept { return values.size(); }
  /// Overrides of point i: {"key=value", ...}.
  [[nodiscard]] std::vector<std::string> overrides(std::size_t i) const;
  /// A text that identifies the design (kind, keys and every value), for resume checks.
  [[nodiscard]] std::string fingerprint() const;
};

/// The Cartesian product of the axes (key, values); the last key varies fastest.
/// \throws ModelError when an axis has no values or a key appears twice.
[[nodiscard]] Design grid_design(const std::vector<std::pair<std::string, std::vector<std::string>>>& axes);

/// One range of a Latin hypercube.
struct LhsRange {
  std::string key;
  double lo = 0.0;
  double hi = 1.0;
  bool whole = false;  ///< draw whole numbers lo..hi (each equally likely), e.g. capacities
};

/// A Latin hypercube of `points` points: each range is cut into `points` equal strata, each
/// stratum is used exactly once per key, with a uniform position inside it; permutations and
/// positions come from Philox streams of `seed`, so the design is reproducible.
/// \throws ModelError for no ranges, lo > hi, or points == 0.
[[nodiscard]] Design lhs_design(const std::vector<LhsRange>& ranges, std::size_t points, std::uint64_t seed);

/// What a sweep keeps of one point: the summaries and the per-replicate KPIs.
struct SweepPoint {
  Summary kpi;              ///< [K]
  Summary kpi_period;       ///< [P, Kp]
  Summary occupancy;        ///< [T, S]
  Summary trede;            ///< [T, 6]
  Summary waiting;          ///< [T, C]
  Summary cost_cumulative;  ///< [T]
  std::vector<double> kpi_replicates;  ///< [R, K]
  std::uint64_t events = 0;
  double wall_seconds = 0.0;
};

/// The part of `e` a sweep keeps.
[[nodiscard]] SweepPoint sweep_point(const Ensemble& e);

}  // namespace trede::mc
