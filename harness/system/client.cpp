// client.cpp: the lab 10 client (contract in raftlab/kv/client.h).
//
// Plain blocking sockets with poll() for every deadline: a client is one thread
// doing one request at a time, so an event loop would add nothing but code. After a
// timeout the connection is closed rather than reused, so a late answer to an old
// request can never be mistaken for the answer to a new one.
#include "raftlab/kv/client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "raftlab/net/socket.h"
#include "raftlab/wire/frame.h"

namespace raftlab::kv {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using net::wait_for;
int remaining_ms(Clock::time_point deadline) { return net::ms_left(deadline); }

std::string describe(const Endpoint& e) { return e.host + ":" + std::to_string(e.port); }

/// A connected, non-blocking socket, or -1 with `error` set.
int connect_to(const Endpoint& server, Clock::time_point deadline, std::string& error) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(server.port));
    if (::inet_pton(AF_INET, server.host.c_str(), &addr.sin_addr) != 1) {
        error = "\"" + server.host + "\" is not an IPv4 address";
        return -1;
    }
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
        error = "connect to " + describe(server) + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    if (!wait_for(fd, POLLOUT, deadline)) {
        error = "connect to " + describe(server) + ": timed out";
        ::close(fd);
        return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        error = "connect to " + describe(server) + ": " + std::strerror(err);
        ::close(fd);
        return -1;
    }
    return fd;
}

bool write_all(int fd, const std::string& bytes, Clock::time_point deadline, std::string& error) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!wait_for(fd, POLLOUT, deadline)) {
                error = "send timed out";
                return false;
            }
        } else {
            error = std::string("send: ") + std::strerror(errno);
            return false;
        }
    }
    return true;
}

/// Reads one whole frame's payload.
std::optional<std::string> read_frame(int fd, wire::FrameDecoder& decoder, Clock::time_point deadline,
                                      std::string& error) {
    char buffer[16384];
    for (;;) {
        auto r = decoder.next();
        if (r.status == wire::FrameDecoder::Status::frame) return std::move(r.payload);
        if (r.status == wire::FrameDecoder::Status::error) {
            error = "malformed reply: " + r.error;
            return std::nullopt;
        }
        if (!wait_for(fd, POLLIN, deadline)) {
            error = "no answer in time";
            return std::nullopt;
        }
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            decoder.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
        } else if (n == 0) {
            error = "connection closed by the server";
            return std::nullopt;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            error = std::string("recv: ") + std::strerror(errno);
            return std::nullopt;
        }
    }
}

}  // namespace

struct Client::Connection {
    int fd = -1;
    wire::FrameDecoder decoder;
    ~Connection() {
        if (fd >= 0) ::close(fd);
    }
};

Client::Client(std::vector<Endpoint> servers, std::string client_id, ClientOptions options)
    : servers_(std::move(servers)), id_(std::move(client_id)), options_(options) {
    connections_.resize(servers_.size());
}

Client::~Client() = default;

std::optional<std::string> Client::round_trip(NodeId server, const std::string& payload, milliseconds timeout,
                                              std::string& error) {
    if (server < 0 || static_cast<std::size_t>(server) >= servers_.size()) {
        error = "no server " + std::to_string(server);
        return std::nullopt;
    }
    auto deadline = Clock::now() + timeout;
    auto& c = connections_[static_cast<std::size_t>(server)];
    if (!c) {
        auto fresh = std::make_unique<Connection>();
        fresh->fd = connect_to(servers_[static_cast<std::size_t>(server)], deadline, error);
        if (fresh->fd < 0) return std::nullopt;
        c = std::move(fresh);
    }
    std::optional<std::string> answer;
    if (write_all(c->fd, wire::encode_frame(payload), deadline, error))
        answer = read_frame(c->fd, c->decoder, deadline, error);
    if (!answer) c.reset();  // never reuse a connection that may still carry an old answer
    return answer;
}

std::optional<ClientReply> Client::send_once(NodeId server, const ClientRequest& request, milliseconds timeout,
                                             std::string* error) {
    std::string why;
    auto text = round_trip(server, encode(request), timeout, why);
    if (text) {
        auto reply = decode_server_reply(*text);
        if (!reply) {
            why = "unreadable reply from n" + std::to_string(server) + ": " + reply.error;
        } else if (auto* r = std::get_if<ClientReply>(&*reply.value)) {
            if (r->client == request.client && r->seq == request.seq) return *r;
            why = "n" + std::to_string(server) + " answered another request (" + r->client + " #" + std::to_string(r->seq) + ")";
        } else {
            why = "n" + std::to_string(server) + " answered a kv_request with a status";
        }
        connections_[static_cast<std::size_t>(server)].reset();
    }
    if (error) *error = why;
    return std::nullopt;
}

Result Client::execute(Op op, const std::string& key, const std::string& value) {
    ClientRequest request{id_, ++seq_, op, key, value};
    return execute(request);
}

