// raftlab/kv/op.h: the four operations of the key/value store, one enum for lab 10's
// client protocol (raftlab/kv/protocol.h) and for recorded histories
// (raftlab/history/history.h, where it is called OpKind). Standard library only.
#pragma once

#include <optional>
#include <string_view>

namespace raftlab::kv {

enum class Op { get, put, append, del };

/// "get", "put", "append", "delete": an operation's name on the wire and in history files.
constexpr std::string_view to_string(Op op) {
    switch (op) {
        case Op::get: return "get";
        case Op::put: return "put";
        case Op::append: return "append";
        case Op::del: return "delete";
    }
    return "?";
}

/// The operation named `name` (as to_string() writes it), nullopt for any other text.
constexpr std::optional<Op> op_from_string(std::string_view name) {
    for (Op op : {Op::get, Op::put, Op::append, Op::del})
        if (to_string(op) == name) return op;
    return std::nullopt;
}

}  // namespace raftlab::kv
