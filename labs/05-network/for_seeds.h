// for_seeds.h: how lab 5's randomized checks run their seeds, shared by the visible
// checks (network_random_checks.cpp) and a hidden one.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <string>

#include "network_under_test.h"
#include "raftlab/check/check.h"

namespace raftlab::checks {

/// Runs `body(seed)` for each seed; stops at the first failure and reports it. The
/// body may run twice for a seed (see with_shortcuts): it must depend on its seed only.
inline void for_seeds(int default_count, const std::function<std::string(std::uint64_t)>& body) {
    for (std::uint64_t seed : check::seeds(default_count)) {
        std::string why;
        try {
            why = with_shortcuts([&] { return body(seed); });
        } catch (const std::exception& e) {
            why = std::string("the network threw: ") + e.what();
        }
        if (!why.empty()) {
            ADD_FAILURE() << "seed " << seed << ": " << why
                          << ". Replay: " << check::replay_command(seed);
            return;
        }
    }
}

}  // namespace raftlab::checks
