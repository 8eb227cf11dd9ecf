#pragma once
// The machine's physical memory, for refusing (as bad input, with a message) what it cannot
// hold before allocating it, instead of failing with std::bad_alloc.

#include <unistd.h>

namespace trede::mc::detail {

// Bytes of physical memory, or 0 when the system does not say.
inline long double machine_memory_bytes() noexcept {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<long double>(pages) * page : 0;
}

}  // namespace trede::mc::detail
