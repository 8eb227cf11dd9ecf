// The `trede` command line: argument parsing and printing only; all work is in libtrede.
// Each subcommand lives in its own file and registers itself (common.hpp).
//
// Exit codes: 0 success, 2 bad input (scenario, options, unreadable input file), 1 anything else,
// 130/143 interrupted by SIGINT/SIGTERM (cli/interrupt.cpp).

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <cstdio>
#include <string>
#include <vector>

#include "common.hpp"
#include "interrupt.hpp"
#include "suggest.hpp"
#include "trede/error.hpp"
#include "trede/version.hpp"

namespace {

// Ends with `code` after an error that every rank of an MPI job meets alike (bad input: each
// reads the same files and command line). When all meet it, rank 0 alone reports it; a rank
// alone with it (a machine with other files) reports it and ends the job, or the others would
// wait for it for ever. report(where) prints the error; `where` is "" or " on rank N".
template <class Report>
int stop_everywhere(int code, Report&& report) {
  using namespace trede::cli;
  const bool together = stopped_together();
  if (root() || !together) report(root() ? std::string() : " on rank " + std::to_string(rank()));
  if (!together) abort_all(code);
  return code;
}

// A problem the library finds with an option (no file, a key such as "lambda_max") named as
// this program's option ("--wtp-max"); one problem reported by two checks is said once.
std::vector<trede::Diagnostic> as_options(const std::vector<trede::Diagnostic>& in) {
  static const std::map<std::string, std::string> option = {
      {"replicates", "-n"},          {"seed", "--seed"},           {"threads", "--threads"},
      {"confidence", "--confidence"}, {"lambda_reference", "--wtp"}, {"lambda_max", "--wtp-max"},
      {"organisation_models", "--organisation-models"},              {"draws", "--draws"},
      {"design", "--design"},        {"points", "--points"},       {"max_evaluations", "--max-evaluations"},
      {"starts", "--starts"},        {"max_iterations", "--max-iterations"}, {"algorithm", "--algorithm"},
      {"trace_people", "--trajectories"}};
  std::vector<trede::Diagnostic> out;
  for (trede::Diagnostic d : in) {
    if (d.file.empty() && d.line == 0)
      if (const auto it = option.find(d.key); it != option.end()) d.key = it->second;
    const bool seen = std::any_of(out.begin(), out.end(), [&](const trede::Diagnostic& o) {
      return o.file == d.file && o.line == d.line && o.key == d.key && o.message == d.message;
    });
    if (!seen) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trede::cli;
  (void)executor();  // starts MPI when launched by mpirun, before anything else
  // mpirun passes Ctrl-C and kill to every rank, and ends the others with SIGTERM when one rank
  // ends the job: rank 0 alone says what the interruption left, once.
  install_interrupt_handlers(/*silent=*/rank() > 0);
  CLI::App app{"trede " + std::string(trede::version) +
               " - Monte Carlo simulation of participant flows under the Dutch Participatiewet.\n"
               "Exit codes: 0 success, 2 bad input, 1 other failure, 130/143 interrupted (SIGINT/SIGTERM)."};
  app.set_version_flag("--version", std::string("trede ") + trede::version + " (" + trede::git_commit() + ")");
  app.require_subcommand(1);

  std::vector<Command> list = commands();
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<Runner> runners;
  for (auto& c : list) runners.push_back(c.setup(app));
  for (int i = 0; i < argc; ++i) command_line() += (i ? " " : "") + std::string(argv[i]);

  // `trede help` and `trede help COMMAND` are `trede --help` and `trede COMMAND --help`.
  std::vector<std::string> help_args;
  std::vector<char*> help_argv;
  if (argc >= 2 && std::string(argv[1]) == "help" && argc <= 3) {
    const std::string wanted = argc == 3 ? argv[2] : "";
    if (argc == 3 && std::none_of(list.begin(), list.end(), [&](const Command& c) { return c.name == wanted; })) {
      std::fprintf(stderr, "error: help: no command '%s' (commands: ", argv[2]);
      for (std::size_t i = 0; i < list.size(); ++i) std::fprintf(stderr, "%s%s", i ? ", " : "", list[i].name.c_str());
      std::fprintf(stderr, ")\n");
      return exit_bad_input;
    }
    help_args = {argv[0]};
    if (argc == 3) help_args.push_back(argv[2]);
    help_args.push_back("--help");
    for (auto& s : help_args) help_argv.push_back(s.data());
    argc = static_cast<int>(help_argv.size());
    argv = help_argv.data();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return stop_everywhere(e.get_exit_code() == 0 ? exit_ok : exit_bad_input, [&](const std::string& where) {
      if (!where.empty()) std::fprintf(stderr, "error:%s:\n", where.c_str());
      if (e.get_exit_code() == 0) {
        (void)app.exit(e);  // --help, --version
        return;
      }
      const auto hints = suggestions(app, argc, argv);
      // An unexpected argument with a close match, or a misspelt command ("trede rn", which CLI11
      // calls a missing subcommand): the suggestion says it better than CLI11.
      const bool unknown_command = argc > 1 && argv[1][0] != '-' &&
                                   std::none_of(list.begin(), list.end(), [&](const Command& c) { return c.name == argv[1]; });
      const bool extras = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr || unknown_command;
      if (hints.empty() || !extras) (void)app.exit(e);
      for (const auto& h : hints) std::fprintf(stderr, "error: %s\n", h.c_str());
      if (!hints.empty() && extras) std::fprintf(stderr, "Run with --help for more information.\n");
    });
  }

  const Runner* chosen = nullptr;
  for (const auto& r : runners)
    if (r.subcommand && *r.subcommand) chosen = &r;
  if (!chosen) return exit_failure;
  try {
    return chosen->run();
  } catch (const trede::JobError& e) {
    // A rank failed where the others did not (the MPI executor): rank 0 says why; if the others
    // were not all told, it ends the job.
    if (root()) std::fprintf(stderr, "error: %s\n", e.what());
    if (!e.everyone_knows()) abort_all(e.exit_code());
    return e.exit_code();
  } catch (const trede::ModelError& e) {
    const std::vector<trede::Diagnostic> problems = as_options(e.diagnostics());
    return stop_everywhere(exit_bad_input, [&](const std::string& where) {
      std::fprintf(stderr, "error: bad input%s (%zu problem%s):\n", where.c_str(), problems.size(),
                   problems.size() == 1 ? "" : "s");
      for (const auto& d : problems) std::fprintf(stderr, "  %s\n", d.to_string().c_str());
    });
  } catch (const BadInput& e) {
    if (root()) {
      std::fprintf(stderr, "error: %s\n", e.message.c_str());
      abort_all(exit_bad_input);  // some checks run on the root only (sweep parts): the others may be waiting
      return exit_bad_input;
    }
    // Rank 0 checks the same and ends the job; if it does not come, this rank is alone with it.
    return stop_everywhere(exit_bad_input, [&](const std::string& where) {
      std::fprintf(stderr, "error: bad input%s: %s\n", where.c_str(), e.message.c_str());
    });
  } catch (const trede::IoError& e) {
    // An input file that cannot be read is bad input, read alike by every rank. A result that
    // cannot be written is not: only rank 0 writes, and the others may be waiting for it.
    const auto inputs = chosen->inputs ? chosen->inputs() : std::vector<std::string>{};
    if (std::find(inputs.begin(), inputs.end(), e.path()) != inputs.end())
      return stop_everywhere(exit_bad_input, [&](const std::string& where) {
        std::fprintf(stderr, "error:%s%s %s\n", where.c_str(), where.empty() ? "" : ":", e.what());
      });
    std::fprintf(stderr, "error: %s\n", e.what());
    abort_all(exit_failure);
    return exit_failure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    abort_all(exit_failure);  // the other ranks may be waiting for this one
    return exit_failure;
  }
}
