#pragma once
// Blocks of the Philox design streams (random::Purpose::design) used by the PSA mathematics, in
// one place so no two uses share numbers. Blocks 0 and 1 are the Latin hypercube's, shared on
// purpose with the sweep's lhs_design (same numbers for the same seed).

#include <cstdint>

namespace trede::mc::psa_stream {

inline constexpr std::uint32_t lhs_shuffle = 0;     // stream = coordinate, draw = step of the shuffle
inline constexpr std::uint32_t lhs_position = 1;    // stream = coordinate, draw = point
inline constexpr std::uint32_t sobol_scramble = 4;  // stream = coordinate, draw = 0: Owen scrambling key
inline constexpr std::uint32_t bootstrap = 5;       // stream = resample, draw = block of four indices

}  // namespace trede::mc::psa_stream
