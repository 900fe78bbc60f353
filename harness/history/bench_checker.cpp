// raftlab-bench-checker (`./raftlab bench checker`): times the linearizability
// checker on generated histories, legal and with one stale read planted, and
// compares with Porcupine's times on such histories as quoted in the harness issue
// (measured on this class of machine; Porcupine itself is not run here).
#include "raftlab/history/checker.h"
#include "raftlab/history/generate.h"

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace raftlab::history;

namespace {

struct Row {
    const char* name;
    std::size_t ops;
    int clients, keys;
    double porcupine_legal_s, porcupine_illegal_s;  // < 0: no answer within 60 s
};

/// Median of three checks (the machine may be busy with other work).
double check_seconds(const History& h, Verdict& verdict) {
    std::vector<double> times;
    for (int i = 0; i < 3; ++i) {
        auto start = std::chrono::steady_clock::now();
        verdict = check_linearizable(h, {std::chrono::milliseconds(60000)}).verdict;
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[1];
}

std::string ratio(double porcupine, double ours) {
    if (porcupine < 0) return ">60 s / no answer";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1fx faster", porcupine / std::max(ours, 1e-6));
    return buf;
}

}  // namespace

int main() {
    const Row rows[] = {
        {"10k ops, 10 clients, 100 keys", 10000, 10, 100, 0.015, 0.015},
        {"50k ops, 50 clients, 100 keys", 50000, 50, 100, 0.065, 0.065},
        {"2k ops, 10 clients, 1 key", 2000, 10, 1, 0.18, 0.7},
        {"10k ops, 10 clients, 1 key", 10000, 10, 1, 6.0, -1},
    };
    std::printf("%-32s %-8s %10s %9s %-22s\n", "history", "case", "ours", "verdict", "vs Porcupine");
    bool all_good = true;
    for (const Row& r : rows) {
        History h = generate_history({.operations = r.ops, .clients = r.clients, .keys = r.keys, .seed = 42});
        Verdict v;
        double legal = check_seconds(h, v);
        std::printf("%-32s %-8s %9.3fs %9s %-22s\n", r.name, "legal", legal, std::string(to_string(v)).c_str(),
                    ratio(r.porcupine_legal_s, legal).c_str());
        all_good = all_good && v == Verdict::ok;
        if (plant_stale_read(h, 7) < 0) {
            std::printf("%-32s %-8s could not plant a stale read\n", r.name, "illegal");
            all_good = false;
            continue;
        }
        double illegal = check_seconds(h, v);
        std::printf("%-32s %-8s %9.3fs %9s %-22s\n", r.name, "illegal", illegal, std::string(to_string(v)).c_str(),
                    ratio(r.porcupine_illegal_s, illegal).c_str());
        all_good = all_good && v == Verdict::illegal;
        if (r.keys == 1 && r.ops == 10000 && illegal >= 10.0) {
            std::printf("  target missed: the 10k single-key illegal case must reach a verdict in < 10 s\n");
            all_good = false;
        }
    }
    std::printf("times: median of 3 checks. Porcupine reference times are the ones quoted in the issue for such histories.\n");
    return all_good ? 0 : 1;
}
