// Lab 4 randomized checks: long seeded operation sequences. Every failure names the
// seed and the command that replays it, so a student can rerun exactly that case.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "raftlab/check/check.h"
#include "reference_log.h"

namespace raftlab::lab04 {
namespace {

std::string where(std::uint64_t seed, int step) {
    std::ostringstream out;
    out << " (seed " << seed << ", step " << step << "). Replay: " << check::replay_command(seed);
    return out.str();
}

/// One random AppendEntries aimed near the reference log's end: sometimes matching,
/// sometimes a gap, sometimes a wrong prev_term, with new or repeated terms.
struct Request {
    Index prev_index;
    Term prev_term;
    std::vector<Term> terms;
};

Request random_request(std::mt19937_64& rng, const ReferenceLog& model, Term max_term) {
    auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n)(rng); };
    Request r;
    r.prev_index = pick(model.last_index() + 2);
    bool honest = pick(3) != 0 && r.prev_index <= model.last_index();
    r.prev_term = honest ? model.term_at(r.prev_index) : pick(max_term);
    std::size_t count = pick(4);
    Term t = r.prev_term;
    for (std::size_t k = 0; k < count; ++k) {
        Index i = r.prev_index + 1 + k;
        bool agree = i <= model.last_index() && pick(2) != 0;
        t = agree ? model.term_at(i) : std::max<Term>(t, pick(max_term));
        r.terms.push_back(t);
    }
    return r;
}

void expect_same(const Log& log, const ReferenceLog& model, std::uint64_t seed, int step) {
    ASSERT_EQ(log.last_index(), model.last_index()) << "last_index() differs from the model" << where(seed, step);
    for (Index i = 1; i <= model.last_index(); ++i) {
        ASSERT_EQ(log.term_at(i), model.term_at(i)) << "term at index " << i << " differs from the model" << where(seed, step);
        ASSERT_EQ(log.at(i).command, command_for(model.term_at(i), i))
            << "the command at index " << i << " is not the one sent there" << where(seed, step);
    }
}

TEST(LogRandom, matchesReferenceModel) {
    for (std::uint64_t seed : check::seeds(300)) {
        std::mt19937_64 rng(seed);
        Log log;
        ReferenceLog model;
        for (int step = 0; step < 200; ++step) {
            if (rng() % 5 == 0) {
                Term t = model.term_at(model.last_index()) + rng() % 2;
                Index at = model.append(t);
                ASSERT_EQ(log.append(LogEntry{t, command_for(t, at)}), at)
                    << "append() returned the wrong index" << where(seed, step);
            } else {
                Request r = random_request(rng, model, 6);
                std::vector<LogEntry> entries;
                for (std::size_t k = 0; k < r.terms.size(); ++k)
                    entries.push_back(LogEntry{r.terms[k], command_for(r.terms[k], r.prev_index + 1 + k)});
                AppendResult want = model.append_entries(r.prev_index, r.prev_term, r.terms);
                AppendResult got = log.append_entries(r.prev_index, r.prev_term, entries);
                ASSERT_EQ(got, want) << "append_entries(prev_index " << r.prev_index << ", prev_term "
                                     << r.prev_term << ", " << r.terms.size()
                                     << " entries) gave a different result than the model" << where(seed, step);
            }
            expect_same(log, model, seed, step);
            if (::testing::Test::HasFatalFailure()) return;
        }
    }
}

/// Several logs driven by a sequence of leaders, one per term. Each leader creates at
/// most one entry per index in its term and sends AppendEntries built from its own
/// log. Whatever the delivery order, the Log Matching Property must hold: equal
/// (index, term) means equal prefixes.
TEST(LogRandom, logMatchingProperty) {
    constexpr int kNodes = 5;
    for (std::uint64_t seed : check::seeds(200)) {
        std::mt19937_64 rng(seed);
        std::vector<Log> logs(kNodes);
        for (Term term = 1; term <= 12; ++term) {
            Log& leader = logs[rng() % kNodes];
            for (int n = rng() % 4; n > 0; --n) {
                Index i = leader.last_index() + 1;
                leader.append(LogEntry{term, command_for(term, i)});
            }
            for (int send = 0; send < 8; ++send) {
                Log& follower = logs[rng() % kNodes];
                if (&follower == &leader) continue;
                Index next = 1 + rng() % (leader.last_index() + 1);
                follower.append_entries(next - 1, leader.term_at(next - 1), leader.entries_from(next));
            }
        }
        for (int a = 0; a < kNodes; ++a)
            for (int b = a + 1; b < kNodes; ++b) {
                Index common = std::min(logs[a].last_index(), logs[b].last_index());
                for (Index i = common; i >= 1; --i) {
                    if (logs[a].term_at(i) != logs[b].term_at(i)) continue;
                    for (Index j = 1; j <= i; ++j)
                        ASSERT_EQ(logs[a].at(j), logs[b].at(j))
                            << "logs " << a << " and " << b << " agree on index " << i
                            << " but differ at index " << j << ": Log Matching is broken"
                            << where(seed, 0);
                    break;
                }
            }
    }
}

}  // namespace
}  // namespace raftlab::lab04
