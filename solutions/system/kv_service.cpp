// system/kv_service.cpp: applying committed commands, exactly once (lab 10).
#include "system/kv_service.h"

#include <stdexcept>

namespace raftlab::kv {

std::optional<ClientReply> KvService::apply(Index index, const LogEntry& entry) {
    if (index != last_applied_ + 1)
        throw std::logic_error("KvService::apply: index " + std::to_string(index) + " after " +
                               std::to_string(last_applied_) + " (entries must come in order, once)");
    last_applied_ = index;
    if (entry.command.empty()) return std::nullopt;  // a new leader's no-op

    Decoded<ClientRequest> command = decode_command(entry.command);
    if (!command) {
        // Every server sees the same bytes and reaches the same verdict, so skipping it
        // keeps the replicas identical.
        ClientReply reply;
        reply.status = ReplyStatus::error;
        reply.error = "log entry " + std::to_string(index) + " is not a client request: " + command.error;
        return reply;
    }
    const ClientRequest& request = *command.value;
    if (std::optional<ClientReply> earlier = reply_if_applied(request)) return earlier;

    ClientReply reply = execute(request);
    clients_[request.client] = ClientRecord{request.seq, reply};
    return reply;
}

std::optional<ClientReply> KvService::reply_if_applied(const ClientRequest& request) const {
    auto it = clients_.find(request.client);
    if (it == clients_.end() || request.seq > it->second.seq) return std::nullopt;
    if (request.seq == it->second.seq) return it->second.reply;
    ClientReply reply;
    reply.client = request.client;
    reply.seq = request.seq;
    reply.status = ReplyStatus::error;
    reply.error = "request " + std::to_string(request.seq) + " of client " + request.client +
                  " was already applied and followed by request " + std::to_string(it->second.seq);
    return reply;
}

std::optional<std::string> KvService::get(const std::string& key) const {
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return it->second;
}

ClientReply KvService::execute(const ClientRequest& request) {
    ClientReply reply;
    reply.client = request.client;
    reply.seq = request.seq;
    switch (request.op) {
        case Op::put: data_[request.key] = request.value; break;
        case Op::append: data_[request.key] += request.value; break;
        case Op::del: data_.erase(request.key); break;
        case Op::get: reply.value = get(request.key); break;  // never logged by the runtime
    }
    return reply;
}

}  // namespace raftlab::kv

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
