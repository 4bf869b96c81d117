// Whether the tests are built with AddressSanitizer or ThreadSanitizer:
// sanitized programs run several times slower, so scale tests make fewer
// rounds there.
#pragma once

namespace sasync::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif

} // namespace sasync::test
