// demo.cpp: the Demo's lifetime, its view of the cluster and the frames it publishes
// (contract in demo.h). Controls are in controls.cpp, scenarios in scenarios.cpp.
#include "demo_impl.h"

#include <algorithm>

namespace raftlab::web {

using std::chrono::milliseconds;

std::string node_name(int id) { return kv::LocalCluster::name(id); }

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

std::string_view process_name(proc::NodeState state) {
    switch (state) {
        case proc::NodeState::running: return "running";
        case proc::NodeState::paused: return "paused";
        case proc::NodeState::dead: return "dead";
        default: return "stopped";
    }
}

/// "n2" -> 2, "client" -> -1.
int node_index(const std::string& name) {
    if (name.size() < 2 || name[0] != 'n') return -1;
    return std::atoi(name.c_str() + 1);
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
        kind = "rv";
    } else if (e.type == "request_vote_reply") {
        kind = "rvr";
        m["ok"] = has(e.payload, "\"vote_granted\":true");
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
constexpr std::size_t kMaxEvents = 300;  // event log kept for late pages

}  // namespace

Demo::Demo(DemoOptions options) : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    if (options.nodes < 1 || options.nodes > 9) throw BadAction("the demo runs 1 to 9 servers");
    m.options = std::move(options);
    kv::ClusterOptions c;
    c.server_binary = m.options.server_binary;
    c.nodes = m.options.nodes;
    c.keep_files = m.options.keep_files;
    c.journal_payloads = true;
    m.heartbeat_ms = c.heartbeat_ms;
    m.election_min_ms = c.election_min_ms;
    m.election_max_ms = c.election_max_ms;
    m.cluster = std::make_unique<kv::LocalCluster>(c);
    m.nodes.resize(static_cast<std::size_t>(m.options.nodes));
    auto report = [&m](const std::string& what) { m.add_event("error", what); m.set_busy(""); };
    m.control.on_error = report;
    m.client_worker.on_error = report;
}

Demo::~Demo() {
    Impl& m = *impl_;
    m.stopping = true;
    m.stop_load();
    if (m.monitor.joinable()) m.monitor.join();
    m.control.stop();
    m.client_worker.stop();
    if (m.cluster) m.cluster->proxy().set_journal_listener({});
    m.cluster.reset();
}

void Demo::start() {
    Impl& m = *impl_;
    m.cluster->proxy().set_journal_listener([&m](const proxy::JournalEntry& e) {
        std::lock_guard lock(m.journal_mutex);
        if (m.journal.size() < 200000) m.journal.push_back(e);
    });
    m.cluster->start_all();
    kv::ClientOptions quick{.attempt_timeout = milliseconds(700), .deadline = milliseconds(5000)};
    m.page_client = std::make_unique<kv::Client>(m.cluster->client_endpoints(), "page", quick);
    m.scenario_client = std::make_unique<kv::Client>(m.cluster->client_endpoints(), "presenter", quick);
    m.add_event("process", "started " + std::to_string(m.options.nodes) + " servers behind the fault proxy");
    m.control.start();
    m.client_worker.start();
    m.monitor = std::thread([&m] { m.monitor_loop(); });
    if (m.options.load_ops > 0) m.start_load(m.options.load_ops);
}

void Demo::set_frame_sink(std::function<void(const std::string&)> sink) { impl_->sink = std::move(sink); }

std::filesystem::path Demo::work_dir() const { return impl_->cluster->work_dir(); }

std::string Demo::hello() const {
    const Impl& m = *impl_;
    json::object o;
    o["type"] = "hello";
    o["nodes"] = m.options.nodes;
    o["frame_ms"] = m.options.frame_ms;
    json::array list;
    for (const Scenario& s : scenarios()) {
        json::array steps;
        for (const ScenarioStep& st : s.steps) steps.push_back(json::string(st.button));
        list.push_back(json::object{{"name", s.name}, {"title", s.title}, {"intro", s.intro}, {"steps", steps}});
    }
    o["scenarios"] = std::move(list);
    std::lock_guard lock(m.view_mutex);
    o["events"] = m.all_events;
    return json::serialize(o);
}

std::string Demo::latest_frame() const {
    std::lock_guard lock(impl_->view_mutex);
    return impl_->latest_frame;
}

void Demo::Impl::add_event(const std::string& kind, const std::string& text) {
    json::object e{{"time_ms", now_us() / 1000}, {"kind", kind}, {"text", text}};
    std::lock_guard lock(view_mutex);
    new_events.push_back(e);
    all_events.push_back(std::move(e));
    if (all_events.size() > kMaxEvents) all_events.erase(all_events.begin());
}

std::vector<NodeView> Demo::Impl::view() const {
    std::lock_guard lock(view_mutex);
    return nodes;
}

