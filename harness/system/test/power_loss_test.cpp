// power_loss_test.cpp: the fsync shim (sync_shim.cpp) and discard_unsynced().
//
// Real programs run under the shim: dd writes with conv=fsync, conv=fdatasync and
// oflag=dsync, coreutils' sync calls fsync() on a file and sync() on everything, and
// plain shell appends are never synced. discard_unsynced() must then cut every file
// back to exactly what was made durable. Everything runs one command at a time, so
// the sizes are exact.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <filesystem>
#include <fstream>
#include <string>

#include "raftlab/kv/power_loss.h"

namespace raftlab::kv {
namespace {

namespace fs = std::filesystem;

/// The shim: $RAFTLAB_SYNC_SHIM, or where the build puts it (harness/system/ of the
/// build directory; this test lives in bin/).
fs::path shim_path() {
    if (const char* env = std::getenv("RAFTLAB_SYNC_SHIM"); env && *env) return env;
    fs::path build = fs::read_symlink("/proc/self/exe").parent_path().parent_path();
    return build / "harness" / "system" / "libraftlab_sync_shim.so";
}

class PowerLoss : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "raftlab-power-loss-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
        data_ = root_ / "n0";
        fs::create_directories(data_ / "sub");
        journal_ = root_ / "n0.journal";
        ASSERT_TRUE(fs::exists(shim_path())) << shim_path() << " is missing: build the raftlab_sync_shim target";
    }
    void TearDown() override { fs::remove_all(root_); }

    /// Runs `script` with sh in the data directory, under the shim when `shimmed`.
    void run(const std::string& script, bool shimmed = true) {
        std::string env = shimmed ? "LD_PRELOAD='" + shim_path().string() + "' RAFTLAB_SYNC_DIR='" + data_.string() +
                                        "' RAFTLAB_SYNC_JOURNAL='" + journal_.string() + "' "
                                  : std::string();
        std::string command = "cd '" + data_.string() + "' && " + env + "sh -c '" + script + "' 2>/dev/null";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }

    std::uintmax_t size(const std::string& name) const { return fs::file_size(data_ / name); }

    std::size_t journal_lines() const {
        std::ifstream in(journal_);
        std::size_t n = 0;
        for (std::string line; std::getline(in, line);) ++n;
        return n;
    }

    fs::path root_, data_, journal_;
};

TEST_F(PowerLoss, discardUnsynced_keepsExactlyWhatWasSynced) {
    run("dd if=/dev/zero of=fsynced bs=100 count=1 conv=fsync && head -c 50 /dev/zero >> fsynced");
    run("dd if=/dev/zero of=fdatasynced bs=200 count=1 conv=fdatasync && head -c 30 /dev/zero >> fdatasynced");
    run("dd if=/dev/zero of=dsync bs=10 count=7 oflag=dsync && head -c 5 /dev/zero >> dsync");
    run("head -c 40 /dev/zero > never");
    run("head -c 60 /dev/zero > sub/synced_by_name && sync sub/synced_by_name && head -c 9 /dev/zero >> sub/synced_by_name");
    run("head -c 80 /dev/zero > sub/synced_twice && sync sub/synced_twice && head -c 20 /dev/zero >> sub/synced_twice && "
        "sync sub/synced_twice && head -c 1 /dev/zero >> sub/synced_twice");

    DiscardReport report = discard_unsynced(data_, journal_);

    EXPECT_EQ(size("fsynced"), 100u);
    EXPECT_EQ(size("fdatasynced"), 200u);
    EXPECT_EQ(size("dsync"), 75u) << "a file opened with O_DSYNC is always durable";
    EXPECT_EQ(size("never"), 0u);
    EXPECT_EQ(size("sub/synced_by_name"), 60u);
    EXPECT_EQ(size("sub/synced_twice"), 100u) << "the last sync wins";
    ASSERT_EQ(report.lines.size(), 5u);
    EXPECT_EQ(report.lines[0], "n0/fdatasynced: 230 -> 200 bytes");
    EXPECT_EQ(report.lines[1], "n0/fsynced: 150 -> 100 bytes");
    EXPECT_EQ(report.lines[2], "n0/never: 40 -> 0 bytes (never synced)");
}

