#pragma once
// The one computation behind EVPI, EVPI(λ) and EVPPI: the expected gain of choosing the best
// option per draw over choosing the option that is best on average,
//   E_d[max_k g_k,d] − max_k E_d[g_k,d],
// with g_0,d = 0 (values relative to the reference, so large totals do not cancel). Computed as
// the mean over d of max_k g_k,d − g_k*,d, with k* the option of largest mean: every term is
// >= 0 and its standard deviation gives the sampling standard error.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace trede::mc::detail {

struct ExpectedGain {
  double value = 0.0;
  double se = 0.0;
  std::size_t best = 0;  // k*
};

// g(k, d) for k in 1..options-1, d in 0..draws-1; option 0 is 0. `means` is scratch of size options.
template <class G>
ExpectedGain expected_gain(std::size_t options, std::size_t draws, G&& g, std::vector<double>& means) {
  means.assign(options, 0.0);
  for (std::size_t k = 1; k < options; ++k) {
    double s = 0.0;
    for (std::size_t d = 0; d < draws; ++d) s += g(k, d);
    means[k] = s / static_cast<double>(draws);
  }
  ExpectedGain out;
  for (std::size_t k = 1; k < options; ++k)
    if (means[k] > means[out.best]) out.best = k;
  const std::size_t kb = out.best;
  // Welford's running mean and sum of squares of the per-draw gains.
  double mean = 0.0, m2 = 0.0;
  for (std::size_t d = 0; d < draws; ++d) {
    double best = 0.0;  // option 0
    for (std::size_t k = 1; k < options; ++k) best = std::max(best, g(k, d));
    const double gain = best - (kb == 0 ? 0.0 : g(kb, d));
    const double delta = gain - mean;
    mean += delta / static_cast<double>(d + 1);
    m2 += delta * (gain - mean);
  }
  out.value = mean;
  out.se = draws > 1 ? std::sqrt(m2 / static_cast<double>(draws - 1) / static_cast<double>(draws))
                     : std::numeric_limits<double>::quiet_NaN();
  return out;
}

}  // namespace trede::mc::detail
