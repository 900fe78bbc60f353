// Lab 4 randomized checks: long seeded operation sequences. Every failure names the
// seed and the command that replays it, so a student can rerun exactly that case.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "raftlab/check/check.h"
#include "log_under_test.h"

namespace raftlab::lab04 {
namespace {

std::string where(std::uint64_t seed, int step) {
    std::ostringstream out;
    out << " (seed " << seed << ", step " << step << "). Replay: " << check::replay_command(seed);
    return out.str();
}

/// What a log holds, read through its public calls: entry i at [i - 1].
std::vector<LogEntry> contents(const Log& log) {
    std::vector<LogEntry> out;
    for (Index i = 1; i <= log.last_index(); ++i) out.push_back(log.at(i));
    return out;
}

Term term_in(const std::vector<LogEntry>& entries, Index i) { return i == 0 ? 0 : entries[i - 1].term; }

/// The command stored with (term, index), so that a wrong entry shows in its contents
/// as well as its term.
std::string command_for(Term term, Index index) { return "t" + std::to_string(term) + "i" + std::to_string(index); }

const char* result_name(AppendResult r) {
    switch (r) {
        case AppendResult::accepted: return "accepted";
        case AppendResult::missing_prev: return "missing_prev";
        case AppendResult::prev_term_mismatch: return "prev_term_mismatch";
    }
    return "?";
}

/// One random AppendEntries aimed near the end of the log as it is: sometimes
/// matching, sometimes a gap, sometimes a wrong prev_term, with new or repeated terms.
struct Request {
    Index prev_index;
    Term prev_term;
    std::vector<LogEntry> entries;
};

Request random_request(std::mt19937_64& rng, const std::vector<LogEntry>& log, Term max_term) {
    auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n)(rng); };
    const Index last = log.size();
    Request r;
    r.prev_index = pick(last + 2);
    bool honest = pick(3) != 0 && r.prev_index <= last;
    r.prev_term = honest ? term_in(log, r.prev_index) : pick(max_term);
    std::size_t count = pick(4);
    Term t = r.prev_term;
    for (std::size_t k = 0; k < count; ++k) {
        Index i = r.prev_index + 1 + k;
        bool agree = i <= last && pick(2) != 0;
        t = agree ? term_in(log, i) : std::max<Term>(t, pick(max_term));
        r.entries.push_back(LogEntry{t, command_for(t, i)});
    }
    return r;
}

/// The rules of append_entries (handout 4) as what must hold between the log before
/// a call and the log after it. Returns "" when they hold, otherwise the first rule
/// broken, in one sentence.
std::string broken_rule(const std::vector<LogEntry>& before, const Request& r, AppendResult got,
                        const std::vector<LogEntry>& after) {
    const Index last = before.size(), p = r.prev_index, sent = r.entries.size();
    auto refused = [&](AppendResult want, const char* why) -> std::string {
        if (got != want)
            return std::string("returned ") + result_name(got) + " where " + result_name(want) + " was expected: " + why;
        if (after != before) return "refused the request but changed the log: a refusal must leave the log as it was";
        return "";
    };
    if (p > last) return refused(AppendResult::missing_prev, "prev_index is past the last entry");
    if (term_in(before, p) != r.prev_term)
        return refused(AppendResult::prev_term_mismatch, ("the entry at prev_index has term " +
                                                          std::to_string(term_in(before, p)) + ", not " +
                                                          std::to_string(r.prev_term)).c_str());
    if (got != AppendResult::accepted)
        return std::string("returned ") + result_name(got) +
               " for a request whose prev_index and prev_term match the log: it must be accepted";
    for (Index i = 1; i <= p; ++i)
        if (i > after.size() || after[i - 1] != before[i - 1])
            return "changed entry " + std::to_string(i) + ", at or before prev_index " + std::to_string(p) +
                   ": entries the request does not cover stay";
    for (Index k = 0; k < sent; ++k)
        if (p + 1 + k > after.size() || after[p + k] != r.entries[k])
            return "does not hold the entry sent for index " + std::to_string(p + 1 + k) + " after the call";
    bool conflict = false;
    for (Index k = 0; k < sent && p + 1 + k <= last; ++k) conflict |= before[p + k].term != r.entries[k].term;
    if (conflict && after.size() != p + sent)
        return "has last index " + std::to_string(after.size()) +
               " after a conflict: an entry whose term differs from the one sent, and every entry after it, must "
               "go, leaving exactly the sent ones (last index " + std::to_string(p + sent) + ")";
    if (!conflict) {
        if (after.size() != std::max<Index>(last, p + sent))
            return "has last index " + std::to_string(after.size()) + " after a request with no conflict; it must be " +
                   std::to_string(std::max<Index>(last, p + sent)) + " (nothing is removed without a conflict)";
        for (Index i = p + sent + 1; i <= last; ++i)
            if (after[i - 1] != before[i - 1])
                return "changed entry " + std::to_string(i) + ", past the sent entries, without a conflict";
    }
    return "";
}

/// Long random sequences of append and AppendEntries. After each call the log must be
/// what the rules make of the log before it (no model of the log is needed: the log's
/// own earlier contents are the reference).
TEST(LogRandom, keepsEveryRule) {
    for (std::uint64_t seed : check::seeds(300)) {
        std::mt19937_64 rng(seed);
        Log log;
        for (int step = 0; step < 200; ++step) {
            const std::vector<LogEntry> before = contents(log);
            if (rng() % 5 == 0) {
                Term t = term_in(before, before.size()) + rng() % 2;
                const LogEntry e{t, command_for(t, before.size() + 1)};
                const Index at = log.append(e);
                std::vector<LogEntry> want = before;
                want.push_back(e);
                if (at != want.size() || contents(log) != want) {
                    ADD_FAILURE() << "append() of an entry of term " << t << " to a log with last index "
                                  << before.size() << " returned " << at << " and left last index " << log.last_index()
                                  << "; it must add the entry at index " << want.size() << " and return that index"
                                  << where(seed, step);
                    return;
                }
                continue;
            }
            Request r = random_request(rng, before, 6);
            const AppendResult got = log.append_entries(r.prev_index, r.prev_term, r.entries);
            if (std::string why = broken_rule(before, r, got, contents(log)); !why.empty()) {
                ADD_FAILURE() << "append_entries(prev_index " << r.prev_index << ", prev_term " << r.prev_term << ", "
                              << r.entries.size() << " entries) on a log with last index " << before.size() << " "
                              << why << where(seed, step);
                return;
            }
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