TEST_F(PowerLoss, syncAll_recordsEveryFileUnderTheDirectory) {
    run("head -c 10 /dev/zero > a && head -c 20 /dev/zero > sub/b && sync && head -c 3 /dev/zero >> a && "
        "head -c 4 /dev/zero >> sub/b");
    discard_unsynced(data_, journal_);
    EXPECT_EQ(size("a"), 10u);
    EXPECT_EQ(size("sub/b"), 20u);
}

TEST_F(PowerLoss, shim_ignoresFilesOutsideTheDirectory) {
    fs::path outside = root_ / "outside";
    run("dd if=/dev/zero of=" + outside.string() + " bs=10 count=1 conv=fsync && dd if=/dev/zero of=" + outside.string() +
        " bs=10 count=1 oflag=dsync");
    EXPECT_EQ(journal_lines(), 0u);
    EXPECT_EQ(fs::file_size(outside), 10u);
}

TEST_F(PowerLoss, shim_isANoOpWithoutItsEnvironment) {
    std::string command = "cd '" + data_.string() + "' && LD_PRELOAD='" + shim_path().string() +
                          "' sh -c 'dd if=/dev/zero of=f bs=10 count=1 conv=fsync oflag=dsync && sync' 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0);
    EXPECT_FALSE(fs::exists(journal_));
    EXPECT_EQ(size("f"), 10u);
}

/// The slow disk: a process killed while its fsync waits has made nothing durable, and
/// one left alone records the sync once the wait is over.
TEST_F(PowerLoss, slowDisk_killDuringTheWaitLosesTheWrite) {
    const fs::path pid_file = root_ / "pid";
    std::string command = "cd '" + data_.string() + "' && LD_PRELOAD='" + shim_path().string() + "' RAFTLAB_SYNC_DIR='" +
                          data_.string() + "' RAFTLAB_SYNC_JOURNAL='" + journal_.string() + "' " + kSyncDelayEnv +
                          "=3000 sh -c 'echo $$ > " + pid_file.string() +
                          "; exec dd if=/dev/zero of=slow bs=100 count=1 conv=fsync 2>/dev/null' &";
    ASSERT_EQ(std::system(command.c_str()), 0);
    // dd has written its 100 bytes once the file has them; it then waits in fsync.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!(fs::exists(data_ / "slow") && size("slow") == 100u && fs::exists(pid_file) && fs::file_size(pid_file) > 0)) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "dd did not write its 100 bytes within 20 s";
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_t pid = 0;
    std::ifstream(pid_file) >> pid;
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    while (::kill(pid, 0) == 0) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "dd did not die";
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(journal_lines(), 0u) << "a sync was recorded before the slow disk's wait was over";
    discard_unsynced(data_, journal_);
    EXPECT_EQ(size("slow"), 0u);

    run(std::string(kSyncDelayEnv) + "=50 dd if=/dev/zero of=patient bs=100 count=1 conv=fsync");
    discard_unsynced(data_, journal_);
    EXPECT_EQ(size("patient"), 100u) << "a slow sync that completes must be recorded";
}

TEST_F(PowerLoss, discardUnsynced_withoutJournalLosesEverything) {
    run("head -c 10 /dev/zero > a", /*shimmed=*/false);
    DiscardReport report = discard_unsynced(data_, journal_);
    EXPECT_EQ(size("a"), 0u);
    EXPECT_EQ(report.lines.size(), 1u);
}

TEST_F(PowerLoss, discardUnsynced_rejectsAGarbledJournal) {
    std::ofstream(journal_) << "12 34 notanumber\n";
    EXPECT_THROW(discard_unsynced(data_, journal_), std::runtime_error);
}

}  // namespace
}  // namespace raftlab::kv
