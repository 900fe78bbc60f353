// foundations/options.h: reading "--name value" flags from the command line, for
// the lab 1 programs. Already written for you.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace raftlab::foundations {

/// The whole number after `--name` in argv, or `fallback` when the flag is absent.
/// Throws std::invalid_argument with a readable message when the value is missing
/// or not a number.
inline int int_flag(int argc, char** argv, std::string_view name, int fallback) {
    for (int i = 1; i < argc; ++i) {
        if (argv[i] != name) continue;
        if (i + 1 >= argc) throw std::invalid_argument(std::string(name) + " needs a value");
        try {
            std::size_t used = 0;
            int value = std::stoi(argv[i + 1], &used);
            if (used == std::string_view(argv[i + 1]).size()) return value;
        } catch (const std::exception&) {
        }
        throw std::invalid_argument(std::string(name) + " expects a whole number, not '" +
                                    argv[i + 1] + "'");
    }
    return fallback;
}

}  // namespace raftlab::foundations

// raftlab-solution-marker: the reference solution (instructors only); it must never reach students.
