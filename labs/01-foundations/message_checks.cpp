// message_checks.cpp: lab 1 part (a), the student's send_message/recv_message
// called directly over a local socket pair, against the framework's own framing.
//
// The other end of the pair is driven by the check: it writes frames encoded by
// raftlab/wire/frame.h in slices, reads slowly, interrupts the student's blocking
// calls with signals, or hangs up in the middle of a message.
#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "message_under_test.h"
#include "test_net.h"

namespace raftlab::lab01 {
namespace {

using foundations::recv_message;
using foundations::send_message;

/// Two connected stream sockets: `student` for the student's functions, `check`
/// for the check's side. Both are closed on destruction.
struct SocketPair {
    int student = -1, check = -1;
    SocketPair() {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw Problem("socketpair failed");
        student = fds[0], check = fds[1];
    }
    ~SocketPair() {
        if (student >= 0) ::close(student);
        if (check >= 0) ::close(check);
    }
    void close_check() { ::close(check), check = -1; }

    /// Runs a call of the student's code. If it throws, the student's end is shut
    /// down first, so the check's reader or writer thread stops at once.
    template <class Call>
    auto student_call(Call call) {
        try {
            return call();
        } catch (...) {
            ::shutdown(student, SHUT_RDWR);
            throw;
        }
    }
};

std::string binary_payload(std::size_t size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string s(size, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

std::vector<std::string> sample_payloads() {
    return {"hello", "", std::string("zero\0bytes\0inside", 17), binary_payload(1000, 1),
            std::string(70000, 'x'), binary_payload(300000, 2)};
}

/// Reads frames from `fd` with the framework decoder until `count` arrived or
/// `patience` ran out, reading at most `chunk` bytes at a time.
std::vector<std::string> read_frames(int fd, std::size_t count, std::size_t chunk,
                                     std::chrono::milliseconds patience) {
    wire::FrameDecoder decoder(64u * 1024u * 1024u);
    std::vector<std::string> frames;
    std::string buffer(chunk, '\0');
    auto deadline = Clock::now() + patience;
    while (frames.size() < count && Clock::now() < deadline) {
        auto r = decoder.next();
        if (r.status == wire::FrameDecoder::Status::frame) { frames.push_back(r.payload); continue; }
        if (r.status == wire::FrameDecoder::Status::error) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n <= 0) break;
        decoder.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
    return frames;
}

TEST(Message, roundTripsWholeMessages) {
    run_check([] {
        SocketPair pair;
        auto payloads = sample_payloads();
        std::vector<std::string> received;
        std::jthread reader([&] { received = read_frames(pair.check, payloads.size(), 65536, 20s); });
        for (const auto& p : payloads) pair.student_call([&] { send_message(pair.student, p); });
        reader.join();
        for (std::size_t i = 0; i < payloads.size(); ++i)
            if (i >= received.size() || received[i] != payloads[i])
                throw Problem("message #" + std::to_string(i + 1) + " sent with send_message(), " +
                              preview(payloads[i]) + ", did not arrive as one frame of a 4-byte "
                              "big-endian length followed by exactly those bytes.");
        std::jthread writer([&] {
            for (const auto& p : payloads) {
                std::string frame = wire::encode_frame(p);
                ::send(pair.check, frame.data(), frame.size(), MSG_NOSIGNAL);
            }
            pair.close_check();
        });
        for (std::size_t i = 0; i < payloads.size(); ++i) {
            auto got = pair.student_call([&] { return recv_message(pair.student); });
            if (!got || *got != payloads[i]) {
                ::shutdown(pair.student, SHUT_RDWR);  // unblocks the writer
                writer.join();
                throw Problem("recv_message() returned " + (got ? preview(*got) : std::string("nothing")) +
                              " for message #" + std::to_string(i + 1) + ", which was " + preview(payloads[i]) + ".");
            }
        }
        auto end = pair.student_call([&] { return recv_message(pair.student); });
        ::shutdown(pair.student, SHUT_RDWR);
        writer.join();
        if (end) throw Problem("after the sender closed the connection cleanly, recv_message() should return "
                               "std::nullopt, but it returned " + preview(*end) + ".");
    });
}

TEST(Message, recvAssemblesSlicedStream) {
    run_check([] {
        SocketPair pair;
        auto payloads = sample_payloads();
        payloads.resize(4);  // the small ones: slicing byte by byte takes a while
        std::string stream;
        for (const auto& p : payloads) stream += wire::encode_frame(p);
        std::jthread writer([&] {
            std::mt19937_64 rng(7);
            for (std::size_t at = 0; at < stream.size();) {
                std::size_t n = std::min<std::size_t>(1 + rng() % 3, stream.size() - at);
                if (::send(pair.check, stream.data() + at, n, MSG_NOSIGNAL) < 0) return;
                at += n;
                std::this_thread::sleep_for(std::chrono::microseconds(200 + rng() % 800));
            }
        });
        std::string problem;
        for (std::size_t i = 0; i < payloads.size() && problem.empty(); ++i) {
            auto got = pair.student_call([&] { return recv_message(pair.student); });
            if (!got || *got != payloads[i])
                problem = "when the stream arrives 1 to 3 bytes at a time, recv_message() returned " +
                          (got ? preview(*got) : std::string("nothing")) + " for message #" +
                          std::to_string(i + 1) + " instead of " + preview(payloads[i]) +
                          "; keep reading until the whole header and payload are in.";
        }
        ::shutdown(pair.student, SHUT_RDWR);  // a writer still sending gives up
        writer.join();
        if (!problem.empty()) throw Problem(problem);
    });
}

void ignore_signal(int) {}

/// Interrupts the student's code with SIGUSR1 every ~200 microseconds until stopped,
/// so its blocking send()/recv() calls return early (short counts or EINTR).
class SignalStorm {
public:
    explicit SignalStorm(StudentCode target) {
        struct sigaction action {};
        action.sa_handler = ignore_signal;  // no SA_RESTART: calls are interrupted
        ::sigaction(SIGUSR1, &action, nullptr);
        thread_ = std::thread([this, target] {
            while (!stop_) {
                target.signal(SIGUSR1);
                std::this_thread::sleep_for(200us);
            }
        });
    }
    ~SignalStorm() {
        stop_ = true;
        thread_.join();  // the handler stays installed: a late signal is harmless
    }

private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

TEST(Message, survivesPartialWritesAndSignals) {
    run_check([] {
        SocketPair pair;
        std::string big = binary_payload(8u * 1024u * 1024u, 3);
        std::vector<std::string> received;
        std::jthread reader([&] { received = read_frames(pair.check, 1, 4096, 30s); });
        {
            SignalStorm storm(StudentCode{});
            pair.student_call([&] { send_message(pair.student, big); });
        }
        reader.join();
        if (received.size() != 1 || received[0] != big)
            throw Problem("an 8 MiB message sent while signals interrupted send() did not arrive intact (" +
                          std::string(received.empty() ? "no whole frame" : "different bytes") +
                          "); loop until every byte is written and retry on EINTR.");
        std::jthread writer([&] {
            std::string frame = wire::encode_frame(big);
            for (std::size_t at = 0; at < frame.size(); at += 65536) {
                std::size_t n = std::min<std::size_t>(65536, frame.size() - at);
                if (::send(pair.check, frame.data() + at, n, MSG_NOSIGNAL) < 0) return;
                std::this_thread::sleep_for(100us);
            }
        });
        std::optional<std::string> got;
        {
            SignalStorm storm(StudentCode{});
            got = pair.student_call([&] { return recv_message(pair.student); });
        }
        ::shutdown(pair.student, SHUT_RDWR);
        writer.join();
        if (!got || *got != big)
            throw Problem("an 8 MiB message received while signals interrupted recv() came back " +
                          std::string(got ? "with different bytes" : "as nothing") +
                          "; retry on EINTR and keep reading until the payload is complete.");
    });
}

/// What recv_message() does when the peer sends `bytes` and then hangs up.
std::string outcome_of_hangup(const std::string& bytes) {
    SocketPair pair;
    ::send(pair.check, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    pair.close_check();
    try {
        auto got = pair.student_call([&] { return recv_message(pair.student); });
        return got ? "returned the message " + preview(*got) : "returned std::nullopt";
    } catch (const foundations::MessageError&) {
        return "";
    }
}

TEST(Message, rejectsTruncatedAndOversizedMessages) {
    run_check([] {
        std::string frame = wire::encode_frame(std::string(100, 'a'));
        struct Case { std::string what, bytes; };
        std::vector<Case> cases{{"2 bytes of a header", frame.substr(0, 2)},
                                {"a header announcing 100 bytes and then only 10 of them", frame.substr(0, 14)}};
        for (const auto& c : cases) {
            std::string wrong = outcome_of_hangup(c.bytes);
            if (!wrong.empty())
                throw Problem("when the peer sends " + c.what + " and hangs up, recv_message() must throw "
                              "MessageError, but it " + wrong + ".");
        }
        SocketPair pair;
        std::string huge_header("\x7f\xff\xff\xff", 4);
        ::send(pair.check, huge_header.data(), huge_header.size(), MSG_NOSIGNAL);
        std::atomic<bool> done{false};
        std::jthread closer([&] {  // hangs up after 2 s, in case the student waits for the payload
            for (int i = 0; i < 40 && !done; ++i) std::this_thread::sleep_for(50ms);
            ::shutdown(pair.check, SHUT_RDWR);
        });
        std::string wrong;
        try {
            auto got = pair.student_call([&] { return recv_message(pair.student); });
            done = true;
            wrong = got ? "returned a message" : "returned std::nullopt";
        } catch (const foundations::MessageError&) {
            done = true;
        } catch (const std::bad_alloc&) {
            wrong = "tried to allocate the whole announced size";
        }
        closer.join();
        if (!wrong.empty())
            throw Problem("a header announcing 2 GiB (more than max_message_size) must make recv_message() "
                          "throw MessageError, but it " + wrong + ".");
    });
}

}  // namespace
}  // namespace raftlab::lab01
