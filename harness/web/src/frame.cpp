// frame.cpp: one state frame for the page, from the servers' statuses, the proxy's
// journal since the last frame and its links (the format is described in demo.h).
#include "demo_impl.h"
#include "network_view.h"

#include <algorithm>
#include <utility>

namespace raftlab::web {

using std::chrono::milliseconds;

namespace {

std::string_view process_name(proc::NodeState state) {
    switch (state) {
        case proc::NodeState::running: return "running";
        case proc::NodeState::paused: return "paused";
        case proc::NodeState::dead: return "dead";
        default: return "stopped";
    }
}

/// Entries in an append_entries payload (codec JSON), without parsing it all.
int entry_count(const std::string& payload) {
    auto at = payload.find("\"entries\":[");
    if (at == std::string::npos) return 0;
    at += 11;
    if (at < payload.size() && payload[at] == ']') return 0;
    int n = 0;
    for (auto p = payload.find("\"command\"", at); p != std::string::npos; p = payload.find("\"command\"", p + 1)) ++n;
    return std::max(n, 1);
}

bool has(const std::string& payload, std::string_view text) { return payload.find(text) != std::string::npos; }

/// A journal entry as the page draws it: kind, from, to, what became of it.
struct Drawn {
    json::object msg;
    int priority = 0;  ///< 0 first: votes, entries and losses; 1 heartbeats; 2 client traffic
};

Drawn draw(const proxy::JournalEntry& e, std::int64_t frame_us) {
    Drawn d;
    json::object& m = d.msg;
    m["f"] = node_index(e.from);
    m["t"] = node_index(e.to);
    std::string kind = "other";
    if (e.type == "append_entries") {
        int n = entry_count(e.payload);
        kind = n > 0 ? "ae" : "hb";
        m["n"] = n;
        d.priority = n > 0 ? 0 : 1;
    } else if (e.type == "append_entries_reply") {
        kind = "aer";
        m["ok"] = has(e.payload, "\"success\":true");
        d.priority = 1;
    } else if (e.type == "request_vote") {
        kind = has(e.payload, "\"pre_vote\":true") ? "pv" : "rv";  // lab 13: a pre-vote only asks
    } else if (e.type == "request_vote_reply") {
        kind = has(e.payload, "\"pre_vote\":true") ? "pvr" : "rvr";
        m["ok"] = has(e.payload, "\"vote_granted\":true");
    } else if (e.type == "install_snapshot") {
        kind = "is";  // lab 11: the whole snapshot, to a follower that needs compacted entries
    } else if (e.type == "install_snapshot_reply") {
        kind = "isr";
        d.priority = 1;
    } else if (e.type == "kv_request") {
        kind = "req";
        d.priority = 2;
    } else if (e.type == "kv_reply") {
        kind = "rep";
        m["ok"] = has(e.payload, "\"status\":\"ok\"");
        d.priority = 2;
    } else {
        d.priority = 2;
    }
    m["k"] = kind;
    bool lost = e.fate == "dropped" || e.fate == "cut";
    if (lost) d.priority = 0;
    m["x"] = e.fate;  // delivered, dropped (a lossy link), cut (a partition), duplicated, delayed, reordered
    m["dt"] = std::max<std::int64_t>(0, (frame_us - e.time_us) / 1000);
    return d;
}

constexpr std::size_t kMaxDrawn = 120;   // messages per frame the page animates

/// What the monitor polled this tick: each server's process state and, if it answered, its status.
struct Polled {
    std::vector<std::string> process;
    std::vector<std::optional<kv::StatusReply>> fresh;
};

Polled poll(kv::LocalCluster& cluster, int n) {
    Polled p{std::vector<std::string>(static_cast<std::size_t>(n)),
             std::vector<std::optional<kv::StatusReply>>(static_cast<std::size_t>(n))};
    for (int i = 0; i < n; ++i) {
        auto state = cluster.supervisor().state(node_name(i));
        p.process[static_cast<std::size_t>(i)] = process_name(state);
        if (state == proc::NodeState::running) p.fresh[static_cast<std::size_t>(i)] = cluster.status(i, milliseconds(150));
    }
    return p;
}

/// The journal since the last frame: what the page animates (a fair sample of at most
/// kMaxDrawn, important ones first), counts per kind, and when each server last had its
/// election timer reset (an AppendEntries received, a vote granted, an election started).
json::array draw_messages(const std::vector<proxy::JournalEntry>& entries, std::int64_t frame_us,
                          std::vector<std::int64_t>& resets, json::object& counts) {
    const int n = static_cast<int>(resets.size());
    std::vector<Drawn> drawn;
    for (const auto& e : entries) {
        int to = node_index(e.to), from = node_index(e.from);
        bool arrived = e.fate != "dropped" && e.fate != "cut";
        if (arrived && e.type == "append_entries" && to >= 0 && to < n) resets[static_cast<std::size_t>(to)] = e.time_us;
        // A granted vote resets the voter's timer; a yes to a pre-vote (lab 13) does not.
        if (e.type == "request_vote_reply" && from >= 0 && from < n && has(e.payload, "\"vote_granted\":true") &&
            !has(e.payload, "\"pre_vote\":true"))
            resets[static_cast<std::size_t>(from)] = e.time_us;
        if (e.type == "request_vote" && from >= 0 && from < n) resets[static_cast<std::size_t>(from)] = e.time_us;
        drawn.push_back(draw(e, frame_us));
        auto& c = counts[drawn.back().msg["k"].as_string()];
        c = (c.is_int64() ? c.as_int64() : 0) + 1;
    }
    if (drawn.size() > kMaxDrawn) {
        std::stable_sort(drawn.begin(), drawn.end(), [](const Drawn& a, const Drawn& b) { return a.priority < b.priority; });
        std::vector<Drawn> kept;
        std::size_t first = 0;
        while (first < drawn.size() && drawn[first].priority == 0 && kept.size() < kMaxDrawn) kept.push_back(drawn[first++]);
        std::size_t rest = drawn.size() - first, room = kMaxDrawn - kept.size();
        for (std::size_t i = 0; i < room; ++i) kept.push_back(drawn[first + i * rest / room]);
        drawn.swap(kept);
    }
    json::array msgs;
    for (auto& d : drawn) msgs.push_back(std::move(d.msg));
    return msgs;
}

json::object node_json(int id, const std::string& process, bool stale, const NodeView& v, std::int64_t frame_us) {
    json::object o{{"id", id}, {"process", process}, {"stale", stale}};
    if (v.status) {
        const auto& s = *v.status;
        o["role"] = role_name(s.role);
        o["term"] = s.term;
        o["leader"] = s.leader;
        o["voted_for"] = s.voted_for;
        o["commit"] = s.commit_index;
        o["applied"] = s.last_applied;
        o["last"] = s.last_index;
        json::array terms;
        for (auto t : s.log_terms) terms.push_back(t);
        o["log_terms"] = std::move(terms);
    }
    o["since_reset_ms"] = v.timer_reset_us > 0 ? (frame_us - v.timer_reset_us) / 1000 : -1;
    return o;
}

/// "n1 became leader in term 3", "n0 stepped down to follower in term 4", or "".
std::string role_change(int id, const std::optional<kv::StatusReply>& before, const kv::StatusReply& now) {
    if (before && before->role == now.role && (now.role != Role::leader || before->term == now.term)) return "";
    if (now.role == Role::leader) return node_name(id) + " became leader in term " + std::to_string(now.term);
    if (before && before->role == Role::leader)
        return node_name(id) + " stepped down to " + role_name(now.role) + " in term " + std::to_string(now.term);
    return "";
}

}  // namespace

json::value Demo::Impl::scenario_json() const {
    if (!scenario) return nullptr;
    json::object so{{"name", scenario->name}, {"step", scenario->next_step}};
    for (const Scenario& c : scenarios()) {
        if (c.name != scenario->name) continue;
        so["title"] = c.title;
        so["steps"] = c.steps.size();
        so["next"] = scenario->next_step < c.steps.size() ? json::value(json::string(c.steps[scenario->next_step].button))
                                                          : json::value(nullptr);
    }
    return so;
}

void Demo::Impl::publish_frame(std::vector<proxy::JournalEntry> entries, std::int64_t frame_us) {
    const int n = options.nodes;
    // Everything that talks to the servers or the proxy happens before taking the lock.
    Polled polled = poll(*cluster, n);
    for (const auto& death : cluster->supervisor().take_deaths()) add_event("error", death.describe());
    std::vector<std::int64_t> resets(static_cast<std::size_t>(n), 0);
    json::object frame, counts;
    static std::uint64_t seq = 0;
    frame["type"] = "state";
    frame["seq"] = ++seq;
    frame["now_ms"] = frame_us / 1000;
    frame["msgs"] = draw_messages(entries, frame_us, resets, counts);
    frame["counts"] = std::move(counts);
    const auto links = cluster->proxy().links();
    add_cuts(links, n, frame);
    const FaultSummary faults = summarize_faults(links, n);
    frame["load"] = json::object{{"ops", load_ops.load()}, {"done", load_done.load()}, {"failed", load_failed.load()}};

    std::lock_guard lock(view_mutex);
    json::array node_list;
    for (int i = 0; i < n; ++i) {
        auto k = static_cast<std::size_t>(i);
        NodeView& v = nodes[k];
        const auto& fresh = polled.fresh[k];
        if (resets[k] > 0) v.timer_reset_us = resets[k];
        if (fresh) {
            if (std::string text = role_change(i, v.status, *fresh); !text.empty()) {
                if (fresh->role == Role::leader) v.leader_since_us = frame_us;
                json::object e{{"time_ms", frame_us / 1000}, {"kind", "role"}, {"text", text}};
                new_events.push_back(e);
                all_events.push_back(std::move(e));
            }
            v.status = fresh;
        }
        // A server that is down keeps its last known status: the page shows its log as
        // it was (dimmed), which is what it restarts with.
        if (polled.process[k] != "paused" && polled.process[k] != "running") v.timer_reset_us = 0;
        v.process = polled.process[k];
        node_list.push_back(node_json(i, v.process, !fresh, v, frame_us));
    }
    // Lab 12: who votes, who is a learner and who is outside, by the committed
    // configuration the leader reports (nothing when the servers do not change
    // membership).
    const kv::StatusReply* lead = nullptr;
    for (const NodeView& v : nodes)
        if (v.process == "running" && v.status && v.status->role == Role::leader && !v.status->voters.empty() &&
            (!lead || v.status->term > lead->term))
            lead = &*v.status;
    if (lead) {
        auto has = [](const std::vector<NodeId>& ids, int id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
        for (int i = 0; i < n; ++i)
            node_list[static_cast<std::size_t>(i)].as_object()["member"] =
                has(lead->voters, i) ? "voter" : has(lead->learners, i) ? "learner" : "out";
    }
    while (all_events.size() > kMaxEvents) all_events.erase(all_events.begin());
    frame["nodes"] = std::move(node_list);
    frame["faults"] = to_json(faults);
    // Said once per change, whoever made it: the page, a scenario, or `./raftlab proxy`.
    if (std::string said = describe(faults); said != faults_said) {
        faults_said = said;
        json::object e{{"time_ms", frame_us / 1000}, {"kind", "network"}, {"text", "link faults: " + said}};
        new_events.push_back(e);
        all_events.push_back(std::move(e));
    }
    frame["busy"] = busy;
    frame["slow"] = slow;
    frame["timing"] = json::object{{"heartbeat_ms", heartbeat_ms}, {"election_min_ms", election_min_ms},
                                   {"election_max_ms", election_max_ms}};
    frame["scenario"] = scenario_json();
    frame["narration"] = narration;
    frame["events"] = std::exchange(new_events, json::array());
    frame["client"] = std::exchange(client_results, json::array());
    latest_frame = json::serialize(frame);
    if (sink) sink(latest_frame);
}

}  // namespace raftlab::web
