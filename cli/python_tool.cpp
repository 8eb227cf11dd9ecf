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
  // Not `python -m trede.MODULE`: the module's imports (matplotlib, pandas) take a while, and a
  // Ctrl-C during them would print a traceback. The interruption is caught from the first import
  // on (also when an extension's initialisation turns it into an ImportError) and ends the child
  // with 130 in silence; this program says what it left.
  // SIGTERM is turned into the same exception, so that the module removes its temporaries too.
  // The child starts with SIGINT blocked (Python's own start-up cannot be interrupted half-way):
  // it sets its handlers first thing and then unblocks SIGINT, so that a Ctrl-C that came
  // meanwhile arrives inside the try. An interruption after its outputs were renamed into place
  // (trede._files.committed) ends it with 0: the work is done.
  const std::string code =
      "import os, signal, sys\n"
      "got, done = [0], [False]\n"
      "def stop(sig, frame):\n"
      "    got[0] = sig\n"
      "    if not done[0]:\n"
      "        raise KeyboardInterrupt\n"
      "try:\n"
      "    if os.environ.pop('TREDE_SIGINT', '') != 'ignore':\n"
      "        signal.signal(signal.SIGINT, stop)\n"
      "    signal.signal(signal.SIGTERM, stop)\n"
      "    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})\n"
      "    import importlib\n"
      "    rc = importlib.import_module('trede." + module + "').main(sys.argv[1:])\n"
      "    done[0] = True\n"
      "except BaseException:\n"
      "    done[0] = True\n"
      "    if not got[0]:\n"  // not an interruption (an extension may have turned one into an ImportError)
      "        raise\n"
      "    f = sys.modules.get('trede._files')\n"
      "    rc = 0 if getattr(f, 'committed', False) else 128 + int(got[0])\n"
      // Python's shutdown puts the default actions back, which would let a late Ctrl-C kill it.
      "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
      "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
      "sys.exit(rc)\n";
  std::vector<std::string> argv_s = {python, "-c", code};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env = environment_with(package_dir(module));

  std::vector<char*> argv, envp;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);

  // While the child runs, SIGINT and SIGTERM do not end this process: the child finishes or stops
  // by itself (removing its temporaries; renames into place it has begun complete), and its exit
  // code says which. SIGTERM is handed on to it (`kill` names one process); SIGINT is ignored
  // here, as Ctrl-C reaches the whole process group, the child included. (Dispositions, not a
  // signal mask: a mask holds for one thread, and this process may have others, e.g. MPI's.)
  // The child starts with the default actions and SIGINT blocked, so that Python's own start-up
  // cannot be interrupted half-way: a Ctrl-C that comes meanwhile waits until the child has set
  // its handlers and unblocks it.
  struct sigaction forward {}, ignore {}, old_int {}, old_term {};
  forward.sa_handler = forward_to_child;
  sigemptyset(&forward.sa_mask);
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGINT, nullptr, &old_int);
  ::sigaction(SIGTERM, nullptr, &old_term);
  const bool keep_int_ignored = old_int.sa_handler == SIG_IGN;  // nohup: it stays ignored in the child too
  if (keep_int_ignored) env.push_back("TREDE_SIGINT=ignore");
  envp.clear();
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  sigset_t defaults, child_mask;
  sigemptyset(&defaults);
  if (!keep_int_ignored) sigaddset(&defaults, SIGINT);
  if (old_term.sa_handler != SIG_IGN) sigaddset(&defaults, SIGTERM);
  ::pthread_sigmask(SIG_SETMASK, nullptr, &child_mask);
  sigaddset(&child_mask, SIGINT);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setsigmask(&attr, &child_mask);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  ::sigaction(SIGINT, &ignore, nullptr);
  if (old_term.sa_handler != SIG_IGN) ::sigaction(SIGTERM, &forward, nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, python.c_str(), nullptr, &attr, argv.data(), envp.data());
  ::posix_spawnattr_destroy(&attr);
  // Afterwards the command is over: the child has written its outputs or not and said so, and
  // this process only returns its exit code. SIGINT and SIGTERM stay ignored from here on, so
  // that one arriving while it exits cannot claim that nothing was written.
  const auto restore = [&] { ::sigaction(SIGTERM, &ignore, nullptr); };
  if (rc != 0) {
    restore();
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
  const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  if (exit_code == 128 + SIGINT || exit_code == 128 + SIGTERM) {
    std::fprintf(stderr, "interrupted: no output written\n");
    return exit_code;
  }
  if (WIFEXITED(status)) return exit_code;
  std::fprintf(stderr, "error: %s stopped (signal %d)\n", what.c_str(), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return 1;
}

}  // namespace trede::cli
