// search.cpp: the breadth-first search of search.h over replayed clusters.
#include "raftlab/sim/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <exception>
#include <thread>
#include <unordered_set>

namespace raftlab::sim {

namespace {

/// One replay: a fresh cluster, the hooks attached, `path` taken event by event.
std::unique_ptr<SearchCluster> replay(const SearchOptions& options, const ServerFactory& factory,
                                      const SearchHooks& hooks, const std::vector<SearchEvent>& path,
                                      bool record, SearchResult& result,
                                      std::vector<std::string>* text = nullptr) {
    auto c = std::make_unique<SearchCluster>(options, factory, record);
    ++result.replays;
    if (hooks.attach) hooks.attach(*c);
    c->set_check(hooks.check);
    c->start();
    if (hooks.setup && !c->failed()) {
        c->note("the check's opening");
        hooks.setup(*c);
        c->note("the search starts here");
    }
    for (const SearchEvent& e : path) {
        if (c->failed()) break;
        if (text) text->push_back(c->describe(e));
        c->take(e);
        ++result.events;
    }
    return c;
}

/// The successors of one state, generated on one thread.
struct Successor {
    std::vector<SearchEvent> path;
    std::uint64_t hash = 0;
    bool failed = false;
    bool beyond_bounds = false;
};
struct Expansion {
    std::vector<Successor> successors;  // in the order of enabled(); ends at a failure
    bool parent_failed = false;
    SearchResult counters;              // replays and events only
};

Expansion expand(const SearchOptions& options, const ServerFactory& factory, const SearchHooks& hooks,
                 const std::vector<SearchEvent>& path) {
    Expansion x;
    auto parent = replay(options, factory, hooks, path, false, x.counters);
    if (parent->failed()) {  // a server that does not replay the same way
        x.parent_failed = true;
        return x;
    }
    const std::vector<SearchEvent> events = parent->enabled();
    for (std::size_t k = 0; k < events.size(); ++k) {
        Successor next;
        next.path = path;
        next.path.push_back(events[k]);
        // The parent cluster serves the first successor; the others replay.
        std::unique_ptr<SearchCluster> child;
        if (k == 0) {
            parent->take(events[k]);
            ++x.counters.events;
            child = std::move(parent);
        } else {
            child = replay(options, factory, hooks, next.path, false, x.counters);
        }
        next.failed = child->failed();
        if (!next.failed) {
            next.hash = child->state_hash();
            next.beyond_bounds = child->beyond_bounds(static_cast<int>(next.path.size()));
        }
        x.successors.push_back(std::move(next));
        if (x.successors.back().failed) break;
    }
    return x;
}

}  // namespace

SearchResult search(const SearchOptions& options, const ServerFactory& factory, const SearchHooks& hooks,
                    bool record_timeline) {
    SearchResult result;
    const auto started = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    std::unordered_set<std::uint64_t> visited;
    std::deque<std::vector<SearchEvent>> frontier;
    std::vector<SearchEvent> found;
    bool violated = false;
    bool full = false;

    // The root, then breadth first: each path in the frontier is a distinct state
    // within the bounds whose successors have not been generated yet.
    {
        auto root = replay(options, factory, hooks, {}, false, result);
        result.states = 1;
        if (root->failed()) {
            violated = true;
        } else {
            visited.insert(root->state_hash());
            frontier.emplace_back();
        }
    }
    // States are expanded a batch at a time, one per worker thread (servers in host
    // processes spend most of a replay waiting), and merged in frontier order exactly
    // as one thread would: the result does not depend on the number of workers.
    const std::size_t workers = static_cast<std::size_t>(std::max(1, options.workers));
    while (!violated && !full && !frontier.empty()) {
        if (result.states >= options.max_states) break;
        if (elapsed() > options.time_limit_seconds) {
            result.out_of_time = true;
            break;
        }
        std::vector<std::vector<SearchEvent>> batch;
        while (batch.size() < workers && !frontier.empty()) {
            batch.push_back(std::move(frontier.front()));
            frontier.pop_front();
        }
        std::vector<Expansion> expansions(batch.size());
        {
            std::vector<std::thread> threads;
            for (std::size_t i = 1; i < batch.size(); ++i)
                threads.emplace_back([&, i] { expansions[i] = expand(options, factory, hooks, batch[i]); });
            expansions[0] = expand(options, factory, hooks, batch[0]);
            for (auto& t : threads) t.join();
        }
        for (std::size_t i = 0; i < batch.size() && !violated && !full; ++i) {
            Expansion& x = expansions[i];
            result.replays += x.counters.replays;
            result.events += x.counters.events;
            if (x.parent_failed) {
                found = batch[i];
                violated = true;
                break;
            }
            for (Successor& next : x.successors) {
                if (next.failed) {
                    found = std::move(next.path);
                    violated = true;
                    break;
                }
                if (!visited.insert(next.hash).second) continue;
                ++result.states;
                if (next.beyond_bounds)
                    ++result.pruned;
                else
                    frontier.push_back(std::move(next.path));
                if (result.states >= options.max_states) {
                    full = true;
                    break;
                }
            }
        }
    }
    result.exhausted = !violated && frontier.empty();
    if (violated) {
        // Once more from the start: the failure in words, each event in words, and the
        // timeline when one is wanted.
        auto last = replay(options, factory, hooks, found, record_timeline, result, &result.path_text);
        result.failure = last->failed() ? last->failure()
                                        : "the search found a failure that did not happen again on replay "
                                          "(is the server deterministic?)";
        result.path = std::move(found);
        if (record_timeline) result.timeline = last->timeline();
    }
    result.seconds = elapsed();
    return result;
}

std::string describe_path(const std::vector<std::string>& path_text) {
    if (path_text.empty()) return "at the start, before any event";
    std::string out;
    for (std::size_t i = 0; i < path_text.size(); ++i)
        out += fmt::format("{}{}. {}", i ? "; " : "", i + 1, path_text[i]);
    return out;
}

}  // namespace raftlab::sim
