#pragma once
// Before a command does any work: its outputs may not destroy its inputs or each other
// (trede::io::check_outputs), and temporaries that killed trede processes left beside an output
// are removed, with a note on stderr.

#include <vector>

#include "trede/io/output_guard.hpp"

namespace trede::cli {

// Throws trede::ModelError (exit 2) when an output is an input or another output; then removes
// stale temporaries of every output file and says so (on rank 0 only).
void guard_outputs(const std::vector<io::NamedFile>& inputs, const std::vector<io::NamedFile>& outputs);

}  // namespace trede::cli
