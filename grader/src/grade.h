// grade.h: grading an implementation against labs of the catalogue.
//
// For each lab: build its check executable, then run every check in its own child
// process (see child.h) and turn how it ended into a status, a score and one
// sentence a student can act on.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "build.h"
#include "catalog.h"

namespace raftlab::grader {
struct ChildResult;
}

namespace raftlab::grader {

enum class Status {
    passed,
    failed,        ///< the check ran and found a problem
    timed_out,     ///< killed at its wall-clock limit
    crashed,       ///< ended by a signal (segfault, abort, out of memory ...)
    not_compiled,  ///< the lab's code did not build
    not_gradable,  ///< the lab has no checks yet (status: planned)
};

const char* status_word(Status s);

struct CheckResult {
    const Lab* lab = nullptr;
    const Check* check = nullptr;
    std::string number;   ///< "4.3"
    Status status = Status::failed;
    int score = 0;
    std::string reason;   ///< one sentence
    std::string replay;   ///< replay command, when the check printed one
    std::string output;   ///< captured output (capped)
    std::string artifacts;///< where the check left files, if it did
    double seconds = 0;
    /// The fault is the course's, not the student's (lab.yaml names a test the check
    /// program does not have): the grade exits 2 and says so (see setup_errors()).
    bool setup_error = false;
};

/// A stage's subtotal: what its checks scored out of the points lab.yaml gives them.
/// In a student repository lab.yaml lists only the visible checks, so a subtotal
/// counts only those; the hidden checks are counted once, for the whole lab.
struct StageTotal {
    const Stage* stage = nullptr;
    int score = 0;
    int max_points = 0;
};

struct LabResult {
    const Lab* lab = nullptr;
    std::vector<CheckResult> checks;
    std::string build_errors;  ///< when it did not compile
    double build_seconds = 0;
    int score() const;
    int max_points() const;
    /// One per stage of the lab, in its order; empty when the lab has no stages.
    std::vector<StageTotal> stage_totals() const;
};

struct GradeReport {
    std::string impl;
    bool isolated = true;  ///< see Impl::isolated
    std::vector<LabResult> labs;
    double seconds = 0;
    int score() const;
    int max_points() const;
    bool all_passed() const;  ///< every check passed and every lab was gradable
    /// One line per check whose failure is the course's setup, not the student's.
    std::vector<std::string> setup_errors() const;
};

struct GradeOptions {
    std::vector<const Lab*> labs;
    Impl impl;
    /// When non-empty, only the checks with these ids run (the variant self-test
    /// needs just the checks a patch names).
    std::vector<std::string> only_checks;
    /// Called before each check runs (for the progress line).
    std::function<void(const Lab&, const Check&, std::size_t done, std::size_t total)> on_check;
    /// Called while a lab builds.
    std::function<void(const Lab&)> on_build;
};

/// Throws ConfigError for problems a person must fix (unwritable build dir ...).
GradeReport grade(const std::filesystem::path& root, const GradeOptions& options);

/// What every run of a check binary is told (see raftlab/check/check.h): the lab,
/// the check id and the repository root. Grading and replay each add their own.
std::map<std::string, std::string> check_environment(const std::filesystem::path& root, const Lab& lab,
                                                     const Check& check);

/// The one sentence a student reads for a failed check, from GoogleTest's text of
/// its first failure: the check's own message, or GoogleTest's description of the
/// assertion put into words (no "Which is:", "Actual:" or "Expected equality").
std::string reason_from_failure(const std::string& failure);

/// A check's output without GoogleTest's descriptions of assertions (the sentence
/// from reason_from_failure says it in words).
std::string without_gtest_residue(const std::string& output);

/// Whether a sentence still carries GoogleTest's phrases (the self-test refuses it).
bool has_gtest_residue(const std::string& text);

/// Judges one finished check from how its process ended and the GoogleTest JSON it
/// wrote (status, reason, score, setup_error); returns the first failure's message.
std::string classify_run(CheckResult& r, const ChildResult& child, const std::string& gtest_json, int timeout_s);

/// What a check printed, made safe to show and to store: invalid UTF-8 becomes U+FFFD,
/// and control characters other than newline and tab (terminal escapes among them)
/// are dropped. Everything the grader reads back from a check goes through it.
std::string clean_text(const std::string& raw);

/// The replay command of this check for the seed in the last replay line of the
/// judge's failure text (the judge ends its message with it; anything student code
/// threw comes before); "" when there is none. Only the seed's digits are taken from
/// the text: the command is built from the lab and the check. What the check's
/// processes print is never used.
std::string replay_for(const Lab& lab, const Check& check, const std::string& failure);

/// Runs one check of an already built lab.
CheckResult run_check(const std::filesystem::path& root, const Impl& impl, const Lab& lab,
                      std::size_t index, const std::filesystem::path& workdir);

}  // namespace raftlab::grader
