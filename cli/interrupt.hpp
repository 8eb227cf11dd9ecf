#pragma once
// Ctrl-C and `kill`: SIGINT and SIGTERM end the program at once, leaving no temporary output
// file behind (trede::io::remove_pending_files), with a newline (on a terminal) and
// "interrupted: no output written" on stderr; exit code 130 (SIGINT) or 143 (SIGTERM).

#include <string>

namespace trede::cli {

// Installs the handlers for SIGINT and SIGTERM, and ignores SIGXFSZ so that a file-size limit
// makes a write fail with a message (and its temporary removed) instead of killing the program.
// `silent`: exit without a word (the other ranks of an MPI job, which mpirun signals together:
// rank 0 speaks for them).
void install_interrupt_handlers(bool silent = false);

// What the handler prints after "interrupted: " instead of its own words, for a command whose
// interruption leaves something behind (a sweep's finished points, for --resume). Set before
// the work.
void set_interrupt_note(const std::string& note);

// True once SIGINT or SIGTERM arrived: the progress bar stops drawing.
bool interrupted() noexcept;

}  // namespace trede::cli
