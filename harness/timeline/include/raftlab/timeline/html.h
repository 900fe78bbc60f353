// raftlab/timeline/html.h: a simulated run drawn as one self-contained HTML page.
//
// `./raftlab replay LAB CHECK --seed N --html FILE` asks a lab's check binary for this
// page (RAFTLAB_HTML). It is a space-time diagram of the run the simulator recorded
// (raftlab/sim/timeline.h):
//
//   * one horizontal lane per server, time running left to right;
//   * along each lane, bands for the server's role (follower, candidate, leader, down)
//     labelled with its term;
//   * every message an arrow from the sender's lane at the moment it was sent to the
//     receiver's lane at the moment it arrived; a lost message ends in a cross where
//     the network dropped it;
//   * network changes (partitions, cuts, heals) as dashed lines across every lane,
//     crashes and restarts as marks on their lane;
//   * the moment a property broke as a red line, with the failure in a banner above;
//   * hovering any mark or arrow shows what happened there in full;
//   * time travel: one event is selected (click it, or step with the arrow keys or
//     j/k; Shift jumps to the next event that changed a server's state) and a panel
//     shows every server's state at that moment, as the timeline recorded it (see
//     Timeline::add_state): role, term, vote, leader, log, commit index, last applied,
//     a leader's next and match indexes, or "down";
//   * each server's log length and commit index drawn as lines along its lane.
//
// The page has no external assets: its styles, its script and the recorded events are
// all inside the one file, so it opens offline, from an e-mail attachment or a
// Gradescope artifact, in any current browser.
#pragma once

#include <filesystem>
#include <string>

#include "raftlab/sim/timeline.h"

namespace raftlab::timeline {

/// What the page says about the run besides its events.
struct PageInfo {
    std::string title;    ///< e.g. "lab 8 · figure8 · seed 17"
    std::string failure;  ///< the broken property in one sentence; empty when the run passed
};

/// The whole page for `timeline`. Deterministic: the same timeline and info give the
/// same bytes. Any text from the run (message details, notes) is escaped, so nothing
/// a server sends can break the page.
std::string render_html(const sim::Timeline& timeline, const PageInfo& info);

/// Writes render_html() to `path` (creating its directory). Throws std::runtime_error
/// naming the path when it cannot be written.
void write_html(const sim::Timeline& timeline, const PageInfo& info,
                const std::filesystem::path& path);

/// The title a lab check binary gives its page: lab, check and seed from the grader's
/// environment (RAFTLAB_LAB, RAFTLAB_CHECK, RAFTLAB_SEED), whichever are set.
std::string title_from_environment();

}  // namespace raftlab::timeline
