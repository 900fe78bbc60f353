// html.cpp: assembling the timeline page: the recorded events as JSON, inside a page
// that carries its own styles and drawing script (assets/, embedded at build time).
#include "raftlab/timeline/html.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "raftlab/raft/node.h"
#include "raftlab/text/html_escape.h"

namespace raftlab::timeline {

// Defined in the file CMake generates from assets/ (see embed_assets.cmake).
extern const char* const kPageStyle;
extern const char* const kPageScript;

namespace {

/// Text placed inside <script> or <style> must never contain "</": a detail such as
/// "</script>" would otherwise end the element early. JSON allows "<\/" for "</".
std::string script_safe(std::string text) {
    for (std::size_t at = text.find("</"); at != std::string::npos; at = text.find("</", at + 3))
        text.replace(at, 2, "<\\/");
    return text;
}

/// One event as a compact array, in the order the script reads it:
/// [time_us, node, role, term, kind, peer, message_id, detail].
boost::json::array event_json(const sim::TimelineEvent& e) {
    return boost::json::array{e.time,
                              e.node,
                              role_name(e.role),
                              e.term,
                              sim::kind_name(e.kind),
                              e.peer,
                              e.message_id,
                              e.detail};
}

/// One state change as a compact array, in the order the script reads it:
/// [event, node, 0] for a server that is down, otherwise
/// [event, node, 1, role, term, voted_for, leader_id, commit_index, last_applied,
///  log_kept, [term, command, term, command, ...] (the entries after the first
///  log_kept of the server's last log while it was up),
///  next_index[], match_index[]] (the last two on a leader only).
boost::json::array state_json(const sim::StateChange& c) {
    const sim::ServerState& s = c.state;
    boost::json::array a{c.event, c.node, s.up ? 1 : 0};
    if (!s.up) return a;
    boost::json::array added;
    added.reserve(s.log.size() * 2);
    for (const sim::EntrySummary& e : s.log) {
        added.push_back(e.term);
        added.push_back(boost::json::string(e.command));
    }
    a.push_back(boost::json::string(std::string_view(role_name(s.role), 1)));
    a.push_back(s.term);
    a.push_back(s.voted_for);
    a.push_back(s.leader_id);
    a.push_back(s.commit_index);
    a.push_back(s.last_applied);
    a.push_back(c.log_kept);
    a.push_back(std::move(added));
    if (!s.next_index.empty() || !s.match_index.empty()) {
        a.push_back(boost::json::array(s.next_index.begin(), s.next_index.end()));
        a.push_back(boost::json::array(s.match_index.begin(), s.match_index.end()));
    }
    return a;
}

/// The number of servers: one more than the highest id any event names.
int server_count(const sim::Timeline& timeline) {
    int highest = -1;
    for (const sim::TimelineEvent& e : timeline.events()) highest = std::max({highest, e.node, e.peer});
    for (const sim::StateChange& c : timeline.state_changes()) highest = std::max(highest, c.node);
    return highest + 1;
}

}  // namespace

std::string render_html(const sim::Timeline& timeline, const PageInfo& info) {
    boost::json::array events;
    events.reserve(timeline.events().size());
    for (const sim::TimelineEvent& e : timeline.events()) events.push_back(event_json(e));
    boost::json::object data;
    data["title"] = info.title;
    data["failure"] = info.failure;
    data["servers"] = server_count(timeline);
    data["events"] = std::move(events);
    boost::json::array states;
    states.reserve(timeline.state_changes().size());
    for (const sim::StateChange& c : timeline.state_changes()) states.push_back(state_json(c));
    data["states"] = std::move(states);

    const std::string title = info.title.empty() ? "raftlab timeline" : info.title;
    std::string page;
    page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    page += "<title>" + text::html_escape(title) + "</title>\n";
    page += "<style>\n" + script_safe(kPageStyle) + "</style>\n</head>\n<body>\n";
    page += "<noscript>This timeline is drawn by a script; enable JavaScript to see it.</noscript>\n";
    page += "<script type=\"application/json\" id=\"timeline-data\">" +
            script_safe(boost::json::serialize(data)) + "</script>\n";
    page += "<script>\n" + script_safe(kPageScript) + "</script>\n</body>\n</html>\n";
    return page;
}

void write_html(const sim::Timeline& timeline, const PageInfo& info,
                const std::filesystem::path& path) {
    std::error_code ignored;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ignored);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(fmt::format("cannot write the HTML timeline to {}", path.string()));
    out << render_html(timeline, info);
    if (!out.flush())
        throw std::runtime_error(fmt::format("writing the HTML timeline to {} failed", path.string()));
}

std::string title_from_environment() {
    auto get = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    std::string lab = get("RAFTLAB_LAB");
    while (lab.size() > 1 && lab[0] == '0') lab.erase(0, 1);
    std::string title;
    auto add = [&](const std::string& part) { title += (title.empty() ? "" : " \xC2\xB7 ") + part; };
    if (!lab.empty()) add("lab " + lab);
    if (!get("RAFTLAB_CHECK").empty()) add(get("RAFTLAB_CHECK"));
    if (!get("RAFTLAB_SEED").empty()) add("seed " + get("RAFTLAB_SEED"));
    return title.empty() ? "raftlab timeline" : "raftlab \xC2\xB7 " + title;
}

}  // namespace raftlab::timeline
