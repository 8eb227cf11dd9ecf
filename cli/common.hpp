#pragma once
// What every subcommand of the `trede` program shares: the executor that runs replicates (MPI
// ranks or threads), the command line as typed, bad-input errors found outside the library,
// number formatting and output-path checks. Argument parsing and printing only: all work is in
// libtrede.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "trede/mc/design_points.hpp"
#include "trede/mc/executor.hpp"

namespace trede::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_bad_input = 2;

// Bad command-line input found outside the library (exit code 2), e.g. "-n: must be >= 1".
struct BadInput {
  std::string message;
};

// The program's executor: the ranks of an MPI job when launched by mpirun (and built with MPI),
// else the threads of this process. Made once, at the start of main().
mc::Executor& executor();
// True when this process prints and writes (rank 0, or the only process).
inline bool root() { return executor().root(); }
// Ends every process of an MPI job with `code` after an error only this one saw (no-op otherwise).
void abort_all(int code);
// For an error every process should meet at the same point (bad input): true when every rank of
// the job meets it within a few seconds (or there is one process), so that all may stop with the
// same code and rank 0 alone says why; false when this rank is alone with it (input that differs
// between machines), and it must say why itself and end the job (abort_all).
bool stopped_together();
// This process's rank in an MPI job (0 without one).
int rank();

// The command line as typed, for provenance attributes.
std::string& command_line();

// Checks that `out` can be written (io::output_problem: a name, not a directory or a device,
// in a directory that exists). Throws BadInput naming `option`.
void check_output_path(const std::string& option, const std::string& out);

// The check of every option that names a file to write: an empty name (-o '') is refused, not
// taken as "no output".
CLI::Validator output_name(const std::string& what = "file");

// Options every simulating subcommand has: -n, --seed, --threads, --set, -q.
struct RunArgs {
  std::vector<std::string> sets;
  std::string replicates = "100";  // text, checked by run_options: "-n -3" or "2^64" never wrap
  bool replicates_given = false;   // -n was on the command line (a PSA defaults to 1 per draw)
  std::string seed = "1";
  int threads = 0;
  bool quiet = false;
  int compression = 1;
  bool compression_given = false;  // --compression was on the command line (it needs -o)
};
void add_run_options(CLI::App* sub, RunArgs& a, const std::string& replicates_help);
// The options of a probabilistic sensitivity analysis that run, compare and sweep share:
// --draws (its help: `draws_help`), --design and --common-streams.
struct DrawArgs {
  std::int64_t draws = 0;
  std::string design = "sobol";
  bool design_given = false;
  bool common_streams = false;
};
void add_draw_options(CLI::App* sub, DrawArgs& d, const std::string& draws_help);
// Checks them (BadInput): --draws >= 2 when given, --design sobol or lhs, and neither --design
// nor --common-streams without --draws. Returns the design of the draws.
mc::PointMethod draw_method(const DrawArgs& d);
// What a scenario's sample_share means for the numbers printed ("" at full scale).
std::string sample_note(double sample_share, bool dutch = false);
// The library's run options from the arguments (negative or too large values are bad input).
mc::RunOptions run_options(const RunArgs& a);
// A whole number min <= n <= max given to `option`; BadInput saying what is wrong otherwise.
std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t max, std::uint64_t min = 0);

// Subcommands register themselves (one file each) and main() adds them in name order.
struct Runner {
  CLI::App* subcommand = nullptr;
  std::function<int()> run;
  // Input files whose IoError is bad input (exit 2), not a failure (exit 1).
  std::function<std::vector<std::string>()> inputs;
};
struct Command {
  std::string name;
  std::function<Runner(CLI::App&)> setup;
};
std::vector<Command>& commands();
struct Register {
  Register(std::string name, std::function<Runner(CLI::App&)> setup) {
    commands().push_back({std::move(name), std::move(setup)});
  }
};

}  // namespace trede::cli
