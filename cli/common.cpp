#include "common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <memory>

#ifdef TREDE_HAVE_MPI
#include "trede/error.hpp"
#include "trede/io/atomic_file.hpp"
#include "trede/mc/mpi.hpp"
#endif

namespace trede::cli {

mc::Executor& executor() {
#ifdef TREDE_HAVE_MPI
  static mc::MpiExecutor exec;  // initialises MPI when launched by mpirun
#else
  static mc::ThreadExecutor exec;
#endif
  return exec;
}

void abort_all(int code) {
#ifdef TREDE_HAVE_MPI
  auto& exec = static_cast<mc::MpiExecutor&>(executor());
  if (exec.processes() > 1) exec.abort(code);
#else
  (void)code;
#endif
}

bool stopped_together() {
#ifdef TREDE_HAVE_MPI
  auto& exec = static_cast<mc::MpiExecutor&>(executor());
  // The ranks read the same input the same way and meet its error within a fraction of a
  // second; the wait is long only when some rank never comes.
  if (exec.processes() > 1) return exec.stopped_together(10.0);
#endif
  return true;
}

int rank() {
#ifdef TREDE_HAVE_MPI
  return static_cast<mc::MpiExecutor&>(executor()).rank();
#else
  return 0;
#endif
}

std::string& command_line() {
  static std::string line;
  return line;
}

void check_output_path(const std::string& option, const std::string& out) {
  if (const std::string problem = io::output_problem(out); !problem.empty())
    throw BadInput{option + (out.empty() ? "" : " " + out) + ": " + problem};
}

CLI::Validator output_name(const std::string& what) {
  return CLI::Validator(
      [what](std::string& s) { return s.empty() ? "is empty: give the name of a " + what : std::string(); }, "");
}

std::string sample_note(double share, bool dutch) {
  if (!(share < 1.0)) return "";
  char buf[400];
  if (dutch)
    std::snprintf(buf, sizeof buf,
                  "steekproef: %.4g %% van de bevolking (sample_share %.4g): personen, overgangen en kosten zijn die van "
                  "de steekproef (deel door %.4g voor de volledige omvang); aandelen, duren en kosten per persoon "
                  "schatten de volledige waarden\n",
                  share * 100.0, share, share);
  else
    std::snprintf(buf, sizeof buf,
                  "sample: %.4g %% of the population (sample_share %.4g): people, moves and costs are those of the "
                  "sample (divide by %.4g for full scale); shares, times and costs per person estimate the full-scale "
                  "values\n",
                  share * 100.0, share, share);
  return buf;
}

void add_run_options(CLI::App* sub, RunArgs& a, const std::string& replicates_help) {
  sub->add_option("-n,--replicates", a.replicates, replicates_help)
      ->capture_default_str()
      ->each([&a](const std::string&) { a.replicates_given = true; });
  sub->add_option("--seed", a.seed, "Master seed; replicate i uses streams (seed, i)")->capture_default_str();
  sub->add_option("--threads", a.threads,
                  "Worker threads: 0 = all cores, at most " + std::to_string(mc::max_threads) +
                      ". Results do not depend on it")
      ->capture_default_str();
  sub->add_option("--set", a.sets,
                  "Override a scenario key: key=value (repeatable), e.g. --set horizon_years=20 "
                  "--set 'state[beschut_werk].capacity=3000'")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->expected(1)
      ->allow_extra_args(false);
  sub->add_option("--compression", a.compression,
                  "Deflate level 0..9 for per-replicate arrays, large summaries and trajectories of the output file")
      ->capture_default_str()
      ->each([&a](const std::string&) { a.compression_given = true; });
  sub->add_flag("-q,--quiet", a.quiet, "No progress bar and no summary (errors, and notes on what was kept or run again, only)");
}

std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t max, std::uint64_t min) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || text.front() == '-' || ec == std::errc::invalid_argument || p != end) {
    const bool negative = !text.empty() && text.front() == '-';
    throw BadInput{option + ": must be a whole number" + (negative ? " >= " + std::to_string(min) : "") + " (got '" + text + "')"};
  }
  if (ec == std::errc::result_out_of_range || v > max)
    throw BadInput{option + ": must be at most " + std::to_string(max) + " (got " + text + ")"};
  if (v < min) throw BadInput{option + ": must be >= " + std::to_string(min) + " (got " + text + ")"};
  return v;
}

void add_draw_options(CLI::App* sub, DrawArgs& d, const std::string& draws_help) {
  sub->add_option("--draws", d.draws, draws_help)
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& s) {  // not beyond the most draws as typed, not clamped by the conversion
            if (!s.empty() && s.front() == '-') return std::string();  // draws_problem says what is wrong
            try {
              (void)parse_count("--draws", s, static_cast<std::uint64_t>(mc::max_draws));
            } catch (const BadInput& e) {
              return e.message.substr(e.message.find(": ") + 2);
            }
            return std::string();
          },
          ""));
  sub->add_option("--design", d.design,
                  "With --draws: the design of the parameter draws (not of a sweep's points): sobol (scrambled "
                  "Sobol points) or lhs (Latin hypercube)")
      ->capture_default_str()
      ->each([&d](const std::string&) { d.design_given = true; });
  sub->add_flag("--common-streams", d.common_streams,
                "With --draws: replicate r of every draw on the same random streams (default: independent streams "
                "per draw, whose Monte Carlo noise averages out over the draws)");
}

mc::PointMethod draw_method(const DrawArgs& d) {
  if (const mc::DrawsProblem p = mc::draws_problem(d.draws, d.design_given, d.common_streams, "--draws");
      !p.key.empty()) {
    std::string option = "--" + p.key;  // the library's key as this program spells it
    std::replace(option.begin(), option.end(), '_', '-');
    throw BadInput{option + ": " + p.message};
  }
  try {
    return mc::point_method(d.design);
  } catch (const trede::ModelError& e) {
    throw BadInput{"--design: " + e.diagnostics().front().message};
  }
}

mc::RunOptions run_options(const RunArgs& a) {
  if (a.compression < 0 || a.compression > 9) throw BadInput{"--compression: must be 0..9"};
  mc::RunOptions o;
  // Replicates are bounded by what an ensemble can index and hold (each needs its own arrays).
  o.replicates = parse_count("-n", a.replicates, std::uint64_t{1} << 32, 1);
  o.seed = parse_count("--seed", a.seed, std::numeric_limits<std::uint64_t>::max());
  if (const std::string why = mc::threads_problem(a.threads); !why.empty()) throw BadInput{"--threads: " + why};
  o.threads = a.threads;
  return o;
}

std::vector<Command>& commands() {
  static std::vector<Command> list;
  return list;
}

}  // namespace trede::cli
