// codec_test.cpp: the JSON codec round-trips exactly and refuses bad input calmly.
#include <gtest/gtest.h>

#include <limits>

#include "raftlab/raft/codec.h"
#include "raftlab/sim/rng.h"

namespace raftlab {
namespace {

std::string random_text(sim::Rng& rng) {
    std::string s;
    const int n = static_cast<int>(rng.uniform(0, 20));
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(rng.uniform(0, 127)));
    return s;
}

Message random_message(sim::Rng& rng) {
    const auto big = [&] { return static_cast<std::uint64_t>(rng.next()); };
    switch (rng.uniform(0, 3)) {
        case 0: {
            AppendEntries m{big(), static_cast<NodeId>(rng.uniform(-1, 9)), big(), big(), {}, big(), big()};
            const int n = static_cast<int>(rng.uniform(0, 5));
            for (int i = 0; i < n; ++i) m.entries.push_back(LogEntry{big(), random_text(rng)});
            return m;
        }
        case 1: return AppendEntriesReply{big(), rng.chance(0.5), big(), big(), big(), big()};
        case 2: return RequestVote{big(), static_cast<NodeId>(rng.uniform(-1, 9)), big(), big(), rng.chance(0.5)};
        default: return RequestVoteReply{big(), rng.chance(0.5), rng.chance(0.5)};
    }
}

TEST(Codec, roundTripIsExact) {
    sim::Rng rng(7);
    for (int i = 0; i < 5000; ++i) {
        const Message m = random_message(rng);
        const DecodeResult d = decode(encode(m));
        ASSERT_TRUE(d) << "decoding " << encode(m) << " failed: " << d.error;
        ASSERT_TRUE(*d.message == m) << "round trip changed " << encode(m);
    }
}

TEST(Codec, extremeNumbersSurvive) {
    const auto max = std::numeric_limits<std::uint64_t>::max();
    const Message m = AppendEntries{max, 0, max, max, {{max, "x"}}, max, max};
    const DecodeResult d = decode(encode(m));
    ASSERT_TRUE(d) << d.error;
    EXPECT_TRUE(*d.message == m);
}

TEST(Codec, badInputGivesAnErrorNotACrash) {
    const char* bad[] = {
        "", "{", "[]", "42", "null", "{\"type\":7}", "{\"type\":\"gossip\",\"term\":1}",
        "{\"type\":\"request_vote_reply\"}",
        "{\"type\":\"request_vote_reply\",\"term\":-1,\"vote_granted\":true}",
        "{\"type\":\"request_vote_reply\",\"term\":1.5,\"vote_granted\":true}",
        "{\"type\":\"request_vote_reply\",\"term\":1,\"vote_granted\":\"yes\"}",
        "{\"type\":\"request_vote_reply\",\"term\":1,\"vote_granted\":true,\"pre_vote\":1}",
        "{\"type\":\"append_entries\",\"term\":1,\"leader_id\":0,\"prev_log_index\":0,"
        "\"prev_log_term\":0,\"entries\":[{\"term\":1}],\"leader_commit\":0,\"round\":0}",
        "{\"type\":\"append_entries\",\"term\":1,\"leader_id\":0,\"prev_log_index\":0,"
        "\"prev_log_term\":0,\"entries\":{},\"leader_commit\":0,\"round\":0}",
        "{\"type\":\"request_vote\",\"term\":1,\"candidate_id\":99999999999,\"last_log_index\":0,"
        "\"last_log_term\":0}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    };
    for (const char* text : bad) {
        DecodeResult d;
        ASSERT_NO_THROW(d = decode(text)) << text;
        EXPECT_FALSE(d) << "accepted: " << text;
        EXPECT_FALSE(d.error.empty()) << "no reason given for: " << text;
    }
}

TEST(Codec, randomBytesNeverThrow) {
    sim::Rng rng(11);
    const std::string valid = encode(AppendEntries{3, 1, 4, 2, {{2, "a"}, {3, "b"}}, 4, 9});
    for (int i = 0; i < 20000; ++i) {
        std::string text = valid;
        const int edits = static_cast<int>(rng.uniform(1, 4));
        for (int e = 0; e < edits; ++e)
            text[static_cast<std::size_t>(rng.uniform(0, static_cast<std::int64_t>(text.size()) - 1))] =
                static_cast<char>(rng.uniform(0, 255));
        ASSERT_NO_THROW((void)decode(text)) << text;
    }
}

TEST(Codec, unknownFieldsAreIgnored) {
    const DecodeResult d = decode("{\"type\":\"request_vote_reply\",\"term\":4,\"vote_granted\":true,\"extra\":[1,2]}");
    ASSERT_TRUE(d) << d.error;
    EXPECT_TRUE((*d.message == Message{RequestVoteReply{4, true}}));
}

// Lab 13's pre_vote flag is written only when set, so labs 1-10 see the frames they
// always saw, and a frame without it is not a pre-vote.
TEST(Codec, preVoteIsWrittenOnlyWhenSet) {
    EXPECT_EQ(encode(RequestVote{3, 1, 7, 2}).find("pre_vote"), std::string::npos);
    EXPECT_EQ(encode(RequestVoteReply{3, true}).find("pre_vote"), std::string::npos);
    const std::string pre = encode(RequestVote{3, 1, 7, 2, true});
    EXPECT_NE(pre.find("\"pre_vote\":true"), std::string::npos) << pre;
    const DecodeResult d = decode(pre);
    ASSERT_TRUE(d) << d.error;
    EXPECT_TRUE((*d.message == Message{RequestVote{3, 1, 7, 2, true}}));
    const DecodeResult reply = decode(encode(RequestVoteReply{4, true, true}));
    ASSERT_TRUE(reply) << reply.error;
    EXPECT_TRUE((*reply.message == Message{RequestVoteReply{4, true, true}}));
}

}  // namespace
}  // namespace raftlab
