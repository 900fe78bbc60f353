// The lab 10 wire forms: every message survives a round trip, and bad input gets a
// one-sentence error, never an exception.
#include <gtest/gtest.h>

#include "raftlab/kv/protocol.h"
#include "raftlab/kv/system.h"

namespace raftlab::kv {
namespace {

TEST(KvProtocol, RequestsRoundTrip) {
    for (Op op : {Op::get, Op::put, Op::append, Op::del}) {
        ClientRequest r{"c7", 42, op, "k\"1", op == Op::put || op == Op::append ? "v\n" : ""};
        auto d = decode_client_message(encode(r));
        ASSERT_TRUE(d) << d.error;
        EXPECT_EQ(std::get<ClientRequest>(*d.value), r);
        auto c = decode_command(encode(r));
        ASSERT_TRUE(c) << c.error;
        EXPECT_EQ(*c.value, r);
    }
    auto s = decode_client_message(encode(StatusRequest{}));
    ASSERT_TRUE(s);
    EXPECT_TRUE(std::holds_alternative<StatusRequest>(*s.value));
}

TEST(KvProtocol, RepliesRoundTrip) {
    ClientReply ok{"c1", 3, ReplyStatus::ok, "value", 2, ""};
    ClientReply absent{"c1", 4, ReplyStatus::ok, std::nullopt, 0, ""};
    ClientReply redirect{"c1", 5, ReplyStatus::not_leader, std::nullopt, kNoNode, ""};
    ClientReply error{"c1", 6, ReplyStatus::error, std::nullopt, 1, "bad op"};
    for (const auto& r : {ok, absent, redirect, error}) {
        auto d = decode_server_reply(encode(r));
        ASSERT_TRUE(d) << d.error;
        EXPECT_EQ(std::get<ClientReply>(*d.value), r);
    }
    StatusReply st{2, Role::leader, 9, 2, 2, 40, 39, 41, {8, 9, 9}};
    auto d = decode_server_reply(encode(st));
    ASSERT_TRUE(d) << d.error;
    EXPECT_EQ(std::get<StatusReply>(*d.value), st);
}

TEST(KvProtocol, PeerEnvelopeCarriesTheSender) {
    AppendEntries ae{7, 1, 3, 6, {{7, "x"}, {7, ""}}, 2, 11};
    auto d = decode_peer(encode_peer(1, ae));
    ASSERT_TRUE(d) << d.error;
    EXPECT_EQ(d.value->from, 1);
    EXPECT_EQ(std::get<AppendEntries>(d.value->message), ae);
    EXPECT_FALSE(decode_peer(encode(Message{RequestVoteReply{3, true}})));  // no "from"
}

TEST(KvProtocol, BadInputIsAnErrorNotACrash) {
    const char* bad[] = {"", "nonsense", "[1,2]", "{}", R"({"type":"kv_request"})",
                         R"({"type":"kv_request","client":"","seq":1,"op":"get","key":"k"})",
                         R"({"type":"kv_request","client":"c","seq":-1,"op":"get","key":"k"})",
                         R"({"type":"kv_request","client":"c","seq":1,"op":"drop","key":"k"})",
                         R"({"type":"kv_request","client":"c","seq":1,"op":"put","key":"k"})",
                         R"({"type":"status"})"};
    for (const char* text : bad) {
        auto d = decode_client_message(text);
        EXPECT_FALSE(d) << text;
        EXPECT_FALSE(d.error.empty()) << text;
    }
    EXPECT_EQ(decode_client_message(R"({"type":"kv_request","client":"c","seq":1,"op":"drop","key":"k"})").error,
              "field \"op\" must be \"get\", \"put\", \"append\" or \"delete\", not \"drop\"");
    EXPECT_FALSE(decode_server_reply(R"({"type":"kv_reply","client":"c","seq":1,"status":"maybe"})"));
    EXPECT_FALSE(decode_command(""));
}

TEST(KvOptions, ParsesTheServerCommandLine) {
    const char* argv[] = {"lab10-server", "--id", "1", "--peers", "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003",
                          "--peer-port", "7002", "--client-port", "7102", "--data", "/tmp/x",
                          "--heartbeat-ms", "20", "--election-min-ms", "200", "--election-max-ms", "400"};
    SystemOptions o = parse_system_options(17, argv);
    EXPECT_EQ(o.raft.id, 1);
    EXPECT_EQ(o.raft.cluster_size, 3);
    EXPECT_EQ(o.peers[2], (Endpoint{"127.0.0.1", 7003}));
    EXPECT_EQ(o.raft.heartbeat_interval, 20 * kMillisecond);
    EXPECT_EQ(o.raft.election_timeout_max, 400 * kMillisecond);
    EXPECT_FALSE(o.raft.pre_vote);
    EXPECT_FALSE(o.raft.check_quorum);
}

TEST(KvOptions, PreVoteAndCheckQuorumAreOnOrOff) {
    const char* argv[] = {"s", "--id", "0", "--peers", "127.0.0.1:7001", "--peer-port", "7001", "--client-port",
                          "7101", "--data", "/tmp/x", "--pre-vote", "on", "--check-quorum", "off"};
    SystemOptions o = parse_system_options(15, argv);
    EXPECT_TRUE(o.raft.pre_vote);
    EXPECT_FALSE(o.raft.check_quorum);
    const char* bad[] = {"s", "--id", "0", "--peers", "127.0.0.1:7001", "--peer-port", "7001", "--client-port",
                         "7101", "--data", "/tmp/x", "--check-quorum", "yes"};
    try {
        parse_system_options(13, bad);
        ADD_FAILURE() << "--check-quorum yes was accepted";
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).substr(0, 45), "--check-quorum \"yes\": must be on or off; usag");
    }
}

