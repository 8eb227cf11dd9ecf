#pragma once
/// \file
/// Counter-based random streams. A draw is a pure function of (master seed, replicate, stream
/// id, draw index, purpose, block), so any replicate and any person can be reproduced on its own,
/// in any order, on any thread or machine. Different purposes (transitions, arrivals,
/// attributes, ...) never share numbers, and a person's k-th draw is the same in two scenarios
/// run with the same seed: common random numbers. The engine draws two words at a time from
/// Threefry2x64-20 (`stream_words`); Latin-hypercube designs draw four from Philox4x64-10
/// (`philox_block`). Both are from Random123 (Salmon et al., "Parallel random numbers: as easy
/// as 1, 2, 3", SC11) and pass TestU01's BigCrush with a margin of rounds.

#include <array>
#include <cstdint>

namespace trede::random {

/// What a block of random numbers is used for. Each purpose is an independent stream family.
enum class Purpose : std::uint32_t {
  transition = 1,  ///< holding times and destinations, per person
  arrival = 2,     ///< inter-arrival times, per inflow source
  attribute = 3,   ///< attribute values of a new person
  initial = 4,     ///< time already spent in the initial state
  handover = 5,    ///< handover delays and leakage between organisations
  design = 6,      ///< Latin-hypercube sweep designs (mc::lhs_design)
};

/// Key of one replicate's random numbers.
struct StreamKey {
  std::uint64_t seed = 0;       ///< master seed
  std::uint64_t replicate = 0;  ///< replicate index
};

/// Two 64-bit random words for (key, stream id, draw index, purpose, block): Threefry2x64-20
/// with key {seed, replicate} and counter {stream, draw + 2^32 purpose + 2^40 block}, every
/// argument in its own bits. What the engine draws for people, inflow sources and purposes.
/// \param stream  person key or inflow source index
/// \param draw    per-stream draw counter (or, for attributes, a 32-bit hash of the name)
/// \param block   sub-block when one draw needs more than two words, below 2^24
[[nodiscard]] std::array<std::uint64_t, 2> stream_words(StreamKey key, std::uint64_t stream, std::uint32_t draw,
                                                        Purpose purpose, std::uint32_t block = 0) noexcept;

/// Four 64-bit random words for (key, stream id, draw index, purpose, block): Philox4x64-10.
/// \param stream  person key or inflow source key
/// \param draw    per-stream draw counter
/// \param block   sub-block when one draw needs more than four words
[[nodiscard]] std::array<std::uint64_t, 4> philox_block(StreamKey key, std::uint64_t stream,
                                                        std::uint64_t draw, Purpose purpose,
                                                        std::uint32_t block = 0) noexcept;

/// Uniform on (0, 1] with 53 random bits: never 0, so -log(u) is finite.
[[nodiscard]] constexpr double uniform_open0(std::uint64_t bits) noexcept {
  return static_cast<double>((bits >> 11) + 1) * 0x1.0p-53;
}

/// Uniform on [0, 1) with 53 random bits.
[[nodiscard]] constexpr double uniform_closed0(std::uint64_t bits) noexcept {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

}  // namespace trede::random
