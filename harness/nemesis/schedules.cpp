// Fault schedules from a seed (see raftlab/nemesis/nemesis.h).
#include "raftlab/nemesis/nemesis.h"

#include <boost/json.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace raftlab::nemesis {
namespace {

using std::chrono::milliseconds;
using Kind = Action::Kind;

constexpr FaultKind kSingleKinds[] = {FaultKind::partition_halves, FaultKind::isolate_leader, FaultKind::majorities_ring,
                                      FaultKind::bridge, FaultKind::one_way_cut, FaultKind::kill_restart,
                                      FaultKind::pause_resume, FaultKind::lossy_links, FaultKind::duplicating_links,
                                      FaultKind::slow_links};

std::vector<std::string> shuffled(std::vector<std::string> v, std::mt19937_64& rng) {
    std::shuffle(v.begin(), v.end(), rng);
    return v;
}

std::string pick(const std::vector<std::string>& v, std::mt19937_64& rng) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

Action cut_all_but(const std::vector<std::string>& nodes, const std::function<bool(std::size_t, std::size_t)>& connected) {
    Action a{Kind::cut_pairs};
    for (std::size_t i = 0; i < nodes.size(); ++i)
        for (std::size_t j = 0; j < nodes.size(); ++j)
            if (i != j && !connected(i, j)) a.pairs.push_back({nodes[i], nodes[j]});
    return a;
}

/// The fault and the action that undoes it.
std::pair<Action, Action> one_fault(FaultKind kind, const std::vector<std::string>& all, std::mt19937_64& rng) {
    auto nodes = shuffled(all, rng);
    std::size_t n = nodes.size();
    switch (kind) {
        case FaultKind::partition_halves: {
            std::size_t minority = std::max<std::size_t>(1, (n - 1) / 2);
            Action a{Kind::partition};
            a.groups = {{nodes.begin(), nodes.begin() + minority}, {nodes.begin() + minority, nodes.end()}};
            return {a, Action{Kind::heal}};
        }
        case FaultKind::isolate_leader: {
            Action a{Kind::partition};
            a.leader = true;  // groups are filled in at run time
            return {a, Action{Kind::heal}};
        }
        case FaultKind::majorities_ring: {
            // Node i sees the `n/2` nodes after it and before it on a ring: a majority each.
            std::size_t reach = n / 2;
            return {cut_all_but(nodes, [&](std::size_t i, std::size_t j) {
                        std::size_t d = (j + n - i) % n;
                        return std::min(d, n - d) <= reach / 2 + (reach % 2);
                    }),
                    Action{Kind::heal}};
        }
        case FaultKind::bridge: {
            // nodes[0] is the bridge; the others split into two sides that only it connects.
            std::size_t half = 1 + (n - 1) / 2;
            return {cut_all_but(nodes, [&](std::size_t i, std::size_t j) {
                        return i == 0 || j == 0 || (i < half) == (j < half);
                    }),
                    Action{Kind::heal}};
        }
        case FaultKind::one_way_cut: {
            Action a{Kind::cut_pairs};
            std::size_t senders = std::max<std::size_t>(1, n / 2);
            for (std::size_t i = 0; i < senders; ++i)
                for (std::size_t j = senders; j < n; ++j) a.pairs.push_back({nodes[i], nodes[j]});
            return {a, Action{Kind::heal}};
        }
        case FaultKind::kill_restart:
        case FaultKind::pause_resume: {
            bool kill = kind == FaultKind::kill_restart;
            Action a{kill ? Kind::kill : Kind::pause};
            a.leader = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
            a.node = nodes[0];
            Action undo{kill ? Kind::restart : Kind::resume};
            undo.node = a.node;
            undo.leader = a.leader;  // the runner remembers which node it hit
            return {a, undo};
        }
        default: {
            Action a{Kind::link_faults};
            a.node = nodes[0];
            if (kind == FaultKind::lossy_links) a.faults.frames.drop = 0.2 + 0.3 * std::uniform_real_distribution<double>(0, 1)(rng);
            if (kind == FaultKind::duplicating_links) a.faults.frames.duplicate = 0.3;
            if (kind == FaultKind::slow_links) {
                a.faults.bytes.latency = milliseconds(20 + std::uniform_int_distribution<int>(0, 80)(rng));
                a.faults.bytes.jitter = a.faults.bytes.latency / 2;
            }
            return {a, Action{Kind::clear_faults}};
        }
    }
}

}  // namespace

