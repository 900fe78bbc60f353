// Durability and exactly-once checks (see raftlab/history/checker.h).
#include "raftlab/history/checker.h"

#include <set>

namespace raftlab::history {
namespace {

std::string name(const Operation& op) {
    return op.client + " #" + std::to_string(op.seq) + " " + std::string(to_string(op.kind)) + " " + op.key +
           (op.value.empty() ? "" : " \"" + op.value + "\"");
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    if (needle.empty()) return 0;
    std::size_t count = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++count;
    return count;
}

/// Could `final_value` be what remains after the put or delete `write`, given that
/// appends may follow it? A put leaves a value that starts with its own; a delete
/// leaves absent, or whatever later appends built.
bool explains(const Operation& write, const std::optional<std::string>& final_value) {
    if (write.kind == OpKind::del) return true;  // appends after a delete can build anything
    if (!final_value) return false;              // only a delete makes it absent
    return final_value->rfind(write.value, 0) == 0;  // a put: its value, plus whatever was appended after
}

void check_key_durability(const History& h, const std::string& key, const std::optional<std::string>& final_value,
                          std::vector<std::string>& out) {
    std::vector<const Operation*> writes, acknowledged;
    for (const auto& op : h) {
        if (op.key != key || op.kind == OpKind::get || op.outcome == Outcome::failed) continue;
        writes.push_back(&op);
        if (op.outcome == Outcome::ok) acknowledged.push_back(&op);
    }
    // An acknowledged append that no put or delete can have followed must be there.
    for (const Operation* a : acknowledged) {
        if (a->kind != OpKind::append) continue;
        bool replaced = false;
        for (const Operation* w : writes)
            if (w->kind != OpKind::append && (w->outcome == Outcome::indeterminate || w->return_us > a->invoke_us))
                replaced = true;
        if (!replaced && (!final_value || final_value->find(a->value) == std::string::npos))
            out.push_back("acknowledged " + name(*a) + " is missing from the final value of " + key);
    }
    // The final value must come from a write that no acknowledged put/delete strictly followed.
    bool any_candidate = false, explained = false;
    for (const Operation* w : writes) {
        if (w->kind == OpKind::append) continue;
        bool superseded = false;
        for (const Operation* later : acknowledged)
            if (later->kind != OpKind::append && w->outcome == Outcome::ok && later->invoke_us > w->return_us) superseded = true;
        if (superseded) continue;
        any_candidate = true;
        if (explains(*w, final_value)) explained = true;
    }
    if (!any_candidate) explained = true;  // only appends on this key: checked above
    if (!explained)
        out.push_back("the final value of " + key + " (" + (final_value ? "\"" + *final_value + "\"" : std::string("absent")) +
                      ") is not left by any put or delete that survived; an acknowledged write was lost");
}

}  // namespace

PropertyResult check_durability(const History& history, const std::map<std::string, std::optional<std::string>>& final_state) {
    PropertyResult r;
    std::set<std::string> keys;
    for (const auto& op : history)
        if (op.kind != OpKind::get && op.outcome == Outcome::ok) keys.insert(op.key);
    for (const auto& key : keys) {
        auto it = final_state.find(key);
        if (it == final_state.end()) {
            r.violations.push_back("no final read of key " + key + ", which has acknowledged writes");
            continue;
        }
        check_key_durability(history, key, it->second, r.violations);
    }
    r.verdict = r.violations.empty() ? Verdict::ok : Verdict::illegal;
    return r;
}

PropertyResult check_exactly_once(const History& history, const std::map<std::string, std::optional<std::string>>& final_state) {
    PropertyResult r;
    std::map<std::string, std::vector<const Operation*>> appends_by_key;
    std::map<std::string, const Operation*> by_value;
    for (const auto& op : history) {
        if (op.kind != OpKind::append) continue;
        if (!by_value.emplace(op.value, &op).second)
            r.violations.push_back("append value \"" + op.value + "\" is used twice (" + name(op) +
                                   "); exactly-once needs unique append values");
        appends_by_key[op.key].push_back(&op);
    }
    auto inspect = [&](const std::string& key, const std::string& value, const std::string& where) {
        for (const Operation* a : appends_by_key[key]) {
            std::size_t n = occurrences(value, a->value);
            if (n > 1) r.violations.push_back(name(*a) + " took effect " + std::to_string(n) + " times (seen in " + where + ")");
            if (n > 0 && a->outcome == Outcome::failed)
                r.violations.push_back(name(*a) + " was reported failed but took effect (seen in " + where + ")");
        }
    };
    for (const auto& op : history)
        if (op.kind == OpKind::get && op.outcome == Outcome::ok && op.output) inspect(op.key, *op.output, name(op));
    for (const auto& [key, value] : final_state)
        if (value) inspect(key, *value, "the final value of " + key);
    r.verdict = r.violations.empty() ? Verdict::ok : Verdict::illegal;
    return r;
}

}  // namespace raftlab::history
