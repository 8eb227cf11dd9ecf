#pragma once
// The PSA summaries need finite numbers: a NaN (e.g. a ratio KPI with a zero denominator in some
// draw) would silently drop out of a maximum or poison a mean. Rejected with its position.

#include <cmath>
#include <cstddef>
#include <span>
#include <string>

#include "trede/error.hpp"

namespace trede::mc::detail {

// \throws Error "<what>: value <i> of <n> is not a finite number (<v>)" for the first bad value.
inline void require_finite(std::span<const double> values, const char* what) {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      throw Error(std::string(what) + ": value " + std::to_string(i) + " of " + std::to_string(values.size()) +
                  " is not a finite number (" + std::to_string(values[i]) + "); summaries over draws need every draw's value");
}

}  // namespace trede::mc::detail
