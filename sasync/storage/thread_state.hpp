#pragma once

namespace sasync {

/// Frees what OpenSSL keeps for the calling thread (libpq's TLS uses it).
/// Left to the thread's own end, that cleanup runs after the thread has
/// been counted done, and CAF does not join the threads of detached
/// actors: it could run while the program's exit frees OpenSSL's locks,
/// and crash. Safe on any thread; OpenSSL sets up again what it needs.
void release_thread_state() noexcept;

/// Calls release_thread_state() when it goes. The first member of the state
/// of an actor that holds a database connection goes last, after the
/// connection has closed, on the actor's own thread.
struct thread_state_release {
  thread_state_release() = default;
  thread_state_release(const thread_state_release&) = delete;
  thread_state_release& operator=(const thread_state_release&) = delete;
  ~thread_state_release() { release_thread_state(); }
};

} // namespace sasync
