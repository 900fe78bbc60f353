// daemon_control.h: how the cluster commands talk to the cluster daemon.
//
// The daemon listens on 127.0.0.1 (port in state.json). One connection carries one
// request line and one reply line, both JSON objects:
//
//   {"op":"nodes"}                       -> {"ok":true,"nodes":[{"name":"n0","state":"running","pid":4242},...]}
//   {"op":"kill","node":"n1"}            -> {"ok":true,"message":"n1 killed (was pid 4243)"}
//   ops kill, start, restart, pause, resume take a node; failures answer
//   {"ok":false,"error":"one sentence"}.
//
// Plain lines rather than HTTP: only these tools speak it, and a line protocol needs
// no parser beyond JSON.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <stdexcept>

namespace raftlab::tools {

/// The daemon did not answer (not listening, or no reply in time).
class DaemonUnreachable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Sends one request and returns the reply object. Throws DaemonUnreachable.
boost::json::object call_daemon(int port, const boost::json::object& request,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// A listening socket on 127.0.0.1:0 for the daemon; returns the fd and sets `port`.
int listen_control(int& port);

/// Reads one request line from an accepted connection (bounded by 2 s), passes it to
/// `handle`, writes the reply line and closes the connection.
void serve_one(int fd, const std::function<boost::json::object(const boost::json::object&)>& handle);

}  // namespace raftlab::tools
