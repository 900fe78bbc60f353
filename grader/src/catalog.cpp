#include "catalog.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>
#include <string_view>
#include <system_error>

namespace raftlab::grader {
namespace fs = std::filesystem;
namespace {

/// Reads fields of one YAML map with errors that say file:line: field ...
class Fields {
public:
    Fields(const YAML::Node& node, std::string file, std::string prefix)
        : node_(node), file_(std::move(file)), prefix_(std::move(prefix)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& what) const {
        int line = at.Mark().line >= 0 ? at.Mark().line + 1 : node_.Mark().line + 1;
        throw ConfigError(file_ + ":" + std::to_string(line) + ": " + prefix_ + field + " " + what);
    }

    const YAML::Node get(const std::string& field) const {
        YAML::Node v = node_[field];
        if (!v || v.IsNull()) fail(node_, field, "is missing");
        return v;
    }

    std::string text(const std::string& field) const {
        YAML::Node v = get(field);
        if (!v.IsScalar() || v.Scalar().empty()) fail(v, field, "must be a non-empty string");
        return v.Scalar();
    }

    /// "" when the field is absent.
    std::string optional_text(const std::string& field) const {
        YAML::Node v = node_[field];
        if (!v || v.IsNull()) return "";
        return text(field);
    }

    int positive(const std::string& field, int max) const { return positive_node(get(field), field, max); }

    std::optional<int> optional_positive(const std::string& field, int max) const {
        YAML::Node v = node_[field];
        if (!v || v.IsNull()) return std::nullopt;
        return positive_node(v, field, max);
    }

    std::string one_of(const std::string& field, const std::vector<std::string>& allowed) const {
        std::string v = text(field);
        if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return v;
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : " or ") + a;
        fail(get(field), field, "must be " + list + ", got \"" + v + "\"");
    }

    void only(const std::set<std::string>& known) const {
        for (const auto& kv : node_) {
            if (!kv.first.IsScalar()) fail(kv.first, "(key)", "must be a field name, not a list, a map or null");
            std::string key = kv.first.Scalar();
            if (!known.count(key)) {
                std::string list;
                for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
                fail(kv.first, key, "is not a known field (known: " + list + ")");
            }
        }
    }

private:
    int positive_node(const YAML::Node& v, const std::string& field, int max) const {
        std::string s = v.IsScalar() ? v.Scalar() : "";
        static const std::regex digits("[0-9]{1,9}");
        if (!std::regex_match(s, digits) || std::stoi(s) < 1 || std::stoi(s) > max)
            fail(v, field, "must be a whole number from 1 to " + std::to_string(max) + ", got \"" + s + "\"");
        return std::stoi(s);
    }

    YAML::Node node_;
    std::string file_;
    std::string prefix_;
};

// Character classes of check ids and test names, checked by hand: std::regex_match
// recurses once per character and overflows the stack on a long value.
bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

/// [a-z0-9_]+
bool is_check_id(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || is_ascii_digit(c) || c == '_';
    });
}

