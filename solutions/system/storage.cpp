// system/storage.cpp: the append-only record file and its recovery (lab 10). The
// format and the torn-versus-corrupt rule are described in system/storage.h.
#include "system/storage.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace raftlab::kv {
namespace {

constexpr std::size_t kHeaderSize = 8;                 // length + CRC
constexpr std::uint32_t kMaxRecord = 1u << 30;         // larger means garbage
constexpr char kTermAndVote = 'V';
constexpr char kLog = 'L';
constexpr char kBase = 'B';       // lab 11: the log starts after this index
constexpr char kSnapshot = 'S';   // lab 11: the record of the snapshot file

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

std::uint32_t crc32c(std::string_view bytes) {
    Crc32c crc;
    crc.process_bytes(bytes.data(), bytes.size());
    return crc.checksum();
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::uint64_t get_le(std::string_view bytes, std::size_t at, int size) {
    std::uint64_t v = 0;
    for (int i = size - 1; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    return v;
}

/// Reads the fields of one payload in order; a read past the end is an error.
struct PayloadReader {
    std::string_view bytes;
    std::size_t at = 0;
    bool ok = true;

    std::uint64_t number(int size) {
        if (!ok || bytes.size() - at < static_cast<std::size_t>(size)) return ok = false, 0;
        std::uint64_t v = get_le(bytes, at, size);
        at += static_cast<std::size_t>(size);
        return v;
    }
    std::string text(std::size_t size) {
        if (!ok || bytes.size() - at < size) return ok = false, std::string();
        std::string s(bytes.substr(at, size));
        at += size;
        return s;
    }
};

/// The record at `offset`: its payload when the header is sane and the checksum
/// matches, otherwise why not.
struct RecordAt {
    bool valid = false;
    std::string_view payload;
    std::string problem;
};

RecordAt record_at(std::string_view file, std::size_t offset) {
    const std::size_t left = file.size() - offset;
    if (left < kHeaderSize) return {false, {}, "a header cut short (" + std::to_string(left) + " bytes)"};
    const std::uint64_t length = get_le(file, offset, 4);
    if (length == 0 || length > kMaxRecord) return {false, {}, "an impossible length " + std::to_string(length)};
    if (length > left - kHeaderSize) return {false, {}, "a record running past the end of the file"};
    std::string_view payload = file.substr(offset + kHeaderSize, length);
    if (crc32c(payload) != get_le(file, offset + 4, 4)) return {false, {}, "a checksum mismatch"};
    return {true, payload, {}};
}

/// Whether any valid record starts after a bad one at `bad`. A crash only ever damages
/// the tail, so a valid record further on means the bad one is real corruption. The
/// bad record's own length is tried first; if it is garbage, every later offset is.
bool valid_record_after(std::string_view file, std::size_t bad) {
    if (file.size() - bad >= kHeaderSize) {
        const std::uint64_t claimed = get_le(file, bad, 4);
        if (claimed > 0 && claimed <= file.size() - bad - kHeaderSize &&
            bad + kHeaderSize + claimed < file.size() &&
            record_at(file, bad + kHeaderSize + claimed).valid)
            return true;
    }
    for (std::size_t at = bad + 1; at + kHeaderSize < file.size(); ++at)
        if (record_at(file, at).valid) return true;
    return false;
}

[[noreturn]] void io_error(const std::filesystem::path& path, const char* what) {
    throw std::runtime_error(path.string() + ": " + what + " failed: " + std::strerror(errno));
}

/// One record as it goes to disk: length, CRC32C, payload.
std::string framed(const std::string& payload) {
    std::string record;
    record.reserve(kHeaderSize + payload.size());
    put_u32(record, static_cast<std::uint32_t>(payload.size()));
    put_u32(record, crc32c(payload));
    record += payload;
    return record;
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) io_error(path, "write");
        done += static_cast<std::size_t>(n);
    }
}

std::string read_all(int fd, const std::filesystem::path& path) {
    std::string data;
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) io_error(path, "read");
        if (n == 0) return data;
        data.append(buffer, static_cast<std::size_t>(n));
    }
}

