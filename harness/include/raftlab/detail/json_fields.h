// raftlab/detail/json_fields.h: reading typed fields out of a JSON object, for the
// framework's decoders (the Raft codec and the lab 10 protocol).
//
// Every reader throws BadField with one sentence naming the field and what it must
// be; a decoder catches it and turns it into its error string, so no decoder ever
// lets an exception or a crash escape whatever the input.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "raftlab/raft/types.h"

namespace raftlab::detail {

struct BadField {
    std::string reason;
};

inline const boost::json::value& field(const boost::json::object& o, const char* name) {
    const boost::json::value* v = o.if_contains(name);
    if (!v) throw BadField{std::string("field \"") + name + "\" is missing"};
    return *v;
}

inline std::uint64_t get_u64(const boost::json::object& o, const char* name) {
    const boost::json::value& v = field(o, name);
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    throw BadField{std::string("field \"") + name + "\" must be an unsigned integer"};
}

inline NodeId get_node(const boost::json::object& o, const char* name) {
    const boost::json::value& v = field(o, name);
    if (v.is_int64() && v.get_int64() >= kNoNode && v.get_int64() <= 1'000'000)
        return static_cast<NodeId>(v.get_int64());
    if (v.is_uint64() && v.get_uint64() <= 1'000'000) return static_cast<NodeId>(v.get_uint64());
    throw BadField{std::string("field \"") + name + "\" must be a server id (-1 or more)"};
}

inline bool get_bool(const boost::json::object& o, const char* name) {
    const boost::json::value& v = field(o, name);
    if (!v.is_bool()) throw BadField{std::string("field \"") + name + "\" must be true or false"};
    return v.get_bool();
}

inline std::string get_string(const boost::json::object& o, const char* name) {
    const boost::json::value& v = field(o, name);
    if (!v.is_string()) throw BadField{std::string("field \"") + name + "\" must be a string"};
    return std::string(v.get_string());
}

/// Parses untrusted text as JSON: bounded nesting, invalid UTF-8 passed through (it
/// is carried, not interpreted). Sets `error` and returns null on failure.
inline boost::json::value parse_untrusted(std::string_view text, std::string& error) {
    boost::json::parse_options options;
    options.allow_invalid_utf8 = true;
    options.max_depth = 8;
    boost::json::error_code ec;
    boost::json::value v = boost::json::parse(text, ec, {}, options);
    if (ec) {
        error = "not valid JSON: " + ec.message();
        return nullptr;
    }
    return v;
}

}  // namespace raftlab::detail