/// [A-Za-z_][A-Za-z0-9_]*
bool is_identifier(std::string_view s) {
    auto word = [](char c) { return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_'; };
    return !s.empty() && !is_ascii_digit(s[0]) && std::all_of(s.begin(), s.end(), word);
}

/// Suite.Test: two identifiers joined by one dot.
bool is_gtest_name(const std::string& s) {
    auto dot = s.find('.');
    return dot != std::string::npos && is_identifier(std::string_view(s).substr(0, dot)) &&
           is_identifier(std::string_view(s).substr(dot + 1));
}

Check load_check(const YAML::Node& node, const std::string& file, std::size_t index) {
    std::string prefix = "checks[" + std::to_string(index) + "].";
    Fields f(node, file, prefix);
    if (!node.IsMap()) f.fail(node, "", "must be a map with id, name, test, points, visibility, timeout");
    f.only({"id", "name", "test", "points", "visibility", "timeout", "seeds", "stage"});
    Check c;
    c.id = f.text("id");
    if (!is_check_id(c.id))
        f.fail(f.get("id"), "id", "must use only a-z, 0-9 and _, got \"" + c.id + "\"");
    c.name = f.text("name");
    c.test = f.text("test");
    if (!is_gtest_name(c.test))
        f.fail(f.get("test"), "test", "must be a GoogleTest name Suite.Test, got \"" + c.test + "\"");
    c.points = f.positive("points", 1000);
    c.visibility = f.one_of("visibility", {"visible", "hidden"}) == "hidden" ? Visibility::hidden
                                                                            : Visibility::visible;
    c.timeout_s = f.positive("timeout", 3600);
    c.seeds = f.optional_positive("seeds", 1000000);
    c.stage = f.optional_text("stage");
    return c;
}

std::string stage_ids(const std::vector<Stage>& stages) {
    std::string list;
    for (const auto& s : stages) list += (list.empty() ? "" : ", ") + s.id;
    return list;
}

/// The optional stages: list, in order; empty when there is none.
std::vector<Stage> load_stages(const YAML::Node& doc, const Fields& f, const std::string& file) {
    YAML::Node list = doc["stages"];
    if (!list) return {};
    if (!list.IsSequence() || list.size() == 0)
        f.fail(list, "stages", "must be a list of {id: ..., title: ...} in the order students climb them; "
                               "leave it out for a lab without stages");
    std::vector<Stage> stages;
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string name = "stages[" + std::to_string(i) + "]";
        if (!list[i].IsMap()) f.fail(list[i], name, "must be a map {id: ..., title: ...}");
        Fields sf(list[i], file, name + ".");
        sf.only({"id", "title"});
        Stage stage{sf.text("id"), sf.text("title")};
        if (!is_check_id(stage.id))
            sf.fail(sf.get("id"), "id", "must use only a-z, 0-9 and _, got \"" + stage.id + "\"");
        for (const auto& earlier : stages)
            if (earlier.id == stage.id)
                sf.fail(sf.get("id"), "id", "repeats \"" + stage.id + "\"; stage ids must be unique");
        stages.push_back(std::move(stage));
    }
    return stages;
}

/// A check's stage: named when the lab declares stages, and one of them.
void check_stage(const Check& c, const std::vector<Stage>& stages, const Fields& cf, const YAML::Node& node) {
    if (c.stage.empty()) {
        if (!stages.empty())
            cf.fail(node, "stage", "is missing; this lab declares stages, so every check names one (" +
                                       stage_ids(stages) + ")");
        return;
    }
    if (stages.empty())
        cf.fail(cf.get("stage"), "stage", "names \"" + c.stage + "\", but the lab declares no stages; add a "
                                          "stages: list or remove this stage:");
    bool declared = std::any_of(stages.begin(), stages.end(), [&](const Stage& s) { return s.id == c.stage; });
    if (!declared)
        cf.fail(cf.get("stage"), "stage", "must name a stage declared under stages: (" + stage_ids(stages) +
                                          "), got \"" + c.stage + "\"");
}

}  // namespace

std::string Lab::label() const { return "Lab " + std::to_string(number); }

int Lab::max_points() const {
    int total = 0;
    for (const auto& c : checks) total += c.points;
    return total;
}

int Lab::max_points(const Stage& stage) const {
    int total = 0;
    for (const auto& c : checks) total += c.stage == stage.id ? c.points : 0;
    return total;
}

std::string Lab::padded_number() const { return (number < 10 ? "0" : "") + std::to_string(number); }

std::string Lab::target() const { return "lab" + padded_number() + "_checks"; }

