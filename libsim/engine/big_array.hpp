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
// into fresh pages at every growth, which the kernel must fault in and zero (the national model's
// people grow a sixteenth at a time). The mappings a replicate gives back are kept for the next
// replicate of the run (release_cached_mappings), whose arrays then find their pages in place.
// Elsewhere, for smaller arrays and under AddressSanitizer, malloc and realloc. Huge pages are a
// hint only: without them everything works the same.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TREDE_BIG_ARRAY_ASAN 1
#endif
#endif
// Under AddressSanitizer the arrays stay on the heap, where it checks every access.
#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && !defined(TREDE_BIG_ARRAY_ASAN)
#define TREDE_BIG_ARRAY_MMAP 1
#endif

namespace trede::engine {

namespace detail {
inline constexpr std::size_t huge_page = std::size_t{2} << 20;
// Arrays of this many bytes and more get their own mapping (Linux).
inline constexpr std::size_t mapped_from = std::size_t{8} << 20;
// Grows the mapping at p (`have` bytes; p null: none) to at least `want` bytes (multiples of
// 2 MiB), or gives one: a mapping given back since the last release_cached_mappings() (kept
// whole when it is larger), else a new one. Sets `size` to the mapping's bytes. Throws
// std::bad_alloc. (big_array.cpp)
void* grow_mapping(void* p, std::size_t have, std::size_t want, std::size_t& size);
// Gives a mapping back: kept for the next grow_mapping (within a bound), or unmapped.
void release_mapping(void* p, std::size_t bytes) noexcept;
}  // namespace detail

// Unmaps the mappings kept for reuse. The executors call it when a run's replicates are done.
void release_cached_mappings() noexcept;

template <class T>
class BigArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "BigArray moves its bytes with realloc and mremap");

 public:
  BigArray() noexcept = default;
  BigArray(const BigArray&) = delete;
  BigArray& operator=(const BigArray&) = delete;
  BigArray(BigArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        cap_(std::exchange(o.cap_, 0)),
        mapped_(std::exchange(o.mapped_, 0)) {}
  BigArray& operator=(BigArray&& o) noexcept {
    if (this != &o) {
      release(data_, mapped_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
      mapped_ = std::exchange(o.mapped_, 0);
    }
    return *this;
  }
  ~BigArray() { release(data_, mapped_); }

  // Room for n elements or more without growing (never shrinks). Throws std::bad_alloc.
  void reserve(std::size_t n) {
    if (n <= cap_) return;
    if (n > static_cast<std::size_t>(-1) / sizeof(T) / 2) throw std::bad_alloc();
    const std::size_t bytes = n * sizeof(T);
    if (mapped_ || is_large(bytes)) {
      std::size_t size = 0;
      void* to = detail::grow_mapping(mapped_ ? data_ : nullptr, mapped_, round_up(bytes), size);
      if (!mapped_) {  // from the heap into a mapping
        if (size_) std::memcpy(to, data_, size_ * sizeof(T));
        std::free(data_);
      }
      data_ = static_cast<T*>(to);
      mapped_ = size;
      cap_ = size / sizeof(T);
      return;
    }
    void* q = std::realloc(data_, bytes);
    if (!q) throw std::bad_alloc();
    data_ = static_cast<T*>(q);
    cap_ = n;
  }

  // n elements; new ones are value-initialised (zero).
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
  static constexpr bool is_large(std::size_t bytes) noexcept {
#if defined(TREDE_BIG_ARRAY_MMAP)
    return bytes >= detail::mapped_from;
#else
    return (void)bytes, false;
#endif
  }
  static constexpr std::size_t round_up(std::size_t bytes) noexcept {
    return (bytes + detail::huge_page - 1) & ~(detail::huge_page - 1);
  }
  static void release(T* p, std::size_t mapped) noexcept {
    if (mapped)
      detail::release_mapping(p, mapped);
    else
      std::free(p);
  }

  T* data_ = nullptr;
  std::size_t size_ = 0, cap_ = 0;
  std::size_t mapped_ = 0;  // bytes of the mapping that holds the elements (0: on the heap)
};

}  // namespace trede::engine
