// Nemesis schedules: deterministic from a seed, always healed at the end, and
// played against a real proxy and supervisor.
#include "raftlab/nemesis/nemesis.h"
#include "raftlab/proc/supervisor.h"
#include "raftlab/proxy/fault_proxy.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace raftlab::nemesis;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNodes = {"n1", "n2", "n3", "n4", "n5"};

NemesisOptions options(std::uint64_t seed, std::chrono::milliseconds duration = 6000ms) {
    NemesisOptions o;
    o.nodes = kNodes;
    o.duration = duration;
    o.seed = seed;
    return o;
}

/// Fake targets that keep the cluster's state, to check what a schedule leaves behind.
struct World {
    std::set<std::pair<std::string, std::string>> cuts;
    std::set<std::string> down, paused, faulty;
    std::vector<std::string> calls;

    Targets targets() {
        Targets t;
        t.partition = [this](const auto& groups) {
            calls.push_back("partition");
            for (std::size_t a = 0; a < groups.size(); ++a)
                for (std::size_t b = 0; b < groups.size(); ++b)
                    if (a != b)
                        for (const auto& x : groups[a])
                            for (const auto& y : groups[b]) cuts.insert({x, y});
        };
        t.cut_one_way = [this](const std::string& a, const std::string& b) { cuts.insert({a, b}), calls.push_back("cut"); };
        t.heal = [this] { cuts.clear(), calls.push_back("heal"); };
        t.kill = [this](const std::string& n) { down.insert(n), calls.push_back("kill " + n); };
        t.restart = [this](const std::string& n) { down.erase(n), calls.push_back("restart " + n); };
        t.pause = [this](const std::string& n) { paused.insert(n), calls.push_back("pause " + n); };
        t.resume = [this](const std::string& n) { paused.erase(n), calls.push_back("resume " + n); };
        t.link_faults = [this](const std::string& n, const auto&) { faulty.insert(n), calls.push_back("faults " + n); };
        t.clear_faults = [this] { faulty.clear(), calls.push_back("clear"); };
        t.leader = [] { return std::string("n3"); };
        return t;
    }
    bool healthy() const { return cuts.empty() && down.empty() && paused.empty() && faulty.empty(); }
};

}  // namespace

TEST(Nemesis, makeSchedule_sameSeedSameSchedule) {
    for (FaultKind k : {FaultKind::partition_halves, FaultKind::kill_restart, FaultKind::random_mix}) {
        EXPECT_EQ(make_schedule(k, options(5)).describe(), make_schedule(k, options(5)).describe());
    }
    EXPECT_NE(make_schedule(FaultKind::random_mix, options(5)).describe(),
              make_schedule(FaultKind::random_mix, options(6)).describe());
}

TEST(Nemesis, everyKind_faultsThenHealsAtItsEnd) {
    for (const char* name : {"partition_halves", "isolate_leader", "majorities_ring", "bridge", "one_way_cut", "kill_restart",
                             "pause_resume", "lossy_links", "duplicating_links", "slow_links", "random_mix"}) {
        Schedule s = make_schedule(fault_kind_from_string(name), options(11, 5000ms));
        ASSERT_GE(s.steps.size(), 3u) << name;
        EXPECT_EQ(s.steps.back().action.kind, Action::Kind::heal_all) << name;
        // Replay without waiting: shift every step to time 0.
        for (auto& step : s.steps) step.at = 0ms;
        World w;
        bool ever_faulty = false;
        auto targets = w.targets();
        run_schedule(s, targets, kNodes, nullptr, [&](const Step&) { ever_faulty = ever_faulty || !w.healthy(); });
        EXPECT_TRUE(ever_faulty) << name << " never did anything:\n" << s.describe();
        EXPECT_TRUE(w.healthy()) << name << " left damage:\n" << s.describe();
    }
}

