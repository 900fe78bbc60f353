// protocol.cpp: the JSON forms of lab 10's client and peer messages
// (contract in raftlab/kv/protocol.h).
#include "raftlab/kv/protocol.h"

#include <boost/json.hpp>

#include "raftlab/detail/json_fields.h"

#include <algorithm>
#include <exception>

namespace raftlab::kv {
namespace json = boost::json;
namespace {

using detail::BadField;
using detail::get_node;
using detail::get_string;
using detail::get_u64;

std::optional<std::string> get_optional_string(const json::object& o, const char* name) {
    const json::value* v = o.if_contains(name);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) throw BadField{std::string("field \"") + name + "\" must be a string or null"};
    return std::string(v->get_string());
}

Op get_op(const json::object& o) {
    std::string s = get_string(o, "op");
    if (auto op = op_from_string(s)) return *op;
    throw BadField{"field \"op\" must be \"get\", \"put\", \"append\" or \"delete\", not \"" + s.substr(0, 40) + "\""};
}

Role get_role(const json::object& o) {
    std::string s = get_string(o, "role");
    if (s == "follower") return Role::follower;
    if (s == "candidate") return Role::candidate;
    if (s == "leader") return Role::leader;
    throw BadField{"field \"role\" must be \"follower\", \"candidate\" or \"leader\""};
}

/// Parses `text` as one JSON object and hands it to `read`; any problem becomes the
/// Decoded's error.
template <class T, class Read>
Decoded<T> decode_object(std::string_view text, Read read) {
    Decoded<T> out;
    try {
        json::value v = detail::parse_untrusted(text, out.error);
        if (!out.error.empty()) return out;
        if (!v.is_object()) {
            out.error = "not a JSON object";
            return out;
        }
        out.value = read(v.get_object());
    } catch (const BadField& bad) {
        out.error = bad.reason;
    } catch (const std::exception& e) {
        out.error = std::string("cannot be decoded: ") + e.what();
    }
    return out;
}

std::string type_of(const json::object& o) {
    const json::value* t = o.if_contains("type");
    if (!t || !t->is_string()) throw BadField{"field \"type\" is missing or not a string"};
    return std::string(t->get_string());
}

ClientRequest read_request(const json::object& o) {
    ClientRequest r;
    r.client = get_string(o, "client");
    if (r.client.empty()) throw BadField{"field \"client\" must not be empty"};
    r.seq = get_u64(o, "seq");
    r.op = get_op(o);
    r.key = get_string(o, "key");
    if (r.op == Op::put || r.op == Op::append) r.value = get_string(o, "value");
    return r;
}

}  // namespace

std::string_view to_string(ReplyStatus status) {
    switch (status) {
        case ReplyStatus::ok: return "ok";
        case ReplyStatus::not_leader: return "not_leader";
        case ReplyStatus::error: return "error";
    }
    return "?";
}

std::string encode(const ClientRequest& r) {
    json::object o{{"type", "kv_request"}, {"client", r.client}, {"seq", r.seq}, {"op", to_string(r.op)}, {"key", r.key}};
    if (r.op == Op::put || r.op == Op::append) o["value"] = r.value;
    return json::serialize(o);
}

std::string encode(const ClientReply& r) {
    json::object o{{"type", "kv_reply"}, {"client", r.client}, {"seq", r.seq}, {"status", to_string(r.status)},
                   {"leader", r.leader}};
    o["value"] = r.value ? json::value(*r.value) : json::value(nullptr);
    if (!r.error.empty()) o["error"] = r.error;
    return json::serialize(o);
}

std::string encode(const StatusRequest&) { return R"({"type":"status_request"})"; }

std::string encode(const MembershipRequest& r) {
    json::object o{{"type", "membership_request"}, {"change", r.add ? "add" : "remove"}, {"id", r.id}};
    return json::serialize(o);
}

std::string encode(const StatusReply& s) {
    json::array terms;
    for (Term t : s.log_terms) terms.push_back(t);
    json::object o{{"type", "status"},          {"id", s.id},
                   {"role", role_name(s.role)}, {"term", s.term},
                   {"voted_for", s.voted_for},  {"leader", s.leader},
                   {"commit_index", s.commit_index}, {"last_applied", s.last_applied},
                   {"last_index", s.last_index}, {"log_terms", std::move(terms)}};
    if (!s.voters.empty() || !s.learners.empty()) {
        o["voters"] = json::value_from(s.voters);
        o["learners"] = json::value_from(s.learners);
    }
    return json::serialize(o);
}

