// remote_storage.cpp: the judge's side of the storage host (raftlab/host/remote_storage.h).
#include "raftlab/host/remote_storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "raftlab/host/process.h"
#include "raftlab/host/serve.h"
#include "storage_protocol.h"

namespace raftlab::host {
namespace {
namespace p = raftlab::host::storage;

Writer request(std::uint8_t op) {
    Writer w;
    w.u8(op);
    return w;
}

PersistentState read_state(Reader& r) {
    PersistentState s;
    s.current_term = r.u64();
    s.voted_for = r.i32();
    s.log = r.entries();
    return s;
}

}  // namespace

StorageBoot::StorageBoot(const std::string& program, std::chrono::milliseconds call_timeout)
    : process_(std::make_unique<HostProcess>(program, call_timeout)) {}

StorageBoot::~StorageBoot() = default;

/// Sends `request`, waits for the answer; the student's exception becomes
/// StorageThrew, anything malformed a HostError.
template <class Read>
auto StorageBoot::call(const char* what, const std::string& request, Read read) {
    if (!request.empty()) {  // empty: the reply to a request already sent
        Writer w;
        w.bytes() = request;
        process_->send(w);
    }
    const std::string frame = process_->receive(what);
    try {
        Reader r(frame);
        const std::uint8_t kind = r.u8();
        if (kind != 0) {
            if (kind > static_cast<std::uint8_t>(ExceptionKind::not_std))
                throw ProtocolError("unknown exception kind " + std::to_string(kind));
            std::string message = r.str();
            if (message.size() > 4096) message = message.substr(0, 4096) + "...";
            throw StorageThrew(what, message);
        }
        auto v = read(r);
        r.finish();
        return v;
    } catch (const ProtocolError& e) {
        process_->fail(std::string("its process broke the protocol with the checks during ") + what + " (" +
                       e.what() + ")");
    }
}

Recovered StorageBoot::open(const std::filesystem::path& data_dir, const std::filesystem::path& journal) {
    const char* what = "Storage(data_dir)";
    const int dir = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) throw std::runtime_error("cannot open " + data_dir.string() + ": " + std::strerror(errno));
    Writer w = request(p::kOpen);
    w.str(std::filesystem::relative(journal, data_dir).string());
    try {
        process_->send(w);
        const std::string ready = process_->receive(what);
        if (ready.size() != 1 || static_cast<std::uint8_t>(ready[0]) != p::kReady)
            process_->fail(std::string("its process broke the protocol with the checks during ") + what +
                           " (it did not ask for the data directory)");
        process_->send_fd(dir, what);
    } catch (...) {
        ::close(dir);
        throw;
    }
    ::close(dir);
    return call(what, {}, [](Reader& r) {
        Recovered out;
        out.state = read_state(r);
        out.summary = r.str();
        return out;
    });
}

void StorageBoot::save_term_and_vote(Term term, NodeId vote) {
    Writer w = request(p::kSaveTermAndVote);
    w.u64(term);
    w.i32(vote);
    call("save_term_and_vote()", w.bytes(), [](Reader&) { return 0; });
}

void StorageBoot::save_log(Index first, const std::vector<LogEntry>& entries) {
    Writer w = request(p::kSaveLog);
    w.u64(first);
    w.entries(entries);
    call("save_log()", w.bytes(), [](Reader&) { return 0; });
}

void StorageBoot::sync() { call("sync()", request(p::kSync).bytes(), [](Reader&) { return 0; }); }

bool StorageBoot::dirty() {
    return call("dirty()", request(p::kStatus).bytes(), [](Reader& r) {
        const bool dirty = r.boolean();
        r.u64();
        return dirty;
    });
}

std::uint64_t StorageBoot::sync_count() {
    return call("sync_count()", request(p::kStatus).bytes(), [](Reader& r) {
        r.boolean();
        return r.u64();
    });
}

void StorageBoot::close() { call("~Storage()", request(p::kClose).bytes(), [](Reader&) { return 0; }); }

void StorageBoot::kill() { process_->kill_now(); }

}  // namespace raftlab::host
