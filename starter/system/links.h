// system/links.h: the runtime's connections (lab 10): the link this server opens to
// each peer, and the write side of a client connection. They only move bytes; what
// the bytes mean is system/runtime.cpp's business. Each lives on the runtime's single
// thread, so none of them needs a lock.
//
// This is a suggested shape, not a contract: nothing outside your own runtime uses
// these classes, so change them freely. Write the bodies here (inline) or in
// system/runtime.cpp, and add the private members you need.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "raftlab/kv/system.h"
#include "raftlab/raft/types.h"

namespace raftlab::kv {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// One line per notable event on stdout (role and term changes, recovery, a link that
/// breaks). The checks keep these logs for you; stamp each line with the time and the
/// server's id so the logs of several servers can be read side by side.
class EventLog {
public:
    explicit EventLog(NodeId id);
    void operator()(const std::string& line) const;
};

/// The connection this server opens to send to one peer (the peer answers over its own
/// link to us, so this one only writes).
///   * start(): connect to `where`. When the connection fails or breaks, log it once,
///     wait (a short backoff: 20 ms doubling up to about 200 ms, so a restarted peer
///     hears its leader before its election timeout), and connect again.
///   * send(): queue one frame (wire::append_frame) and write it when possible. While
///     disconnected, drop it: Raft resends whatever matters. Bound the queue too; a
///     stalled peer must not eat the server's memory.
///   * Only one async_write in flight per socket; frames sent meanwhile wait in the
///     queue and go out together in the next write.
///   * A read completing on this socket means the peer closed it (or misbehaved): treat
///     it as broken.
class PeerLink {
public:
    PeerLink(asio::io_context& io, const EventLog& log, NodeId peer, const Endpoint& where);
    void start();
    void send(std::string_view payload);
};

/// The write side of one client connection. Replies can be ready out of order (a
/// status at once, a put only when committed), but the protocol answers requests in
/// the order they arrived. So each request takes a numbered slot when it arrives
/// (open_slot()), its reply fills that slot (fill()), and a reply is written only once
/// every earlier slot has been. Owned through shared_ptr: a reply that becomes ready
/// after the client left must find the session gone (weak_ptr), not dangling.
class ClientSession : public std::enable_shared_from_this<ClientSession> {
public:
    explicit ClientSession(tcp::socket socket);
    tcp::socket& socket();
    std::uint64_t open_slot();
    void fill(std::uint64_t slot, std::string payload);
};

}  // namespace raftlab::kv
