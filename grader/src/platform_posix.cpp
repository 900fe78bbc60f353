#include "platform.h"

#include <csignal>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace raftlab::grader::platform {

static int set_limit(int resource, rlim_t value) {
    struct rlimit rl{value, value};
    return setrlimit(resource, &rl) == 0 ? 0 : errno;
}

int prepare_child(const Limits& limits) {
    if (setpgid(0, 0) != 0) return errno;
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) return ESRCH;  // the grader already died
#endif
    // Checks start with default signal handling whatever the grader set.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (!limits.resource_limits) return 0;
    rlim_t cpu = limits.cpu_seconds ? limits.cpu_seconds
                                    : static_cast<rlim_t>(limits.wall.count() / 1000 * 2 + 5);
    int err = 0;
    if ((err = set_limit(RLIMIT_CPU, cpu))) return err;
    if ((err = set_limit(RLIMIT_AS, limits.address_space))) return err;
    if ((err = set_limit(RLIMIT_FSIZE, limits.file_size))) return err;
    if ((err = set_limit(RLIMIT_NOFILE, limits.open_files))) return err;
    if ((err = set_limit(RLIMIT_CORE, 0))) return err;
    return 0;
}

void kill_group(int pgid) {
    if (pgid > 1) ::kill(-pgid, SIGKILL);
}

void become_subreaper() {
#ifdef __linux__
    prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
}

#ifdef __linux__
// The children of `pid`, read from /proc/<pid>/task/*/children.
static std::vector<int> children_of(int pid) {
    std::vector<int> out;
    std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::string path = dir + "/" + e->d_name + "/children";
        if (FILE* f = std::fopen(path.c_str(), "r")) {
            int child;
            while (std::fscanf(f, "%d", &child) == 1) out.push_back(child);
            std::fclose(f);
        }
    }
    closedir(d);
    return out;
}
#endif

void kill_descendants() {
#ifdef __linux__
    // A subreaper inherits orphans; kill them and everything below them.
    for (int round = 0; round < 50; ++round) {
        std::vector<int> kids = children_of(getpid());
        if (kids.empty()) return;
        for (int pid : kids) {
            ::kill(pid, SIGKILL);
            ::kill(-pid, SIGKILL);
        }
        for (int pid : kids) waitpid(pid, nullptr, 0);
    }
#endif
}

}  // namespace raftlab::grader::platform
