// The mappings of BigArray (Linux): 2 MiB-aligned, marked for transparent huge pages, grown by
// mremap, and kept for reuse between the replicates of a run.
#include "engine/big_array.hpp"

#if defined(TREDE_BIG_ARRAY_MMAP)
#include <sys/mman.h>

#include <algorithm>
#include <mutex>
#include <vector>
#endif

namespace trede::engine {

#if defined(TREDE_BIG_ARRAY_MMAP)
namespace {

constexpr std::size_t huge = detail::huge_page;
// At most this much is kept for reuse: the arrays of a few national replicates.
constexpr std::size_t cache_bytes = std::size_t{1} << 30;
constexpr std::size_t cache_entries = 64;

struct Mapping {
  void* p;
  std::size_t bytes;
};

struct Cache {
  std::mutex m;
  std::vector<Mapping> kept;  // oldest first
  std::size_t bytes = 0;
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: arrays of other threads may outlive main
  return *c;
}

// `bytes` of fresh zero pages at a 2 MiB-aligned address, marked for huge pages.
void* fresh(std::size_t bytes) {
  void* m = ::mmap(nullptr, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<std::uintptr_t>(m);
  const auto at = (base + huge - 1) & ~(std::uintptr_t{huge} - 1);
  if (at > base) ::munmap(m, at - base);
  if (const std::size_t tail = base + huge - at) ::munmap(reinterpret_cast<void*>(at + bytes), tail);
#if defined(MADV_HUGEPAGE)
  ::madvise(reinterpret_cast<void*>(at), bytes, MADV_HUGEPAGE);  // a hint only
#endif
  return reinterpret_cast<void*>(at);
}

// Grows mapping p of `have` bytes to `want`: in place when the address space after it is free,
// else moved (page tables, not bytes) to a fresh 2 MiB-aligned address.
void* grow(void* p, std::size_t have, std::size_t want) {
  if (want <= have) return p;
  if (::mremap(p, have, want, 0) != MAP_FAILED) return p;
  void* to = fresh(want);
  if (::mremap(p, have, want, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED) {
    ::munmap(to, want);
    throw std::bad_alloc();
  }
  return to;
}

// The kept mapping to reuse for `want` bytes: the smallest that is large enough, else the
// largest (grown by the caller). Index kept.size(): none is kept.
std::size_t best_fit(const std::vector<Mapping>& kept, std::size_t want) {
  std::size_t best = kept.size();
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (best == kept.size()) {
      best = i;
      continue;
    }
    const std::size_t b = kept[i].bytes, cur = kept[best].bytes;
    if (b >= want ? (cur < want || b < cur) : (cur < want && b > cur)) best = i;
  }
  return best;
}

}  // namespace

namespace detail {

void* grow_mapping(void* p, std::size_t have, std::size_t want, std::size_t& size) {
  size = std::max(have, want);
  if (p) return grow(p, have, want);
  Mapping got{nullptr, 0};
  {
    Cache& c = cache();
    std::lock_guard lock(c.m);
    const std::size_t i = best_fit(c.kept, want);
    if (i < c.kept.size()) {
      got = c.kept[i];
      c.kept.erase(c.kept.begin() + static_cast<std::ptrdiff_t>(i));
      c.bytes -= got.bytes;
    }
  }
  if (!got.p) return fresh(want);
  size = std::max(got.bytes, want);  // a larger one is kept whole: its pages are in already
  try {
    return grow(got.p, got.bytes, want);
  } catch (...) {
    ::munmap(got.p, got.bytes);
    throw;
  }
}

void release_mapping(void* p, std::size_t bytes) noexcept {
  Cache& c = cache();
  std::lock_guard lock(c.m);
  try {
    c.kept.push_back({p, bytes});
  } catch (...) {
    ::munmap(p, bytes);
    return;
  }
  c.bytes += bytes;
  std::size_t n = 0;  // the oldest go back to the system beyond the bound
  while (c.kept.size() - n > 1 && (c.bytes > cache_bytes || c.kept.size() - n > cache_entries)) {
    c.bytes -= c.kept[n].bytes;
    ::munmap(c.kept[n].p, c.kept[n].bytes);
    ++n;
  }
  c.kept.erase(c.kept.begin(), c.kept.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace detail

void release_cached_mappings() noexcept {
  Cache& c = cache();
  std::lock_guard lock(c.m);
  for (const Mapping& m : c.kept) ::munmap(m.p, m.bytes);
  c.kept.clear();
  c.bytes = 0;
}

#else

namespace detail {
void* grow_mapping(void*, std::size_t, std::size_t, std::size_t&) { throw std::bad_alloc(); }  // never called
void release_mapping(void*, std::size_t) noexcept {}
}  // namespace detail

void release_cached_mappings() noexcept {}

#endif

}  // namespace trede::engine
