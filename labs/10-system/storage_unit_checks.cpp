// storage_unit_checks.cpp: stage 1 of lab 10, crash-safe storage. Each check runs the
// student's Storage (system/storage.h) alone in a host process: no network, no Raft,
// no cluster. A power cut is simulated: the host is killed with SIGKILL, then every
// file of the data directory is cut back to its size at its last fsync()/fdatasync()
// (raftlab/kv/power_loss.h). Anything random is drawn from the check's seeds, and a
// failure names the seed and the command that replays it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "lab10.h"
#include "raftlab/check/check.h"
#include "storage_unit.h"

namespace raftlab::lab10 {
namespace {

using host::Recovered;
using host::StorageThrew;

PersistentState state(Term term, NodeId vote, std::vector<LogEntry> log = {}) {
    return PersistentState{term, vote, std::move(log)};
}

bool same(const PersistentState& a, const PersistentState& b) { return difference(a, b).empty(); }

std::string seed_note(std::uint64_t seed) {
    return " (seed " + std::to_string(seed) + "; replay: " + check::replay_command(seed) + ")";
}

/// Boots and requires exactly `want`; `story` says what happened before, `hint` what
/// a mismatch most likely means.
void expect_recovered(Disk& disk, const PersistentState& want, const std::string& story, const std::string& hint) {
    const Recovered got = disk.boot();
    const std::string diff = difference(got.state, want);
    if (!diff.empty())
        throw Problem("after " + story + ", Storage recovered " + describe(got.state) + ": " + diff + ". " + hint);
}

/// describe_cut() as the start of a sentence.
std::string cut_sentence(const std::vector<std::string>& cut) {
    std::string s = describe_cut(cut);
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
}

std::string cut_hint(const std::vector<std::string>& cut) {
    return cut_sentence(cut) + "; sync() must fdatasync() (or fsync()) raft.log before it returns.";
}

TEST(StorageUnit, termAndVoteSurvivePowerCut) {
    storage_check([](Disk& disk) {
        expect_recovered(disk, state(0, kNoNode), "opening an empty data directory",
                         "A first start has term 0, no vote (kNoNode) and an empty log.");
        disk.storage().save_term_and_vote(3, 1);
        disk.storage().sync();
        auto cut = disk.power_cut();
        expect_recovered(disk, state(3, 1), "save_term_and_vote(3, 1), sync() and a power cut", cut_hint(cut));
        // Seeded rounds, each on a fresh disk: several 'V' records, the last one wins.
        for (std::uint64_t seed : check::seeds(6)) {
            Disk fresh;
            fresh.boot();
            std::uint64_t rng = seed;
            Term term = next_random(rng) % 5;
            if (seed % 2 == 0) term += Term{1} << 32;  // a term that needs all 64 bits
            NodeId vote = kNoNode;
            const int saves = 2 + static_cast<int>(next_random(rng) % 5);
            for (int i = 0; i < saves; ++i) {
                term += next_random(rng) % 2;
                vote = static_cast<NodeId>(next_random(rng) % 6) - 1;
                fresh.storage().save_term_and_vote(term, vote);
            }
            fresh.storage().sync();
            cut = fresh.power_cut();
            expect_recovered(fresh, state(term, vote),
                             std::to_string(saves) + " calls of save_term_and_vote(), the last with term " +
                                 std::to_string(term) + ", then sync() and a power cut" + seed_note(seed),
                             "The last 'V' record must win. " + cut_hint(cut));
        }
    });
}

// The log: scripted truncations first, then seeded random sequences held to a model.
void scripted_log(Disk& disk) {
    const LogEntry a{1, "put x 1"}, b{1, ""}, c{2, std::string("\0\n\xff", 3)};
    const LogEntry d{2, "d"}, e{2, "e"}, f{3, "f"}, g{3, "g"}, h{4, "h"};
    disk.boot();
    disk.storage().save_log(1, {a, b, c});
    disk.storage().sync();
    auto cut = disk.power_cut();
    expect_recovered(disk, state(0, kNoNode, {a, b, c}), "save_log(1, 3 entries), sync() and a power cut",
                     cut_hint(cut));
    disk.storage().save_log(2, {});
    disk.storage().save_term_and_vote(2, 0);
    disk.storage().save_log(2, {d, e, f});
    disk.storage().save_log(3, {g});
    disk.storage().sync();
    cut = disk.power_cut();
    expect_recovered(disk, state(2, 0, {a, d, g}),
                     "a log of 3 entries, then save_log(2, no entries), save_term_and_vote(2, 0), save_log(2, 3 "
                     "entries), save_log(3, 1 entry), sync() and a power cut",
                     "Each 'L' record cuts the log back to entries 1..first-1 and then appends its own, also when "
                     "it holds no entries. " + cut_sentence(cut) + ".");
    disk.storage().save_log(4, {h});
    disk.storage().sync();
    cut = disk.power_cut();
    expect_recovered(disk, state(2, 0, {a, d, g, h}),
                     "recovering 3 entries, save_log(4, 1 entry), sync() and a power cut",
                     "Records written after a restart must follow the recovered ones. " + cut_sentence(cut) + ".");
    disk.storage().save_log(1, {});
    disk.storage().sync();
    cut = disk.power_cut();
    expect_recovered(disk, state(2, 0), "save_log(1, no entries) (the log emptied), sync() and a power cut",
                     "A pure truncation to index 0 is an 'L' record with first 1 and count 0. " +
                         cut_sentence(cut) + ".");
}

/// One seeded sequence of saves, syncs, power cuts, crashes and restarts, against a
/// model: what a restart recovers must be the state at the last sync() or one the
/// storage passed through after it, never a mix and never less.
class LogModel {
public:
    LogModel(Disk& disk, std::uint64_t seed) : disk_(disk), seed_(seed), rng_(seed * 7919 + 1) {}

