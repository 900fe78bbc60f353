// kv_misbehaving_checks.cpp: lab 1's hidden kv_server check: clients that hang up
// in the middle of a message, send a huge length or reset the connection must not
// take the server down or leave half a request carried out.
//
// Hidden checks live in hidden/, which the student repository does not contain
// (./raftlab export-student leaves it out); Gradescope and instructors run them.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "kv_server_process.h"
#include "test_net.h"

namespace raftlab::lab01 {
namespace {

TEST(KvServer, survivesMisbehavingClients) {
    run_check([] {
        Server server;
        {
            Connection setup(server.port, server.process);
            expect_reply(setup, "set big " + std::string(4u * 1024u * 1024u, 'b'), "ok");
        }
        std::string frame = wire::encode_frame("set half a message");
        for (int round = 0; round < 10; ++round) {
            {
                Connection c(server.port, server.process);
                c.send_raw(frame.substr(0, 2));
            }
            {
                Connection c(server.port, server.process);
                c.send_raw(frame.substr(0, 9));
            }
            {
                Connection c(server.port, server.process);
                c.send_raw(frame.substr(0, 9));
                c.reset();
            }
            {
                Connection c(server.port, server.process);
                c.send_raw(std::string("\xff\xff\xff\xff", 4));
            }
            {
                Connection c(server.port, server.process);
                c.send_frame("get big");
                c.reset();
            }
        }
        std::this_thread::sleep_for(300ms);
        server.process.require_running("after clients hung up in the middle of messages");
        Connection fresh(server.port, server.process);
        expect_reply(fresh, "set still alive", "ok");
        expect_reply(fresh, "get still", "value alive");
        if (fresh.request("get half").rfind("value", 0) == 0)
            throw Problem(
                "a request cut off in the middle was carried out anyway: 'half' has a value.");
        server.process.require_running("at the end of the check");
    });
}

}  // namespace
}  // namespace raftlab::lab01
