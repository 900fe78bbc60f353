// Durability and exactly-once checks (see raftlab/history/checker.h).
#include "raftlab/history/checker.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

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

/// Whether `value` is one bracketed token, "[...]" with no other bracket inside (the
/// workload's "[client:seq]").
bool bracketed(const std::string& value) {
    return value.size() >= 2 && value.front() == '[' && value.find_first_of("[]", 1) == value.size() - 1;
}

/// How often each of `tokens` occurs in `text`, in one pass, for bracketed tokens: an
/// occurrence starts at a '[' and ends at the first ']' after it, with no '[' between.
std::map<const Operation*, std::size_t> token_counts(
    const std::string& text, const std::unordered_map<std::string_view, const Operation*>& tokens) {
    std::map<const Operation*, std::size_t> counts;  // in history order
    std::size_t open = std::string::npos;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '[') open = i;
        if (text[i] != ']' || open == std::string::npos) continue;
        auto it = tokens.find(std::string_view(text).substr(open, i - open + 1));
        if (it != tokens.end()) ++counts[it->second];
        open = std::string::npos;
    }
    return counts;
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
    // Where every append value of a key is a bracketed token, a value is read in one
    // pass; otherwise each append value is looked for in it.
    std::map<std::string, std::unordered_map<std::string_view, const Operation*>> tokens_by_key;
    for (const auto& [key, appends] : appends_by_key)
        if (std::all_of(appends.begin(), appends.end(), [](const Operation* a) { return bracketed(a->value); }))
            for (const Operation* a : appends) tokens_by_key[key].emplace(a->value, a);
    auto report = [&](const Operation* a, std::size_t n, const std::string& where) {
        if (n > 1) r.violations.push_back(name(*a) + " took effect " + std::to_string(n) + " times (seen in " + where + ")");
        if (n > 0 && a->outcome == Outcome::failed)
            r.violations.push_back(name(*a) + " was reported failed but took effect (seen in " + where + ")");
    };
    auto inspect = [&](const std::string& key, const std::string& value, const std::string& where) {
        if (auto tokens = tokens_by_key.find(key); tokens != tokens_by_key.end()) {
            for (const auto& [a, n] : token_counts(value, tokens->second)) report(a, n, where);
            return;
        }
        for (const Operation* a : appends_by_key[key]) report(a, occurrences(value, a->value), where);
    };
    for (const auto& op : history)
        if (op.kind == OpKind::get && op.outcome == Outcome::ok && op.output) inspect(op.key, *op.output, name(op));
    for (const auto& [key, value] : final_state)
        if (value) inspect(key, *value, "the final value of " + key);
    r.verdict = r.violations.empty() ? Verdict::ok : Verdict::illegal;
    return r;
}

}  // namespace raftlab::history
