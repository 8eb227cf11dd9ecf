#pragma once
// How a sample of the population (`sample_share` s < 1) scales one extensive input (private to
// libtrede): the loader applies it to everything it reads (Loader::apply_sample_share), and the
// fast path of with_values to a value it writes, so both give the same scenario. Rates and costs
// are multiplied, places rounded to whole places, counts to whole people; nothing at s = 1.

#include <cmath>
#include <cstdint>

namespace trede::model::detail {

[[nodiscard]] inline double sampled_rate(double s, double v) { return s == 1.0 ? v : v * s; }
[[nodiscard]] inline double sampled_places(double s, double v) { return s == 1.0 ? v : std::round(v * s); }
[[nodiscard]] inline std::uint64_t sampled_count(double s, std::uint64_t c) {
  return s == 1.0 ? c : static_cast<std::uint64_t>(std::llround(static_cast<double>(c) * s));
}

}  // namespace trede::model::detail
