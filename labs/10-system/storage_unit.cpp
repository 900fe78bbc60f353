// storage_unit.cpp: the shared machinery of the stage 1 storage checks (see
// storage_unit.h).
#include "storage_unit.h"

#include <boost/crc.hpp>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "lab10.h"
#include "raftlab/check/check.h"
#include "raftlab/host/process.h"
#include "raftlab/kv/power_loss.h"

#ifndef LAB10_STORAGE_HOST
#error "LAB10_STORAGE_HOST must name lab 10's storage host executable"
#endif

namespace raftlab::lab10 {

namespace fs = std::filesystem;

namespace {

/// The user a host runs as when the check runs as root (harness/host/process.cpp).
/// Under the grader that root keeps no capability to chown or to write other users'
/// files, so the directories are opened to everyone, the files the check writes too,
/// and the power cut's truncation runs in a child that has become that user.
constexpr uid_t kNobody = 65534;

bool as_root() { return ::geteuid() == 0; }

void open_to_host(const fs::path& path) {
    if (as_root()) ::chmod(path.c_str(), fs::is_directory(path) ? 0777 : 0666);
}

/// kv::discard_unsynced() on <work>/data with <work>/sync/journal, as the host's user:
/// the files are the host's. That user may not enter the folders above `work`, so
/// the child moves into it first and names everything from there.
std::vector<std::string> discard_as_host(const fs::path& work) {
    if (!as_root()) return kv::discard_unsynced(work / "data", work / "sync" / "journal").lines;
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t child = ::fork();
    if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (child == 0) {
        ::close(out[0]);
        std::string report;
        int status = 0;
        try {
            if (::chdir(work.c_str()) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
                ::setresuid(kNobody, kNobody, kNobody) != 0)
                throw std::runtime_error(std::string("cannot become the host's user: ") + std::strerror(errno));
            // discard_unsynced() cuts nothing in a directory it cannot see: never silently.
            if (!fs::is_directory("data")) throw std::runtime_error("the data directory is out of reach");
            for (const auto& line : kv::discard_unsynced("data", "sync/journal").lines) report += line + "\n";
        } catch (const std::exception& e) {
            report = e.what();
            status = 1;
        }
        (void)!::write(out[1], report.data(), report.size());
        ::_exit(status);
    }
    ::close(out[1]);
    std::string report;
    char buffer[4096];
    for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        report.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("the power cut failed: " + report);
    std::vector<std::string> lines;
    for (std::size_t at = 0, end; (end = report.find('\n', at)) != std::string::npos; at = end + 1)
        lines.push_back(report.substr(at, end - at));
    return lines;
}

void put_le(std::string& out, std::uint64_t v, int size) {
    for (int i = 0; i < size; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::string show_vote(NodeId vote) { return vote == kNoNode ? "none" : std::to_string(vote); }

std::string show_command(const std::string& c) {
    std::string out = "\"";
    for (unsigned char ch : c.substr(0, 16)) {
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            out += static_cast<char>(ch);
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[ch >> 4];
            out += hex[ch & 15];
        }
    }
    return out + (c.size() > 16 ? "...\"" : "\"");
}

}  // namespace

Disk::Disk() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/raftlab-storage-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create a temporary directory " + pattern + ": " + std::strerror(errno));
    work_ = pattern;
    data_ = work_ / "data";
    journal_ = work_ / "sync" / "journal";  // discard_as_host() knows both names
    fs::create_directories(data_);
    fs::create_directories(journal_.parent_path());
    ::chmod(work_.c_str(), 0755);
    open_to_host(data_);
    open_to_host(journal_.parent_path());
}

Disk::~Disk() {
    boot_.reset();
    std::error_code ec;
    fs::remove_all(work_, ec);
}

host::Recovered Disk::boot() {
    boot_.reset();
    boot_ = std::make_unique<host::StorageBoot>(::raftlab::check::built_file(LAB10_STORAGE_HOST));
    return boot_->open(data_, journal_);
}

host::StorageBoot& Disk::storage() {
    if (!boot_) throw std::logic_error("the check has not booted its storage");
    return *boot_;
}

std::vector<std::string> Disk::power_cut() {
    crash();
    return discard_as_host(work_);
}

void Disk::crash() {
    if (boot_) boot_->kill();
    boot_.reset();
}

void Disk::close() {
    storage().close();
    boot_.reset();
}

void Disk::write_file(const std::string& bytes) {
    std::ofstream out(file(), std::ios::binary | std::ios::trunc);
    out << bytes;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + file().string());
    open_to_host(file());
}