Decoded<ClientMessage> decode_client_message(std::string_view text) {
    return decode_object<ClientMessage>(text, [](const json::object& o) -> ClientMessage {
        std::string type = type_of(o);
        if (type == "kv_request") return read_request(o);
        if (type == "status_request") return StatusRequest{};
        if (type == "membership_request") {
            MembershipRequest r;
            const std::string change = get_string(o, "change");
            if (change != "add" && change != "remove")
                throw BadField{"field \"change\" must be \"add\" or \"remove\""};
            r.add = change == "add";
            r.id = get_node(o, "id");
            if (r.id < 0) throw BadField{"field \"id\" must name a server (0 or more)"};
            return r;
        }
        throw BadField{"type \"" + type.substr(0, 40) +
                       "\" is not a client request (kv_request, status_request or membership_request)"};
    });
}

Decoded<ServerReply> decode_server_reply(std::string_view text) {
    return decode_object<ServerReply>(text, [](const json::object& o) -> ServerReply {
        std::string type = type_of(o);
        if (type == "kv_reply") {
            ClientReply r;
            r.client = get_string(o, "client");
            r.seq = get_u64(o, "seq");
            std::string status = get_string(o, "status");
            if (status == "ok") r.status = ReplyStatus::ok;
            else if (status == "not_leader") r.status = ReplyStatus::not_leader;
            else if (status == "error") r.status = ReplyStatus::error;
            else throw BadField{"field \"status\" must be \"ok\", \"not_leader\" or \"error\""};
            r.value = get_optional_string(o, "value");
            r.leader = o.contains("leader") ? get_node(o, "leader") : kNoNode;
            r.error = get_optional_string(o, "error").value_or("");
            return r;
        }
        if (type == "status") {
            StatusReply s;
            s.id = get_node(o, "id");
            s.role = get_role(o);
            s.term = get_u64(o, "term");
            s.voted_for = get_node(o, "voted_for");
            s.leader = get_node(o, "leader");
            s.commit_index = get_u64(o, "commit_index");
            s.last_applied = get_u64(o, "last_applied");
            s.last_index = get_u64(o, "last_index");
            if (const json::value* t = o.if_contains("log_terms")) {
                if (!t->is_array()) throw BadField{"field \"log_terms\" must be an array"};
                for (const auto& e : t->get_array()) {
                    if (e.is_uint64()) s.log_terms.push_back(e.get_uint64());
                    else if (e.is_int64() && e.get_int64() >= 0) s.log_terms.push_back(static_cast<Term>(e.get_int64()));
                    else throw BadField{"field \"log_terms\" must hold unsigned integers"};
                }
            }
            for (auto [name, list] : {std::pair{"voters", &s.voters}, std::pair{"learners", &s.learners}}) {
                const json::value* v = o.if_contains(name);
                if (!v) continue;
                if (!v->is_array()) throw BadField{std::string("field \"") + name + "\" must be an array"};
                for (const auto& e : v->get_array()) {
                    if (!e.is_int64() || e.get_int64() < 0 || e.get_int64() > 1'000'000)
                        throw BadField{std::string("field \"") + name + "\" must hold server ids"};
                    list->push_back(static_cast<NodeId>(e.get_int64()));
                }
            }
            return s;
        }
        throw BadField{"type \"" + type.substr(0, 40) + "\" is not a server reply (kv_reply or status)"};
    });
}

Decoded<ClientRequest> decode_command(std::string_view text) {
    return decode_object<ClientRequest>(text, [](const json::object& o) {
        if (type_of(o) != "kv_request") throw BadField{"a command must be a kv_request"};
        return read_request(o);
    });
}

std::string encode_peer(NodeId from, const Message& message) {
    std::string text = raftlab::encode(message);
    // The codec writes one JSON object; put "from" right after its opening brace.
    std::string prefix = "{\"from\":" + std::to_string(from) + ",";
    if (text.size() >= 2 && text.front() == '{') return prefix + text.substr(1);
    return text;
}

Decoded<PeerMessage> decode_peer(std::string_view text) {
    Decoded<PeerMessage> out;
    auto from = decode_object<NodeId>(text, [](const json::object& o) { return get_node(o, "from"); });
    if (!from) {
        out.error = from.error;
        return out;
    }
    DecodeResult m = raftlab::decode(text);
    if (!m) {
        out.error = m.error;
        return out;
    }
    out.value = PeerMessage{*from.value, std::move(*m.message)};
    return out;
}


}  // namespace raftlab::kv
