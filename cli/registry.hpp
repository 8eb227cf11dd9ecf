#pragma once
// Subcommands defined outside main.cpp register themselves here (one file per subcommand,
// e.g. cli/calibrate.cpp), so that adding a subcommand never edits main.cpp.
//
//   static trede::cli::Register reg{"calibrate", [](CLI::App& app) {
//     auto* sub = app.add_subcommand("calibrate", "...");
//     auto args = std::make_shared<Args>();
//     sub->add_option(...);
//     return trede::cli::Runner{sub, [args] { return run(*args); }};
//   }};
//
// A runner returns the exit code and may throw trede::ModelError / trede::IoError like the
// built-in subcommands; main() maps them to exit codes 2 and 1.

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace trede::cli {

// Bad command-line input found outside the library (exit code 2), e.g. "-n: must be >= 1".
struct BadInput {
  std::string message;
};

struct Runner {
  CLI::App* subcommand = nullptr;
  std::function<int()> run;
};

struct Command {
  std::string name;
  std::function<Runner(CLI::App&)> setup;
};

// All registered subcommands (sorted by name when main() adds them).
inline std::vector<Command>& commands() {
  static std::vector<Command> list;
  return list;
}

struct Register {
  Register(std::string name, std::function<Runner(CLI::App&)> setup) {
    commands().push_back({std::move(name), std::move(setup)});
  }
};

// The command line as typed, for provenance attributes.
inline std::string& command_line() {
  static std::string line;
  return line;
}

}  // namespace trede::cli
