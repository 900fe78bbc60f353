// sample_page.cpp: writes the HTML timeline of a failing run to the path given, for
// the browser test (browser/timeline_browser_test.mjs) to load, and beside it
// PAGE.expected.json: every server's state, read from the servers themselves (their
// inspection API, not the timeline), after each step of the first 400 events, after
// the restart of server 4, and at the end. The browser test steps through the page to
// those events and compares what its state panel shows.
#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <map>

#include "raftlab/timeline/html.h"
#include "sample_run.h"

namespace {

using raftlab::NodeId;
using raftlab::sim::Simulation;

/// Every server's state as the page's panel shows it, read from the servers.
boost::json::array servers_now(const Simulation& sim) {
    boost::json::array out;
    for (NodeId n = 0; n < sim.size(); ++n) {
        boost::json::object s;
        s["up"] = sim.up(n);
        if (sim.up(n)) {
            const raftlab::RaftNode& server = sim.server(n);
            s["role"] = raftlab::role_name(server.role());
            s["term"] = server.current_term();
            s["commit"] = server.commit_index();
            s["log"] = server.last_log_index();
        }
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: raftlab-timeline-sample OUTPUT.html\n";
        return 2;
    }
    try {
        const Simulation* current = nullptr;
        std::size_t seen = 0;  // events when last observed
        std::map<std::size_t, boost::json::array> steps;  // by event index
        std::size_t restart = 0;
        auto observe = [&](const Simulation& sim) {
            // A new seed (a new Simulation, perhaps at the address of the last one):
            // what was seen of the last one is void.
            if (&sim != current || sim.timeline().events().size() < seen) {
                current = &sim;
                steps.clear();
                restart = 0;
            }
            const auto& events = sim.timeline().events();
            seen = events.size();
            if (events.empty()) return;
            const std::size_t at = events.size() - 1;
            if (at < 400) steps[at] = servers_now(sim);
            if (events.back().kind == raftlab::sim::EventKind::restart) {
                restart = at;
                steps[at] = servers_now(sim);
            }
        };
        auto sim = raftlab::timeline_test::first_failing_run(observe);
        const std::size_t last = sim->timeline().events().size() - 1;
        steps[last] = servers_now(*sim);
        raftlab::timeline::write_html(sim->timeline(),
                                      {"raftlab \xC2\xB7 timeline self-test \xC2\xB7 hasty voters", sim->failure()},
                                      argv[1]);
        boost::json::object expected;
        boost::json::array points;
        for (auto& [event, servers] : steps) points.push_back(boost::json::object{{"event", event}, {"servers", servers}});
        expected["points"] = std::move(points);
        expected["restart_event"] = restart;
        expected["last_event"] = last;
        const std::string expected_path = std::string(argv[1]) + ".expected.json";
        std::ofstream out(expected_path, std::ios::binary | std::ios::trunc);
        out << boost::json::serialize(expected) << "\n";
        if (!out.flush()) throw std::runtime_error("cannot write " + expected_path);
        std::cout << "wrote " << argv[1] << " (" << sim->timeline().events().size() << " events, "
                  << sim->timeline().state_changes().size() << " state changes; " << sim->failure()
                  << ") and " << expected_path << "\n";
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