TEST(Nemesis, shapes_matchTheirDefinitions) {
    auto first_fault = [](FaultKind k) {
        World w;
        Schedule s = make_schedule(k, options(3));
        Schedule one{s.name, s.seed, {s.steps.front()}};
        one.steps.front().at = 0ms;
        auto t = w.targets();
        t.heal = [] {};  // keep the cut for inspection
        t.clear_faults = [] {};
        t.restart = [](const std::string&) {};
        run_schedule(one, t, kNodes);
        return w;
    };
    World halves = first_fault(FaultKind::partition_halves);
    EXPECT_EQ(halves.cuts.size(), 2u * 2 * 3) << "2 | 3 nodes, both directions";
    World leader = first_fault(FaultKind::isolate_leader);
    EXPECT_EQ(leader.cuts.size(), 2u * 4);
    for (const auto& [a, b] : leader.cuts) EXPECT_TRUE(a == "n3" || b == "n3");
    World ring = first_fault(FaultKind::majorities_ring);
    std::map<std::string, int> sees;
    for (const auto& n : kNodes) sees[n] = 5;
    for (const auto& [a, b] : ring.cuts) sees[a]--;
    for (const auto& [n, count] : sees) EXPECT_EQ(count, 3) << n << " must see exactly a majority";
    World bridge = first_fault(FaultKind::bridge);
    std::map<std::string, int> cut_of;
    for (const auto& [a, b] : bridge.cuts) cut_of[a]++;
    EXPECT_EQ(cut_of.size(), 4u) << "exactly one node (the bridge) keeps every link";
    World one_way = first_fault(FaultKind::one_way_cut);
    for (const auto& [a, b] : one_way.cuts) EXPECT_FALSE(one_way.cuts.count({b, a})) << "one way only";
    World kill = first_fault(FaultKind::kill_restart);
    EXPECT_EQ(kill.down.size(), 1u);
}

TEST(Nemesis, stop_healsEarly) {
    World w;
    std::atomic<bool> stop{false};
    Schedule s = make_schedule(FaultKind::kill_restart, options(1, 60000ms));
    std::thread stopper([&] {
        std::this_thread::sleep_for(1500ms);
        stop = true;
    });
    auto start = std::chrono::steady_clock::now();
    run_schedule(s, w.targets(), kNodes, &stop);
    stopper.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    EXPECT_TRUE(w.healthy());
}

TEST(Nemesis, realCluster_endsHealed) {
    char tmpl[] = "/tmp/raftlab-nemesis-XXXXXX";
    fs::path dir = ::mkdtemp(tmpl);
    struct Cleanup {
        fs::path d;
        ~Cleanup() { fs::remove_all(d); }
    } cleanup{dir};
    raftlab::proc::ClusterConfig c;
    c.log_dir = dir / "logs";
    for (int i = 1; i <= 3; ++i) {
        raftlab::proc::NodeSpec n;
        n.id = "n" + std::to_string(i);
        n.ports["client"] = raftlab::proc::pick_free_port();
        n.ready_port = "client";
        n.data_dir = dir / n.id;
        n.binary = RAFTLAB_ECHO_SERVER;
        n.args = {"--port", "{port:client}", "--max-seconds", "60"};
        c.nodes.push_back(n);
    }
    raftlab::proc::Supervisor supervisor(c);
    supervisor.start_all();
    raftlab::proxy::FaultProxy proxy;
    for (const auto& a : c.nodes)
        for (const auto& b : c.nodes)
            if (a.id != b.id) proxy.add_link({.from = a.id, .to = b.id, .target_port = b.ports.at("client"), .framed = true});
    NemesisOptions o;
    o.nodes = {"n1", "n2", "n3"};
    o.duration = 2500ms;
    o.fault_length = 400ms;
    o.quiet = 200ms;
    o.seed = 8;
    Schedule s = make_schedule(FaultKind::random_mix, o);
    int actions = 0;
    run_schedule(s, real_targets(&proxy, &supervisor), o.nodes, nullptr, [&](const Step&) { ++actions; });
    EXPECT_GE(actions, 3) << s.describe();
    for (const auto& link : proxy.links()) {
        EXPECT_FALSE(link.cut_forward || link.cut_backward) << link.spec.name;
        EXPECT_FALSE(link.forward.any() || link.backward.any()) << link.spec.name;
    }
    for (const auto& n : c.nodes) EXPECT_EQ(supervisor.state(n.id), raftlab::proc::NodeState::running) << n.id;
    EXPECT_TRUE(supervisor.take_deaths().empty());
}
