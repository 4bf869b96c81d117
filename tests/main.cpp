// The runner for every CAF test suite of sasync; CTest runs one suite a test.
#include <caf/test/unit_test_impl.hpp>
