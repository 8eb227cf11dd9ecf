#pragma once
// Private, inlinable Philox4x64-10 draw used on the engine's hot path. The public
// trede::random::philox_block forwards here, so both give the same numbers.

#include <Random123/philox.h>

#include <array>
#include <cstdint>

#include "trede/random/stream.hpp"

namespace trede::random::detail {

// Counter layout: {stream, draw, purpose << 32 | block, 0}; key: {seed, replicate}.
// Every field has its own word, so no two (stream, draw, purpose, block) tuples collide.
inline std::array<std::uint64_t, 4> philox(StreamKey key, std::uint64_t stream, std::uint64_t draw,
                                           Purpose purpose, std::uint32_t block) noexcept {
  r123::Philox4x64_R<10> gen;
  r123::Philox4x64_R<10>::ctr_type c = {{stream, draw,
                                         (static_cast<std::uint64_t>(purpose) << 32) | block, 0}};
  r123::Philox4x64_R<10>::key_type k = {{key.seed, key.replicate}};
  const auto r = gen(c, k);
  return {r.v[0], r.v[1], r.v[2], r.v[3]};
}

}  // namespace trede::random::detail
