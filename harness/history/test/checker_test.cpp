// The checkers on hand-made and generated histories.
#include "raftlab/history/checker.h"
#include "raftlab/history/generate.h"
#include "raftlab/history/report.h"
#include "raftlab/history/workload.h"

#include <gtest/gtest.h>

using namespace raftlab::history;

namespace {

Operation op(const std::string& client, OpKind kind, const std::string& key, const std::string& arg, std::int64_t invoke,
             std::int64_t ret, Outcome outcome = Outcome::ok) {
    static std::uint64_t seq = 0;
    Operation o;
    o.client = client;
    o.seq = ++seq;
    o.kind = kind;
    o.key = key;
    if (kind == OpKind::get) {
        if (arg != "<absent>") o.output = arg;
    } else {
        o.value = arg;
    }
    o.invoke_us = invoke;
    o.return_us = ret;
    o.outcome = outcome;
    return o;
}

Operation get(const std::string& c, const std::string& out, std::int64_t a, std::int64_t b, Outcome oc = Outcome::ok) {
    return op(c, OpKind::get, "x", out, a, b, oc);
}
Operation put(const std::string& c, const std::string& v, std::int64_t a, std::int64_t b, Outcome oc = Outcome::ok) {
    return op(c, OpKind::put, "x", v, a, b, oc);
}
Operation append(const std::string& c, const std::string& v, std::int64_t a, std::int64_t b, Outcome oc = Outcome::ok) {
    return op(c, OpKind::append, "x", v, a, b, oc);
}

Verdict verdict(const History& h) { return check_linearizable(h).verdict; }

}  // namespace

TEST(Linearizable, sequential_ok) {
    EXPECT_EQ(verdict({put("a", "1", 0, 10), get("b", "1", 20, 30)}), Verdict::ok);
    EXPECT_EQ(verdict({get("b", "<absent>", 0, 5), put("a", "1", 10, 20)}), Verdict::ok);
}

TEST(Linearizable, staleRead_illegalAndPointsAtTheRead) {
    History h = {put("a", "1", 0, 10), put("a", "2", 20, 30), get("b", "1", 40, 50)};
    auto r = check_linearizable(h);
    ASSERT_EQ(r.verdict, Verdict::illegal);
    ASSERT_EQ(r.failures.size(), 1u);
    EXPECT_EQ(r.failures[0].key, "x");
    EXPECT_EQ(r.failures[0].stuck_op, 2u);
    EXPECT_EQ(r.failures[0].linearized.size(), 2u);
    EXPECT_NE(r.failures[0].explanation.find("get -> \"1\""), std::string::npos) << r.failures[0].explanation;
}

TEST(Linearizable, concurrentWrite_eitherValueOk) {
    EXPECT_EQ(verdict({put("a", "1", 0, 10), put("a", "2", 20, 60), get("b", "1", 30, 40)}), Verdict::ok);
    EXPECT_EQ(verdict({put("a", "1", 0, 10), put("a", "2", 20, 60), get("b", "2", 30, 40)}), Verdict::ok);
    EXPECT_EQ(verdict({put("a", "1", 0, 10), put("a", "2", 20, 60), get("b", "3", 30, 40)}), Verdict::illegal);
}

TEST(Linearizable, readsMustNotGoBackInTime) {
    // Both reads overlap the write, but once one saw the new value a later one cannot see the old.
    History h = {put("a", "1", 0, 10), put("a", "2", 20, 100), get("b", "2", 30, 40), get("c", "1", 50, 60)};
    EXPECT_EQ(verdict(h), Verdict::illegal);
}

TEST(Linearizable, indeterminateWrite_mayOrMayNotApply) {
    Operation lost = put("a", "2", 20, 0, Outcome::indeterminate);
    EXPECT_EQ(verdict({put("a", "1", 0, 10), lost, get("b", "2", 100, 110)}), Verdict::ok);
    EXPECT_EQ(verdict({put("a", "1", 0, 10), lost, get("b", "1", 100, 110)}), Verdict::ok);
    EXPECT_EQ(verdict({put("a", "1", 0, 10), lost, get("b", "2", 100, 110), get("b", "1", 120, 130)}), Verdict::illegal);
    Operation late = put("a", "3", 200, 0, Outcome::indeterminate);
    EXPECT_EQ(verdict({put("a", "1", 0, 10), late, get("b", "3", 100, 110)}), Verdict::illegal)
        << "an indeterminate write cannot take effect before it was invoked";
}

TEST(Linearizable, failedWrite_neverApplies) {
    EXPECT_EQ(verdict({put("a", "1", 0, 10), put("a", "2", 20, 30, Outcome::failed), get("b", "2", 40, 50)}), Verdict::illegal);
    EXPECT_EQ(verdict({put("a", "1", 0, 10), put("a", "2", 20, 30, Outcome::failed), get("b", "1", 40, 50)}), Verdict::ok);
}

TEST(Linearizable, appendsAndDeletes) {
    EXPECT_EQ(verdict({append("a", "A", 0, 50), append("b", "B", 0, 50), get("c", "BA", 60, 70)}), Verdict::ok);
    EXPECT_EQ(verdict({append("a", "A", 0, 50), append("b", "B", 0, 50), get("c", "AB", 60, 70)}), Verdict::ok);
    EXPECT_EQ(verdict({append("a", "A", 0, 50), append("b", "B", 0, 50), get("c", "AAB", 60, 70)}), Verdict::illegal);
    History del = {put("a", "1", 0, 10), op("a", OpKind::del, "x", "", 20, 30), get("b", "<absent>", 40, 50)};
    EXPECT_EQ(verdict(del), Verdict::ok);
    del.back().output = "1";
    EXPECT_EQ(verdict(del), Verdict::illegal);
}

