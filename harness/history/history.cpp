// History records and their JSON-lines form (see raftlab/history/history.h).
#include "raftlab/history/history.h"

#include <boost/json.hpp>

#include <fstream>

namespace raftlab::history {
namespace json = boost::json;

std::string_view to_string(Outcome outcome) {
    switch (outcome) {
        case Outcome::ok: return "ok";
        case Outcome::failed: return "failed";
        case Outcome::indeterminate: return "indeterminate";
    }
    return "?";
}

std::string to_json_line(const Operation& op) {
    json::object o;
    o["client"] = op.client;
    o["seq"] = op.seq;
    o["op"] = to_string(op.kind);
    o["key"] = op.key;
    if (op.kind == OpKind::put || op.kind == OpKind::append) o["value"] = op.value;
    if (op.kind == OpKind::get && op.outcome == Outcome::ok) {
        if (op.output) o["output"] = *op.output;
        else o["output"] = nullptr;
    }
    o["invoke"] = op.invoke_us;
    if (op.outcome != Outcome::indeterminate) o["return"] = op.return_us;
    o["outcome"] = to_string(op.outcome);
    return json::serialize(o);
}

namespace {

[[noreturn]] void bad(const std::string& message) { throw HistoryFormatError(message, 0); }

const json::value& field(const json::object& o, const char* name) {
    auto* v = o.if_contains(name);
    if (v == nullptr) bad(std::string("missing field \"") + name + "\"");
    return *v;
}

std::string string_field(const json::object& o, const char* name) {
    const auto& v = field(o, name);
    if (!v.is_string()) bad(std::string("field \"") + name + "\" must be a string, got " + json::serialize(v));
    return std::string(v.as_string());
}

std::int64_t int_field(const json::object& o, const char* name) {
    const auto& v = field(o, name);
    if (v.is_int64()) return v.as_int64();
    if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v.as_uint64());
    bad(std::string("field \"") + name + "\" must be an integer, got " + json::serialize(v));
}

}  // namespace

Operation parse_json_line(const std::string& line) {
    json::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec) bad("not valid JSON (" + ec.message() + ")");
    if (!v.is_object()) bad("each line must be one JSON object");
    const auto& o = v.as_object();
    Operation op;
    op.client = string_field(o, "client");
    std::int64_t seq = int_field(o, "seq");
    if (seq < 0) bad("field \"seq\" must be >= 0");
    op.seq = static_cast<std::uint64_t>(seq);
    std::string kind = string_field(o, "op");
    if (auto parsed = kv::op_from_string(kind)) op.kind = *parsed;
    else bad("field \"op\" is \"" + kind + "\"; use get, put, append or delete");
    op.key = string_field(o, "key");
    std::string outcome = string_field(o, "outcome");
    if (outcome == "ok") op.outcome = Outcome::ok;
    else if (outcome == "failed") op.outcome = Outcome::failed;
    else if (outcome == "indeterminate") op.outcome = Outcome::indeterminate;
    else bad("field \"outcome\" is \"" + outcome + "\"; use ok, failed or indeterminate");
    if (op.kind == OpKind::put || op.kind == OpKind::append) op.value = string_field(o, "value");
    if (op.kind == OpKind::get && op.outcome == Outcome::ok) {
        const auto& out = field(o, "output");
        if (out.is_string()) op.output = std::string(out.as_string());
        else if (!out.is_null()) bad("field \"output\" must be a string or null (key absent)");
    }
    op.invoke_us = int_field(o, "invoke");
    if (op.outcome != Outcome::indeterminate) {
        op.return_us = int_field(o, "return");
        if (op.return_us < op.invoke_us) bad("\"return\" (" + std::to_string(op.return_us) + ") is before \"invoke\" (" +
                                             std::to_string(op.invoke_us) + ")");
    }
    return op;
}

History load_history(const std::filesystem::path& file) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        throw HistoryFormatError(file.string() + ": is a folder; give a history file (one JSON operation per line, "
                                 "e.g. build/artifacts/.../history.jsonl)", 0);
    std::ifstream in(file);
    if (!in) throw HistoryFormatError(file.string() + ": cannot be read; check the path", 0);
    History h;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            h.push_back(parse_json_line(line));
        } catch (const HistoryFormatError& e) {
            throw HistoryFormatError(file.string() + ":" + std::to_string(number) + ": " + e.what(), number);
        }
    }
    return h;
}

void write_history(const History& history, std::ostream& out) {
    for (const auto& op : history) out << to_json_line(op) << '\n';
}

void save_history(const History& history, const std::filesystem::path& file) {
    std::ofstream out(file);
    if (!out) throw std::runtime_error(file.string() + ": cannot be written; check the directory exists");
    write_history(history, out);
    if (!out) throw std::runtime_error(file.string() + ": write failed (disk full?)");
}

Recorder::Recorder()
    : origin_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count()) {}

std::int64_t Recorder::now_us() const {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    return (ns - origin_ns_) / 1000;
}

std::size_t Recorder::invoke(const std::string& client, std::uint64_t seq, OpKind kind, const std::string& key,
                             const std::string& value) {
    Operation op;
    op.client = client;
    op.seq = seq;
    op.kind = kind;
    op.key = key;
    op.value = value;
    op.outcome = Outcome::indeterminate;
    std::lock_guard lock(mutex_);
    op.invoke_us = now_us();  // under the lock: invoke order = record order
    ops_.push_back(std::move(op));
    completed_.push_back(false);
    return ops_.size() - 1;
}

void Recorder::complete(std::size_t token, Outcome outcome, std::optional<std::string> output) {
    std::lock_guard lock(mutex_);
    Operation& op = ops_.at(token);
    op.return_us = now_us();
    op.outcome = outcome;
    op.output = std::move(output);
    completed_[token] = true;
}

History Recorder::snapshot() const {
    std::lock_guard lock(mutex_);
    return ops_;
}

}  // namespace raftlab::history
