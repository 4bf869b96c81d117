// An allocator that keeps the blocks it freed for the next objects of the
// same type on the same thread. An actor's per-operation entries (a job, a
// queue's waiting entry, a group actor's operation in order) come and go in
// waves as large as a batch: glibc's per-thread cache keeps seven blocks of
// a size, so a wave of 32 went past it to the slower shared bins, and back
// (allocation was a sixth of the scheduler thread's time, README:
// Performance).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace sasync::detail {

/// Up to `capacity` freed blocks of one type on one thread.
template <class T> class block_cache {
public:
  static constexpr std::size_t capacity = 256;

  ~block_cache() {
    gone = true;
    for (std::size_t i = 0; i < size_; ++i)
      std::allocator<T>{}.deallocate(static_cast<T*>(blocks_[i]), 1);
  }

  void* take() noexcept { return size_ > 0 ? blocks_[--size_] : nullptr; }

  bool keep(void* block) noexcept {
    if (size_ == capacity)
      return false;
    blocks_[size_++] = block;
    return true;
  }

  /// The thread's cache, or null once the thread's objects are destroyed
  /// (a container destroyed after them frees to the heap). None under
  /// AddressSanitizer, which finds a use after free only in heap blocks.
  static block_cache* of_this_thread() noexcept {
#if defined(__SANITIZE_ADDRESS__)
    return nullptr;
#else
    if (gone)
      return nullptr;
    thread_local block_cache cache;
    return &cache;
#endif
  }

private:
  static inline thread_local bool gone = false;
  void* blocks_[capacity];
  std::size_t size_ = 0;
};

/// A stateless allocator: single objects come from and go to the block
/// cache of the calling thread; arrays come from the heap as usual.
template <class T> class recycling_allocator {
public:
  using value_type = T;

  recycling_allocator() noexcept = default;

  template <class U>
  recycling_allocator(const recycling_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n == 1)
      if (auto* cache = block_cache<T>::of_this_thread())
        if (auto* block = cache->take())
          return static_cast<T*>(block);
    return std::allocator<T>{}.allocate(n);
  }

  void deallocate(T* p, std::size_t n) noexcept {
    if (n == 1)
      if (auto* cache = block_cache<T>::of_this_thread())
        if (cache->keep(p))
          return;
    std::allocator<T>{}.deallocate(p, n);
  }

  template <class U>
  bool operator==(const recycling_allocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const recycling_allocator<U>&) const noexcept {
    return false;
  }
};

/// std::make_shared with the object and its count from the thread's cache.
template <class T, class... Ts> std::shared_ptr<T> make_recycled(Ts&&... xs) {
  return std::allocate_shared<T>(recycling_allocator<T>{},
                                 std::forward<Ts>(xs)...);
}

} // namespace sasync::detail
