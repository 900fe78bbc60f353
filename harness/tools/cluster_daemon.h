// cluster_daemon.h: the background process behind `./raftlab cluster up`.
//
// `cluster up` re-executes this program as `raftlab-cluster serve ...` in a new
// session (so closing the terminal does not stop it). The daemon owns one
// LocalCluster (servers behind the fault proxy, work directory kept), serves the
// proxy's HTTP control and its own control port (daemon_control.h), writes
// state.json, and tells `up` through a pipe that it is ready ("ok") or why it is not
// ("error: ..."). It runs until SIGTERM, SIGINT or SIGHUP (`cluster down`), then kills
// every server, removes state.json and exits 0. Servers never outlive it: the
// supervisor kills them on the way out, and the kernel does (parent-death signal)
// if the daemon itself is killed with -9.
#pragma once

#include <filesystem>
#include <string>

namespace raftlab::tools {

struct DaemonOptions {
    std::filesystem::path dir;          ///< cluster directory (state.json, data/, logs/)
    std::filesystem::path server;       ///< lab10-server
    std::string impl;                   ///< recorded in state.json
    int nodes = 3;
    int voters = 0;                     ///< lab 12: n0 .. n<voters-1> vote at first; 0: all
    int proxy_control_port = 7400;      ///< 0 = any free port; taken: falls back to any
    int notify_fd = -1;                 ///< write end of `up`'s pipe
};

/// Runs the daemon until a stop signal; returns the process exit status.
int run_daemon(const DaemonOptions& options);

}  // namespace raftlab::tools
