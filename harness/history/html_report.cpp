// The HTML page for illegal histories (see raftlab/history/report.h).
#include "raftlab/history/report.h"

#include "raftlab/text/html_escape.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

namespace raftlab::history {
namespace {

using text::html_escape;

std::string label(const Operation& op) {
    std::string text = std::string(to_string(op.kind));
    if (op.kind == OpKind::put || op.kind == OpKind::append) text += " " + op.value;
    if (op.kind == OpKind::get) text += op.outcome != Outcome::ok ? " ?" : op.output ? " -> " + *op.output : " -> absent";
    return text;
}

/// The operations to draw: all of them for a small key, else the ones nearest in
/// time to the operation that could not be placed (a page must stay readable).
std::vector<std::size_t> shown_ops(const History& h, const KeyFailure& f, std::size_t limit = 120) {
    std::vector<std::size_t> ops = f.ops;
    if (ops.size() <= limit) return ops;
    std::int64_t at = h[f.stuck_op].invoke_us;
    std::sort(ops.begin(), ops.end(), [&](std::size_t a, std::size_t b) {
        return std::llabs(h[a].invoke_us - at) < std::llabs(h[b].invoke_us - at);
    });
    ops.resize(limit);
    return ops;
}

void render_key(std::ostringstream& html, const History& h, const KeyFailure& f) {
    std::map<std::string, int> lane;
    std::int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    const std::vector<std::size_t> shown = shown_ops(h, f);
    for (std::size_t i : shown) {
        lane.emplace(h[i].client, 0);
        t0 = std::min(t0, h[i].invoke_us);
        t1 = std::max(t1, h[i].outcome == Outcome::ok ? h[i].return_us : h[i].invoke_us);
    }
    t1 = std::max(t1 + (t1 - t0) / 10 + 1, t0 + 1);  // room for indeterminate ops
    int n = 0;
    for (auto& [client, index] : lane) index = n++;
    std::map<std::size_t, std::size_t> order;
    for (std::size_t k = 0; k < f.linearized.size(); ++k) order[f.linearized[k]] = k + 1;
    const double width = 1200, row = 34, left = 90;
    auto x = [&](std::int64_t t) { return left + (width - left - 10) * double(t - t0) / double(t1 - t0); };
    html << "<h2>key " << html_escape(f.key) << "</h2>\n<p class=why>" << html_escape(f.explanation) << "</p>\n";
    html << "<svg width=\"" << width << "\" height=\"" << row * n + 30 << "\">\n";
    for (auto& [client, index] : lane)
        html << "<text x=4 y=" << row * index + 22 << ">" << html_escape(client) << "</text>\n";
    if (shown.size() < f.ops.size())
        html << "<p>showing the " << shown.size() << " of " << f.ops.size()
             << " operations on this key nearest in time to the red one</p>\n";
    for (std::size_t i : shown) {
        const Operation& op = h[i];
        double a = x(op.invoke_us), b = op.outcome == Outcome::ok ? x(op.return_us) : x(t1);
        std::string cls = i == f.stuck_op ? "stuck" : order.count(i) ? "lin" : "other";
        if (op.outcome != Outcome::ok) cls += " indet";
        double y = row * lane[op.client] + 6;
        html << "<g class=\"" << cls << "\"><title>" << html_escape(op.client + " #" + std::to_string(op.seq) + " " + label(op)) << " ["
             << op.invoke_us << ", " << (op.outcome == Outcome::ok ? std::to_string(op.return_us) : "?") << "] us</title>"
             << "<rect x=" << a << " y=" << y << " width=" << std::max(2.0, b - a) << " height=22 rx=3 />"
             << "<text x=" << a + 3 << " y=" << y + 15 << ">" << (order.count(i) ? std::to_string(order[i]) + ". " : "")
             << html_escape(label(op)) << "</text></g>\n";
    }
    html << "<text x=" << left << " y=" << row * n + 24 << " class=axis>" << t0 << " us</text>"
         << "<text x=" << width - 120 << " y=" << row * n + 24 << " class=axis>" << t1 << " us</text></svg>\n";
    html << "<h3>the longest order that works (last 50 steps)</h3><ol start=" << (f.linearized.size() > 50 ? f.linearized.size() - 49 : 1) << ">";
    for (std::size_t k = f.linearized.size() > 50 ? f.linearized.size() - 50 : 0; k < f.linearized.size(); ++k)
        if (std::size_t i = f.linearized[k]; true) html << "<li>" << html_escape(h[i].client + " #" + std::to_string(h[i].seq) + " " + label(h[i])) << "</li>";
    const Operation& stuck = h[f.stuck_op];
    html << "</ol><p>then <b class=bad>" << html_escape(stuck.client + " #" + std::to_string(stuck.seq) + " " + label(stuck))
         << "</b> cannot be placed: it returned at " << stuck.return_us << " us.</p>\n";
}

}  // namespace

std::string render_html(const History& history, const LinearizabilityResult& result, const std::string& title) {
    std::ostringstream html;
    html << "<!doctype html><html><head><meta charset=utf-8><title>" << html_escape(title) << "</title><style>"
         << "body{font-family:sans-serif;margin:20px}svg{border:1px solid #ccc;background:#fafafa}"
         << "text{font-size:11px;font-family:monospace}.lin rect{fill:#b7e4b7;stroke:#2a7a2a}"
         << ".stuck rect{fill:#f4a6a6;stroke:#b00;stroke-width:2}.other rect{fill:#ddd;stroke:#888}"
         << ".indet rect{stroke-dasharray:4 3}.why{max-width:1100px}.bad{color:#b00}.axis{fill:#666}"
         << "</style></head><body><h1>" << html_escape(title) << "</h1>\n<p>verdict: <b>" << to_string(result.verdict) << "</b>, "
         << result.operations << " operations on " << result.keys << " keys, checked in " << result.elapsed.count()
         << " ms. Green: a valid order (numbered). Red: the operation no order explains. Dashed: indeterminate. "
         << "Hover an operation for its client, sequence number and times.</p>\n";
    for (const auto& f : result.failures) render_key(html, history, f);
    if (result.failures.empty()) html << "<p>No illegal key.</p>";
    html << "</body></html>\n";
    return html.str();
}

}  // namespace raftlab::history
