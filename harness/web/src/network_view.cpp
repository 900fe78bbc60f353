// network_view.cpp: cuts and faults as the page shows them, from the proxy's links
// (contract in network_view.h).
#include "network_view.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace raftlab::web {

namespace json = boost::json;
using proxy::DirectionFaults;

int node_index(const std::string& name) {
    if (name.size() < 2 || name[0] != 'n') return -1;
    for (std::size_t i = 1; i < name.size(); ++i)
        if (name[i] < '0' || name[i] > '9') return -1;
    return std::atoi(name.c_str() + 1);
}

namespace {

int latency_ms(const DirectionFaults& f) {
    return static_cast<int>(std::lround(static_cast<double>(f.bytes.latency.count()) / 1000.0));
}

/// Whether `f` has a fault the page's sliders cannot show (anything but drop and latency).
bool has_other(DirectionFaults f) {
    f.frames.drop = 0;
    f.bytes.latency = {};
    return f.any();
}

/// Every direction of every link between two servers, with the servers it joins.
struct Direction {
    int from = -1, to = -1;  ///< the link's ends ("ni->nj": i and j)
    const DirectionFaults* faults = nullptr;
};

std::vector<Direction> server_directions(const std::vector<proxy::LinkStatus>& links, int n) {
    std::vector<Direction> out;
    for (const auto& l : links) {
        int from = node_index(l.spec.from), to = node_index(l.spec.to);
        if (from < 0 || to < 0 || from >= n || to >= n) continue;
        out.push_back({from, to, &l.forward});
        out.push_back({from, to, &l.backward});
    }
    return out;
}

/// The faults every direction in `dirs` carries, when they all carry the same ones and
/// there are some.
std::optional<DirectionFaults> common_faults(const std::vector<const DirectionFaults*>& dirs) {
    if (dirs.empty() || !dirs.front()->any()) return std::nullopt;
    for (const auto* f : dirs)
        if (!(*f == *dirs.front())) return std::nullopt;
    return *dirs.front();
}

json::object faults_json(const DirectionFaults& f) {
    return {{"drop", f.frames.drop}, {"latency_ms", latency_ms(f)}, {"other", has_other(f)}};
}

std::string percent(double p) { return std::to_string(static_cast<int>(std::lround(p * 100))) + " %"; }

std::string words(double drop, int latency, bool other) {
    return "drop " + percent(drop) + ", latency " + std::to_string(latency) + " ms" +
           (other ? " and more (./raftlab proxy status shows all)" : "");
}

std::string words(const DirectionFaults& f) { return words(f.frames.drop, latency_ms(f), has_other(f)); }

}  // namespace

FaultSummary summarize_faults(const std::vector<proxy::LinkStatus>& links, int n) {
    FaultSummary s;
    const auto dirs = server_directions(links, n);
    std::vector<const DirectionFaults*> every;
    for (const auto& d : dirs) every.push_back(d.faults);
    s.all = common_faults(every);
    if (!s.all)
        for (int i = 0; i < n; ++i) {
            std::vector<const DirectionFaults*> mine;
            for (const auto& d : dirs)
                if (d.from == i || d.to == i) mine.push_back(d.faults);
            if (auto f = common_faults(mine)) s.nodes[i] = *f;
        }
    for (int a = 0; a < n; ++a)
        for (int b = a + 1; b < n; ++b) {
            std::vector<const DirectionFaults*> between;
            for (const auto& d : dirs)
                if ((d.from == a && d.to == b) || (d.from == b && d.to == a)) between.push_back(d.faults);
            if (std::none_of(between.begin(), between.end(), [](const auto* f) { return f->any(); })) continue;
            FaultSummary::Pair p{.a = a, .b = b};
            for (const auto* f : between) {
                p.drop = std::max(p.drop, f->frames.drop);
                p.latency_ms = std::max(p.latency_ms, latency_ms(*f));
                p.uniform = p.uniform && *f == *between.front();
                p.other = p.other || has_other(*f);
            }
            s.pairs.push_back(p);
        }
    return s;
}

json::object to_json(const FaultSummary& s) {
    json::object nodes;
    for (const auto& [i, f] : s.nodes) nodes[std::to_string(i)] = faults_json(f);
    json::array pairs;
    for (const auto& p : s.pairs)
        pairs.push_back(json::object{{"a", p.a}, {"b", p.b}, {"drop", p.drop}, {"latency_ms", p.latency_ms},
                                     {"uniform", p.uniform}, {"other", p.other}});
    return {{"all", s.all ? json::value(faults_json(*s.all)) : json::value(nullptr)},
            {"nodes", std::move(nodes)},
            {"pairs", std::move(pairs)}};
}

std::string describe(const FaultSummary& s) {
    if (s.all) return "every link between servers: " + words(*s.all);
    std::string out;
    auto add = [&out](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
    for (const auto& [i, f] : s.nodes) add("links of n" + std::to_string(i) + ": " + words(f));
    for (const auto& p : s.pairs) {
        if (s.nodes.contains(p.a) || s.nodes.contains(p.b)) continue;  // said with its server
        add("n" + std::to_string(p.a) + "-n" + std::to_string(p.b) + ": " + words(p.drop, p.latency_ms, p.other) +
            (p.uniform ? "" : " (not the same in every direction)"));
    }
    return out.empty() ? "no faults on the links between servers" : out;
}

void add_cuts(const std::vector<proxy::LinkStatus>& links, int n, json::object& frame) {
    const auto size = static_cast<std::size_t>(n);
    std::vector<std::vector<bool>> cut(size, std::vector<bool>(size, false));
    json::array client_blocked(size, false);
    for (const auto& l : links) {
        int from = node_index(l.spec.from), to = node_index(l.spec.to);
        if (to < 0 || to >= n || from >= n) continue;
        if (from < 0) {
            client_blocked[static_cast<std::size_t>(to)] = l.cut_forward || l.cut_backward || l.down;
            continue;
        }
        if (l.cut_forward || l.down) cut[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)] = true;
        if (l.cut_backward || l.down) cut[static_cast<std::size_t>(to)][static_cast<std::size_t>(from)] = true;
    }
    json::array blocked;
    for (const auto& row : cut) {
        json::array r;
        for (bool b : row) r.push_back(b);
        blocked.push_back(std::move(r));
    }
    frame["blocked"] = std::move(blocked);
    frame["client_blocked"] = std::move(client_blocked);
}

}  // namespace raftlab::web
