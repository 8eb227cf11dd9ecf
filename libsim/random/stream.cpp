#include "trede/random/stream.hpp"

#include "random/philox_inline.hpp"
#include "random/threefry_inline.hpp"

namespace trede::random {

std::array<std::uint64_t, 2> stream_words(StreamKey key, std::uint64_t stream, std::uint32_t draw, Purpose purpose,
                                          std::uint32_t block) noexcept {
  return detail::threefry(key, stream, draw, purpose, block);
}

std::array<std::uint64_t, 4> philox_block(StreamKey key, std::uint64_t stream, std::uint64_t draw,
                                          Purpose purpose, std::uint32_t block) noexcept {
  return detail::philox(key, stream, draw, purpose, block);
}

}  // namespace trede::random
