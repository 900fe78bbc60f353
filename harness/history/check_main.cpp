// raftlab-check: checks a saved history file.
//
//   ./raftlab check HISTORY.jsonl [--html F] [--budget-ms N] [--budget-mb M]
//
// Prints ok, illegal or unknown on the first line (then details) and exits 0, 1
// or 3; a malformed file or bad usage exits 2 with one line naming the problem.
#include "raftlab/cli/parse_error.h"
#include "raftlab/history/checker.h"
#include "raftlab/history/report.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

using namespace raftlab::history;

int main(int argc, char** argv) {
    CLI::App app{"Check a key/value history (JSON lines) for linearizability; format: harness/history/README.md"};
    std::string file, html;
    long long budget_ms = 60000;
    std::size_t budget_mb = CheckOptions{}.max_memory_mb;
    app.add_option("history", file, "history file, one operation per line")->required();
    app.add_option("--html", html, "write an HTML page explaining an illegal history to this file");
    app.add_option("--budget-ms", budget_ms, "give up with 'unknown' after this many milliseconds")->check(CLI::PositiveNumber);
    app.add_option("--budget-mb", budget_mb,
                   "give up with 'unknown' when the search of a key needs more than this many MiB (default " +
                       std::to_string(budget_mb) + "; 0 = no limit)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return raftlab::cli::parse_error_exit(app, e, "raftlab check", "./raftlab check --help");
    }
    History history;
    try {
        history = load_history(file);
        // Nothing to judge is not "ok": an empty file is almost always the wrong file.
        if (history.empty())
            throw HistoryFormatError(file + ": holds no operations; a history has one JSON operation per line "
                                            "(see harness/history/README.md)", 0);
    } catch (const HistoryFormatError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    CheckOptions options;
    options.time_budget = std::chrono::milliseconds(budget_ms);
    options.max_memory_mb = budget_mb;
    auto result = check_linearizable(history, options);
    std::cout << to_string(result.verdict) << "\n";
    std::cout << result.operations << " operations, " << result.keys << " keys (" << result.fast_keys
              << " decided by the unique-writes fast path, " << result.searched_keys << " searched), "
              << result.elapsed.count() << " ms\n";
    for (const auto& f : result.failures) std::cout << "key " << f.key << ": " << f.explanation << "\n";
    if (result.verdict == Verdict::unknown)
        std::cout << "the " << (result.memory_exhausted ? "memory budget" : "time budget") << " ran out on "
                  << result.unknown_keys.size() << " key(s); raise " << (result.memory_exhausted ? "--budget-mb" : "--budget-ms")
                  << ". unknown is not a pass.\n";
    if (!html.empty() && result.verdict == Verdict::illegal) {
        std::ofstream out(html);
        out << render_html(history, result, "raftlab: " + file + " is not linearizable");
        if (!out) {
            std::cerr << html << ": cannot be written; check the directory\n";
            return 2;
        }
        std::cout << "explanation written to " << html << "\n";
    }
    switch (result.verdict) {
        case Verdict::ok: return 0;
        case Verdict::illegal: return 1;
        case Verdict::unknown: return 3;
    }
    return 3;
}