std::string Disk::read_file() const {
    std::ifstream in(file(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void RecordFile::term_and_vote(Term term, NodeId vote) {
    std::string payload(1, 'V');
    put_le(payload, term, 8);
    put_le(payload, static_cast<std::uint64_t>(vote + 1), 8);
    record(payload);
    state_.current_term = term;
    state_.voted_for = vote;
}

void RecordFile::log(Index first, const std::vector<LogEntry>& entries) {
    std::string payload(1, 'L');
    put_le(payload, first, 8);
    put_le(payload, entries.size(), 4);
    for (const LogEntry& e : entries) {
        put_le(payload, e.term, 8);
        put_le(payload, e.command.size(), 4);
        payload += e.command;
    }
    record(payload);
    state_.log.resize(first - 1);
    state_.log.insert(state_.log.end(), entries.begin(), entries.end());
}

void RecordFile::record(const std::string& payload) {
    boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;  // CRC32C
    crc.process_bytes(payload.data(), payload.size());
    offsets_.push_back(bytes_.size());
    put_le(bytes_, payload.size(), 4);
    put_le(bytes_, crc.checksum(), 4);
    bytes_ += payload;
}

std::string describe(const PersistentState& s) {
    std::string out = "term " + std::to_string(s.current_term) + ", vote " + show_vote(s.voted_for) + ", " +
                      std::to_string(s.log.size()) + (s.log.size() == 1 ? " entry" : " entries");
    if (s.log.empty()) return out;
    const bool commands = s.log.size() <= 4;
    out += " (";
    for (std::size_t i = 0; i < s.log.size() && i < 12; ++i) {
        out += (i ? " " : "") + std::string(commands ? "term " : "") + std::to_string(s.log[i].term);
        if (commands) out += " " + show_command(s.log[i].command);
    }
    return out + (s.log.size() > 12 ? " ...)" : ")");
}

std::string difference(const PersistentState& got, const PersistentState& want) {
    if (got.current_term != want.current_term)
        return "its term is " + std::to_string(got.current_term) + ", not " + std::to_string(want.current_term);
    if (got.voted_for != want.voted_for)
        return "its vote is " + show_vote(got.voted_for) + ", not " + show_vote(want.voted_for);
    for (std::size_t i = 0; i < got.log.size() && i < want.log.size(); ++i)
        if (got.log[i].term != want.log[i].term || got.log[i].command != want.log[i].command)
            return "entry " + std::to_string(i + 1) + " holds term " + std::to_string(got.log[i].term) + " and " +
                   show_command(got.log[i].command) + ", not term " + std::to_string(want.log[i].term) + " and " +
                   show_command(want.log[i].command);
    if (got.log.size() != want.log.size())
        return "its log has " + std::to_string(got.log.size()) + " entries, not " + std::to_string(want.log.size());
    return "";
}

std::string describe_cut(const std::vector<std::string>& lines) {
    if (lines.empty()) return "the power cut lost nothing";
    std::string out = "the power cut cut back ";
    for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? ", " : "") + lines[i];
    return out;
}

std::uint64_t next_random(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::vector<LogEntry> random_entries(std::uint64_t& rng, std::size_t count, Term min_term) {
    std::vector<LogEntry> out;
    Term term = min_term;
    for (std::size_t i = 0; i < count; ++i) {
        term += next_random(rng) % 3 == 0 ? 1 : 0;
        std::string command(next_random(rng) % 41, '\0');
        for (char& c : command) c = static_cast<char>(next_random(rng));
        out.push_back(LogEntry{term, std::move(command)});
    }
    return out;
}

void storage_check(const std::function<void(Disk&)>& body) {
    run_check([&](CheckRun&) {
        Disk disk;
        try {
            body(disk);
        } catch (const host::StorageThrew& e) {
            throw Problem("your Storage's " + e.call() + " threw: " + e.what());
        } catch (const host::HostError& e) {
            throw Problem("the storage host (your Storage, run alone in a process of its own) failed: " +
                          std::string(e.what()));
        }
    });
}

}  // namespace raftlab::lab10
