// foundations/kv_store.cpp: the request/reply logic of the KV server (reference
// solution, lab 1).
#include "foundations/kv_store.h"

namespace raftlab::foundations {
namespace {

struct Request {
    std::string_view command, key, rest;
    bool has_rest = false;  // a space followed the key
};

/// Splits "<command> <key>[ <rest>]".
Request parse(std::string_view text) {
    Request r;
    std::size_t space = text.find(' ');
    r.command = text.substr(0, space);
    if (space == std::string_view::npos) return r;
    text.remove_prefix(space + 1);
    std::size_t next = text.find(' ');
    r.key = text.substr(0, next);
    if (next != std::string_view::npos) {
        r.rest = text.substr(next + 1);
        r.has_rest = true;
    }
    return r;
}

}  // namespace

std::string KvStore::handle(std::string_view text) {
    Request r = parse(text);
    if (r.key.empty()) return "error expected '<command> <key>'";
    std::string key(r.key);
    std::lock_guard lock(mutex_);
    if (r.command == "set") {
        if (!r.has_rest) return "error set needs a value after the key";
        data_[key] = std::string(r.rest);
        return "ok";
    }
    if (r.has_rest) return "error unexpected text after the key";
    if (r.command == "get") {
        auto it = data_.find(key);
        return it == data_.end() ? "missing" : "value " + it->second;
    }
    if (r.command == "delete") return data_.erase(key) ? "ok" : "missing";
    return "error unknown command; use get, set or delete";
}

}  // namespace raftlab::foundations

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
