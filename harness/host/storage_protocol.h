// storage_protocol.h: the frames between lab 10's storage checks and the storage host
// (storage_host_main.cpp), which runs the student's Storage (system/storage.h) alone:
// no network, no Raft. One host process is one boot of one server: it opens one data
// directory once, and a power cut is the judge killing it.
//
// Every reply starts with an exception kind (raftlab/host/serve.h) and its message
// when student code threw; otherwise with kind none and the result below.
#pragma once

#include <cstdint>

namespace raftlab::host::storage {
/// journal (string) -> kReady, then the data directory's descriptor (HostProcess::
/// send_fd), then the recovered state and recovery_summary(). The host makes the
/// directory its working directory and constructs Storage("."), with the fsync shim
/// journaling syncs of files under it to `journal` (relative to the directory). So no
/// path leads there: the host may run as a user who cannot enter the folders above
/// it. The state: term (u64), vote (i32), entries.
inline constexpr std::uint8_t kOpen = 'O';
inline constexpr std::uint8_t kReady = 'R';  // host -> judge: send the descriptor now
inline constexpr std::uint8_t kSaveTermAndVote = 'V';  // term (u64), vote (i32) -> nothing
inline constexpr std::uint8_t kSaveLog = 'L';          // first (u64), entries -> nothing
inline constexpr std::uint8_t kSync = 'S';             // -> nothing
/// -> dirty() (bool), sync_count() (u64).
inline constexpr std::uint8_t kStatus = 'D';
/// Destroys the Storage (its destructor runs: a clean shutdown) -> nothing.
inline constexpr std::uint8_t kClose = 'C';
}  // namespace raftlab::host::storage