    void run(int steps) {
        disk_.boot();
        since_sync_ = {state(0, kNoNode)};
        for (step_ = 1; step_ <= steps; ++step_) {
            const std::uint64_t roll = next_random(rng_) % 100;
            if (roll < 25) save_term_and_vote();
            else if (roll < 65) save_log();
            else if (roll < 80) sync();
            else if (roll < 90) restart("a power cut", [&] { return describe_cut(disk_.power_cut()); });
            else if (roll < 95) restart("a crash (kill -9, no power cut)", [&] { disk_.crash(); return std::string(); });
            else restart("a clean shutdown", [&] { disk_.close(); return std::string(); });
        }
    }

private:
    const PersistentState& current() const { return since_sync_.back(); }

    void save_term_and_vote() {
        PersistentState next = current();
        next.current_term += next_random(rng_) % 2;
        next.voted_for = static_cast<NodeId>(next_random(rng_) % 6) - 1;
        disk_.storage().save_term_and_vote(next.current_term, next.voted_for);
        since_sync_.push_back(std::move(next));
        written_ = true;
    }

    void save_log() {
        PersistentState next = current();
        const Index last = next.log.size();
        Index first = last + 1;
        if (last >= 40 || next_random(rng_) % 2 == 0) first = 1 + next_random(rng_) % (last + 1);
        const Term min_term = std::max<Term>(1, first > 1 ? next.log[first - 2].term : 1);
        auto entries = random_entries(rng_, next_random(rng_) % 5, min_term);
        disk_.storage().save_log(first, entries);
        next.log.resize(first - 1);
        next.log.insert(next.log.end(), entries.begin(), entries.end());
        since_sync_.push_back(std::move(next));
        written_ = true;
    }

    void sync() {
        disk_.storage().sync();
        if (!written_) return;  // nothing written since the restart, which synced already
        since_sync_ = {current()};
        sync_step_ = step_;
        recovered_at_ = false;
    }

    template <class Stop>
    void restart(const std::string& what, Stop stop) {
        const std::string cut = stop();
        const Recovered got = disk_.boot();
        written_ = false;
        // The latest state it may be: writes after the sync are kept in order or lost.
        for (std::size_t k = since_sync_.size(); k-- > 0;)
            if (same(got.state, since_sync_[k])) {
                // What it recovered is durable from now on (storage.h): the server acts
                // on it, so the next power cut must not take it back.
                since_sync_ = {got.state};
                sync_step_ = step_;
                recovered_at_ = true;
                return;
            }
        const std::string synced = !sync_step_ ? "the start"
                                   : recovered_at_ ? "the restart at step " + std::to_string(sync_step_) +
                                                         " (recovery must make what it recovered durable)"
                                                   : "the sync() at step " + std::to_string(sync_step_);
        throw Problem("step " + std::to_string(step_) + " was " + what + " after " +
                      std::to_string(since_sync_.size() - 1) + " saves since " + synced + "; Storage then "
                      "recovered " + describe(got.state) + ", which is neither the state at that sync (" +
                      describe(since_sync_.front()) + ": " + difference(got.state, since_sync_.front()) +
                      ") nor any state reached after it, in order" + (cut.empty() ? "" : "; " + cut) +
                      seed_note(seed_) + ".");
    }