// Lab 11: --snapshot-every is a count of entries, 0 (never) by default.
TEST(KvOptions, SnapshotEveryIsACount) {
    const char* plain[] = {"s", "--id", "0", "--peers", "127.0.0.1:7001", "--peer-port", "7001", "--client-port",
                           "7101", "--data", "/tmp/x"};
    EXPECT_EQ(parse_system_options(11, plain).snapshot_every, 0u);
    const char* argv[] = {"s", "--id", "0", "--peers", "127.0.0.1:7001", "--peer-port", "7001", "--client-port",
                          "7101", "--data", "/tmp/x", "--snapshot-every", "1000"};
    EXPECT_EQ(parse_system_options(13, argv).snapshot_every, 1000u);
    const char* bad[] = {"s", "--id", "0", "--peers", "127.0.0.1:7001", "--peer-port", "7001", "--client-port",
                         "7101", "--data", "/tmp/x", "--snapshot-every", "often"};
    try {
        parse_system_options(13, bad);
        ADD_FAILURE() << "--snapshot-every often was accepted";
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).substr(0, 62), "--snapshot-every \"often\": must be a whole number from 0 to 100");
    }
}

// Lab 12: --voters names the first configuration's voters, each a server of --peers.
TEST(KvOptions, VotersAreServersOfThePeerList) {
    const char* plain[] = {"s", "--id", "0", "--peers", "127.0.0.1:7001,127.0.0.1:7002", "--peer-port", "7001",
                           "--client-port", "7101", "--data", "/tmp/x"};
    EXPECT_TRUE(parse_system_options(11, plain).raft.voters.empty());
    const char* argv[] = {"s", "--id", "0", "--peers", "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003", "--peer-port",
                          "7001", "--client-port", "7101", "--data", "/tmp/x", "--voters", "2,0"};
    EXPECT_EQ(parse_system_options(13, argv).raft.voters, (std::vector<NodeId>{0, 2}));
    const char* bad[] = {"s", "--id", "0", "--peers", "127.0.0.1:7001,127.0.0.1:7002", "--peer-port", "7001",
                         "--client-port", "7101", "--data", "/tmp/x", "--voters", "0,2"};
    try {
        parse_system_options(13, bad);
        ADD_FAILURE() << "--voters 0,2 was accepted with two peers";
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).substr(0, 58), "--voters id \"2\": must be a whole number from 0 to 1; usage");
    }
}

TEST(KvOptions, BadCommandLinesNameTheProblem) {
    auto error_of = [](std::vector<const char*> argv) {
        try {
            parse_system_options(static_cast<int>(argv.size()), argv.data());
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    EXPECT_EQ(error_of({"s", "--id", "3", "--peers", "127.0.0.1:1,127.0.0.1:2", "--peer-port", "1", "--client-port",
                        "2", "--data", "d"})
                  .substr(0, 43),
              "--id \"3\": must be a whole number from 0 to ");
    EXPECT_EQ(error_of({"s", "--id", "0"}).substr(0, 21), "--peers is missing; u");
    EXPECT_EQ(error_of({"s", "--bogus", "1"}).substr(0, 27), "unknown option \"--bogus\"; u");
    EXPECT_EQ(error_of({"s", "--id", "0", "--peers", "localhost", "--peer-port", "1", "--client-port", "2", "--data",
                        "d"})
                  .substr(0, 40),
              "--peers entry \"localhost\": must be HOST:");
}

}  // namespace
}  // namespace raftlab::kv
