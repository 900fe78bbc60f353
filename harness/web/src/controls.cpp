// controls.cpp: what the page's buttons do (Demo::act), and the pieces the scenarios
// share: kill, partition, heal, link faults, slow motion, writes and the background load.
#include "demo_impl.h"

#include <algorithm>
#include <set>

namespace raftlab::web {

using std::chrono::milliseconds;

namespace {

std::string str_field(const json::object& o, const char* name) {
    auto* v = o.if_contains(name);
    if (v == nullptr || !v->is_string()) throw BadAction(std::string("\"") + name + "\" must be a string");
    return std::string(v->as_string());
}

double num_field(const json::object& o, const char* name, double fallback) {
    auto* v = o.if_contains(name);
    if (v == nullptr) return fallback;
    if (v->is_int64()) return static_cast<double>(v->as_int64());
    if (v->is_double()) return v->as_double();
    if (v->is_uint64()) return static_cast<double>(v->as_uint64());
    throw BadAction(std::string("\"") + name + "\" must be a number");
}

int node_field(const json::object& o, int nodes) {
    double d = num_field(o, "node", -1);
    int id = static_cast<int>(d);
    if (d != id || id < 0 || id >= nodes)
        throw BadAction("\"node\" must be a server number from 0 to " + std::to_string(nodes - 1));
    return id;
}

std::string names_of(const std::vector<int>& group) {
    std::string out;
    for (int i : group) out += (out.empty() ? "" : ", ") + node_name(i);
    return "{" + out + "}";
}

std::optional<kv::Op> op_named(const std::string& s) {
    if (s == "get") return kv::Op::get;
    if (s == "put") return kv::Op::put;
    if (s == "append") return kv::Op::append;
    if (s == "delete") return kv::Op::del;
    return std::nullopt;
}

}  // namespace

void Demo::Impl::set_busy(const std::string& what) {
    std::lock_guard lock(view_mutex);
    busy = what;
}

void Demo::Impl::kill(int node) {
    cluster->kill(node);
    add_event("process", "killed " + node_name(node) + " (kill -9)");
}

void Demo::Impl::partition(const std::vector<std::vector<int>>& groups) {
    std::vector<std::vector<std::string>> named;
    std::string text;
    for (const auto& g : groups) {
        std::vector<std::string> names;
        for (int i : g) names.push_back(node_name(i));
        named.push_back(std::move(names));
        text += (text.empty() ? "" : " | ") + names_of(g);
    }
    cluster->proxy().heal();
    cluster->proxy().partition(named);
    add_event("network", "partitioned " + text);
}

void Demo::Impl::heal() {
    cluster->proxy().heal();
    add_event("network", "healed the partition: every server reaches every other");
}

void Demo::Impl::set_link_faults(int node, double drop, int latency_ms) {
    proxy::DirectionFaults f;
    f.frames.drop = drop;
    f.bytes.latency = std::chrono::microseconds(static_cast<std::int64_t>(latency_ms) * 1000);
    for (const auto& l : cluster->proxy().links()) {
        if (l.spec.from == "client") continue;  // the page's client box keeps working
        if (node >= 0 && l.spec.from != node_name(node) && l.spec.to != node_name(node)) continue;
        cluster->proxy().set_faults(l.spec.name, f);
    }
    // The next frame reads the faults back from the proxy and logs them (frame.cpp).
}

void Demo::Impl::set_slow(bool on) {
    const int factor = on ? 10 : 1;
    cluster->set_timing(50 * factor, 300 * factor, 600 * factor);
    {
        std::lock_guard lock(view_mutex);
        slow = on;
        heartbeat_ms = 50 * factor;
        election_min_ms = 300 * factor;
        election_max_ms = 600 * factor;
    }
    add_event("process", on ? "slow motion: heartbeat 500 ms, election timeout 3-6 s; restarting servers one at a time"
                            : "normal speed: heartbeat 50 ms, election timeout 300-600 ms; restarting servers one at a time");
    rolling_restart("the new timing", milliseconds(on ? 600 : 200), milliseconds(on ? 30000 : 10000));
}

std::vector<std::string> Demo::Impl::server_flags() const {
    std::vector<std::string> flags;
    if (stability) flags.insert(flags.end(), {"--pre-vote", "on", "--check-quorum", "on"});
    if (snapshots) flags.insert(flags.end(), {"--snapshot-every", std::to_string(kDemoSnapshotEvery)});
    if (membership) {
        std::string ids;
        for (int i = 0; i < options.nodes; ++i) ids += (i ? "," : "") + std::to_string(i);
        flags.insert(flags.end(), {"--voters", ids});
    }
    return flags;
}

void Demo::Impl::set_membership(bool on) {
    membership = on;
    if (on) snapshots = false;  // a snapshot does not carry the configuration (lab 12's limit)
    cluster->set_server_flags(server_flags());
    add_event("process", on ? std::string("membership changes on (every server votes to begin with); restarting "
                                          "servers one at a time")
                            : std::string("membership changes off; restarting servers one at a time"));
    rolling_restart(on ? "membership changes" : "fixed membership", milliseconds(slow ? 600 : 200),
                    milliseconds(slow ? 30000 : 10000));
}

std::string Demo::Impl::change_membership(bool add, int node, milliseconds bound) {
    std::string why;
    auto reply = kv::change_membership(cluster->client_endpoints(), kv::MembershipRequest{add, node}, bound, &why);
    add_event("client", std::string(add ? "add " : "remove ") + node_name(node) + ": " +
                            (!reply ? "no answer (" + why + ")"
                             : reply->status == kv::ReplyStatus::ok ? "configuration entry " + reply->value.value_or("?") + " committed"
                                                                    : std::string(kv::to_string(reply->status)) + " " + reply->error));
    if (!reply) return "no leader answered (" + why + ")";
    if (reply->status != kv::ReplyStatus::ok)
        return std::string(kv::to_string(reply->status)) + (reply->error.empty() ? "" : ": " + reply->error);
    return "";
}

void Demo::Impl::set_snapshots(bool on) {
    snapshots = on;
    if (on) membership = false;
    cluster->set_server_flags(server_flags());
    add_event("process", on ? "snapshots on: every server snapshots every " + std::to_string(kDemoSnapshotEvery) +
                                  " entries applied; restarting servers one at a time"
                            : std::string("snapshots off; restarting servers one at a time"));
    rolling_restart(on ? "snapshots on" : "snapshots off", milliseconds(slow ? 600 : 200),
                    milliseconds(slow ? 30000 : 10000));
}

void Demo::Impl::set_stability(bool on) {
    stability = on;
    cluster->set_server_flags(server_flags());
    add_event("process", std::string(on ? "PreVote and CheckQuorum on" : "PreVote and CheckQuorum off (plain Raft)") +
                             "; restarting servers one at a time");
    rolling_restart(on ? "PreVote and CheckQuorum" : "plain Raft", milliseconds(slow ? 600 : 200),
                    milliseconds(slow ? 30000 : 10000));
}

void Demo::Impl::rolling_restart(const std::string& why, milliseconds pause, milliseconds bound) {
    int lead = leader();
    std::vector<int> order;
    for (int i = 0; i < options.nodes; ++i) if (i != lead) order.push_back(i);
    if (lead >= 0) order.push_back(lead);
    for (int i : order) {
        if (stopping) return;
        if (cluster->supervisor().state(node_name(i)) != proc::NodeState::running) continue;
        set_busy("restarting " + node_name(i) + " with " + why);
        cluster->restart(i);
        std::this_thread::sleep_for(pause);
    }
    set_busy("waiting for a leader");
    wait_for_leader(bound);
    add_event("process", "every running server now runs with " + why);
}

std::string Demo::Impl::scenario_write(int server, const std::string& key, const std::string& value,
                                       milliseconds timeout, bool* ok) {
    static std::atomic<int> writes{0};
    kv::ClientRequest r{.client = "presenter-" + std::to_string(++writes), .seq = 1, .op = kv::Op::put, .key = key, .value = value};
    std::string error;
    auto reply = scenario_client->send_once(server, r, timeout, &error);
    // A connection kept from before the server restarted is closed at the first use:
    // send once more on a new one. The same (client, seq), so it cannot apply twice.
    if (!reply && error.find("connection closed") != std::string::npos)
        reply = scenario_client->send_once(server, r, timeout, &error);
    std::string text = "put " + key + "=" + value + " sent to " + node_name(server) + ": ";
    bool good = reply && reply->status == kv::ReplyStatus::ok;
    if (ok) *ok = good;
    if (!reply) text += "no answer within " + std::to_string(timeout.count()) + " ms (" + error + ")";
    else if (good) text += "ok, committed";
    else if (reply->status == kv::ReplyStatus::not_leader) text += "not leader (it names " + (reply->leader >= 0 ? node_name(reply->leader) : std::string("no leader")) + ")";
    else text += "error: " + reply->error;
    add_event("client", text);
    return text;
}

void Demo::Impl::start_load(int ops) {
    stop_load();
    if (ops <= 0) return;
    load_ops = ops;
    // Enough clients that each waits for its answer yet all together keep the rate.
    const int clients = std::clamp(ops / 20, 1, 32);
    for (int c = 0; c < clients; ++c) {
        load_threads.emplace_back([this, c, clients, ops] {
            kv::Client client(cluster->client_endpoints(), "load-" + std::to_string(c),
                              {.attempt_timeout = milliseconds(500), .deadline = milliseconds(2000)});
            const auto period = std::chrono::microseconds(1000000LL * clients / ops);
            auto next = std::chrono::steady_clock::now() + period * c / clients;
            for (std::uint64_t i = 0; !stopping && load_ops.load() == ops; ++i) {
                std::this_thread::sleep_until(next);
                next += period;
                auto now = std::chrono::steady_clock::now();
                if (next < now - period * 4) next = now;  // far behind: skip rather than burst
                std::string key = "load" + std::to_string((c * 7 + i) % 16);
                auto r = i % 4 == 3 ? client.execute(kv::Op::get, key)
                                    : client.execute(kv::Op::put, key, std::to_string(i));
                (r.outcome == history::Outcome::ok ? load_done : load_failed)++;
            }
        });
    }
    add_event("client", "background load: " + std::to_string(ops) + " operations per second from " +
                            std::to_string(clients) + " clients");
}

void Demo::Impl::stop_load() {
    load_ops = 0;
    for (auto& t : load_threads) t.join();
    load_threads.clear();
}

namespace {

/// One control on the control worker, with "busy" shown on the page while it runs.
void control(Demo::Impl& m, std::string what, std::function<void()> job) {
    m.control.post([&m, what = std::move(what), job = std::move(job)] {
        m.set_busy(what);
        job();
        m.set_busy("");
    });
}

void act_on_process(Demo::Impl& m, const std::string& action, const json::object& request) {
    int id = node_field(request, m.options.nodes);
    control(m, action + " " + node_name(id), [&m, action, id] {
        if (action == "kill") return m.kill(id);
        if (action == "restart") m.cluster->restart(id);
        if (action == "start") m.cluster->start(id);
        if (action == "pause") m.cluster->pause(id);
        if (action == "resume") m.cluster->resume(id);
        static const std::map<std::string, std::string> said{
            {"restart", "restarted "}, {"start", "started "}, {"pause", "paused (SIGSTOP) "}, {"resume", "resumed "}};
        m.add_event("process", said.at(action) + node_name(id));
    });
}

std::vector<std::vector<int>> groups_field(const json::object& request, int n) {
    auto* g = request.if_contains("groups");
    if (g == nullptr || !g->is_array()) throw BadAction("\"groups\" must be a list of lists of server numbers");
    std::vector<std::vector<int>> groups;
    for (const auto& group : g->as_array()) {
        if (!group.is_array()) throw BadAction("each group must be a list of server numbers");
        groups.emplace_back();
        for (const auto& id : group.as_array()) {
            if (!id.is_int64() || id.as_int64() < 0 || id.as_int64() >= n)
                throw BadAction("server numbers go from 0 to " + std::to_string(n - 1));
            groups.back().push_back(static_cast<int>(id.as_int64()));
        }
    }
    return groups;
}

void act_on_network(Demo::Impl& m, const std::string& action, const json::object& request) {
    const int n = m.options.nodes;
    if (action == "partition") {
        auto groups = groups_field(request, n);
        return control(m, "partition", [&m, groups] { m.partition(groups); });
    }
    if (action == "isolate_leader")
        return control(m, "isolate the leader", [&m, n] {
            int l = m.leader();
            if (l < 0) return m.add_event("error", "no leader to isolate right now");
            std::vector<int> rest;
            for (int i = 0; i < n; ++i) if (i != l) rest.push_back(i);
            m.partition({{l}, rest});
        });
    if (action == "split_halves")
        return control(m, "split in halves", [&m, n] {
            std::vector<int> a, b;
            for (int i = 0; i < n; ++i) (i < (n + 1) / 2 ? a : b).push_back(i);
            m.partition({a, b});
        });
    if (action == "heal") return control(m, "heal", [&m] { m.heal(); });
    // faults
    int node = -1;
    if (auto* v = request.if_contains("node"); v && !(v->is_string() && v->as_string() == "all")) node = node_field(request, n);
    double drop = num_field(request, "drop", 0);
    double latency = num_field(request, "latency_ms", 0);
    if (drop < 0 || drop > 100) throw BadAction("drop is a percentage from 0 to 100");
    if (latency < 0 || latency > 5000) throw BadAction("latency is from 0 to 5000 ms");
    control(m, "link faults", [&m, node, drop, latency] { m.set_link_faults(node, drop / 100, static_cast<int>(latency)); });
}

/// The page's client box, on the client worker: one request, driven to an answer.
void act_client(Demo::Impl& m, const json::object& request) {
    auto op = op_named(str_field(request, "op"));
    if (!op) throw BadAction("\"op\" must be get, put, append or delete");
    std::string key = str_field(request, "key");
    if (key.empty()) throw BadAction("the key must not be empty");
    std::string value = request.contains("value") ? str_field(request, "value") : "";
    m.client_worker.post([&m, op = *op, key, value] {
        auto start = std::chrono::steady_clock::now();
        kv::Result r = m.page_client->execute(op, key, value);
        auto ms = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count();
        bool ok = r.outcome == history::Outcome::ok;
        std::string said = std::string(kv::to_string(op)) + " " + key + (op == kv::Op::get || op == kv::Op::del ? "" : "=" + value);
        std::string result = ok ? (op == kv::Op::get ? (r.value ? "\"" + *r.value + "\"" : std::string("(absent)")) : "ok")
                                : "no answer: " + r.error;
        json::object o{{"op", said}, {"ok", ok}, {"result", result}, {"served_by", r.served_by},
                       {"attempts", r.attempts}, {"ms", ms}};
        m.add_event("client", said + " -> " + result + (ok ? " (answered by " + node_name(r.served_by) + ")" : ""));
        std::lock_guard lock(m.view_mutex);
        m.client_results.push_back(std::move(o));
    });
}

/// The first click on a scenario shows its introduction; each later click runs its next
/// step (on the control worker, so steps never overlap). `s` null: end the scenario.
void act_scenario(Demo::Impl& m, const Scenario* s) {
    control(m, s ? "scenario: " + s->title : "scenario stopped", [&m, s] {
        std::optional<ScenarioRun> current;
        {
            std::lock_guard lock(m.view_mutex);
            current = m.scenario;
        }
        if (s == nullptr || !current || current->name != s->name || current->next_step >= s->steps.size()) {
            std::lock_guard lock(m.view_mutex);
            m.scenario = s ? std::optional<ScenarioRun>(ScenarioRun{s->name, 0, {}}) : std::nullopt;
            m.narration = s ? s->intro : "";
            return;
        }
        ScenarioRun run = *current;
        m.add_event("scenario", s->title + ", step " + std::to_string(run.next_step + 1) + ": " +
                                    s->steps[run.next_step].button);
        std::string said = s->steps[run.next_step].run(m, run);
        if (run.vars.erase("again") == 0) ++run.next_step;  // a step may ask to be clicked again
        std::lock_guard lock(m.view_mutex);
        m.scenario = run;
        m.narration = said;
    });
}

}  // namespace

json::object Demo::act(const json::object& request) {
    Impl& m = *impl_;
    const std::string action = str_field(request, "action");
    static const std::set<std::string> process{"kill", "restart", "pause", "resume", "start"};
    static const std::set<std::string> network{"partition", "isolate_leader", "split_halves", "heal", "faults"};
    if (process.contains(action)) {
        act_on_process(m, action, request);
    } else if (network.contains(action)) {
        act_on_network(m, action, request);
    } else if (action == "client") {
        act_client(m, request);
    } else if (action == "slow") {
        auto* v = request.if_contains("on");
        bool on = v && v->is_bool() && v->as_bool();
        control(m, on ? "slow motion" : "normal speed", [&m, on] { m.set_slow(on); });
    } else if (action == "load") {
        double ops = num_field(request, "ops", 0);
        if (ops < 0 || ops > 5000) throw BadAction("load is from 0 to 5000 operations per second");
        control(m, "load", [&m, ops] {
            m.start_load(static_cast<int>(ops));
            if (ops == 0) m.add_event("client", "background load stopped");
        });
    } else if (action == "scenario") {
        std::string name = str_field(request, "name");
        auto& all = scenarios();
        auto it = std::find_if(all.begin(), all.end(), [&](const Scenario& c) { return c.name == name; });
        if (it == all.end()) throw BadAction("no scenario named \"" + name + "\"");
        act_scenario(m, &*it);
    } else if (action == "scenario_stop") {
        act_scenario(m, nullptr);
    } else {
        throw BadAction("unknown action \"" + action + "\"");
    }
    return json::object{{"ok", true}};
}

}  // namespace raftlab::web
