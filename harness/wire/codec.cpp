// codec.cpp: the JSON encoding of Raft messages (contract in raftlab/raft/codec.h).
#include "raftlab/raft/codec.h"

#include <boost/json.hpp>

#include "raftlab/detail/json_fields.h"

#include <exception>
#include <type_traits>

namespace raftlab {
namespace json = boost::json;
namespace {

json::value entry_to_json(const LogEntry& e) {
    return json::object{{"term", e.term}, {"command", e.command}};
}

json::object to_object(const AppendEntries& m) {
    json::array entries;
    entries.reserve(m.entries.size());
    for (const auto& e : m.entries) entries.push_back(entry_to_json(e));
    return {{"term", m.term},
            {"leader_id", m.leader_id},
            {"prev_log_index", m.prev_log_index},
            {"prev_log_term", m.prev_log_term},
            {"entries", std::move(entries)},
            {"leader_commit", m.leader_commit},
            {"round", m.round}};
}

json::object to_object(const AppendEntriesReply& m) {
    return {{"term", m.term},
            {"success", m.success},
            {"match_index", m.match_index},
            {"rejected_index", m.rejected_index},
            {"last_log_index", m.last_log_index},
            {"round", m.round}};
}

// "pre_vote" (lab 13) is written only when true, so the frames of labs 1-10 stay as
// they were; a missing "pre_vote" reads as false.
json::object to_object(const RequestVote& m) {
    json::object o{{"term", m.term},
                   {"candidate_id", m.candidate_id},
                   {"last_log_index", m.last_log_index},
                   {"last_log_term", m.last_log_term}};
    if (m.pre_vote) o["pre_vote"] = true;
    return o;
}

json::object to_object(const RequestVoteReply& m) {
    json::object o{{"term", m.term}, {"vote_granted", m.vote_granted}};
    if (m.pre_vote) o["pre_vote"] = true;
    return o;
}

json::object to_object(const InstallSnapshot& m) {
    return {{"term", m.term},
            {"leader_id", m.leader_id},
            {"last_included_index", m.last_included_index},
            {"last_included_term", m.last_included_term},
            {"data", m.data},
            {"leader_commit", m.leader_commit}};
}

json::object to_object(const InstallSnapshotReply& m) {
    return {{"term", m.term}, {"match_index", m.match_index}};
}

using detail::BadField;
using detail::field;
using detail::get_bool;
using detail::get_node;
using detail::get_u64;

bool get_optional_bool(const json::object& o, const char* name) {
    return o.contains(name) && get_bool(o, name);
}

std::vector<LogEntry> get_entries(const json::object& o) {
    const json::value& v = field(o, "entries");
    if (!v.is_array()) throw BadField{"field \"entries\" must be an array"};
    std::vector<LogEntry> out;
    out.reserve(v.get_array().size());
    for (const json::value& item : v.get_array()) {
        if (!item.is_object()) throw BadField{"every element of \"entries\" must be an object"};
        const json::object& e = item.get_object();
        const json::value& cmd = field(e, "command");
        if (!cmd.is_string()) throw BadField{"field \"command\" must be a string"};
        out.push_back(LogEntry{get_u64(e, "term"), std::string(cmd.get_string())});
    }
    return out;
}

Message from_object(const json::object& o) {
    const json::value& type = field(o, "type");
    if (!type.is_string()) throw BadField{"field \"type\" must be a string"};
    const json::string_view t = type.get_string();
    if (t == "append_entries") {
        return AppendEntries{get_u64(o, "term"),           get_node(o, "leader_id"),
                             get_u64(o, "prev_log_index"), get_u64(o, "prev_log_term"),
                             get_entries(o),               get_u64(o, "leader_commit"),
                             get_u64(o, "round")};
    }
    if (t == "append_entries_reply") {
        return AppendEntriesReply{get_u64(o, "term"),           get_bool(o, "success"),
                                  get_u64(o, "match_index"),    get_u64(o, "rejected_index"),
                                  get_u64(o, "last_log_index"), get_u64(o, "round")};
    }
    if (t == "request_vote") {
        return RequestVote{get_u64(o, "term"), get_node(o, "candidate_id"),
                           get_u64(o, "last_log_index"), get_u64(o, "last_log_term"),
                           get_optional_bool(o, "pre_vote")};
    }
    if (t == "request_vote_reply") {
        return RequestVoteReply{get_u64(o, "term"), get_bool(o, "vote_granted"),
                                get_optional_bool(o, "pre_vote")};
    }
    if (t == "install_snapshot") {
        const json::value& data = field(o, "data");
        if (!data.is_string()) throw BadField{"field \"data\" must be a string"};
        return InstallSnapshot{get_u64(o, "term"), get_node(o, "leader_id"),
                               get_u64(o, "last_included_index"), get_u64(o, "last_included_term"),
                               std::string(data.get_string()), get_u64(o, "leader_commit")};
    }
    if (t == "install_snapshot_reply") {
        return InstallSnapshotReply{get_u64(o, "term"), get_u64(o, "match_index")};
    }
    throw BadField{"unknown message type \"" + std::string(t) + "\""};
}

}  // namespace

std::string encode(const Message& message) {
    json::object o = std::visit([](const auto& m) { return to_object(m); }, message);
    o["type"] = kind_name(message);
    return json::serialize(o);
}

DecodeResult decode(std::string_view text) {
    DecodeResult out;
    try {
        json::value v = detail::parse_untrusted(text, out.error);
        if (out.error.empty() && !v.is_object()) out.error = "a message must be a JSON object";
        if (out.error.empty()) {
            out.message = from_object(v.get_object());
        }
    } catch (const BadField& bad) {
        out.error = bad.reason;
    } catch (const std::exception& e) {
        out.error = std::string("cannot decode message: ") + e.what();
    }
    return out;
}

}  // namespace raftlab
