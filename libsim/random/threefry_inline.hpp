#pragma once
// Private, inlinable Threefry2x64-20 draw used on the engine's hot path. The public
// trede::random::stream_words forwards here, so both give the same numbers.

#include <Random123/threefry.h>

#include <array>
#include <cstdint>

#include "trede/random/stream.hpp"

namespace trede::random::detail {

// Counter: {stream, draw | purpose << 32 | block << 40}; key: {seed, replicate}. Every argument
// has its own bits (draw < 2^32, purpose < 2^8, block < 2^24), so no two tuples collide.
// Always inlined, as log_unit (log_inline.hpp): one per scheduled event.
[[gnu::always_inline]] inline std::array<std::uint64_t, 2> threefry(StreamKey key, std::uint64_t stream, std::uint32_t draw, Purpose purpose,
                                             std::uint32_t block) noexcept {
  r123::Threefry2x64_R<20> gen;
  const r123::Threefry2x64_R<20>::ctr_type c = {
      {stream, std::uint64_t{draw} | static_cast<std::uint64_t>(purpose) << 32 | std::uint64_t{block} << 40}};
  const r123::Threefry2x64_R<20>::key_type k = {{key.seed, key.replicate}};
  const auto r = gen(c, k);
  return {r.v[0], r.v[1]};
}

}  // namespace trede::random::detail
