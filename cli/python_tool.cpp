// Finding the Python package and running one of its modules (cli/python_tool.hpp).

#include "python_tool.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
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
  // The module runs for the trede program, which reports an interruption itself.
  env.push_back("TREDE_FRONT_END=trede");
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

namespace {

std::atomic<pid_t> child{0};
std::atomic<int> pending{0};

extern "C" void forward_to_child(int sig) {
  if (const pid_t pid = child.load(); pid > 0) ::kill(pid, sig);
  else pending.store(sig);
}

}  // namespace

int run_python_module(const std::string& module, const std::vector<std::string>& args, const std::string& what) {
  const std::string python = interpreter();
  // The module runs as a command of trede._launch (one line on an interruption, never a
  // traceback). Not `python -m trede.MODULE`: its imports (matplotlib, pandas) take a while, and
  // the child starts with SIGINT and SIGTERM blocked so that they cannot be interrupted half-way;
  // _launch.run sets the handlers and unblocks them, and a signal that came meanwhile arrives.
  const std::string code =
      "import sys\n"
      "try:\n"
      "    import importlib\n"
      "    from trede import _launch\n"
      "    main = importlib.import_module('trede." + module + "').main\n"
      "except ImportError as e:\n"
      "    sys.stderr.write('error: " + what + ": cannot import the trede package (%s)\\n' % e)\n"
      "    sys.exit(1)\n"
      "sys.exit(_launch.run(main, sys.argv[1:]))\n";
  std::vector<std::string> argv_s = {python, "-c", code};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env = environment_with(package_dir(module));

  // While the child runs, SIGINT and SIGTERM do not end this process: they are handed on to the
  // child (also the Ctrl-C that reaches both: the child takes the first and ignores the second),
  // which finishes or stops by itself, removes its temporaries and says what it left; its exit
  // code is this program's. A signal this process ignores (nohup) stays ignored in the child.
  // (Dispositions, not a signal mask: a mask holds for one thread, and this process may have
  // others, e.g. MPI's.)
  struct sigaction forward {}, ignore {}, old_int {}, old_term {};
  forward.sa_handler = forward_to_child;
  sigemptyset(&forward.sa_mask);
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGINT, nullptr, &old_int);
  ::sigaction(SIGTERM, nullptr, &old_term);
  const bool int_ignored = old_int.sa_handler == SIG_IGN, term_ignored = old_term.sa_handler == SIG_IGN;
  if (int_ignored) env.push_back("TREDE_SIGINT=ignore");
  if (term_ignored) env.push_back("TREDE_SIGTERM=ignore");
  std::vector<char*> argv, envp;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  sigset_t defaults, child_mask;
  sigemptyset(&defaults);
  if (!int_ignored) sigaddset(&defaults, SIGINT);
  if (!term_ignored) sigaddset(&defaults, SIGTERM);
  ::pthread_sigmask(SIG_SETMASK, nullptr, &child_mask);
  sigaddset(&child_mask, SIGINT);
  sigaddset(&child_mask, SIGTERM);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setsigmask(&attr, &child_mask);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  if (!int_ignored) ::sigaction(SIGINT, &forward, nullptr);
  if (!term_ignored) ::sigaction(SIGTERM, &forward, nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, python.c_str(), nullptr, &attr, argv.data(), envp.data());
  ::posix_spawnattr_destroy(&attr);
  // Afterwards the command is over: the child has written its outputs or not and said so, and
  // this process only returns its exit code. SIGINT and SIGTERM stay ignored from here on, so
  // that one arriving while it exits cannot claim anything.
  const auto restore = [&] {
    ::sigaction(SIGINT, &ignore, nullptr);
    ::sigaction(SIGTERM, &ignore, nullptr);
  };
  if (rc != 0) {
    restore();
    pending.store(0);
    std::fprintf(stderr, "error: %s needs Python 3 with the trede package: cannot run %s: %s\n", what.c_str(),
                 python.c_str(), std::strerror(rc));
    return 1;
  }
  child.store(pid);
  if (const int sig = pending.exchange(0)) ::kill(pid, sig);  // arrived before the child existed
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "error: waiting for %s: %s\n", python.c_str(), std::strerror(errno));
      return 1;
    }
  }
  child.store(0);
  restore();
  if (WIFEXITED(status)) return WEXITSTATUS(status);  // the child said what it left
  const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (sig == SIGINT || sig == SIGTERM) {  // killed before it could say anything: it wrote nothing
    std::fprintf(stderr, "interrupted: no output written\n");
    return 128 + sig;
  }
  std::fprintf(stderr, "error: %s stopped (signal %d)\n", what.c_str(), sig);
  return 1;
}

}  // namespace trede::cli
