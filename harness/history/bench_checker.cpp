// raftlab-bench-checker (`./raftlab bench checker`): times the linearizability
// checker on generated histories (fixed seeds), legal and with one stale read
// planted.
//
// Part 1 keeps the shapes whose Porcupine times are quoted in the harness issue
// (measured on this class of machine; Porcupine itself is not run here). Their keys
// mix puts and appends, so the search decides them.
// Part 2 is single-key contention, the case the search cannot handle: 10, 20 and 50
// clients, 2,000 to 100,000 operations, writes of unique values (puts: a register;
// appends: Elle's list-append). It times the unique-writes fast path, and the search
// alone (CheckOptions::fast_path = false) where it finishes within 10 s. Append rows
// stop at 10,000 operations: every read of an append-only key holds all earlier
// appends, so the history itself grows with the square of its length.
//
// Each measurement runs in a child process, so "peak" is the memory the check added
// to the process (peak resident set minus resident set before), freeing included.
#include "raftlab/history/checker.h"
#include "raftlab/history/generate.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace raftlab::history;

namespace {

struct Measurement {
    double seconds = 0;
    Verdict verdict = Verdict::unknown;
    long peak_mb = 0;
};

long resident_mb() {
    long pages = 0, resident = 0;
    std::ifstream("/proc/self/statm") >> pages >> resident;
    return resident * sysconf(_SC_PAGESIZE) / (1 << 20);
}

/// One check in a child process (its time includes freeing the checker's memory).
Measurement measure_once(const History& h, const CheckOptions& options) {
    int fds[2];
    if (pipe(fds) != 0) return {};
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        long before = resident_mb();
        auto start = std::chrono::steady_clock::now();
        Verdict verdict = check_linearizable(h, options).verdict;
        Measurement m{std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), verdict, 0};
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        m.peak_mb = std::max(0L, usage.ru_maxrss / 1024 - before);
        ssize_t written = write(fds[1], &m, sizeof m);
        _exit(written == sizeof m ? 0 : 1);
    }
    close(fds[1]);
    Measurement m;
    bool got = child > 0 && read(fds[0], &m, sizeof m) == sizeof m;
    close(fds[0]);
    if (child > 0) waitpid(child, nullptr, 0);
    if (!got) std::fprintf(stderr, "a measuring child process failed\n");
    return m;
}

/// Median time of `runs` checks (the machine may be busy with other work).
Measurement measure(const History& h, const CheckOptions& options, int runs) {
    std::vector<Measurement> all;
    for (int i = 0; i < runs; ++i) all.push_back(measure_once(h, options));
    std::sort(all.begin(), all.end(), [](const Measurement& a, const Measurement& b) { return a.seconds < b.seconds; });
    return all[all.size() / 2];
}

std::string cell(const Measurement& m) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%8.3fs %-7s %5ld MB", m.seconds, std::string(to_string(m.verdict)).c_str(), m.peak_mb);
    return buf;
}

std::string ratio(double porcupine, double ours) {
    if (porcupine < 0) return ">60 s / no answer";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1fx faster", porcupine / std::max(ours, 1e-6));
    return buf;
}

struct QuotedRow {
    const char* name;
    std::size_t ops;
    int clients, keys;
    double porcupine_legal_s, porcupine_illegal_s;  // < 0: no answer within 60 s
};

/// Part 1: the shapes Porcupine was measured on. Returns false if a verdict is wrong.
bool quoted_shapes() {
    const QuotedRow rows[] = {
        {"10k ops, 10 clients, 100 keys", 10000, 10, 100, 0.015, 0.015},
        {"50k ops, 50 clients, 100 keys", 50000, 50, 100, 0.065, 0.065},
        {"2k ops, 10 clients, 1 key", 2000, 10, 1, 0.18, 0.7},
        {"10k ops, 10 clients, 1 key", 10000, 10, 1, 6.0, -1},
    };
    std::printf("part 1: puts and appends mixed on each key (the search decides them)\n");
    std::printf("%-32s %-8s %26s   %-22s\n", "history", "case", "ours: time verdict peak", "vs Porcupine");
    bool good = true;
    for (const QuotedRow& r : rows) {
        History h = generate_history({.operations = r.ops, .clients = r.clients, .keys = r.keys, .seed = 42});
        for (bool legal : {true, false}) {
            if (!legal && plant_stale_read(h, 7) < 0) {
                std::printf("%-32s %-8s could not plant a stale read\n", r.name, "illegal");
                good = false;
                continue;
            }
            Measurement m = measure(h, {std::chrono::milliseconds(60000)}, 3);
            std::printf("%-32s %-8s %s   %-22s\n", r.name, legal ? "legal" : "illegal", cell(m).c_str(),
                        ratio(legal ? r.porcupine_legal_s : r.porcupine_illegal_s, m.seconds).c_str());
            good = good && m.verdict == (legal ? Verdict::ok : Verdict::illegal);
        }
    }
    return good;
}

/// Part 2: one key, many clients, unique writes. Returns false if a verdict is wrong
/// or the 1 s goal is missed.
bool contended_single_key() {
    std::printf("\npart 2: one key, unique values; fast path vs the search alone (10 s budget)\n");
    std::printf("%-9s %-8s %-8s %-8s %26s   %26s\n", "writes", "clients", "ops", "case", "fast path: time verdict peak",
                "search alone");
    CheckOptions search;
    search.fast_path = false;
    search.time_budget = std::chrono::milliseconds(10000);
    bool good = true;
    for (Writes writes : {Writes::puts, Writes::appends}) {
        for (int clients : {10, 20, 50}) {
            bool search_gave_up[2] = {false, false};  // per case: then larger sizes are skipped too
            for (std::size_t ops : {2000, 10000, 100000}) {
                if (writes == Writes::appends && ops > 10000) continue;
                History h = generate_history({.operations = ops, .clients = clients, .keys = 1, .seed = 42, .writes = writes});
                for (bool legal : {true, false}) {
                    if (!legal && plant_stale_read(h, 7) < 0) {
                        std::printf("could not plant a stale read\n");
                        good = false;
                        continue;
                    }
                    Measurement fast = measure(h, {}, 3);
                    std::string slow = "skipped (unknown on fewer ops)";
                    if (!search_gave_up[legal]) {
                        Measurement m = measure(h, search, 1);
                        search_gave_up[legal] = m.verdict == Verdict::unknown;
                        slow = cell(m);
                        good = good && m.verdict != (legal ? Verdict::illegal : Verdict::ok);
                    }
                    std::printf("%-9s %-8d %-8zu %-8s %s   %s\n", writes == Writes::puts ? "puts" : "appends", clients, ops,
                                legal ? "legal" : "illegal", cell(fast).c_str(), slow.c_str());
                    good = good && fast.verdict == (legal ? Verdict::ok : Verdict::illegal);
                    if (clients == 50 && ops == 100000 && fast.seconds >= 1.0) {
                        std::printf("  goal missed: 50 clients, 100,000 operations, one key must be decided in < 1 s\n");
                        good = false;
                    }
                }
            }
        }
    }
    return good;
}

}  // namespace

int main() {
    bool good = quoted_shapes();
    good = contended_single_key() && good;
    std::printf("times: median of 3 checks (the search alone: 1 check), each in a child process; peak: memory the check\n"
                "added. Porcupine reference times are the ones quoted in the issue for such histories.\n");
    return good ? 0 : 1;
}
