// power_loss.cpp: what a power cut leaves of a data directory, given the journal the
// fsync shim (sync_shim.cpp) wrote while the server ran. See raftlab/kv/power_loss.h.
#include "raftlab/kv/power_loss.h"

#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace raftlab::kv {
namespace {

namespace fs = std::filesystem;

/// The durable state of one file: its size at the last sync, or always durable.
struct Durable {
    bool always = false;
    std::uintmax_t size = 0;
};

using FileId = std::pair<std::uint64_t, std::uint64_t>;  // (st_dev, st_ino)

/// Reads the journal: the last line per file wins, except that "always" is final.
/// A missing journal means nothing was ever synced.
std::map<FileId, Durable> read_journal(const fs::path& journal) {
    std::map<FileId, Durable> durable;
    std::ifstream in(journal);
    if (!in) return durable;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        std::istringstream fields(line);
        std::uint64_t dev = 0, ino = 0;
        std::string what, extra;
        if (!(fields >> dev >> ino >> what) || (fields >> extra))
            throw std::runtime_error(journal.string() + ":" + std::to_string(number) + ": expected \"<dev> <ino> <size>\" or \"<dev> <ino> always\", got \"" + line + "\"");
        Durable& d = durable[{dev, ino}];
        if (d.always) continue;
        if (what == "always") {
            d.always = true;
            continue;
        }
        try {
            std::size_t used = 0;
            d.size = std::stoull(what, &used);
            if (used != what.size()) throw std::invalid_argument(what);
        } catch (const std::exception&) {
            throw std::runtime_error(journal.string() + ":" + std::to_string(number) + ": the size \"" + what +
                                     "\" is not a whole number");
        }
    }
    return durable;
}

}  // namespace

DiscardReport discard_unsynced(const fs::path& data_dir, const fs::path& journal) {
    std::map<FileId, Durable> durable = read_journal(journal);
    DiscardReport report;
    std::error_code ec;
    if (!fs::is_directory(data_dir, ec)) return report;
    // Collect first, truncate afterwards: changing files while iterating is allowed,
    // but a list sorted by path also makes the report's order deterministic.
    std::map<fs::path, fs::path> files;  // relative -> full
    for (auto it = fs::recursive_directory_iterator(data_dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.emplace(it->path().lexically_relative(data_dir), it->path());
    }
    if (ec) throw std::runtime_error("cannot list " + data_dir.string() + ": " + ec.message());

    fs::path base = data_dir.filename().empty() ? data_dir.parent_path().filename() : data_dir.filename();
    for (const auto& [relative, full] : files) {
        struct stat st{};
        if (::stat(full.c_str(), &st) != 0) continue;  // removed meanwhile: nothing to lose
        auto found = durable.find({static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)});
        std::uintmax_t keep = 0;
        if (found != durable.end()) {
            if (found->second.always) continue;
            keep = found->second.size;
        }
        auto size = static_cast<std::uintmax_t>(st.st_size);
        if (size <= keep) continue;  // nothing written after the sync (or truncated since)
        fs::resize_file(full, keep, ec);
        if (ec) throw std::runtime_error("cannot truncate " + full.string() + ": " + ec.message());
        std::string name = (base / relative).generic_string();
        std::string why = found == durable.end() ? " (never synced)" : "";
        report.lines.push_back(name + ": " + std::to_string(size) + " -> " + std::to_string(keep) + " bytes" + why);
    }
    return report;
}

}  // namespace raftlab::kv
