// Tests of the wire framing (raftlab/wire/frame.h).
#include "raftlab/wire/frame.h"

#include <gtest/gtest.h>

#include <random>

using namespace raftlab::wire;

TEST(Frame, encode_bigEndianLengthThenPayload) {
    std::string frame = encode_frame("abc");
    ASSERT_EQ(frame.size(), 7u);
    EXPECT_EQ(frame.substr(0, 4), std::string("\0\0\0\3", 4));
    EXPECT_EQ(frame.substr(4), "abc");
    std::string big(0x010203, 'x');
    EXPECT_EQ(read_length(encode_frame(big)), 0x010203u);
}

TEST(FrameDecoder, next_oneByteAtATime) {
    std::string stream = encode_frame(R"({"type":"a"})") + encode_frame("") + encode_frame(R"({"type":"b"})");
    FrameDecoder decoder;
    std::vector<std::string> frames;
    for (char c : stream) {
        decoder.feed(std::string_view(&c, 1));
        for (auto r = decoder.next(); r.status == FrameDecoder::Status::frame; r = decoder.next())
            frames.push_back(r.payload);
    }
    ASSERT_EQ(frames.size(), 3u);
    EXPECT_EQ(frames[0], R"({"type":"a"})");
    EXPECT_EQ(frames[1], "");
    EXPECT_EQ(frames[2], R"({"type":"b"})");
    EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameDecoder, next_randomSplitsKeepEveryFrame) {
    std::mt19937 rng(7);
    std::string stream;
    std::vector<std::string> sent;
    for (int i = 0; i < 200; ++i) {
        sent.push_back(std::string(rng() % 3000, static_cast<char>('a' + i % 26)));
        stream += encode_frame(sent.back());
    }
    FrameDecoder decoder;
    std::vector<std::string> got;
    for (std::size_t pos = 0; pos < stream.size();) {
        std::size_t n = std::min<std::size_t>(1 + rng() % 5000, stream.size() - pos);
        decoder.feed(std::string_view(stream).substr(pos, n));
        pos += n;
        for (auto r = decoder.next(); r.status == FrameDecoder::Status::frame; r = decoder.next()) got.push_back(r.payload);
    }
    EXPECT_EQ(got, sent);
}

TEST(FrameDecoder, next_oversizedIsStickyError) {
    FrameDecoder decoder(1024);
    decoder.feed(std::string("\0\0\x10\0", 4));  // 4096 > 1024
    auto r = decoder.next();
    ASSERT_EQ(r.status, FrameDecoder::Status::error);
    EXPECT_NE(r.error.find("4096"), std::string::npos) << r.error;
    decoder.feed(encode_frame("ok"));
    EXPECT_EQ(decoder.next().status, FrameDecoder::Status::error);
    EXPECT_TRUE(decoder.failed());
}

TEST(FrameDecoder, next_rejectsNonJsonWhenAsked) {
    FrameDecoder decoder(kDefaultMaxPayload, true);
    decoder.feed(encode_frame(R"({"type":"ok"})"));
    EXPECT_EQ(decoder.next().status, FrameDecoder::Status::frame);
    decoder.feed(encode_frame("{not json"));
    auto r = decoder.next();
    EXPECT_EQ(r.status, FrameDecoder::Status::error);
    EXPECT_NE(r.error.find("not JSON"), std::string::npos) << r.error;
    FrameDecoder arrays(kDefaultMaxPayload, true);
    arrays.feed(encode_frame("[1,2]"));
    EXPECT_EQ(arrays.next().status, FrameDecoder::Status::error);
}

TEST(FrameDecoder, next_partialHeaderNeedsMore) {
    FrameDecoder decoder;
    decoder.feed(std::string("\0\0", 2));
    EXPECT_EQ(decoder.next().status, FrameDecoder::Status::need_more);
    decoder.feed(std::string("\0\2h", 3));
    EXPECT_EQ(decoder.next().status, FrameDecoder::Status::need_more);
    decoder.feed("i");
    auto r = decoder.next();
    ASSERT_EQ(r.status, FrameDecoder::Status::frame);
    EXPECT_EQ(r.payload, "hi");
}

TEST(Frame, peekType_objectsOnly) {
    EXPECT_EQ(peek_type(R"({"type":"request_vote","term":3})"), "request_vote");
    EXPECT_EQ(peek_type(R"({"term":3})"), std::nullopt);
    EXPECT_EQ(peek_type(R"({"type":3})"), std::nullopt);
    EXPECT_EQ(peek_type("garbage"), std::nullopt);
    EXPECT_EQ(peek_type(""), std::nullopt);
}
