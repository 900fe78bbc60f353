// A stand-in harness for the orphan tests: supervises a cluster, writes the pids of
// its children to a file, then waits to be killed (at most 60 s, so it never lingers).
// Usage: raftlab-test-supervisor-host CLUSTER.yaml PIDFILE
#include "raftlab/proc/supervisor.h"

#include <fstream>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: raftlab-test-supervisor-host CLUSTER.yaml PIDFILE\n";
        return 2;
    }
    using namespace raftlab::proc;
    try {
        Supervisor::install_signal_cleanup();
        Supervisor supervisor(load_cluster_config(argv[1]));
        supervisor.start_all();
        {
            std::ofstream out(std::string(argv[2]) + ".tmp");
            for (const auto& node : supervisor.config().nodes) out << supervisor.pid(node.id) << "\n";
        }
        std::filesystem::rename(std::string(argv[2]) + ".tmp", argv[2]);
        std::this_thread::sleep_for(std::chrono::seconds(60));
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
