// reference_log.h: the simplest possible model of the Raft log's rules, used by the
// randomized checks. It stores only terms (commands are derived from the term and
// index) and favours being obviously right over being fast.
#pragma once

#include <vector>

#include "log_under_test.h"

namespace raftlab::lab04 {

class ReferenceLog {
public:
    Index last_index() const { return terms_.size(); }
    Term term_at(Index i) const { return i == 0 ? 0 : terms_.at(i - 1); }

    Index append(Term term) {
        terms_.push_back(term);
        return last_index();
    }

    AppendResult append_entries(Index prev_index, Term prev_term, const std::vector<Term>& terms) {
        if (prev_index > last_index()) return AppendResult::missing_prev;
        if (term_at(prev_index) != prev_term) return AppendResult::prev_term_mismatch;
        for (std::size_t k = 0; k < terms.size(); ++k) {
            Index i = prev_index + 1 + k;
            if (i <= last_index() && term_at(i) != terms[k]) terms_.resize(i - 1);
            if (i > last_index()) terms_.push_back(terms[k]);
        }
        return AppendResult::accepted;
    }

private:
    std::vector<Term> terms_;
};

/// The command stored with (term, index) in the randomized checks, so that a wrong
/// entry is visible in its contents as well as its term.
inline std::string command_for(Term term, Index index) {
    return "t" + std::to_string(term) + "i" + std::to_string(index);
}

}  // namespace raftlab::lab04