TEST(Linearizable, keysAreIndependent) {
    History h = {op("a", OpKind::put, "k1", "1", 0, 10), op("b", OpKind::get, "k2", "1", 20, 30),
                 op("c", OpKind::get, "k1", "1", 20, 30)};
    auto r = check_linearizable(h);
    ASSERT_EQ(r.verdict, Verdict::illegal);
    ASSERT_EQ(r.failures.size(), 1u);
    EXPECT_EQ(r.failures[0].key, "k2");
    EXPECT_EQ(r.keys, 2u);
}

TEST(Linearizable, workloadOnInMemoryKv_ok) {
    InMemoryKv kv;
    WorkloadOptions o;
    o.clients = 8;
    o.keys = 3;
    o.duration = std::chrono::milliseconds(3000);
    o.max_ops_per_client = 1500;
    History h = run_workload(o, kv.factory());
    ASSERT_GE(h.size(), 8u * 100);
    auto r = check_linearizable(h, {std::chrono::milliseconds(60000)});
    EXPECT_EQ(r.verdict, Verdict::ok) << (r.failures.empty() ? "" : r.failures[0].explanation);
    EXPECT_EQ(check_exactly_once(h).verdict, Verdict::ok);
}

TEST(Linearizable, largeGeneratedHistories_okThenIllegalWhenPlanted) {
    for (auto [ops, clients, keys] : {std::tuple{20000, 20, 50}, std::tuple{4000, 10, 1}}) {
        History h = generate_history({.operations = static_cast<std::size_t>(ops), .clients = clients, .keys = keys, .seed = 3});
        auto r = check_linearizable(h);
        EXPECT_EQ(r.verdict, Verdict::ok) << ops << " ops, " << keys << " keys";
        long planted = plant_stale_read(h, 5);
        ASSERT_GE(planted, 0);
        auto bad = check_linearizable(h);
        EXPECT_EQ(bad.verdict, Verdict::illegal) << ops << " ops, " << keys << " keys";
        std::string page = render_html(h, bad, "planted");
        EXPECT_NE(page.find("class=\"stuck"), std::string::npos);
        EXPECT_NE(page.find("<svg"), std::string::npos);
    }
}

TEST(Linearizable, tinyBudget_unknownNeverOk) {
    History h = generate_history({.operations = 20000, .clients = 10, .keys = 1, .seed = 9});
    plant_stale_read(h, 1);
    auto r = check_linearizable(h, {std::chrono::milliseconds(0)});
    EXPECT_NE(r.verdict, Verdict::ok);
}

TEST(Durability, lostAcknowledgedWrite_reported) {
    History h = {put("a", "1", 0, 10), append("a", "[b]", 20, 30), put("a", "9", 40, 50, Outcome::indeterminate)};
    EXPECT_EQ(check_durability(h, {{"x", "1[b]"}}).verdict, Verdict::ok);
    EXPECT_EQ(check_durability(h, {{"x", "9"}}).verdict, Verdict::ok) << "the indeterminate put may have won";
    History acknowledged_only = {h[0], h[1]};
    auto lost = check_durability(acknowledged_only, {{"x", "1"}});
    ASSERT_EQ(lost.verdict, Verdict::illegal);
    EXPECT_NE(lost.violations[0].find("missing from the final value"), std::string::npos) << lost.violations[0];
    EXPECT_EQ(check_durability(h, {{"x", std::nullopt}}).verdict, Verdict::illegal);
    EXPECT_EQ(check_durability(acknowledged_only, {{"x", "7"}}).verdict, Verdict::illegal) << "a value nobody wrote";
    EXPECT_EQ(check_durability(h, {}).verdict, Verdict::illegal) << "a key without a final read is reported";
}

TEST(ExactlyOnce, duplicateAndFailedAppends_reported) {
    History h = {append("a", "[a:1]", 0, 10), append("b", "[b:1]", 0, 10, Outcome::failed), get("c", "[a:1][a:1]", 20, 30)};
    auto r = check_exactly_once(h);
    ASSERT_EQ(r.verdict, Verdict::illegal);
    EXPECT_NE(r.violations[0].find("took effect 2 times"), std::string::npos) << r.violations[0];
    auto failed = check_exactly_once({h[0], h[1]}, {{"x", "[a:1][b:1]"}});
    ASSERT_EQ(failed.verdict, Verdict::illegal);
    EXPECT_NE(failed.violations[0].find("reported failed but took effect"), std::string::npos);
    EXPECT_EQ(check_exactly_once({h[0], h[1]}, {{"x", "[a:1]"}}).verdict, Verdict::ok);
    // Bracketed tokens are read in one pass, stray brackets around them included.
    EXPECT_EQ(check_exactly_once({h[0], get("c", "[[a:1]][a:1]", 20, 30)}).verdict, Verdict::illegal);
    EXPECT_EQ(check_exactly_once({h[0], get("c", "[[a:1]]", 20, 30)}).verdict, Verdict::ok);
    // Other append values are looked for one by one.
    History plain = {append("a", "x1", 0, 10), get("c", "x1x1", 20, 30)};
    auto twice = check_exactly_once(plain);
    ASSERT_EQ(twice.verdict, Verdict::illegal);
    EXPECT_NE(twice.violations[0].find("took effect 2 times"), std::string::npos) << twice.violations[0];
}
