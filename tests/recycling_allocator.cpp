// The allocator of an actor's per-operation entries: freed single objects
// come back to the next allocations on the same thread, arrays do not.
#define CAF_SUITE actors.recycling_allocator

#include "sasync/actors/detail/recycling_allocator.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <thread>
#include <vector>

using sasync::detail::block_cache;
using sasync::detail::recycling_allocator;

namespace {

struct entry {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
};

bool recycles() {
#if defined(__SANITIZE_ADDRESS__)
  return false; // the sanitizer sees every block freed
#else
  return true;
#endif
}

} // namespace

CAF_TEST(a_freed_object_is_the_next_one_on_its_thread) {
  recycling_allocator<entry> alloc;
  auto* first = alloc.allocate(1);
  alloc.deallocate(first, 1);
  auto* second = alloc.allocate(1);
  CAF_CHECK_EQUAL(first == second, recycles());
  alloc.deallocate(second, 1);
}

CAF_TEST(arrays_and_other_threads_do_not_share_the_kept_blocks) {
  recycling_allocator<entry> alloc;
  auto* one = alloc.allocate(1);
  alloc.deallocate(one, 1);
  auto* array = alloc.allocate(4);
  CAF_CHECK(array != one);
  alloc.deallocate(array, 4);
  entry* elsewhere = nullptr;
  std::thread{[&] {
    elsewhere = alloc.allocate(1);
    alloc.deallocate(elsewhere, 1);
  }}.join();
  CAF_CHECK(elsewhere != one);
  auto* again = alloc.allocate(1);
  CAF_CHECK_EQUAL(again == one, recycles());
  alloc.deallocate(again, 1);
}

CAF_TEST(a_thread_keeps_at_most_its_capacity) {
  recycling_allocator<entry> alloc;
  std::vector<entry*> wave;
  auto count = block_cache<entry>::capacity + 10;
  for (std::size_t i = 0; i < count; ++i)
    wave.push_back(alloc.allocate(1));
  for (auto* p : wave)
    alloc.deallocate(p, 1);
  // The first `capacity` freed come back, newest first; the rest went to
  // the heap.
  std::vector<entry*> again;
  for (std::size_t i = 0; i < block_cache<entry>::capacity; ++i)
    again.push_back(alloc.allocate(1));
  if (recycles())
    CAF_CHECK_EQUAL(again.front(), wave[block_cache<entry>::capacity - 1]);
  for (auto* p : again)
    alloc.deallocate(p, 1);
}

CAF_TEST(containers_use_it_like_the_standard_allocator) {
  using map = std::map<int, entry, std::less<int>,
                       recycling_allocator<std::pair<const int, entry>>>;
  map m;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i)
      m.emplace(i, entry{std::uint64_t(i), std::uint64_t(round)});
    CAF_CHECK_EQUAL(m.size(), 100u);
    CAF_CHECK_EQUAL(m.at(42).b, std::uint64_t(round));
    m.clear();
  }
  auto shared = sasync::detail::make_recycled<entry>(entry{1, 2});
  CAF_CHECK_EQUAL(shared->b, 2u);
  // A container outliving its thread's cache frees to the heap.
  std::thread{[] {
    static map late;
    late.emplace(1, entry{});
  }}.join();
}
