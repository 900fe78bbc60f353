// kv_proxy_checks.cpp: lab 1 part (b) behind the framework's fault proxy.
//
// The proxy (raftlab/proxy/fault_proxy.h) sits between the check's client and the
// student's server and cuts both directions of the byte stream into small slices
// with pauses between them, the way a slow or congested network delivers data.
// Requests and replies must still come out whole and in order.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "raftlab/check/check.h"
#include "raftlab/proxy/fault_proxy.h"
#include "test_net.h"

namespace raftlab::lab01 {
namespace {

TEST(KvServer, throughSlicingProxy) {
    run_check([] {
        int port = free_port(SOCK_STREAM);
        ChildProcess server("kv_server", ::raftlab::check::built_file(LAB01_KV_SERVER), {"--port", std::to_string(port)});
        { Connection ready(port, server); }  // the server is up before the proxy forwards to it
        proxy::FaultProxy faults(1);
        proxy::LinkSpec spec;
        spec.name = "client->kv";
        spec.from = "client";
        spec.to = "kv";
        spec.target_port = port;
        int proxied = faults.add_link(spec);
        proxy::DirectionFaults slicing;
        slicing.bytes.slice_bytes = 3;
        slicing.bytes.slice_delay = std::chrono::microseconds(300);
        faults.set_faults(spec.name, slicing);

        Connection c(proxied, server);
        std::string value;
        for (int i = 0; i < 300; ++i) value += static_cast<char>('a' + i % 26);
        for (int round = 0; round < 4; ++round) {
            std::string key = "sliced" + std::to_string(round);
            std::string got = c.request("set " + key + " " + value + std::to_string(round));
            if (got != "ok")
                throw Problem("through a proxy that delivers 3 bytes at a time, a set request got " + preview(got) +
                              " instead of 'ok'.");
            got = c.request("get " + key);
            if (got != "value " + value + std::to_string(round))
                throw Problem("through a proxy that delivers 3 bytes at a time, a get request got " + preview(got) +
                              " instead of the value just set.");
        }
        server.require_running("after the sliced conversation");
    });
}

}  // namespace
}  // namespace raftlab::lab01
