// raftlab/sim/rng.h: the simulator's seeded random generator.
//
// xoshiro256** seeded through splitmix64. Written out here rather than taken from
// <random> because the standard distributions are allowed to differ between standard
// libraries, and a seed must replay the same run on every machine.
//
// It lives beside the contract (not in the simulator) because a Raft host draws its
// server's random() numbers itself: the judge hands it the server's stream and
// takes the stream back after every call (see RandomStream).
#pragma once

#include <array>
#include <cstdint>

namespace raftlab::sim {

class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        std::uint64_t x = seed;
        for (auto& s : state_) s = splitmix64(x);
    }

    /// 64 uniformly random bits.
    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// A uniform integer in [low, high]; low <= high.
    std::int64_t uniform(std::int64_t low, std::int64_t high) {
        const std::uint64_t span = static_cast<std::uint64_t>(high - low) + 1;
        if (span == 0) return static_cast<std::int64_t>(next());  // the full range
        // Multiply-shift keeps the bias below 2^-64 * span: invisible at our sizes.
        const auto wide = static_cast<unsigned __int128>(next()) * span;
        return low + static_cast<std::int64_t>(wide >> 64);
    }

    /// True with probability p (0 <= p <= 1).
    bool chance(double p) {
        if (p <= 0) return false;
        if (p >= 1) return true;
        return static_cast<double>(next() >> 11) * 0x1.0p-53 < p;
    }

    /// A generator for a separate purpose, derived from this one, so that adding a
    /// use of one stream does not shift every other.
    Rng fork() { return Rng(next()); }

    /// The whole state: a generator made from it draws what this one would next.
    using State = std::array<std::uint64_t, 4>;
    State state() const { return {state_[0], state_[1], state_[2], state_[3]}; }
    static Rng from_state(const State& state) {
        Rng r(0);
        for (int i = 0; i < 4; ++i) r.state_[i] = state[static_cast<std::size_t>(i)];
        return r;
    }

    /// Env::random()'s draw: the bounds in either order.
    std::int64_t env_random(std::int64_t low, std::int64_t high) {
        return low <= high ? uniform(low, high) : uniform(high, low);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4];
};

/// An Env whose random() is a draw from one Rng of the simulator's, which it lends
/// out: a server in a host process draws from a copy, and the judge puts the copy's
/// state back after each call. The same numbers reach the server in the same order as
/// with one random() call per draw, without a round trip for each. nullptr: random()
/// is something else (a watch or a scripted Env), and must be called.
class RandomStream {
public:
    virtual Rng* random_stream() = 0;

protected:
    ~RandomStream() = default;
};

}  // namespace raftlab::sim
