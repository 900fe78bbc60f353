// raftlab/net/loopback_http.h: who may talk to raftlab's local HTTP endpoints (the
// demo's API and the fault proxy's control).
//
// Both listen on 127.0.0.1 only, but a web page the presenter opens can still reach
// them through the browser: by DNS rebinding (its own host name resolving to
// 127.0.0.1; the Host header then still names that site) or by a plain cross-site
// request (a form or fetch with a "simple" content type, which needs no CORS
// preflight; the Origin header then names that site). An endpoint refuses both, and
// accepts calls that change anything only as application/json, which a page of
// another site cannot send without a preflight that is never answered.
#pragma once

#include <string_view>

namespace raftlab::net {

/// Whether an HTTP Host header names this machine's loopback: 127.0.0.1, localhost
/// or [::1], with any port. An empty Host (HTTP/1.0) is accepted.
inline bool loopback_host(std::string_view host) {
    const auto colon = host.rfind(':');
    const bool bracketed_v6 = !host.empty() && host.front() == '[';
    std::string_view name = host;
    if (colon != std::string_view::npos && (!bracketed_v6 || host.find(']') < colon)) name = host.substr(0, colon);
    return name.empty() || name == "127.0.0.1" || name == "localhost" || name == "[::1]";
}

/// Whether an Origin header is absent (not a browser, or a same-origin GET) or names a
/// page served from this machine's loopback over http.
inline bool loopback_origin(std::string_view origin) {
    if (origin.empty()) return true;
    constexpr std::string_view scheme = "http://";
    if (origin.substr(0, scheme.size()) != scheme) return false;
    return loopback_host(origin.substr(scheme.size()));
}

}  // namespace raftlab::net
