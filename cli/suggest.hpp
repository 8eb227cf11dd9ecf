#pragma once
// "Did you mean" for the command line: an unknown option or subcommand is compared with the
// known ones (edit distance), e.g. `trede run x.toml --replicate 5` gets "did you mean
// -n/--replicates?".

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace trede::cli {

// Levenshtein distance between `a` and `b` (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close (distance above a third of the
// word's length, at least 2).
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// For a command line that CLI11 rejected: one line per unknown option or subcommand that has a
// close match, e.g. "trede run: unknown option '--replicate'; did you mean '-n/--replicates'?".
// Empty when there is nothing to suggest (then CLI11's own message stands).
std::vector<std::string> suggestions(const CLI::App& app, int argc, const char* const* argv);

}  // namespace trede::cli
