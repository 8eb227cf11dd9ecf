#pragma once
// Type-7 quantile (linear interpolation between order statistics, the default of R and NumPy)
// of sorted values: the definition the ensemble summaries use (libsim/mc/summary.cpp has its own
// copy, which could include this one).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace trede::mc::detail {

// q in [0, 1]; `sorted` non-empty and ascending.
inline double quantile_sorted(const std::vector<double>& sorted, double q) {
  const double h = (static_cast<double>(sorted.size()) - 1.0) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace trede::mc::detail