Lab load_lab(const fs::path& yaml_file, const fs::path& root) {
    std::string file = fs::relative(yaml_file, root).string();
    YAML::Node doc;
    try {
        doc = YAML::LoadFile(yaml_file.string());
    } catch (const YAML::ParserException& e) {
        throw ConfigError(file + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
    } catch (const YAML::Exception& e) {
        throw ConfigError(file + ": cannot be read: " + e.msg);
    }
    Fields f(doc, file, "");
    if (!doc.IsMap()) throw ConfigError(file + ":1: must be a map with number, slug, title, handout, status, checks");
    f.only({"number", "slug", "title", "handout", "status", "timeline", "hidden", "stages", "checks"});
    Lab lab;
    lab.yaml = yaml_file;
    lab.number = f.positive("number", 99);
    lab.slug = f.text("slug");
    std::string folder = yaml_file.parent_path().filename().string();
    if (lab.slug != folder)
        f.fail(f.get("slug"), "slug", "must match the folder name \"" + folder + "\", got \"" + lab.slug + "\"");
    std::string prefix = lab.padded_number() + "-";
    if (lab.slug.rfind(prefix, 0) != 0)
        f.fail(f.get("slug"), "slug", "must start with the lab number \"" + prefix + "\"");
    lab.title = f.text("title");
    lab.handout = f.text("handout");
    std::error_code handout_error;  // a name the OS refuses (too long, ...) is missing too
    if (!fs::exists(root / lab.handout, handout_error))
        f.fail(f.get("handout"), "handout", "names a missing file \"" + lab.handout + "\"");
    lab.gradable = f.one_of("status", {"gradable", "planned"}) == "gradable";
    lab.timeline = doc["timeline"] && f.one_of("timeline", {"true", "false"}) == "true";
    if (YAML::Node h = doc["hidden"]) {  // written by export-student: the hidden checks it cut out
        Fields hf(h, file, "hidden.");
        if (!h.IsMap()) f.fail(h, "hidden", "must be {checks: N, points: P}");
        hf.only({"checks", "points"});
        lab.hidden_checks = hf.positive("checks", 1000);
        lab.hidden_points = hf.positive("points", 100000);
    }
    lab.stages = load_stages(doc, f, file);
    YAML::Node checks = doc["checks"];
    if (!checks || !checks.IsSequence()) f.fail(doc, "checks", "must be a list (use [] for a planned lab)");
    std::set<std::string> ids, tests;
    for (std::size_t i = 0; i < checks.size(); ++i) {
        Check c = load_check(checks[i], file, i);
        Fields cf(checks[i], file, "checks[" + std::to_string(i) + "].");
        if (!ids.insert(c.id).second) cf.fail(cf.get("id"), "id", "repeats \"" + c.id + "\"; ids must be unique");
        if (!tests.insert(c.test).second) cf.fail(cf.get("test"), "test", "repeats \"" + c.test + "\"");
        check_stage(c, lab.stages, cf, checks[i]);
        lab.checks.push_back(std::move(c));
    }
    for (std::size_t i = 0; i < lab.stages.size(); ++i) {
        const Stage& stage = lab.stages[i];
        if (std::none_of(lab.checks.begin(), lab.checks.end(), [&](const Check& c) { return c.stage == stage.id; })) {
            Fields sf(doc["stages"][i], file, "stages[" + std::to_string(i) + "].");
            sf.fail(sf.get("id"), "id", "\"" + stage.id + "\" has no check; give a check stage: " + stage.id +
                                            ", or remove the stage");
        }
    }
    if (lab.gradable && lab.checks.empty())
        f.fail(checks, "checks", "is empty, but status is gradable; add checks or set status: planned");
    return lab;
}

std::vector<Lab> load_catalog(const fs::path& root) {
    fs::path labs_dir = root / "labs";
    if (!fs::is_directory(labs_dir))
        throw ConfigError(labs_dir.string() + ": no labs folder; run raftlab from a raftlab checkout");
    std::vector<Lab> labs;
    for (const auto& entry : fs::directory_iterator(labs_dir)) {
        fs::path yaml = entry.path() / "lab.yaml";
        if (!entry.is_directory() || !fs::exists(yaml)) continue;
        try {
            labs.push_back(load_lab(yaml, root));
        } catch (const ConfigError& e) {
            Lab broken;
            broken.slug = entry.path().filename().string();
            broken.number = std::atoi(broken.slug.c_str());
            broken.yaml = yaml;
            broken.title = broken.slug;
            broken.error = e.what();
            labs.push_back(std::move(broken));
        }
    }
    std::sort(labs.begin(), labs.end(), [](const Lab& a, const Lab& b) { return a.number < b.number; });
    for (std::size_t i = 1; i < labs.size(); ++i)
        if (labs[i].number == labs[i - 1].number)
            throw ConfigError(fs::relative(labs[i].yaml, root).string() + ": number " +
                              std::to_string(labs[i].number) + " is also used by labs/" + labs[i - 1].slug);
    return labs;
}

const Lab& find_lab(const std::vector<Lab>& catalog, const std::string& name) {
    for (const auto& lab : catalog) {
        static const std::regex number_re("[0-9]{1,2}");
        bool match = name == lab.slug || (std::regex_match(name, number_re) && std::stoi(name) == lab.number);
        if (match && !lab.error.empty()) throw ConfigError(lab.error);
        if (match) return lab;
    }
    std::string list;
    for (const auto& lab : catalog) list += (list.empty() ? "" : ", ") + std::to_string(lab.number);
    throw ConfigError("unknown lab \"" + name + "\": name a lab by number (" + list + ") or by folder, e.g. 04-log");
}

}  // namespace raftlab::grader
