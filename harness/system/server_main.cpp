// server_main.cpp: main() of the lab 10 server process. Framework-owned: it parses the
// command line (raftlab/kv/system.h) and hands over to the student's run_system().
#include <cstdio>
#include <exception>

#include "raftlab/kv/system.h"

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    raftlab::kv::SystemOptions options;
    try {
        options = raftlab::kv::parse_system_options(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lab10-server: %s\n", e.what());
        return 2;
    }
    try {
        return raftlab::kv::run_system(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lab10-server n%d: stopped: %s\n", options.raft.id, e.what());
        return 1;
    }
}
