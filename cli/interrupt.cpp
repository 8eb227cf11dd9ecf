#include "interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "trede/io/atomic_file.hpp"

namespace trede::cli {
namespace {

// Read by the handler, so plain lock-free atomics set before the handlers are installed.
std::atomic<bool> got_signal{false};
std::atomic<bool> on_terminal{false};
char note[1024] = "";
std::atomic<bool> has_note{false};
std::atomic<bool> silent_exit{false};

void say(const char* text) noexcept {
  for (std::size_t n = std::strlen(text); n > 0;) {
    const ssize_t w = ::write(STDERR_FILENO, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Async-signal-safe only: atomics, unlink (inside remove_pending_files), write, _exit.
extern "C" void on_interrupt(int sig) {
  got_signal.store(true);
  (void)io::remove_pending_files();
  if (silent_exit.load()) ::_exit(128 + sig);
  if (on_terminal.load()) say("\n");  // end the progress bar's line, or the echoed ^C
  if (has_note.load()) {  // the command says what its interruption leaves (a sweep: its parts)
    say("interrupted: ");
    say(note);
    say("\n");
  } else {
    say(io::committed_any() ? "interrupted: outputs already written are complete; nothing else was written\n"
                            : "interrupted: no output written\n");
  }
  ::_exit(128 + sig);
}

}  // namespace

void install_interrupt_handlers(bool silent) {
  on_terminal.store(::isatty(STDERR_FILENO) == 1);
  silent_exit.store(silent);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = 0;
  for (int sig : {SIGINT, SIGTERM}) {
    // A signal the parent set to be ignored (`nohup`, a background job of a script) stays so.
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    ::sigaction(sig, &sa, nullptr);
  }
  ::signal(SIGXFSZ, SIG_IGN);
}

void set_interrupt_note(const std::string& text) {
  has_note.store(false);
  const std::size_t n = std::min(text.size(), sizeof note - 1);
  std::memcpy(note, text.data(), n);
  note[n] = '\0';
  has_note.store(true);
}

bool interrupted() noexcept { return got_signal.load(); }

}  // namespace trede::cli
