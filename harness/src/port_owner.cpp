#include "raftlab/net/port_owner.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace raftlab::net {
namespace {

/// The socket inode listening on `port`, from /proc/net/tcp and tcp6 ("" if none).
std::string listening_inode(int port) {
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
            f >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
            auto colon = local.rfind(':');
            if (colon == std::string::npos || state != "0A") continue;  // 0A: LISTEN
            if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) return inode;
        }
    }
    return "";
}

std::string process_name(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/comm");
    std::string name;
    std::getline(in, name);
    return name.empty() ? "?" : name;
}

}  // namespace

std::string port_owner(int port) {
    std::string inode = listening_inode(port);
    if (inode.empty() || inode == "0") return "another process";
    std::string want = "socket:[" + inode + "]";
    DIR* proc = opendir("/proc");
    if (!proc) return "another process";
    std::string found;
    while (dirent* p = readdir(proc)) {
        if (p->d_name[0] < '0' || p->d_name[0] > '9' || !found.empty()) continue;
        std::string fd_dir = std::string("/proc/") + p->d_name + "/fd";
        DIR* fds = opendir(fd_dir.c_str());
        if (!fds) continue;
        while (dirent* fd = readdir(fds)) {
            char target[128];
            ssize_t n = readlink((fd_dir + "/" + fd->d_name).c_str(), target, sizeof target - 1);
            if (n > 0 && std::string(target, n) == want) {
                found = std::string("pid ") + p->d_name + " (" + process_name(p->d_name) + ")";
                break;
            }
        }
        closedir(fds);
    }
    closedir(proc);
    return found.empty() ? "another process" : found;
}

std::string port_in_use_message(int port) {
    return "port " + std::to_string(port) + " is in use by " + port_owner(port) + "; stop it or choose another port";
}

}  // namespace raftlab::net
