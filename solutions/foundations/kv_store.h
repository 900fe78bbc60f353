// foundations/kv_store.h: the key/value store behind the lab 1 server (part b).
//
// The store speaks in whole request and reply messages (payloads of the framing in
// message.h) and never touches a socket; kv_server.cpp moves the bytes. Keeping the
// two apart means the store can be tested with plain strings, and the server loop
// stays the same whatever the store does.
//
// Requests and replies are text (the value may hold any bytes):
//
//   request                 reply
//   "get <key>"             "value <value>"   or "missing"
//   "set <key> <value>"     "ok"
//   "delete <key>"          "ok"              or "missing"
//   anything else           "error <reason in words>"
//
// A key is one or more bytes without a space. In "set", the value is everything
// after the single space that follows the key; it may be empty and may contain
// spaces, newlines and zero bytes. "get" and "delete" take nothing after the key.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace raftlab::foundations {

class KvStore {
public:
    /// Carries out one request and returns its reply, as described above. Safe to
    /// call from many threads at once: each request is applied atomically.
    std::string handle(std::string_view request);

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::string> data_;
};

}  // namespace raftlab::foundations

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
