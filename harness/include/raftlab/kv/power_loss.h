// raftlab/kv/power_loss.h: simulating a power cut on a server's data directory.
//
// `kill -9` loses nothing a process wrote: the kernel's page cache keeps it. A power
// cut loses every write that was not made durable. To find storage code that replies
// before it fsyncs, the harness starts servers with a small LD_PRELOAD library
// (harness/system/sync_shim.cpp) that appends to a journal file, for every fsync() or
// fdatasync() (and sync()/syncfs()), the file's identity and size at that moment, and
// for every open() with O_SYNC or O_DSYNC, that the file is always durable.
//
// After killing the server, discard_unsynced() truncates each regular file under the
// data directory to the size it had at its last recorded sync (files never synced
// become empty). The model: data appended after the last sync is lost; a file never
// synced is lost; renames and in-place overwrites of synced bytes are kept (so the
// check never blames code that is correct, but it does not catch every mistake).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace raftlab::kv {

/// Environment variables the shim reads: the journal to append to, and the directory
/// whose files it records (others are ignored).
inline constexpr const char* kSyncJournalEnv = "RAFTLAB_SYNC_JOURNAL";
inline constexpr const char* kSyncDirEnv = "RAFTLAB_SYNC_DIR";
/// A slow disk: every sync under the directory first waits this many milliseconds
/// (1..10000), so an answer sent before its sync completes can be caught by a power
/// cut the moment it arrives.
inline constexpr const char* kSyncDelayEnv = "RAFTLAB_SYNC_DELAY_MS";

struct DiscardReport {
    std::vector<std::string> lines;  ///< "n0/log: 4096 -> 3072 bytes", one per changed file
};

/// Truncates every regular file under data_dir to its last durable size per `journal`.
DiscardReport discard_unsynced(const std::filesystem::path& data_dir, const std::filesystem::path& journal);

}  // namespace raftlab::kv
