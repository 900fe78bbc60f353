// system/kv_service.cpp: applying committed commands, exactly once (lab 10).
#include "system/kv_service.h"

#include <boost/json.hpp>
#include <stdexcept>

namespace raftlab::kv {

std::optional<ClientReply> KvService::apply(Index index, const LogEntry& entry) {
    if (index != last_applied_ + 1)
        throw std::logic_error("KvService::apply: index " + std::to_string(index) + " after " +
                               std::to_string(last_applied_) + " (entries must come in order, once)");
    last_applied_ = index;
    // A new leader's no-op, or a configuration (lab 12): nothing for the store.
    if (entry.command.empty() || is_configuration(entry.command)) return std::nullopt;

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

std::string KvService::snapshot() const {
    namespace json = boost::json;
    json::object data;
    for (const auto& [key, value] : data_) data[key] = value;
    json::object clients;
    for (const auto& [client, record] : clients_)
        clients[client] = json::object{{"seq", record.seq}, {"reply", encode(record.reply)}};
    return json::serialize(json::object{{"data", std::move(data)}, {"clients", std::move(clients)}});
}

void KvService::restore(Index index, std::string_view text) {
    namespace json = boost::json;
    auto bad = [&](const std::string& why) {
        return std::runtime_error("a snapshot through index " + std::to_string(index) + " is not a KV state (" + why +
                                  "); remove the data directory to start this server empty, if its data also "
                                  "exists on a majority");
    };
    std::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) throw bad("not a JSON object");
    const json::object& o = v.get_object();
    const json::value* data = o.if_contains("data");
    const json::value* clients = o.if_contains("clients");
    if (!data || !data->is_object() || !clients || !clients->is_object()) throw bad("no \"data\" or \"clients\" object");
    std::unordered_map<std::string, std::string> new_data;
    for (const auto& [key, value] : data->get_object()) {
        if (!value.is_string()) throw bad("the value of \"" + std::string(key).substr(0, 40) + "\" is not a string");
        new_data.emplace(std::string(key), std::string(value.get_string()));
    }
    std::unordered_map<std::string, ClientRecord> new_clients;
    for (const auto& [client, record] : clients->get_object()) {
        const json::value* seq = record.is_object() ? record.get_object().if_contains("seq") : nullptr;
        const json::value* reply = record.is_object() ? record.get_object().if_contains("reply") : nullptr;
        if (!seq || !seq->is_uint64() && !seq->is_int64() || !reply || !reply->is_string())
            throw bad("client \"" + std::string(client).substr(0, 40) + "\" has no seq or reply");
        Decoded<ServerReply> decoded = decode_server_reply(reply->get_string());
        if (!decoded || !std::holds_alternative<ClientReply>(*decoded.value))
            throw bad("client \"" + std::string(client).substr(0, 40) + "\" has a bad reply");
        new_clients.emplace(std::string(client),
                            ClientRecord{seq->to_number<std::uint64_t>(), std::get<ClientReply>(*decoded.value)});
    }
    data_ = std::move(new_data);
    clients_ = std::move(new_clients);
    last_applied_ = index;
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
