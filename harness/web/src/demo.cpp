// demo.cpp: the Demo's lifetime, its view of the cluster and the frames it publishes
// (contract in demo.h). Frames are built in frame.cpp, controls in controls.cpp and
// scenarios in scenarios.cpp.
#include "demo_impl.h"

#include <algorithm>
#include <utility>

namespace raftlab::web {

using std::chrono::milliseconds;

std::string node_name(int id) { return kv::LocalCluster::name(id); }

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
}

Demo::Demo(DemoOptions options) : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    if (options.nodes < 1 || options.nodes > 9) throw BadAction("the demo runs 1 to 9 servers");
    m.options = std::move(options);
    kv::ClusterOptions c;
    c.server_binary = m.options.server_binary;
    c.nodes = m.options.nodes;
    c.keep_files = m.options.keep_files;
    c.work_dir = m.options.work_dir;
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

int Demo::serve_proxy_control(int port) { return impl_->cluster->proxy().serve_control(port); }

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

}  // namespace raftlab::web
