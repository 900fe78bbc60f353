// sync_shim.cpp: an LD_PRELOAD library that journals what a server made durable, so
// the harness can simulate a power cut afterwards (raftlab/kv/power_loss.h).
//
// For files under $RAFTLAB_SYNC_DIR it appends one line to $RAFTLAB_SYNC_JOURNAL per
// event, before calling the real function:
//
//   "<dev> <ino> <size>"    fsync() or fdatasync() of the file, at that size;
//                           sync() and syncfs() write one such line for every
//                           regular file under the directory
//   "<dev> <ino> always"    the file was opened with O_SYNC or O_DSYNC: every write
//                           to it is durable when write() returns
//
// Recording the size before the real call is safe for the check: a sync that is
// interrupted by the kill keeps the bytes it had promised, and the server cannot have
// acted on the sync's success before it returned.
//
// A slow disk: with $RAFTLAB_SYNC_DELAY_MS set (1..10000), every sync of a file under
// the directory first waits that long, and only then is recorded. A server that sends
// an answer and syncs after it has sent that answer inside the wait, so a power cut
// the moment the answer arrives loses what the answer promised. On a fast disk that
// window lasts microseconds and no check could hit it.
//
// Constraints. Servers call these functions from any thread, maybe from a signal
// handler, so the shim allocates nothing: fixed buffers, fstat, readlink of
// /proc/self/fd/N, and one write() with O_APPEND per line (atomic for lines this
// short, also between processes). With either variable unset every call goes
// straight to the real function.

// Fortified builds turn open() into an inline wrapper this file could not redefine.
#undef _FORTIFY_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr std::size_t kPathMax = 4096;

/// The environment, read once (the first event). Empty journal = shim disabled.
struct Config {
    char dir[kPathMax] = {};      ///< canonical, without a trailing slash
    std::size_t dir_len = 0;
    char journal[kPathMax] = {};
    long delay_ms = 0;            ///< the slow disk's wait before each sync; 0 = none
};

Config g_config;
int g_config_state = 0;  // 0 unread, 1 enabled, 2 disabled (benign race: same result)

const Config* config() {
    if (g_config_state == 0) {
        const char* dir = std::getenv("RAFTLAB_SYNC_DIR");
        const char* journal = std::getenv("RAFTLAB_SYNC_JOURNAL");
        bool ok = dir && *dir && journal && *journal && std::strlen(journal) < kPathMax &&
                  realpath(dir, g_config.dir) != nullptr;
        if (ok) {
            g_config.dir_len = std::strlen(g_config.dir);
            while (g_config.dir_len > 1 && g_config.dir[g_config.dir_len - 1] == '/')
                g_config.dir[--g_config.dir_len] = '\0';
            std::memcpy(g_config.journal, journal, std::strlen(journal) + 1);
            if (const char* delay = std::getenv("RAFTLAB_SYNC_DELAY_MS")) {
                long ms = std::strtol(delay, nullptr, 10);
                g_config.delay_ms = ms > 0 && ms <= 10000 ? ms : 0;
            }
        }
        g_config_state = ok ? 1 : 2;
    }
    return g_config_state == 1 ? &g_config : nullptr;
}

template <class F>
F real(const char* name) {
    return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

/// True if `path` (absolute) is the directory itself or lies under it.
bool under_dir(const Config& c, const char* path) {
    if (std::strncmp(path, c.dir, c.dir_len) != 0) return false;
    return path[c.dir_len] == '\0' || path[c.dir_len] == '/' || (c.dir_len == 1 && c.dir[0] == '/');
}

bool fd_under_dir(const Config& c, int fd) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[kPathMax];
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return false;
    target[n] = '\0';
    return under_dir(c, target);
}

/// Appends one line to the journal with a single write(). Errors are ignored: the
/// shim must never change what the server sees.
void journal_line(const Config& c, const struct stat& st, bool always) {
    char line[96];
    int len = always ? std::snprintf(line, sizeof line, "%llu %llu always\n", static_cast<unsigned long long>(st.st_dev),
                                     static_cast<unsigned long long>(st.st_ino))
                     : std::snprintf(line, sizeof line, "%llu %llu %lld\n", static_cast<unsigned long long>(st.st_dev),
                                     static_cast<unsigned long long>(st.st_ino), static_cast<long long>(st.st_size));
    if (len <= 0 || len >= static_cast<int>(sizeof line)) return;
    static auto real_open = real<int (*)(const char*, int, ...)>("open");
    int saved = errno;
    int fd = real_open(c.journal, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void)!write(fd, line, static_cast<std::size_t>(len));
        close(fd);
    }
    errno = saved;
}

/// The slow disk (see the top of the file); nanosleep is async-signal-safe.
void slow_disk(const Config& c) {
    if (c.delay_ms <= 0) return;
    timespec wait{c.delay_ms / 1000, (c.delay_ms % 1000) * 1000000L};
    while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {
    }
}

