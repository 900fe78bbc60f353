// Playing a schedule against real targets (see raftlab/nemesis/nemesis.h).
#include "raftlab/nemesis/nemesis.h"

#include "raftlab/proc/supervisor.h"
#include "raftlab/proxy/fault_proxy.h"

#include <random>
#include <set>
#include <thread>

namespace raftlab::nemesis {
namespace {

using Kind = Action::Kind;

/// Calls f if it is set.
template <class F, class... Args>
void maybe(const F& f, Args&&... args) {
    if (f) f(std::forward<Args>(args)...);
}

/// What the runner changed, so it can undo all of it.
struct Damage {
    std::set<std::string> killed, paused;
    std::string last_killed, last_paused;
};

std::string resolve(const Action& a, const Targets& t, const std::vector<std::string>& nodes, std::mt19937_64& rng) {
    if (!a.leader) return a.node;
    std::string leader = t.leader ? t.leader() : "";
    if (!leader.empty()) return leader;
    return nodes.empty() ? a.node : nodes[std::uniform_int_distribution<std::size_t>(0, nodes.size() - 1)(rng)];
}

void heal_all(const Targets& t, Damage& d) {
    maybe(t.heal);
    maybe(t.clear_faults);
    for (const auto& n : d.paused) maybe(t.resume, n);
    for (const auto& n : d.killed) maybe(t.restart, n);
    d = {};
}

void apply(const Action& a, const Targets& t, const std::vector<std::string>& nodes, Damage& d, std::mt19937_64& rng) {
    switch (a.kind) {
        case Kind::partition:
            if (a.leader) {
                std::string leader = resolve(a, t, nodes, rng);
                std::vector<std::string> rest;
                for (const auto& n : nodes)
                    if (n != leader) rest.push_back(n);
                maybe(t.partition, std::vector<std::vector<std::string>>{{leader}, rest});
            } else {
                maybe(t.partition, a.groups);
            }
            break;
        case Kind::cut_pairs:
            for (const auto& [from, to] : a.pairs) maybe(t.cut_one_way, from, to);
            break;
        case Kind::heal: maybe(t.heal); break;
        case Kind::kill:
            d.last_killed = resolve(a, t, nodes, rng);
            d.killed.insert(d.last_killed);
            maybe(t.kill, d.last_killed);
            break;
        case Kind::restart:
            if (!d.last_killed.empty()) maybe(t.restart, d.last_killed), d.killed.erase(d.last_killed);
            break;
        case Kind::pause:
            d.last_paused = resolve(a, t, nodes, rng);
            d.paused.insert(d.last_paused);
            maybe(t.pause, d.last_paused);
            break;
        case Kind::resume:
            if (!d.last_paused.empty()) maybe(t.resume, d.last_paused), d.paused.erase(d.last_paused);
            break;
        case Kind::link_faults: maybe(t.link_faults, a.node, a.faults); break;
        case Kind::clear_faults: maybe(t.clear_faults); break;
        case Kind::heal_all: heal_all(t, d); break;
    }
}

}  // namespace

void run_schedule(const Schedule& schedule, const Targets& targets, const std::vector<std::string>& nodes,
                  const std::atomic<bool>* stop, const std::function<void(const Step&)>& log) {
    std::mt19937_64 rng(schedule.seed ^ 0x6e656d65ull);
    Damage damage;
    auto start = std::chrono::steady_clock::now();
    auto stopped = [&] { return stop != nullptr && stop->load(); };
    for (const Step& step : schedule.steps) {
        while (!stopped() && std::chrono::steady_clock::now() < start + step.at)
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                std::chrono::milliseconds(10), start + step.at - std::chrono::steady_clock::now()));
        if (stopped()) break;
        if (log) log(step);
        apply(step.action, targets, nodes, damage, rng);
    }
    heal_all(targets, damage);  // also after an early stop; harmless after the final step
}

Targets real_targets(proxy::FaultProxy* proxy, proc::Supervisor* supervisor, std::function<std::string()> leader) {
    Targets t;
    if (proxy != nullptr) {
        t.partition = [proxy](const auto& groups) { proxy->partition(groups); };
        t.cut_one_way = [proxy](const std::string& a, const std::string& b) { proxy->cut_one_way({a}, {b}); };
        t.heal = [proxy] { proxy->heal(); };
        t.clear_faults = [proxy] { proxy->clear_faults(); };
        t.link_faults = [proxy](const std::string& node, const proxy::DirectionFaults& f) {
            for (const auto& link : proxy->links())
                if (link.spec.from == node || link.spec.to == node) proxy->set_faults(link.spec.name, f);
        };
    }
    if (supervisor != nullptr) {
        t.kill = [supervisor](const std::string& n) { supervisor->kill(n); };
        t.restart = [supervisor](const std::string& n) { supervisor->restart(n); };
        t.pause = [supervisor](const std::string& n) { supervisor->pause(n); };
        t.resume = [supervisor](const std::string& n) { supervisor->resume(n); };
    }
    t.leader = std::move(leader);
    return t;
}

}  // namespace raftlab::nemesis
