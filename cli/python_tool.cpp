// Finding the Python package and running one of its modules (cli/python_tool.hpp).

#include "python_tool.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#ifndef TREDE_PYTHON_EXECUTABLE
#define TREDE_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif
#ifndef TREDE_PYTHON_INSTALL_DIR
#define TREDE_PYTHON_INSTALL_DIR "lib/python3/dist-packages"
#endif

extern char** environ;

namespace trede::cli {
namespace {

namespace fs = std::filesystem;

bool has_module(const fs::path& dir, const std::string& module) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "trede" / (module + ".py"), ec);
}

// The directory to put on PYTHONPATH, or "" to rely on the interpreter's own search path.
std::string package_dir(const std::string& module) {
  if (const char* env = std::getenv("TREDE_PYTHONPATH"); env && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path prefix = self.parent_path().parent_path();
  for (const fs::path& candidate : {prefix / "python", prefix / TREDE_PYTHON_INSTALL_DIR})
    if (has_module(candidate, module)) return candidate.lexically_normal().string();
  return "";
}

// The environment of this process with `dir` in front of PYTHONPATH.
std::vector<std::string> environment_with(const std::string& dir) {
  std::vector<std::string> env;
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
  return env;
}

}  // namespace

// The interpreter: $TREDE_PYTHON, else python3 beside this program (installed into a virtual
// environment by pip), else the one the package was built for.
static std::string interpreter() {
  if (const char* env = std::getenv("TREDE_PYTHON"); env && *env) return env;
  std::error_code ec;
  const std::filesystem::path beside = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "python3";
  if (!ec && ::access(beside.c_str(), X_OK) == 0) return beside.string();
  return TREDE_PYTHON_EXECUTABLE;
}

int run_python_module(const std::string& module, const std::vector<std::string>& args, const std::string& what) {
  const std::string python = interpreter();
  std::vector<std::string> argv_s = {python, "-m", "trede." + module};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env = environment_with(package_dir(module));

  std::vector<char*> argv, envp;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) {
    std::fprintf(stderr, "error: %s needs Python 3 with the trede package: cannot run %s: %s\n", what.c_str(),
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
  std::fprintf(stderr, "error: %s stopped (signal %d)\n", what.c_str(), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return 1;
}

}  // namespace trede::cli
