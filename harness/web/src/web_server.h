// web_server.h: the demo's web server on 127.0.0.1 (Boost.Beast, C++20 coroutines).
//
//   GET  /             the page (one HTML document with its styles and script inline)
//   GET  /events       Server-Sent Events: a "hello" object, then one state frame per
//                      message (see demo.h); a slow reader loses old frames, not new ones
//   GET  /api/state    the newest frame, for scripts
//   POST /api/action   a control, e.g. {"action":"kill","node":1}: {"ok":true}, or 400
//                      with {"ok":false,"error":"..."}
//
// Everything runs on the io_context the caller runs; broadcast() may be called from
// any thread.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace raftlab::web {

class Demo;

/// The port cannot be bound; what() names who holds it and the fix.
class PortError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class WebServer {
public:
    /// Binds 127.0.0.1:port (0: any free port) at once, so a port in use is reported
    /// before anything slow starts. Throws PortError.
    WebServer(boost::asio::io_context& io, int port);
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    int port() const;
    /// Starts accepting; the demo answers the page's requests.
    void serve(Demo& demo, std::string page);
    /// Sends one frame to every connected page. Thread-safe.
    void broadcast(std::string frame);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace raftlab::web
