#pragma once
// An allocator for the engine's large per-replicate arrays (person records and columns, the
// event queue's chunk pool): on Linux, the 2 MiB-aligned interior of every array of 8 MiB and
// more is marked for transparent huge pages. An event touches one random person among millions;
// with 4 KiB pages nearly every such touch misses the TLB (a page walk, slower still under
// virtualisation), while 2 MiB pages cover the array with a few TLB entries. The memory is the
// ordinary heap's, not a byte more, and without huge pages everything works the same.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace trede::engine {

template <class T>
struct BigArrayAllocator {
  using value_type = T;

  BigArrayAllocator() noexcept = default;
  template <class U>
  BigArrayAllocator(const BigArrayAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    void* p = std::malloc(bytes);
    if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    if (bytes >= (std::size_t{8} << 20)) {
      const auto begin = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
      const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(huge - 1);
      if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint only
    }
#endif
    return static_cast<T*>(p);
  }

  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  template <class U>
  bool operator==(const BigArrayAllocator<U>&) const noexcept { return true; }
};

}  // namespace trede::engine
