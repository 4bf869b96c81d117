// The definition of a shared library's function that a program's own
// definition of it stands in front of (tls_error_queue.cpp,
// tls_traffic.cpp): the next one in the lookup order after this program.
#pragma once

#include <dlfcn.h>

namespace sasync::detail {

template <class Fn> Fn next_definition(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

} // namespace sasync::detail
