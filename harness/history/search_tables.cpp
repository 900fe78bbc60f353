// The search's tables (see search_tables.h).
#include "search_tables.h"

#include <cstring>
#include <functional>

namespace raftlab::history::search {
namespace {

std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

constexpr std::size_t kBlockBytes = 1 << 20;

}  // namespace

bool ConfigSet::insert(std::uint64_t a, std::uint64_t b) {
    if (a == 0 && b == 0) a = 1;  // keep the empty marker free (a 2^-128 merge)
    return place(a, b, !nearly_full(size_ + 1, slots_.size()));
}

bool ConfigSet::place(std::uint64_t a, std::uint64_t b, bool may_add) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = (a ^ (b >> 7)) & mask;; i = (i + 1) & mask) {
        Slot& slot = slots_[i];
        if (slot.first == 0 && slot.second == 0) {
            if (may_add) {
                slot = {a, b};
                ++size_;
            }
            return true;
        }
        if (slot.first == a && slot.second == b) return false;
    }
}

void ConfigSet::grow() {
    timed([&] {
        ZeroedArray<Slot> old(slots_.size() * 2);
        std::swap(old, slots_);
        size_ = 0;
        for (std::size_t i = 0; i < old.size(); ++i)
            if (old[i].first != 0 || old[i].second != 0) place(old[i].first, old[i].second, true);
    });
}

StateTable::StateTable() : slots_(1 << 8) {
    values_.emplace_back();  // id 0: absent
    hashes_.push_back(0);
}

std::string_view StateTable::store(std::string_view value) {
    if (blocks_.empty() || block_used_ + value.size() > block_size_) {
        block_size_ = std::max(kBlockBytes, value.size());
        blocks_.push_back(std::unique_ptr<char[]>(new char[block_size_]));
        block_bytes_ += block_size_;
        block_used_ = 0;
    }
    char* at = blocks_.back().get() + block_used_;
    if (!value.empty()) std::memcpy(at, value.data(), value.size());
    block_used_ += value.size();
    return {at, value.size()};
}

void StateTable::grow() {
    timed([&] {
        ZeroedArray<std::uint32_t> bigger(slots_.size() * 2);
        std::size_t mask = bigger.size() - 1;
        for (std::uint32_t id = 1; id < values_.size(); ++id) {
            std::size_t i = hashes_[id] & mask;
            while (bigger[i] != 0) i = (i + 1) & mask;
            bigger[i] = id;
        }
        std::swap(slots_, bigger);
    });
}

std::uint32_t StateTable::intern(std::string_view value) {
    std::uint64_t hash = mix(std::hash<std::string_view>{}(value));
    std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    for (; slots_[i] != 0; i = (i + 1) & mask)
        if (hashes_[slots_[i]] == hash && values_[slots_[i]] == value) return slots_[i];
    auto id = static_cast<std::uint32_t>(values_.size());
    values_.push_back(store(value));
    hashes_.push_back(hash);
    slots_[i] = id;
    if (half_full(values_.size(), slots_.size())) grow();
    return id;
}

std::size_t StateTable::bytes() const {
    return slots_.bytes() + values_.capacity() * sizeof(std::string_view) + hashes_.capacity() * sizeof(std::uint64_t) +
           block_bytes_;
}

std::optional<std::uint32_t> TransitionMemo::find(std::uint64_t key) const {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix(key) & mask; slots_[i].key_plus_one != 0; i = (i + 1) & mask)
        if (slots_[i].key_plus_one == key + 1) return slots_[i].next;
    return std::nullopt;
}

void TransitionMemo::put(std::uint64_t key, std::uint32_t next) {
    if (frozen() && nearly_full(size_ + 1, slots_.size())) return;
    if (!frozen() && half_full(size_ + 1, slots_.size())) {
        timed([&] {
            ZeroedArray<Slot> old(slots_.size() * 2);
            std::swap(old, slots_);
            size_ = 0;
            for (std::size_t i = 0; i < old.size(); ++i)
                if (old[i].key_plus_one != 0) put(old[i].key_plus_one - 1, old[i].next);
        });
    }
    std::size_t mask = slots_.size() - 1;
    std::size_t i = mix(key) & mask;
    while (slots_[i].key_plus_one != 0 && slots_[i].key_plus_one != key + 1) i = (i + 1) & mask;
    if (slots_[i].key_plus_one == 0) ++size_;
    slots_[i] = {key + 1, next};
}

}  // namespace raftlab::history::search
