// kv_server_process.h: the student's kv_server as the lab 1 checks start it, and the
// request/expected-reply helper (shared by kv_checks.cpp and hidden/).
#pragma once

#include <sys/socket.h>

#include <string>

#include "raftlab/check/check.h"

#include "test_net.h"

namespace raftlab::lab01 {

/// The student's server, started on a free port.
struct Server {
    int port = free_port(SOCK_STREAM);
    ChildProcess process{"kv_server", ::raftlab::check::built_file(LAB01_KV_SERVER), {"--port", std::to_string(port)}};
};

inline void expect_reply(Connection& c, const std::string& request, const std::string& want) {
    std::string got = c.request(request);
    if (got != want)
        throw Problem("the request " + preview(request) + " should get the reply " + preview(want) +
                      ", but got " + preview(got) + ".");
}

}  // namespace raftlab::lab01
