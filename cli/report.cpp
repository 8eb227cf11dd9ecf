// `trede report FILE -o OUT.html`: the HTML report of a result or comparison file, made by the
// Python package (python3 -m trede.report; bindings/python/trede/report.py). This subcommand
// finds the interpreter and the package and runs it; the report itself is Python (matplotlib).
//
// Where the package is looked for, first match wins:
//   1. $TREDE_PYTHONPATH (a directory holding trede/report.py);
//   2. the build tree: <dir of this program>/../python (bin/trede next to python/trede);
//   3. the install tree: <dir of this program>/../<TREDE_PYTHON_INSTALL_DIR>;
//   4. wherever the interpreter finds it by itself (PYTHONPATH, site-packages).
// The interpreter: $TREDE_PYTHON, else python3 beside this program (a virtual environment), else
// the one the package was built for.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "outputs.hpp"
#include "registry.hpp"

#ifndef TREDE_PYTHON_EXECUTABLE
#define TREDE_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif
#ifndef TREDE_PYTHON_INSTALL_DIR
#define TREDE_PYTHON_INSTALL_DIR "lib/python3/dist-packages"
#endif

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::string file;
  std::string output;
  std::string title;
  bool quiet = false;
};

bool has_package(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "trede" / "report.py", ec);
}

// The directory to put on PYTHONPATH, or "" to rely on the interpreter's own search path.
std::string package_dir() {
  if (const char* env = std::getenv("TREDE_PYTHONPATH"); env && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path prefix = self.parent_path().parent_path();
  for (const fs::path& candidate : {prefix / "python", prefix / TREDE_PYTHON_INSTALL_DIR})
    if (has_package(candidate)) return candidate.lexically_normal().string();
  return "";
}

// The interpreter: $TREDE_PYTHON, else python3 beside this program (installed into a virtual
// environment by pip), else the one the package was built for.
std::string interpreter() {
  if (const char* env = std::getenv("TREDE_PYTHON"); env && *env) return env;
  std::error_code ec;
  const fs::path beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / "python3";
  if (!ec && ::access(beside.c_str(), X_OK) == 0) return beside.string();
  return TREDE_PYTHON_EXECUTABLE;
}

int run_report(const ReportArgs& a) {
  // The same default as the Python side (trede/report.py): FILE with the suffix .html.
  const std::string output = a.output.empty() ? fs::path(a.file).replace_extension(".html").string() : a.output;
  trede::cli::guard_outputs({{"FILE", a.file}}, {{a.output.empty() ? "the default output (FILE with .html)" : "-o", output}});
  const std::string python = interpreter();
  std::vector<std::string> args = {python, "-m", "trede.report", a.file};
  if (!a.output.empty()) args.insert(args.end(), {"-o", a.output});
  if (!a.title.empty()) args.insert(args.end(), {"--title", a.title});
  if (a.quiet) args.push_back("-q");

  // The environment, with the package directory in front of PYTHONPATH.
  std::vector<std::string> env;
  const std::string dir = package_dir();
  bool replaced = false;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!dir.empty() && kv.rfind("PYTHONPATH=", 0) == 0) {
      const std::string old = kv.substr(11);
      kv = "PYTHONPATH=" + dir + (old.empty() ? "" : ":" + old);
      replaced = true;
    }
    env.push_back(std::move(kv));
  }
  if (!dir.empty() && !replaced) env.push_back("PYTHONPATH=" + dir);

  std::vector<char*> argv, envp;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) {
    std::fprintf(stderr, "error: trede report needs Python 3 with the trede package: cannot run %s: %s\n",
                 python.c_str(), std::strerror(rc));
    return 1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "error: waiting for %s: %s\n", python.c_str(), std::strerror(errno));
      return 1;
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::fprintf(stderr, "error: the report generator stopped (signal %d)\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return 1;
}

const trede::cli::Register reg{"report", [](CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* sub = app.add_subcommand(
      "report", "Write a self-contained HTML report (figures and KPIs) of a result or comparison file");
  sub->add_option("file", args->file, "HDF5 file written by `trede run -o` or `trede compare -o`")->required();
  sub->add_option("-o,--output", args->output, "HTML file to write (default: FILE with the suffix .html)");
  sub->add_option("--title", args->title, "Title of the page (default: from the scenario names)");
  sub->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  sub->footer("Made by the Python package (python3 -m trede.report) with matplotlib. Environment: TREDE_PYTHON "
              "(interpreter), TREDE_PYTHONPATH (directory holding the trede package).");
  return trede::cli::Runner{sub, [args] { return run_report(*args); }};
}};

}  // namespace
