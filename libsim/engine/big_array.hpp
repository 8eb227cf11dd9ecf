#pragma once
// The engine's large per-replicate arrays (person records and columns, the event queue's chunk
// pool): a growable array of trivially copyable values.
//
// On Linux an array of 8 MiB and more lives in its own mapping, 2 MiB-aligned and marked for
// transparent huge pages. An event touches one random person among millions; with 4 KiB pages
// nearly every such touch misses the TLB (a page walk, slower still under virtualisation), while
// 2 MiB pages cover the array with a few TLB entries. Such an array grows by mremap: in place when
// the address space after it is free, else moved to another 2 MiB-aligned address, so the kernel
// moves the page tables (huge pages intact) instead of the bytes. std::vector copies every element
// into fresh pages at every growth, which the kernel must fault in and zero: on the national
// model, whose people grow a sixteenth at a time, that was a seventh of the run's time.
// Elsewhere, for smaller arrays and under AddressSanitizer, malloc and realloc. Huge pages are a hint only: without
// them everything works the same.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TREDE_BIG_ARRAY_ASAN 1
#endif
#endif
// Under AddressSanitizer the arrays stay on the heap, where it checks every access.
#if defined(__linux__) && defined(MREMAP_MAYMOVE) && defined(MREMAP_FIXED) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(TREDE_BIG_ARRAY_ASAN)
#define TREDE_BIG_ARRAY_MMAP 1
#endif

namespace trede::engine {

template <class T>
class BigArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "BigArray moves its bytes with realloc and mremap");

 public:
  BigArray() noexcept = default;
  BigArray(const BigArray&) = delete;
  BigArray& operator=(const BigArray&) = delete;
  BigArray(BigArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  BigArray& operator=(BigArray&& o) noexcept {
    if (this != &o) {
      release(data_, cap_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  ~BigArray() { release(data_, cap_); }

  // Room for n elements without growing (never shrinks). Throws std::bad_alloc.
  void reserve(std::size_t n) {
    if (n <= cap_) return;
    if (n > static_cast<std::size_t>(-1) / sizeof(T) / 2) throw std::bad_alloc();
    data_ = static_cast<T*>(grow(data_, cap_ * sizeof(T), n * sizeof(T), size_ * sizeof(T)));
    cap_ = n;
  }

  // n elements; new ones are value-initialised (zero). Grows to exactly n when it must.
  void resize(std::size_t n) {
    reserve(n);
    for (std::size_t i = size_; i < n; ++i) ::new (static_cast<void*>(data_ + i)) T{};
    size_ = n;
  }

  void push_back(const T& v) {
    if (size_ == cap_) reserve(cap_ + cap_ / 2 + 16);
    data_[size_++] = v;
  }

  void clear() noexcept { size_ = 0; }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return cap_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  static constexpr std::size_t huge = std::size_t{2} << 20;
  static constexpr std::size_t mapped_from = std::size_t{8} << 20;  // arrays this large get a mapping

  static constexpr bool mapped(std::size_t bytes) noexcept {
#if defined(TREDE_BIG_ARRAY_MMAP)
    return bytes >= mapped_from;
#else
    return (void)bytes, false;
#endif
  }

  // Grows the block at p (`old_bytes` of room, the first `used` bytes in use; p may be null) to
  // `bytes` of room; returns the new block. Throws std::bad_alloc.
  static void* grow(void* p, std::size_t old_bytes, std::size_t bytes, std::size_t used) {
#if defined(TREDE_BIG_ARRAY_MMAP)
    if (mapped(bytes)) {
      const std::size_t want = (bytes + huge - 1) & ~(huge - 1);
      if (p && mapped(old_bytes)) {
        const std::size_t have = (old_bytes + huge - 1) & ~(huge - 1);
        if (::mremap(p, have, want, 0) != MAP_FAILED) return p;  // in place: nothing moves
        void* to = aligned_reservation(want);
        if (::mremap(p, have, want, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED) {
          ::munmap(to, want);
          throw std::bad_alloc();
        }
        return to;
      }
      void* to = aligned_reservation(want);
      if (used) std::memcpy(to, p, used);
      std::free(p);
      return to;
    }
#endif
    (void)old_bytes, (void)used;
    void* q = std::realloc(p, bytes);
    if (!q) throw std::bad_alloc();
    return q;
  }

#if defined(TREDE_BIG_ARRAY_MMAP)
  // `bytes` (a multiple of 2 MiB) of fresh zero pages at a 2 MiB-aligned address, marked for
  // huge pages. Throws std::bad_alloc.
  static void* aligned_reservation(std::size_t bytes) {
    void* m = ::mmap(nullptr, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    const auto base = reinterpret_cast<std::uintptr_t>(m);
    const auto at = (base + huge - 1) & ~(std::uintptr_t{huge} - 1);
    if (at > base) ::munmap(m, at - base);
    if (const std::size_t tail = base + bytes + huge - (at + bytes)) ::munmap(reinterpret_cast<void*>(at + bytes), tail);
#if defined(MADV_HUGEPAGE)
    ::madvise(reinterpret_cast<void*>(at), bytes, MADV_HUGEPAGE);  // a hint only
#endif
    return reinterpret_cast<void*>(at);
  }
#endif

  static void release(void* p, std::size_t cap) noexcept {
    if (!p) return;
#if defined(TREDE_BIG_ARRAY_MMAP)
    if (mapped(cap * sizeof(T))) {
      ::munmap(p, (cap * sizeof(T) + huge - 1) & ~(huge - 1));
      return;
    }
#endif
    std::free(p);
  }

  T* data_ = nullptr;
  std::size_t size_ = 0, cap_ = 0;
};

}  // namespace trede::engine
