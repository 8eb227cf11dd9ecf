#pragma once
// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
// 2014): a tiny generator whose output is the same on every platform, for the places outside
// the engine that need a few plain random numbers (synthetic calibration data, random starting
// points of a fit). The engine's streams are counter-based (trede/random/stream.hpp).

#include <cmath>
#include <cstdint>

namespace trede::random {

struct SplitMix64 {
  std::uint64_t state;

  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform on (0, 1): never 0 or 1.
  double uniform() noexcept { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // Exponential with the given rate (per year).
  double exponential(double rate) noexcept { return -std::log(uniform()) / rate; }
  // Standard normal (Box–Muller, one of the pair).
  double normal() noexcept { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
};

}  // namespace trede::random
