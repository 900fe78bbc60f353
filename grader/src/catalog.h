// catalog.h: the course catalogue, read from labs/NN-slug/lab.yaml.
//
// A lab.yaml is a rubric written by hand, so every error names the file, the line
// and the field, and says what would be accepted:
//   labs/04-log/lab.yaml:12: checks[3].points must be a positive integer, got "-1"
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace raftlab::grader {

/// A configuration error a person must fix (bad lab.yaml, unknown lab, bad path).
/// The grader prints what() on one line and exits 2.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Visibility { visible, hidden };

/// A stage of a lab climbed in steps (lab.yaml's stages:): the grade shows a subtotal
/// per stage, in the order they are declared, with its checks under it.
struct Stage {
    std::string id;     ///< [a-z0-9_]+, unique in the lab
    std::string title;  ///< one line a student reads, e.g. "Crash-safe storage"
};

struct Check {
    std::string id;       ///< [a-z0-9_]+, unique in the lab
    std::string name;     ///< one line a student reads
    std::string test;     ///< GoogleTest Suite.Name inside labNN_checks
    int points = 0;       ///< > 0
    Visibility visibility = Visibility::visible;
    int timeout_s = 30;   ///< wall-clock limit
    std::optional<int> seeds;  ///< simulated checks: how many seeds
    std::string stage;    ///< the id of its Stage; "" when the lab declares no stages
};

struct Lab {
    int number = 0;               ///< 1..99
    std::string slug;             ///< "04-log": the folder name
    std::string title;
    std::string handout;          ///< path relative to the repository root
    bool gradable = false;        ///< status: gradable (false: planned)
    bool timeline = false;        ///< timeline: true: a replay can write an HTML timeline (--html)
    /// In a student repository: the hidden checks export-student cut out (hidden:).
    int hidden_checks = 0;
    int hidden_points = 0;
    std::vector<Check> checks;
    /// In order; empty when the lab has no stages. When it has some, every check names
    /// one and every stage has a check (in a student repository: a visible one).
    std::vector<Stage> stages;
    std::filesystem::path yaml;   ///< where it was read from
    /// Non-empty when lab.yaml is invalid: the one-line error. Such a lab is kept in
    /// the catalogue (so other labs still grade) and fails only when selected.
    std::string error;

    std::string label() const;    ///< "Lab 4"
    std::string padded_number() const;  ///< "04": as in the folder name and RAFTLAB_LAB
    int max_points() const;
    int max_points(const Stage& stage) const;  ///< the points of the stage's checks
    std::string target() const;   ///< "lab04_checks"
};

/// Reads and validates one lab.yaml. Throws ConfigError naming file, line and field.
Lab load_lab(const std::filesystem::path& yaml_file, const std::filesystem::path& root);

/// Every labs/*/lab.yaml under `root`, sorted by number. A lab.yaml with an error
/// becomes a Lab whose `error` says what is wrong. Throws ConfigError only when the
/// labs folder itself is missing or two labs share a number.
std::vector<Lab> load_catalog(const std::filesystem::path& root);

/// Resolves "4", "04" or "04-log" to a lab of the catalogue. Throws ConfigError
/// listing the labs that exist, or the lab's own error when its lab.yaml is invalid.
const Lab& find_lab(const std::vector<Lab>& catalog, const std::string& name);

}  // namespace raftlab::grader