void record_fd(int fd, bool always) {
    const Config* c = config();
    if (!c || fd < 0) return;
    int saved = errno;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fd_under_dir(*c, fd)) {
        if (!always) slow_disk(*c);
        // The size after the wait: bytes written meanwhile (by another thread) are
        // covered by the real sync that follows.
        if (!always) fstat(fd, &st);
        journal_line(*c, st, always);
    }
    errno = saved;
}

/// sync()/syncfs(): every regular file under the directory is durable at its size.
/// Walks the tree with a fixed-depth stack of paths (no allocation beyond opendir's).
void record_tree(const Config& c, char* path, std::size_t len, int depth) {
    if (depth > 16) return;
    DIR* d = opendir(path);
    if (!d) return;
    while (dirent* e = readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        std::size_t name_len = std::strlen(e->d_name);
        if (len + 1 + name_len + 1 > kPathMax) continue;
        path[len] = '/';
        std::memcpy(path + len + 1, e->d_name, name_len + 1);
        struct stat st;
        if (lstat(path, &st) == 0) {
            if (S_ISREG(st.st_mode)) journal_line(c, st, false);
            else if (S_ISDIR(st.st_mode)) record_tree(c, path, len + 1 + name_len, depth + 1);
        }
        path[len] = '\0';
    }
    closedir(d);
}

void record_all() {
    const Config* c = config();
    if (!c) return;
    int saved = errno;
    slow_disk(*c);
    char path[kPathMax];
    std::memcpy(path, c->dir, c->dir_len + 1);
    record_tree(*c, path, c->dir_len, 0);
    errno = saved;
}

bool wants_always(int flags) { return (flags & (O_SYNC | O_DSYNC)) != 0; }

/// open() and friends take a mode only with O_CREAT or O_TMPFILE.
bool needs_mode(int flags) {
#ifdef O_TMPFILE
    if ((flags & O_TMPFILE) == O_TMPFILE) return true;
#endif
    return (flags & O_CREAT) != 0;
}

/// A descriptor opened with O_SYNC or O_DSYNC makes every write durable: noted here.
int opened(int fd, int flags) {
    if (fd >= 0 && wants_always(flags)) record_fd(fd, true);
    return fd;
}

}  // namespace

extern "C" {

int fsync(int fd) {
    static auto next = real<int (*)(int)>("fsync");
    record_fd(fd, false);
    return next(fd);
}

int fdatasync(int fd) {
    static auto next = real<int (*)(int)>("fdatasync");
    record_fd(fd, false);
    return next(fd);
}

void sync() {
    static auto next = real<void (*)()>("sync");
    record_all();
    next();
}

int syncfs(int fd) {
    static auto next = real<int (*)(int)>("syncfs");
    record_all();
    return next(fd);
}

// va_start has to run in the variadic function itself, hence a macro: the mode
// argument is there only when the flags ask for one.
#define RAFTLAB_READ_MODE(flags, mode)                              \
    do {                                                            \
        if (needs_mode(flags)) {                                    \
            va_list args;                                           \
            va_start(args, flags);                                  \
            mode = static_cast<mode_t>(va_arg(args, int));          \
            va_end(args);                                           \
        }                                                           \
    } while (0)

#define RAFTLAB_SHIM_OPEN(NAME)                                          \
    int NAME(const char* path, int flags, ...) {                        \
        static auto next = real<int (*)(const char*, int, ...)>(#NAME); \
        mode_t mode = 0;                                                 \
        RAFTLAB_READ_MODE(flags, mode);                                  \
        return opened(next(path, flags, mode), flags);                   \
    }

#define RAFTLAB_SHIM_OPENAT(NAME)                                             \
    int NAME(int dirfd, const char* path, int flags, ...) {                  \
        static auto next = real<int (*)(int, const char*, int, ...)>(#NAME); \
        mode_t mode = 0;                                                      \
        RAFTLAB_READ_MODE(flags, mode);                                       \
        return opened(next(dirfd, path, flags, mode), flags);                 \
    }

// What fortified callers use for open() without a mode (never with O_CREAT).
#define RAFTLAB_SHIM_OPEN_2(NAME)                                   \
    int NAME(const char* path, int flags) {                        \
        static auto next = real<int (*)(const char*, int)>(#NAME); \
        return opened(next(path, flags), flags);                    \
    }

#define RAFTLAB_SHIM_OPENAT_2(NAME)                                      \
    int NAME(int dirfd, const char* path, int flags) {                  \
        static auto next = real<int (*)(int, const char*, int)>(#NAME); \
        return opened(next(dirfd, path, flags), flags);                  \
    }

RAFTLAB_SHIM_OPEN(open)
RAFTLAB_SHIM_OPEN(open64)
RAFTLAB_SHIM_OPENAT(openat)
RAFTLAB_SHIM_OPENAT(openat64)
RAFTLAB_SHIM_OPEN_2(__open_2)
RAFTLAB_SHIM_OPEN_2(__open64_2)
RAFTLAB_SHIM_OPENAT_2(__openat_2)
RAFTLAB_SHIM_OPENAT_2(__openat64_2)

}  // extern "C"
