// fuzz_check.h: the one helper every fuzz target shares.
//
// A fuzz target states the properties its code under test promises (see each
// header's contract) with FUZZ_EXPECT. A broken property is a loud abort that
// names the target's file and line and what was expected, so libFuzzer saves the
// input as a crash artifact exactly like it does for a sanitizer report.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_EXPECT(condition, what)                                                          \
    do {                                                                                      \
        if (!(condition)) {                                                                   \
            std::fprintf(stderr, "%s:%d: fuzz property broken: %s (%s)\n", __FILE__, __LINE__, \
                         what, #condition);                                                   \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)
