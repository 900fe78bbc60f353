// system/kv_service.cpp: your key/value state machine (lab 10). Read
// system/kv_service.h first: what apply() returns for a new request, a duplicate and a
// no-op is specified there. Replace each raftlab::todo() with a real body.
#include "system/kv_service.h"

#include "raftlab/todo.h"

namespace raftlab::kv {

std::optional<ClientReply> KvService::apply(Index index, const LogEntry& entry) {
    // Written for you, so that stage 2 runs before this file is done: a new leader's
    // no-op (an empty command), or a configuration entry of lab 12, only moves
    // last_applied. The rest is yours (stage 3).
    if ((entry.command.empty() || is_configuration(entry.command)) && index == last_applied_ + 1) {
        last_applied_ = index;
        return std::nullopt;
    }
    todo("KvService::apply");
}

std::optional<ClientReply> KvService::reply_if_applied(const ClientRequest& request) const {
    todo("KvService::reply_if_applied");
}

std::optional<std::string> KvService::get(const std::string& key) const { todo("KvService::get"); }

ClientReply KvService::execute(const ClientRequest& request) { todo("KvService::execute"); }

// Lab 11.
std::string KvService::snapshot() const { todo("KvService::snapshot"); }

void KvService::restore(Index index, std::string_view data) { todo("KvService::restore"); }

}  // namespace raftlab::kv