    Disk& disk_;
    std::uint64_t seed_, rng_;
    int step_ = 0, sync_step_ = 0;
    bool written_ = false;  // saved anything since the last boot
    bool recovered_at_ = false;  // the durable point was set by a restart, not a sync()
    std::vector<PersistentState> since_sync_;  // [0]: the state at the last sync
};

TEST(StorageUnit, logSurvivesPowerCut) {
    storage_check([](Disk& disk) {
        scripted_log(disk);
        for (std::uint64_t seed : check::seeds(12)) {
            Disk fresh;
            LogModel(fresh, seed).run(60);
        }
    });
}

TEST(StorageUnit, nothingDurableWithoutSync) {
    storage_check([](Disk& disk) {
        disk.boot();
        if (disk.storage().dirty())
            throw Problem("right after opening an empty directory, dirty() is true; nothing was written yet.");
        disk.storage().save_term_and_vote(1, 0);
        disk.storage().save_log(1, {LogEntry{1, "a"}});
        if (!disk.storage().dirty())
            throw Problem("after save_term_and_vote() and save_log() without a sync(), dirty() is false; it must be "
                          "true until sync() (the runtime syncs only a dirty storage).");
        // A power cut before any sync: the server must still start, with some prefix.
        auto cut = disk.power_cut();
        const Recovered first = disk.boot();
        const PersistentState early[] = {state(0, kNoNode), state(1, 0), state(1, 0, {LogEntry{1, "a"}})};
        if (!same(first.state, early[0]) && !same(first.state, early[1]) && !same(first.state, early[2]))
            throw Problem("after save_term_and_vote(1, 0), save_log(1, 1 entry) and a power cut before any sync(), "
                          "Storage recovered " + describe(first.state) + ", which is none of the states it went "
                          "through; " + describe_cut(cut) + ".");
        disk.storage().save_term_and_vote(2, 1);
        disk.storage().save_log(1, {LogEntry{2, "b"}, LogEntry{2, "c"}});
        disk.storage().sync();
        if (disk.storage().dirty()) throw Problem("right after sync(), dirty() is still true.");
        const auto count = disk.storage().sync_count();
        disk.storage().sync();
        if (disk.storage().sync_count() != count)
            throw Problem("sync() with nothing written since the last one changed sync_count() from " +
                          std::to_string(count) + " to " + std::to_string(disk.storage().sync_count()) +
                          "; it must do nothing when not dirty().");
        const PersistentState synced = state(2, 1, {LogEntry{2, "b"}, LogEntry{2, "c"}});
        disk.storage().save_term_and_vote(3, 2);
        disk.storage().save_log(3, {LogEntry{3, "d"}});
        cut = disk.power_cut();
        const Recovered got = disk.boot();
        const PersistentState later[] = {synced, state(3, 2, synced.log),
                                         state(3, 2, {synced.log[0], synced.log[1], LogEntry{3, "d"}})};
        if (same(got.state, later[1]) || same(got.state, later[2])) return;  // more than synced: allowed
        if (!same(got.state, synced))
            throw Problem("after sync() made " + describe(synced) + " durable, two more saves and a power cut, "
                          "Storage recovered " + describe(got.state) + ": " + difference(got.state, synced) +
                          ". What sync() made durable must survive. " + cut_hint(cut));
    });
}

/// A file of random records (a 'V' first, then 'V' and 'L' records).
RecordFile random_file(std::uint64_t& rng, int records) {
    RecordFile f;
    f.term_and_vote(1 + next_random(rng) % 3, static_cast<NodeId>(next_random(rng) % 3));
    for (int i = 1; i < records; ++i) {
        const PersistentState& s = f.state();
        if (next_random(rng) % 3 == 0) {
            f.term_and_vote(s.current_term + 1, static_cast<NodeId>(next_random(rng) % 4) - 1);
        } else {
            const Index first = 1 + next_random(rng) % (s.log.size() + 1);
            f.log(first, random_entries(rng, 1 + next_random(rng) % 3, s.current_term));
        }
    }
    return f;
}

TEST(StorageUnit, tornTailDropped) {
    storage_check([](Disk&) {
        for (std::uint64_t seed : check::seeds(8)) {
            Disk disk;
            std::uint64_t rng = seed * 104729 + 3;
            RecordFile f = random_file(rng, 2 + static_cast<int>(next_random(rng) % 4));
            const std::string good = f.bytes();
            const PersistentState good_state = f.state();
            f.log(good_state.log.size() + 1, random_entries(rng, 2, good_state.current_term));
            const std::size_t last_size = f.bytes().size() - good.size();
            const std::size_t kept = seed == 1 ? 3 : seed == 2 ? 8 : 1 + next_random(rng) % (last_size - 1);
            disk.write_file(f.bytes().substr(0, good.size() + kept));
            const std::string story = "a crash tore the last record of raft.log (the file ends " +
                                      std::to_string(kept) + " bytes into a record of " + std::to_string(last_size) +
                                      ", at byte " + std::to_string(good.size() + kept) + ")" + seed_note(seed);
            expect_recovered(disk, good_state, story,
                             "A torn last record was never synced: drop it and keep every record before it.");
            const std::size_t size = disk.read_file().size();
            if (size != good.size())
                throw Problem("after " + story + ", Storage opened it, but raft.log is " + std::to_string(size) +
                              " bytes: recovery must cut the file back to the end of the last good record (byte " +
                              std::to_string(good.size()) + "), or new records land behind the torn one.");
            PersistentState want = good_state;
            const auto more = random_entries(rng, 2, want.current_term);
            disk.storage().save_log(want.log.size() + 1, more);
            disk.storage().save_term_and_vote(want.current_term + 1, 2);
            disk.storage().sync();
            disk.close();
            want.log.insert(want.log.end(), more.begin(), more.end());
            want.current_term += 1;
            want.voted_for = 2;
            expect_recovered(disk, want, story + ", then save_log(), save_term_and_vote(), sync(), a clean "
                             "shutdown and a restart", "Records written after a torn tail was dropped must be read back.");
        }
    });
}

/// True when `text` holds `number` in decimal, not as part of a longer number.
bool names_number(const std::string& text, std::size_t number) {
    const std::string n = std::to_string(number);
    for (std::size_t at = text.find(n); at != std::string::npos; at = text.find(n, at + 1)) {
        const bool before = at > 0 && std::isdigit(static_cast<unsigned char>(text[at - 1]));
        const bool after = at + n.size() < text.size() && std::isdigit(static_cast<unsigned char>(text[at + n.size()]));
        if (!before && !after) return true;
    }
    return false;
}

TEST(StorageUnit, midFileDamageStops) {
    storage_check([](Disk&) {
        for (std::uint64_t seed : check::seeds(6)) {
            Disk disk;
            std::uint64_t rng = seed * 15485863 + 5;
            const int records = 3 + static_cast<int>(next_random(rng) % 4);
            const RecordFile f = random_file(rng, records);
            disk.write_file(f.bytes());
            expect_recovered(disk, f.state(), "writing an intact raft.log of " + std::to_string(records) +
                             " records in the format of system/storage.h" + seed_note(seed),
                             "Recovery must replay every record of an intact file.");
            disk.crash();
            // Damage one record that has a valid record after it: in its checksum or payload.
            const std::size_t victim = next_random(rng) % (f.offsets().size() - 1);
            const std::size_t start = f.offsets()[victim], end = f.offsets()[victim + 1];
            const std::size_t at = start + 4 + next_random(rng) % (end - start - 4);
            std::string damaged = f.bytes();
            damaged[at] = static_cast<char>(damaged[at] ^ static_cast<char>(1 + next_random(rng) % 255));
            disk.write_file(damaged);
            const std::string story = "raft.log has a damaged record at byte " + std::to_string(start) + " (byte " +
                                      std::to_string(at) + " flipped) with " +
                                      std::to_string(f.offsets().size() - 1 - victim) + " valid records after it" +
                                      seed_note(seed);
            std::optional<Recovered> got;
            try {
                got = disk.boot();
            } catch (const StorageThrew& e) {
                const std::string what = e.what();
                if (what.find('\n') != std::string::npos)
                    throw Problem(story + "; Storage refused it, rightly, but its message is not one line: \"" +
                                  what.substr(0, what.find('\n')) + "...\".");
                if (what.find("raft.log") == std::string::npos)
                    throw Problem(story + "; Storage refused it, rightly, but its message does not name the file "
                                  "(raft.log): \"" + what + "\".");
                if (!names_number(what, start) && !names_number(what, at))
                    throw Problem(story + "; Storage refused it, rightly, but its message names neither offset " +
                                  std::to_string(start) + " nor " + std::to_string(at) + ": \"" + what + "\".");
                continue;
            }
            throw Problem(story + ", yet Storage opened it and recovered " + describe(got->state) +
                          " (the intact file holds " + describe(f.state()) + "). Damage followed by valid records "
                          "is corruption, not a torn tail: the constructor must throw std::runtime_error naming "
                          "the file and the offset.");
        }
    });
}

}  // namespace
}  // namespace raftlab::lab10
