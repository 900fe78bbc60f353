// storage_host_main.cpp: the storage host of lab 10. It runs the student's Storage
// (system/storage.h) in a process of its own, with nothing else of the server, and
// answers the judge (remote_storage.cpp); see storage_protocol.h.
//
// The fsync shim (harness/system/sync_shim.cpp) is linked into this program rather
// than preloaded: the host starts with an empty environment and may run as another
// user who cannot read the build folder. Its fsync(), fdatasync(), sync(), syncfs()
// and open() stand in for the C library's for the student's code, and journal what
// was made durable once kOpen has passed the directory and named the journal, so the
// judge can discard every byte that was not synced after it kills this process.
//
// The data directory arrives as a descriptor and becomes the working directory, and
// the student's Storage is constructed on "." (so its messages name "./raft.log"):
// when the checks run as root this process runs as nobody, who may not enter the
// check's folders on the way to the directory.
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>

#include "fd_io.h"
#include "raftlab/host/serve.h"
#include "raftlab/kv/power_loss.h"
#include "storage_protocol.h"
#include "system/storage.h"

namespace {
using namespace raftlab;
using namespace raftlab::host;
namespace p = raftlab::host::storage;

/// The host's socket to the judge (serve.h).
constexpr int kJudge = 3;

void write_state(Writer& w, const PersistentState& s) {
    w.u64(s.current_term);
    w.i32(s.voted_for);
    w.entries(s.log);
}

/// Receives the descriptor the judge passes after kReady (HostProcess::send_fd).
int take_fd(HostChannel& channel) {
    Writer ready;
    ready.u8(p::kReady);
    channel.send(ready);
    channel.flush();
    char byte;
    int fd;
    if (recv_with_fd(kJudge, &byte, 1, fd) <= 0) std::_Exit(0);  // the judge has gone
    if (fd < 0) throw ProtocolError("no descriptor came after kReady");
    return fd;
}

/// Opens the one data directory of this process; the shim journals from now on.
void open_storage(Reader& r, HostChannel& channel, Writer& out, std::optional<kv::Storage>& storage,
                  bool& opened) {
    const std::string journal = r.str();
    if (opened) throw ProtocolError("a second open in one storage host");
    opened = true;
    const int dir = take_fd(channel);
    if (::fchdir(dir) != 0) throw ProtocolError("the descriptor passed is not a directory");
    ::close(dir);
    // Read by the shim at its first event, which comes after this.
    ::setenv(kv::kSyncDirEnv, ".", 1);
    ::setenv(kv::kSyncJournalEnv, journal.c_str(), 1);
    storage.emplace(".");
    write_state(out, storage->recovered());
    out.str(storage->recovery_summary());
}

void handle(Reader& r, HostChannel& channel, std::optional<kv::Storage>& storage, bool& opened) {
    const std::uint8_t op = r.u8();
    Writer w;
    try {
        Writer out;
        if (op == p::kOpen) {
            open_storage(r, channel, out, storage, opened);
        } else {
            if (!storage) throw ProtocolError("a storage request before a successful open");
            switch (op) {
                case p::kSaveTermAndVote: {
                    const Term term = r.u64();
                    const NodeId vote = r.i32();
                    storage->save_term_and_vote(term, vote);
                    break;
                }
                case p::kSaveLog: {
                    const Index first = r.u64();
                    const std::vector<LogEntry> entries = r.entries();
                    storage->save_log(first, entries);
                    break;
                }
                case p::kSync: storage->sync(); break;
                case p::kStatus:
                    out.boolean(storage->dirty());
                    out.u64(storage->sync_count());
                    break;
                case p::kClose: storage.reset(); break;
                default: throw ProtocolError("unknown request");
            }
        }
        w.u8(0);
        w.bytes() += out.bytes();
    } catch (const ProtocolError&) {
        throw;
    } catch (...) {
        w.clear();
        write_current_exception(w);
    }
    channel.send(w);
}

}  // namespace

int main() {
    std::optional<raftlab::kv::Storage> storage;
    bool opened = false;
    return raftlab::host::serve(
        [&](Reader& r, HostChannel& channel) { handle(r, channel, storage, opened); });
}