std::string_view to_string(FaultKind kind) {
    switch (kind) {
        case FaultKind::partition_halves: return "partition_halves";
        case FaultKind::isolate_leader: return "isolate_leader";
        case FaultKind::majorities_ring: return "majorities_ring";
        case FaultKind::bridge: return "bridge";
        case FaultKind::one_way_cut: return "one_way_cut";
        case FaultKind::kill_restart: return "kill_restart";
        case FaultKind::pause_resume: return "pause_resume";
        case FaultKind::lossy_links: return "lossy_links";
        case FaultKind::duplicating_links: return "duplicating_links";
        case FaultKind::slow_links: return "slow_links";
        case FaultKind::random_mix: return "random_mix";
    }
    return "?";
}

FaultKind fault_kind_from_string(std::string_view name) {
    std::string known;
    for (FaultKind k : kSingleKinds) {
        if (to_string(k) == name) return k;
        known += std::string(to_string(k)) + ", ";
    }
    if (name == "random_mix") return FaultKind::random_mix;
    throw std::invalid_argument("unknown nemesis '" + std::string(name) + "'; use one of " + known + "random_mix");
}

Schedule make_schedule(FaultKind kind, const NemesisOptions& o) {
    if (o.nodes.empty()) throw std::invalid_argument("nemesis needs at least one node");
    if (o.nodes.size() < 3 && (kind == FaultKind::majorities_ring || kind == FaultKind::bridge))
        throw std::invalid_argument(std::string(to_string(kind)) + " needs at least 3 nodes, got " + std::to_string(o.nodes.size()));
    std::mt19937_64 rng(o.seed);
    Schedule s{std::string(to_string(kind)), o.seed, {}};
    milliseconds t = o.quiet;
    while (t + o.fault_length + o.quiet <= o.duration) {
        FaultKind k = kind;
        if (kind == FaultKind::random_mix) {
            k = kSingleKinds[std::uniform_int_distribution<std::size_t>(0, std::size(kSingleKinds) - 1)(rng)];
            if (o.nodes.size() < 3 && (k == FaultKind::majorities_ring || k == FaultKind::bridge)) k = FaultKind::partition_halves;
        }
        auto length = kind == FaultKind::random_mix
                          ? milliseconds(std::uniform_int_distribution<std::int64_t>(o.fault_length.count() / 2, o.fault_length.count())(rng))
                          : o.fault_length;
        auto [fault, undo] = one_fault(k, o.nodes, rng);
        s.steps.push_back({t, fault});
        // In a mix, sometimes lay a link fault over the first fault: combinations.
        if (kind == FaultKind::random_mix && k != FaultKind::lossy_links && std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
            auto [extra, extra_undo] = one_fault(FaultKind::lossy_links, o.nodes, rng);
            s.steps.push_back({t + length / 3, extra});
            s.steps.push_back({t + length, extra_undo});
        }
        s.steps.push_back({t + length, undo});
        t += length + o.quiet;
    }
    std::stable_sort(s.steps.begin(), s.steps.end(), [](const Step& a, const Step& b) { return a.at < b.at; });
    s.steps.push_back({std::max(t, o.duration - o.quiet / 2), Action{Kind::heal_all}});
    return s;
}

std::string Action::describe() const {
    std::ostringstream out;
    auto who = [&] { return leader ? std::string("the leader") : node; };
    switch (kind) {
        case Kind::partition:
            out << "partition";
            if (leader) out << " the leader from the rest";
            for (const auto& g : groups) {
                out << " [";
                for (std::size_t i = 0; i < g.size(); ++i) out << (i ? " " : "") << g[i];
                out << "]";
            }
            break;
        case Kind::cut_pairs:
            out << "cut";
            for (const auto& [a, b] : pairs) out << " " << a << "->" << b;
            break;
        case Kind::heal: out << "heal partitions"; break;
        case Kind::kill: out << "kill -9 " << who(); break;
        case Kind::restart: out << "restart the killed node"; break;
        case Kind::pause: out << "pause " << who(); break;
        case Kind::resume: out << "resume the paused node"; break;
        case Kind::link_faults: out << "links of " << node << ": " << boost::json::serialize(proxy::to_json(faults)); break;
        case Kind::clear_faults: out << "clear link faults"; break;
        case Kind::heal_all: out << "heal everything"; break;
    }
    return out.str();
}

std::string Schedule::describe() const {
    std::ostringstream out;
    out << "nemesis " << name << " (seed " << seed << ")\n";
    for (const auto& step : steps) out << "  " << step.at.count() << " ms  " << step.action.describe() << "\n";
    return out.str();
}

}  // namespace raftlab::nemesis
