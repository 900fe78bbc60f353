// The bench's pieces: the closed-loop load with a fake client, and base64 for etcd's gateway.
#include "../closed_loop.h"
#include "../etcd_baseline.h"

#include <gtest/gtest.h>

#include <thread>

namespace raftlab::tools {
namespace {

TEST(Base64, encode_matchesRfc4648Vectors) {
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("foob"), "Zm9vYg==");
    EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64(std::string("\xff\x00\x80", 3)), "/wCA");
}

/// Answers every put after `delay`; fails every `fail_every`-th.
class FakeClient final : public PutClient {
public:
    FakeClient(std::chrono::milliseconds delay, int fail_every) : delay_(delay), fail_every_(fail_every) {}
    bool put(const std::string&, const std::string& value, std::string& error) override {
        std::this_thread::sleep_for(delay_);
        EXPECT_EQ(value.size(), 100u);
        if (fail_every_ && ++count_ % fail_every_ == 0) {
            error = "fake failure";
            return false;
        }
        return true;
    }

private:
    std::chrono::milliseconds delay_;
    int fail_every_;
    int count_ = 0;
};

TEST(ClosedLoop, countsOnlyTheMeasuredWindow) {
    LoadShape shape;
    shape.clients = 4;
    shape.warmup = std::chrono::duration<double>(0.2);
    shape.measure = std::chrono::duration<double>(0.5);
    auto r = run_closed_loop(shape, [](int) { return std::make_unique<FakeClient>(std::chrono::milliseconds(5), 0); });
    // A put takes at least 5 ms, so 4 clients complete at most 4 x 0.5 s / 5 ms = 400 in
    // the window (plus one each at its edge); counting the warmup too could give 560.
    // No lower bound beyond "some": on a busy machine a 5 ms sleep can take far longer.
    EXPECT_GT(r.ops, 0u);
    EXPECT_LE(r.ops, 404u);
    EXPECT_EQ(r.errors, 0u);
    EXPECT_GE(r.p50_ms, 5.0);
    EXPECT_GE(r.p99_ms, r.p50_ms);
    EXPECT_NEAR(r.ops_per_second(), double(r.ops) / 0.5, 1e-9);
}

TEST(ClosedLoop, reportsErrorsWithAnExample) {
    LoadShape shape;
    shape.clients = 2;
    shape.warmup = std::chrono::duration<double>(0);
    shape.measure = std::chrono::duration<double>(0.2);
    auto r = run_closed_loop(shape, [](int) { return std::make_unique<FakeClient>(std::chrono::milliseconds(2), 2); });
    EXPECT_GT(r.errors, 0u);
    EXPECT_EQ(r.first_error, "fake failure");
}

TEST(ClosedLoop, clientSetupFailure_throwsItsMessage) {
    LoadShape shape;
    shape.clients = 3;
    shape.measure = std::chrono::duration<double>(0.1);
    shape.warmup = std::chrono::duration<double>(0);
    EXPECT_THROW(run_closed_loop(shape, [](int i) -> std::unique_ptr<PutClient> {
                     if (i == 1) throw std::runtime_error("no server");
                     return std::make_unique<FakeClient>(std::chrono::milliseconds(1), 0);
                 }),
                 std::runtime_error);
}

}  // namespace
}  // namespace raftlab::tools
