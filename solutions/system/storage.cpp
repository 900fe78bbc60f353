// system/storage.cpp: the append-only record file and its recovery (lab 10). The
// format and the torn-versus-corrupt rule are described in system/storage.h.
#include "system/storage.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
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

Storage::Storage(const std::filesystem::path& data_dir) : path_(data_dir / "raft.log") {
    const bool existed = std::filesystem::exists(path_);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) io_error(path_, "open");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        throw std::runtime_error(path_.string() +
                                 " is locked by another process; stop the other server "
                                 "using this data directory first");
    }
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

void Storage::recover() {
    const std::string file = read_all(fd_, path_);
    std::size_t offset = 0;
    std::string dropped;
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
        } else if (kind == kLog) {
            const Index first = in.number(8);
            const std::uint64_t count = in.number(4);
            if (first == 0 || first > recovered_.log.size() + 1) in.ok = false;
            if (in.ok) recovered_.log.resize(first - 1);
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
    last_index_ = recovered_.log.size();
    summary_ = "recovered term " + std::to_string(recovered_.current_term) + ", vote " +
               (recovered_.voted_for == kNoNode ? std::string("none") : "n" + std::to_string(recovered_.voted_for)) +
               ", " + std::to_string(recovered_.log.size()) + " log entries from " + path_.string() + dropped;
}

void Storage::save_term_and_vote(Term current_term, NodeId voted_for) {
    std::string payload(1, kTermAndVote);
    put_u64(payload, current_term);
    put_u64(payload, static_cast<std::uint64_t>(voted_for + 1));
    write_record(payload);
}

void Storage::save_log(Index first, const std::vector<LogEntry>& entries) {
    if (first == 0 || first > last_index_ + 1)
        throw std::logic_error("Storage::save_log: first index " + std::to_string(first) +
                               " leaves a gap after the saved log's last index " + std::to_string(last_index_));
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
    std::string record;
    record.reserve(kHeaderSize + payload.size());
    put_u32(record, static_cast<std::uint32_t>(payload.size()));
    put_u32(record, crc32c(payload));
    record += payload;
    // One write() per record, so a crash tears at most the record being written.
    std::size_t done = 0;
    while (done < record.size()) {
        const ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) io_error(path_, "write");
        done += static_cast<std::size_t>(n);
    }
    dirty_ = true;
}

void Storage::sync() {
    if (!dirty_) return;
    if (::fdatasync(fd_) != 0) io_error(path_, "fdatasync");
    dirty_ = false;
    ++syncs_;
}

}  // namespace raftlab::kv

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
