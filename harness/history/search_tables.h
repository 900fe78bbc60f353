// The memory of the Wing–Gong–Lowe search (linearizability.cpp): flat hash tables
// and a string arena. Their sizes are known, so the search can keep a memory budget,
// and freeing them takes a few calls, not one per entry (a node-per-entry map of
// tens of millions of states took tens of seconds to free). Not a public header.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <vector>

namespace raftlab::history::search {

/// A zero-filled array from calloc: large ones come zeroed from the kernel page by
/// page as they are touched, and are returned in one call.
template <class T>
class ZeroedArray {
public:
    ZeroedArray() = default;
    explicit ZeroedArray(std::size_t n) : data_(static_cast<T*>(std::calloc(n, sizeof(T)))), size_(n) {
        if (!data_ && n > 0) throw std::bad_alloc();
    }
    T& operator[](std::size_t i) { return data_.get()[i]; }
    const T& operator[](std::size_t i) const { return data_.get()[i]; }
    std::size_t size() const { return size_; }
    std::size_t bytes() const { return size_ * sizeof(T); }

private:
    struct Free {
        void operator()(T* p) const { std::free(p); }
    };
    std::unique_ptr<T, Free> data_;
    std::size_t size_ = 0;
};

/// How a table grows: it doubles when half full, and each doubling (a rehash of
/// every entry) takes about twice as long as the one before; large ones take seconds.
/// A frozen table never grows again: it fills up to 7/8, then stops remembering.
class Growth {
public:
    using Duration = std::chrono::steady_clock::duration;

    bool frozen() const { return frozen_; }
    void freeze() { frozen_ = true; }
    /// How long the next doubling will take, about.
    Duration next_grow() const { return 2 * last_; }

protected:
    static bool half_full(std::size_t entries, std::size_t slots) { return entries * 2 > slots; }
    static bool nearly_full(std::size_t entries, std::size_t slots) { return entries * 8 > slots * 7; }
    template <class Rehash>
    void timed(Rehash rehash) {
        auto start = std::chrono::steady_clock::now();
        rehash();
        last_ = std::chrono::steady_clock::now() - start;
    }

private:
    bool frozen_ = false;
    Duration last_{0};
};

/// The configurations already tried: 128-bit keys, open addressing, one lookup per
/// search step. Growing is left to the caller, which first checks its budgets.
class ConfigSet : public Growth {
public:
    ConfigSet() : slots_(1 << 8) {}

    /// The next insert() should come after grow() (unless frozen).
    bool wants_room() const { return !frozen() && half_full(size_ + 1, slots_.size()); }
    /// Doubles the table (old and new exist together while it rehashes).
    void grow();
    std::size_t bytes() const { return slots_.bytes(); }
    std::size_t bytes_while_growing() const { return slots_.bytes() * 3; }

    /// Inserts; returns false if the key was already present. A nearly full table
    /// only looks the key up (the search then just repeats some work).
    bool insert(std::uint64_t a, std::uint64_t b);

private:
    using Slot = std::pair<std::uint64_t, std::uint64_t>;  // (0, 0) = empty
    bool place(std::uint64_t a, std::uint64_t b, bool may_add);

    ZeroedArray<Slot> slots_;
    std::size_t size_ = 0;
};

/// The distinct values a key takes during the search, interned: id 0 is "absent",
/// values live in large blocks.
class StateTable : public Growth {
public:
    StateTable();
    std::uint32_t intern(std::string_view value);
    std::string_view value(std::uint32_t id) const { return values_[id]; }
    std::size_t bytes() const;
    /// Will it double within `inserts` more values? (It cannot freeze: every state needs an id.)
    bool grows_within(std::size_t inserts) const { return half_full(values_.size() + inserts, slots_.size()); }
    std::size_t growth_bytes() const { return slots_.bytes() * 2; }

private:
    std::string_view store(std::string_view value);
    void grow();

    ZeroedArray<std::uint32_t> slots_;  // ids; 0 = empty slot (absent is never stored)
    std::vector<std::string_view> values_;
    std::vector<std::uint64_t> hashes_;
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::size_t block_used_ = 0, block_size_ = 0, block_bytes_ = 0;
};

/// Memo of model transitions: (state, operation) -> next state. Once frozen and
/// nearly full it stops remembering (transitions are then recomputed).
class TransitionMemo : public Growth {
public:
    TransitionMemo() : slots_(1 << 8) {}
    std::optional<std::uint32_t> find(std::uint64_t key) const;
    void put(std::uint64_t key, std::uint32_t next);
    std::size_t bytes() const { return slots_.bytes(); }
    bool grows_within(std::size_t inserts) const { return !frozen() && half_full(size_ + inserts, slots_.size()); }
    std::size_t growth_bytes() const { return slots_.bytes() * 2; }

private:
    struct Slot {
        std::uint64_t key_plus_one;  // 0 = empty
        std::uint32_t next;
    };
    ZeroedArray<Slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace raftlab::history::search