int Demo::Impl::leader() const {
    int best = -1;
    std::uint64_t best_term = 0;
    for (const NodeView& n : view())
        if (n.process == "running" && n.status && n.status->role == Role::leader &&
            (best < 0 || n.status->term > best_term)) {
            best = n.status->id;
            best_term = n.status->term;
        }
    return best;
}

int Demo::Impl::wait_for_leader(milliseconds bound, int not_this, std::uint64_t above_term) {
    auto until = std::chrono::steady_clock::now() + bound;
    while (!stopping) {
        int best = -1;
        std::uint64_t best_term = 0;
        for (const NodeView& n : view())
            if (n.process == "running" && n.status && n.status->role == Role::leader && n.status->id != not_this &&
                n.status->term > above_term && (best < 0 || n.status->term > best_term)) {
                best = n.status->id;
                best_term = n.status->term;
            }
        if (best >= 0 || std::chrono::steady_clock::now() >= until) return best;
        std::this_thread::sleep_for(milliseconds(50));
    }
    return -1;
}

bool Demo::Impl::wait_for_commit(const std::vector<int>& who, std::uint64_t index, milliseconds bound) {
    auto until = std::chrono::steady_clock::now() + bound;
    while (!stopping) {
        auto v = view();
        bool all = std::all_of(who.begin(), who.end(), [&](int i) {
            const NodeView& n = v[static_cast<std::size_t>(i)];
            return n.status && n.status->commit_index >= index;
        });
        if (all) return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
}

void Demo::Impl::monitor_loop() {
    auto next = std::chrono::steady_clock::now();
    while (!stopping) {
        next += milliseconds(options.frame_ms);
        std::vector<proxy::JournalEntry> entries;
        {
            std::lock_guard lock(journal_mutex);
            entries.swap(journal);
        }
        try {
            publish_frame(std::move(entries), now_us());
        } catch (const std::exception& e) {
            add_event("error", std::string("monitor: ") + e.what());
        }
        auto now = std::chrono::steady_clock::now();
        if (next < now) next = now;  // fell behind: do not try to catch up in a burst
        std::this_thread::sleep_until(next);
    }
}

void Demo::Impl::publish_frame(std::vector<proxy::JournalEntry> entries, std::int64_t frame_us) {
    const int n = options.nodes;
    // Statuses first, outside the lock (each is a round trip to a server).
    std::vector<std::string> process(static_cast<std::size_t>(n));
    std::vector<std::optional<kv::StatusReply>> fresh(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        auto state = cluster->supervisor().state(node_name(i));
        process[static_cast<std::size_t>(i)] = process_name(state);
        if (state == proc::NodeState::running) fresh[static_cast<std::size_t>(i)] = cluster->status(i, milliseconds(150));
    }
    for (const auto& death : cluster->supervisor().take_deaths()) add_event("error", death.describe());
    auto links = cluster->proxy().links();

    // Messages: timers, then what the page animates.
    std::vector<Drawn> drawn;
    json::object counts;
    std::vector<std::int64_t> resets(static_cast<std::size_t>(n), 0);
    for (const auto& e : entries) {
        int to = node_index(e.to), from = node_index(e.from);
        bool arrived = e.fate != "dropped" && e.fate != "cut";
        if (arrived && e.type == "append_entries" && to >= 0 && to < n) resets[static_cast<std::size_t>(to)] = e.time_us;
        // A server also restarts its timer when it grants a vote or starts an election.
        if (e.type == "request_vote_reply" && from >= 0 && from < n && has(e.payload, "\"vote_granted\":true"))
            resets[static_cast<std::size_t>(from)] = e.time_us;
        if (e.type == "request_vote" && from >= 0 && from < n) resets[static_cast<std::size_t>(from)] = e.time_us;
        drawn.push_back(draw(e, frame_us));
        auto& c = counts[drawn.back().msg["k"].as_string()];
        c = (c.is_int64() ? c.as_int64() : 0) + 1;
    }
    if (drawn.size() > kMaxDrawn) {
        std::stable_sort(drawn.begin(), drawn.end(), [](const Drawn& a, const Drawn& b) { return a.priority < b.priority; });
        // Keep the important ones, then every k-th of the rest, so the picture stays fair.
        std::vector<Drawn> kept;
        std::size_t first = 0;
        while (first < drawn.size() && drawn[first].priority == 0 && kept.size() < kMaxDrawn) kept.push_back(drawn[first++]);
        std::size_t rest = drawn.size() - first, room = kMaxDrawn - kept.size();
        for (std::size_t i = 0; room > 0 && i < room; ++i) kept.push_back(drawn[first + i * rest / room]);
        drawn.swap(kept);
    }
    json::array msgs;
    for (auto& d : drawn) msgs.push_back(std::move(d.msg));

    // Which directions are cut: i -> j is blocked on link "ni->nj" forward or on "nj->ni" backward.
    json::array blocked, client_blocked(static_cast<std::size_t>(n), false);
    std::vector<std::vector<bool>> cut(static_cast<std::size_t>(n), std::vector<bool>(static_cast<std::size_t>(n), false));
    for (const auto& l : links) {
        int from = node_index(l.spec.from), to = node_index(l.spec.to);
        if (to < 0 || to >= n) continue;
        if (from < 0) {
            client_blocked[static_cast<std::size_t>(to)] = l.cut_forward || l.cut_backward || l.down;
            continue;
        }
        if (from >= n) continue;
        if (l.cut_forward || l.down) cut[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)] = true;
        if (l.cut_backward || l.down) cut[static_cast<std::size_t>(to)][static_cast<std::size_t>(from)] = true;
    }
    for (const auto& row : cut) {
        json::array r;
        for (bool b : row) r.push_back(b);
        blocked.push_back(std::move(r));
    }

    json::object frame;
    static std::uint64_t seq = 0;
    frame["type"] = "state";
    frame["seq"] = ++seq;
    frame["now_ms"] = frame_us / 1000;
    frame["msgs"] = std::move(msgs);
    frame["counts"] = std::move(counts);
    frame["blocked"] = std::move(blocked);
    frame["client_blocked"] = std::move(client_blocked);
    frame["load"] = json::object{{"ops", load_ops.load()}, {"done", load_done.load()}, {"failed", load_failed.load()}};

    std::lock_guard lock(view_mutex);
    json::array node_list;
    for (int i = 0; i < n; ++i) {
        NodeView& v = nodes[static_cast<std::size_t>(i)];
        auto& f = fresh[static_cast<std::size_t>(i)];
        const std::string& p = process[static_cast<std::size_t>(i)];
        if (resets[static_cast<std::size_t>(i)] > 0) v.timer_reset_us = resets[static_cast<std::size_t>(i)];
        // Role changes into the event log: a new leader, and a leader stepping down.
        if (f && (!v.status || v.status->role != f->role || (f->role == Role::leader && v.status->term != f->term))) {
            std::string text;
            if (f->role == Role::leader) {
                text = node_name(i) + " became leader in term " + std::to_string(f->term);
                v.leader_since_us = frame_us;
            }
            else if (v.status && v.status->role == Role::leader)
                text = node_name(i) + " stepped down to " + std::string(role_name(f->role)) + " in term " +
                       std::to_string(f->term);
            if (!text.empty()) {
                json::object e{{"time_ms", frame_us / 1000}, {"kind", "role"}, {"text", text}};
                new_events.push_back(e);
                all_events.push_back(std::move(e));
            }
        }
        // A server that is down keeps its last known status: the page shows its log as
        // it was (dimmed), which is what it restarts with.
        if (p != "paused" && p != "running") v.timer_reset_us = 0;
        if (f) v.status = f;
        bool stale = !f;
        v.process = p;
        json::object o{{"id", i}, {"process", p}, {"stale", stale}};
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
        node_list.push_back(std::move(o));
    }
    while (all_events.size() > kMaxEvents) all_events.erase(all_events.begin());
    frame["nodes"] = std::move(node_list);
    json::object fo;
    for (const auto& [node, f] : faults)
        fo[node < 0 ? "all" : std::to_string(node)] = json::object{{"drop", f.drop}, {"latency_ms", f.latency_ms}};
    frame["faults"] = std::move(fo);
    frame["busy"] = busy;
    frame["slow"] = slow;
    frame["timing"] = json::object{{"heartbeat_ms", heartbeat_ms}, {"election_min_ms", election_min_ms},
                                   {"election_max_ms", election_max_ms}};
    if (scenario) {
        const Scenario* s = nullptr;
        for (const Scenario& c : scenarios()) if (c.name == scenario->name) s = &c;
        json::object so{{"name", scenario->name}, {"step", scenario->next_step}};
        if (s) {
            so["title"] = s->title;
            so["steps"] = s->steps.size();
            so["next"] = scenario->next_step < s->steps.size() ? json::value(json::string(s->steps[scenario->next_step].button))
                                                                : json::value(nullptr);
        }
        frame["scenario"] = std::move(so);
    } else {
        frame["scenario"] = nullptr;
    }
    frame["narration"] = narration;
    frame["events"] = std::move(new_events);
    new_events = json::array();
    frame["client"] = std::move(client_results);
    client_results = json::array();
    latest_frame = json::serialize(frame);
    if (sink) sink(latest_frame);
}

}  // namespace raftlab::web