Result Client::execute(const ClientRequest& request) {
    Result result;
    if (servers_.empty()) {
        result.error = "no servers to send to";
        return result;
    }
    if (request.seq > seq_) seq_ = request.seq;
    auto deadline = Clock::now() + options_.deadline;
    const NodeId n = static_cast<NodeId>(servers_.size());
    NodeId target = (leader_ >= 0 && leader_ < n) ? leader_ : 0;
    while (Clock::now() < deadline) {
        auto timeout = std::min<milliseconds>(options_.attempt_timeout, milliseconds(remaining_ms(deadline) + 1));
        ++result.attempts;
        std::string why;
        auto reply = send_once(target, request, timeout, &why);
        bool pause = true;
        if (reply && reply->status == ReplyStatus::ok) {
            leader_ = target;
            result.outcome = history::Outcome::ok;
            result.value = reply->value;
            result.served_by = target;
            result.error.clear();
            return result;
        }
        if (reply && reply->status == ReplyStatus::error) {
            // The server says the request itself is bad: resending cannot help, and it
            // was not applied.
            result.outcome = history::Outcome::failed;
            result.error = "n" + std::to_string(target) + ": " + reply->error;
            return result;
        }
        if (reply) {  // not_leader
            result.error = "n" + std::to_string(target) + " is not the leader";
            if (reply->leader >= 0 && reply->leader < n && reply->leader != target) {
                target = reply->leader;
                pause = false;  // a fresh hint: follow it at once
            } else {
                target = (target + 1) % n;
            }
        } else {
            result.error = why;
            target = (target + 1) % n;
        }
        leader_ = target;
        if (pause) std::this_thread::sleep_for(std::min<milliseconds>(options_.backoff, milliseconds(remaining_ms(deadline))));
    }
    result.outcome = history::Outcome::indeterminate;
    if (result.error.empty()) result.error = "no answer before the deadline";
    result.error += " (gave up after " + std::to_string(result.attempts) + " attempts)";
    return result;
}

std::optional<StatusReply> query_status(const Endpoint& server, milliseconds timeout, std::string* error) {
    auto deadline = Clock::now() + timeout;
    std::string why;
    std::optional<StatusReply> out;
    int fd = connect_to(server, deadline, why);
    if (fd >= 0) {
        wire::FrameDecoder decoder;
        if (write_all(fd, wire::encode_frame(encode(StatusRequest{})), deadline, why)) {
            if (auto text = read_frame(fd, decoder, deadline, why)) {
                auto reply = decode_server_reply(*text);
                if (reply && std::holds_alternative<StatusReply>(*reply.value))
                    out = std::get<StatusReply>(*reply.value);
                else
                    why = reply ? "answered a status request with a kv_reply" : "unreadable status: " + reply.error;
            }
        }
        ::close(fd);
    }
    if (!out && error) *error = why;
    return out;
}

namespace {
/// One request, one answer, on a fresh connection.
std::optional<ClientReply> ask_once(const Endpoint& server, const std::string& frame, Clock::time_point deadline,
                                    std::string& why) {
    std::optional<ClientReply> out;
    int fd = connect_to(server, deadline, why);
    if (fd < 0) return out;
    wire::FrameDecoder decoder;
    if (write_all(fd, wire::encode_frame(frame), deadline, why)) {
        if (auto text = read_frame(fd, decoder, deadline, why)) {
            auto reply = decode_server_reply(*text);
            if (reply && std::holds_alternative<ClientReply>(*reply.value))
                out = std::get<ClientReply>(*reply.value);
            else
                why = reply ? "answered a membership request with a status" : "unreadable answer: " + reply.error;
        }
    }
    ::close(fd);
    return out;
}
}  // namespace

std::optional<ClientReply> change_membership(const std::vector<Endpoint>& servers, const MembershipRequest& request,
                                             milliseconds timeout, std::string* error) {
    const auto deadline = Clock::now() + timeout;
    const std::string frame = encode(request);
    std::optional<ClientReply> last;
    std::string why = "no server answered";
    while (Clock::now() < deadline) {
        // The leader: the one that says so in the highest term.
        NodeId leader = kNoNode;
        Term best = 0;
        for (std::size_t i = 0; i < servers.size(); ++i) {
            auto st = query_status(servers[i], milliseconds(300));
            if (st && st->role == Role::leader && (leader == kNoNode || st->term > best)) {
                leader = static_cast<NodeId>(i);
                best = st->term;
            }
        }
        if (leader != kNoNode) {
            const auto answer_by = std::min(deadline, Clock::now() + milliseconds(10000));
            last = ask_once(servers[static_cast<std::size_t>(leader)], frame, answer_by, why);
            if (last && last->status == ReplyStatus::ok) return last;
            // A refusal that is not "retry later" will not change by retrying.
            if (last && last->status == ReplyStatus::error && last->error.rfind("refused", 0) != 0) return last;
        }
        std::this_thread::sleep_for(milliseconds(100));
    }
    if (!last && error) *error = why;
    return last;
}

history::KvClientFactory client_factory(std::vector<Endpoint> servers, ClientOptions options) {
    class Adapter final : public history::KvClient {
    public:
        Adapter(std::vector<Endpoint> servers, const std::string& id, ClientOptions options)
            : client_(std::move(servers), id, options) {}
        history::Reply execute(const history::Request& request) override {
            Result r = client_.execute(ClientRequest{request.client, request.seq, request.kind, request.key,
                                                     request.value});
            return history::Reply{r.outcome, r.value, r.error};
        }

    private:
        Client client_;
    };
    return [servers = std::move(servers), options](const std::string& id) -> std::unique_ptr<history::KvClient> {
        return std::make_unique<Adapter>(servers, id, options);
    };
}

}  // namespace raftlab::kv