/// The whole of the file at `path`.
std::string read_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) io_error(path, "open");
    std::string bytes;
    try {
        bytes = read_all(fd, path);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    return bytes;
}

void sync_directory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) io_error(dir, "open");
    const int rc = ::fsync(fd);
    const int saved = errno;
    ::close(fd);
    errno = saved;
    if (rc != 0) io_error(dir, "fsync");
}

}  // namespace

Storage::Storage(const std::filesystem::path& data_dir) : dir_(data_dir), path_(data_dir / "raft.log") {
    const bool existed = std::filesystem::exists(path_);
    open_log();
    // A new file's directory entry must be durable too, or a power cut loses the file.
    if (!existed) sync_directory(data_dir);
    try {
        recover();
        // What a crash left written but unsynced survives in the page cache, and the
        // server is about to act on it (vote, acknowledge): make it durable first.
        if (::fdatasync(fd_) != 0) io_error(path_, "fdatasync");
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

Storage::~Storage() {
    if (fd_ >= 0) ::close(fd_);
}

void Storage::open_log() {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) io_error(path_, "open");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        throw std::runtime_error(path_.string() +
                                 " is locked by another process; stop the other server "
                                 "using this data directory first");
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

void Storage::recover() {
    // Lab 11: the snapshot first, if there is one. It is written whole and renamed into
    // place, so a bad one is damage, never a torn write.
    const std::filesystem::path snapshot_path = dir_ / "snapshot";
    if (std::filesystem::exists(snapshot_path)) {
        const std::string bytes = read_file(snapshot_path);
        RecordAt record = record_at(bytes, 0);
        PayloadReader in{record.payload, 1};
        if (record.valid && record.payload[0] == kSnapshot) {
            recovered_.snapshot.last_index = in.number(8);
            recovered_.snapshot.last_term = in.number(8);
            recovered_.snapshot.data = in.text(in.number(4));
        }
        if (!record.valid || record.payload[0] != kSnapshot || !in.ok || in.at != record.payload.size() ||
            kHeaderSize + record.payload.size() != bytes.size() || recovered_.snapshot.last_index == 0)
            throw std::runtime_error(snapshot_path.string() + ": not a valid snapshot (" +
                                     (record.valid ? std::string("its record makes no sense") : record.problem) +
                                     "); remove the data directory to start this server empty, if its data "
                                     "also exists on a majority");
    }
    const std::string file = read_all(fd_, path_);
    std::size_t offset = 0;
    std::string dropped;
    Index base = 0;  // the log in recovered_.log starts after this index
    while (offset < file.size()) {
        RecordAt record = record_at(file, offset);
        if (!record.valid) {
            if (valid_record_after(file, offset))
                throw std::runtime_error(path_.string() + ": corrupt record at byte " +
                                         std::to_string(offset) + " (" + record.problem +
                                         ", with valid records after it); remove the data "
                                         "directory to start this server empty, if its data "
                                         "also exists on a majority");
            // A torn tail: cut it off so new records follow the last good one.
            dropped = " (" + std::to_string(file.size() - offset) + " bytes of a torn record dropped at offset " +
                      std::to_string(offset) + ")";
            if (::ftruncate(fd_, static_cast<off_t>(offset)) != 0) io_error(path_, "ftruncate");
            if (::fdatasync(fd_) != 0) io_error(path_, "fdatasync");
            break;
        }
        PayloadReader in{record.payload, 1};  // a valid record is never empty
        const char kind = record.payload[0];
        if (kind == kTermAndVote) {
            const Term term = in.number(8);
            const std::uint64_t vote_plus_one = in.number(8);
            recovered_.current_term = term;
            recovered_.voted_for = static_cast<NodeId>(vote_plus_one) - 1;
        } else if (kind == kBase && offset == 0) {
            base = in.number(8);
            in.number(8);  // its term: the snapshot file has it too
        } else if (kind == kLog) {
            const Index first = in.number(8);
            const std::uint64_t count = in.number(4);
            if (first <= base || first > base + recovered_.log.size() + 1) in.ok = false;
            if (in.ok) recovered_.log.resize(first - 1 - base);
            for (std::uint64_t k = 0; in.ok && k < count; ++k) {
                LogEntry entry;
                entry.term = in.number(8);
                entry.command = in.text(in.number(4));
                recovered_.log.push_back(std::move(entry));
            }
        } else {
            in.ok = false;
        }
        if (!in.ok || in.at != record.payload.size())
            throw std::runtime_error(path_.string() + ": record at byte " + std::to_string(offset) +
                                     " has a valid checksum but makes no sense (written by another "
                                     "program or version?); remove the data directory to start this "
                                     "server empty, if its data also exists on a majority");
        offset += kHeaderSize + record.payload.size();
    }
    // Lab 11: the log holds what the snapshot does not. A crash between writing a new
    // snapshot and rewriting the log leaves entries the snapshot covers: drop them.
    const Index covered = recovered_.snapshot.last_index;
    if (base > covered)
        throw std::runtime_error(path_.string() + ": the log starts after index " + std::to_string(base) +
                                 " but the snapshot covers only up to index " + std::to_string(covered) +
                                 "; remove the data directory to start this server empty, if its data also "
                                 "exists on a majority");
    const std::size_t drop = std::min<std::size_t>(covered - base, recovered_.log.size());
    recovered_.log.erase(recovered_.log.begin(), recovered_.log.begin() + static_cast<std::ptrdiff_t>(drop));
    snapshot_index_ = covered;
    last_index_ = covered + recovered_.log.size();
    summary_ = "recovered term " + std::to_string(recovered_.current_term) + ", vote " +
               (recovered_.voted_for == kNoNode ? std::string("none") : "n" + std::to_string(recovered_.voted_for)) +
               (covered > 0 ? ", a snapshot through index " + std::to_string(covered) + " (" +
                                  std::to_string(recovered_.snapshot.data.size()) + " bytes) and" : std::string(",")) +
               " " + std::to_string(recovered_.log.size()) + " log entries from " + path_.string() + dropped;
}

void Storage::save_term_and_vote(Term current_term, NodeId voted_for) {
    std::string payload(1, kTermAndVote);
    put_u64(payload, current_term);
    put_u64(payload, static_cast<std::uint64_t>(voted_for + 1));
    write_record(payload);
}

void Storage::save_log(Index first, const std::vector<LogEntry>& entries) {
    if (first <= snapshot_index_ || first > last_index_ + 1)
        throw std::logic_error("Storage::save_log: first index " + std::to_string(first) +
                               (first <= snapshot_index_
                                    ? " is covered by the saved snapshot through index " + std::to_string(snapshot_index_)
                                    : " leaves a gap after the saved log's last index " + std::to_string(last_index_)));
    std::size_t size = 1 + 8 + 4;
    for (const LogEntry& e : entries) size += 12 + e.command.size();
    std::string payload;
    payload.reserve(size);
    payload.push_back(kLog);
    put_u64(payload, first);
    put_u32(payload, static_cast<std::uint32_t>(entries.size()));
    for (const LogEntry& e : entries) {
        put_u64(payload, e.term);
        put_u32(payload, static_cast<std::uint32_t>(e.command.size()));
        payload += e.command;
    }
    write_record(payload);
    last_index_ = first - 1 + entries.size();
}

void Storage::write_record(const std::string& payload) {
    if (payload.size() > kMaxRecord) throw std::length_error("Storage: a record above 1 GiB");
    // One write() per record, so a crash tears at most the record being written.
    write_all(fd_, framed(payload), path_);
    dirty_ = true;
}

void Storage::save_snapshot(const Snapshot& snapshot) {
    if (snapshot.last_index <= snapshot_index_ || snapshot.last_index == 0)
        throw std::logic_error("Storage::save_snapshot: index " + std::to_string(snapshot.last_index) +
                               " is not above the saved snapshot's " + std::to_string(snapshot_index_));
    // Write a whole file under a temporary name, sync it, and rename it into place.
    auto replace_file = [&](const std::filesystem::path& target, const std::string& bytes) {
        const std::filesystem::path tmp = target.string() + ".tmp";
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) io_error(tmp, "open");
        try {
            write_all(fd, bytes, tmp);
            if (::fdatasync(fd) != 0) io_error(tmp, "fdatasync");
        } catch (...) {
            ::close(fd);
            throw;
        }
        ::close(fd);
        if (::rename(tmp.c_str(), target.c_str()) != 0) io_error(target, "rename");
        sync_directory(dir_);
    };
    std::string payload(1, kSnapshot);
    put_u64(payload, snapshot.last_index);
    put_u64(payload, snapshot.last_term);
    put_u32(payload, static_cast<std::uint32_t>(snapshot.data.size()));
    payload += snapshot.data;
    if (payload.size() > kMaxRecord) throw std::length_error("Storage: a snapshot above 1 GiB");
    replace_file(dir_ / "snapshot", framed(payload));

    // The log, rewritten without what the snapshot covers: read back what was saved
    // (the file is short: one snapshot interval) and keep the term, the vote, and the
    // entries after the snapshot.
    const std::string file = read_file(path_);
    Term term = 0;
    std::uint64_t vote_plus_one = 0;
    Index base = 0;
    std::vector<LogEntry> log;
    for (std::size_t offset = 0; offset < file.size();) {
        RecordAt record = record_at(file, offset);
        if (!record.valid) throw std::runtime_error(path_.string() + ": a record written by this server reads back "
                                                    "damaged at byte " + std::to_string(offset));
        PayloadReader in{record.payload, 1};
        if (record.payload[0] == kTermAndVote) {
            term = in.number(8);
            vote_plus_one = in.number(8);
        } else if (record.payload[0] == kBase) {
            base = in.number(8);
        } else if (record.payload[0] == kLog) {
            const Index first = in.number(8);
            const std::uint64_t count = in.number(4);
            log.resize(first - 1 - base);
            for (std::uint64_t k = 0; in.ok && k < count; ++k) {
                LogEntry entry;
                entry.term = in.number(8);
                entry.command = in.text(in.number(4));
                log.push_back(std::move(entry));
            }
        }
        offset += kHeaderSize + record.payload.size();
    }
    const std::size_t drop = std::min<std::size_t>(snapshot.last_index - base, log.size());
    log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(drop));
    std::string out;
    std::string b(1, kBase);
    put_u64(b, snapshot.last_index);
    put_u64(b, snapshot.last_term);
    out += framed(b);
    std::string v(1, kTermAndVote);
    put_u64(v, term);
    put_u64(v, vote_plus_one);
    out += framed(v);
    if (!log.empty()) {
        std::string l(1, kLog);
        put_u64(l, snapshot.last_index + 1);
        put_u32(l, static_cast<std::uint32_t>(log.size()));
        for (const LogEntry& e : log) {
            put_u64(l, e.term);
            put_u32(l, static_cast<std::uint32_t>(e.command.size()));
            l += e.command;
        }
        out += framed(l);
    }
    replace_file(path_, out);
    open_log();  // the new file, locked like the old one
    snapshot_index_ = snapshot.last_index;
    last_index_ = snapshot.last_index + log.size();
    dirty_ = false;  // everything saved so far is in the synced new file
}


void Storage::sync() {
    if (!dirty_) return;
    if (::fdatasync(fd_) != 0) io_error(path_, "fdatasync");
    dirty_ = false;
    ++syncs_;
}

}  // namespace raftlab::kv

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
