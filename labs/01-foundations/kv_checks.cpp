// kv_checks.cpp: lab 1 part (b), the student's kv_server as a real process.
//
// Each check starts its own server on a free loopback port and kills it at the end
// (ChildProcess), then talks to it as clients do: sliced, pipelined, many at once,
// or idle. (Instructors grade one more check, hidden.)
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kv_server_process.h"
#include "test_net.h"

namespace raftlab::lab01 {
namespace {

TEST(KvServer, getSetDelete) {
    run_check([] {
        Server server;
        Connection c(server.port, server.process);
        expect_reply(c, "get colour", "missing");
        expect_reply(c, "set colour deep blue", "ok");
        expect_reply(c, "get colour", "value deep blue");
        expect_reply(c, "set colour ", "ok");
        expect_reply(c, "get colour", "value ");
        std::string binary("a\0b\nc d", 7);
        expect_reply(c, "set bytes " + binary, "ok");
        expect_reply(c, "get bytes", "value " + binary);
        expect_reply(c, "delete colour", "ok");
        expect_reply(c, "get colour", "missing");
        expect_reply(c, "delete colour", "missing");
        std::string bad = c.request("fly away");
        if (bad.rfind("error ", 0) != 0)
            throw Problem("an unknown command should get a reply starting with 'error ', but got " + preview(bad) + ".");
        expect_reply(c, "get bytes", "value " + binary);
    });
}

TEST(KvServer, slicedAndPipelinedRequests) {
    run_check([] {
        Server server;
        Connection c(server.port, server.process);
        std::string request = wire::encode_frame("set sliced one byte at a time");
        c.send_sliced(request, 1, 2ms);
        std::string got = c.read_frame("the reply to a request sent one byte at a time");
        if (got != "ok")
            throw Problem("a set request that arrived one byte at a time got the reply " + preview(got) +
                          " instead of 'ok'; the server must keep reading until the whole message is in.");
        std::string three = wire::encode_frame("get sliced") + wire::encode_frame("set other 2") +
                            wire::encode_frame("get other");
        c.send_raw(three);
        std::vector<std::string> want{"value one byte at a time", "ok", "value 2"};
        for (const auto& w : want) {
            got = c.read_frame("the replies to three requests sent in one write");
            if (got != w)
                throw Problem("three requests sent in one write must get three replies in order; expected " +
                              preview(w) + " but got " + preview(got) + ".");
        }
        c.send_sliced(wire::encode_frame("get other") + wire::encode_frame("delete other"), 5, 1ms);
        if (c.read_frame("a sliced reply") != "value 2" || c.read_frame("a sliced reply") != "ok")
            throw Problem("two requests sliced into 5-byte pieces did not get the replies 'value 2' and 'ok'.");
    });
}

/// One client's own conversation: set, get and delete its own keys.
std::string client_conversation(int port, ChildProcess& server, int id) {
    try {
        Connection c(port, server);
        for (int i = 0; i < 40; ++i) {
            std::string key = "k" + std::to_string(id) + "_" + std::to_string(i % 7);
            std::string value = std::to_string(id * 1000 + i);
            expect_reply(c, "set " + key + " " + value, "ok");
            expect_reply(c, "get " + key, "value " + value);
            if (i % 5 == 4) expect_reply(c, "delete " + key, "ok");
        }
        return "";
    } catch (const std::exception& e) {
        return "client " + std::to_string(id) + ": " + e.what();
    }
}

TEST(KvServer, manyClientsAtOnceWithHugeMessage) {
    run_check([] {
        Server server;
        Connection first(server.port, server.process);  // the server is up
        std::string huge = std::string(12u * 1024u * 1024u, 'h') + "end";
        std::mutex m;
        std::string problem;
        auto record = [&](const std::string& p) {
            std::lock_guard lock(m);
            if (problem.empty()) problem = p;
        };
        {
            std::vector<std::jthread> clients;
            for (int id = 0; id < 24; ++id)
                clients.emplace_back([&, id] { record(client_conversation(server.port, server.process, id)); });
            clients.emplace_back([&] {
                try {
                    Connection c(server.port, server.process);
                    expect_reply(c, "set huge " + huge, "ok");
                    if (c.request("get huge") != "value " + huge)
                        record("a 12 MiB value did not come back intact.");
                } catch (const std::exception& e) {
                    record(std::string("the client with the 12 MiB message: ") + e.what());
                }
            });
        }
        if (!problem.empty()) throw Problem(problem);
        server.process.require_running("after 25 clients at once");
    });
}

TEST(KvServer, idleClientDoesNotBlockOthers) {
    run_check([] {
        Server server;
        Connection idle(server.port, server.process);
        idle.send_raw(std::string("\0\0\0", 3));  // most of a header, then silence
        Connection other(server.port, server.process);
        try {
            other.send_frame("set busy no");
            std::string got = other.read_frame("a reply", 10s);
            if (got != "ok") throw Problem("got " + preview(got) + " instead of 'ok'");
        } catch (const Problem& p) {
            std::string why = p.what();
            if (!why.empty() && why.back() == '.') why.pop_back();
            throw Problem("while one client was connected but silent, a second client's request went unanswered (" +
                          why + "); serve each client independently, for example one thread each.");
        }
        std::string rest = wire::encode_frame("get busy").substr(3);
        idle.send_raw(rest);
        std::string got = idle.read_frame("the reply to the slow client");
        if (got != "value no")
            throw Problem("a client that paused in the middle of its header got " + preview(got) +
                          " instead of 'value no' once it finished the request.");
    });
}

}  // namespace
}  // namespace raftlab::lab01
