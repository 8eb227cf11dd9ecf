#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "format.hpp"
#include "interrupt.hpp"

namespace trede::cli {

bool stderr_is_terminal() noexcept { return ::isatty(STDERR_FILENO) == 1; }

int terminal_columns() noexcept {
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    const int n = std::atoi(c);
    if (n > 0) return n;
  }
  return 80;
}

ProgressBar::ProgressBar(bool enabled, std::string unit)
    : enabled_(enabled), unit_(std::move(unit)), start_(std::chrono::steady_clock::now()) {
  if (!enabled_) return;
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      draw();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::uint64_t done, std::uint64_t total) noexcept {
  total_.store(total);
  std::uint64_t prev = done_.load();
  while (done > prev && !done_.compare_exchange_weak(prev, done)) {
  }
}

void ProgressBar::set_step(std::string label, std::size_t index, std::size_t count) {
  const std::lock_guard lock(step_mutex_);
  step_ = std::move(label);
  step_index_ = index;
  step_count_ = std::max<std::size_t>(count, 1);
  done_.store(0);
}

void ProgressBar::finish() {
  if (!enabled_ || stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  if (interrupted()) return;
  std::fputs("\r\033[K", stderr);  // erase the bar: the next output starts on a clean line
  std::fflush(stderr);
}

std::string ProgressBar::line(int columns, double seconds) const {
  const std::uint64_t done = done_.load(), total = total_.load();
  std::string step;
  double whole = 0.0;  // fraction of all steps done
  {
    const std::lock_guard lock(step_mutex_);
    step = step_;
    const double part = total ? static_cast<double>(std::min(done, total)) / static_cast<double>(total) : 0.0;
    whole = (static_cast<double>(step_index_) + part) / static_cast<double>(step_count_);
  }
  std::string left = (step.empty() ? "" : step + ", ") + unit_ + " " + std::to_string(done) + "/" + std::to_string(total);
  std::string right = " " + format_duration(seconds);
  if (whole > 0.0 && whole < 1.0) right += ", eta " + format_duration(seconds * (1.0 - whole) / whole);
  // Two columns spare: the terminal echoes a Ctrl-C as "^C" after the line, and a line that
  // reaches the last column wraps on some terminals.
  const int room = columns - 3;
  const int bar = room - static_cast<int>(left.size() + right.size()) - 3;
  if (bar >= 10) {
    const int filled = static_cast<int>(bar * whole);
    return left + " [" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(bar - filled), ' ') + "]" + right;
  }
  // Narrow terminals: the numbers first, then the time, and no bar.
  if (static_cast<int>(left.size() + right.size()) + 1 <= room) return left + "," + right;
  return left.substr(0, static_cast<std::size_t>(std::max(room, 0)));
}

void ProgressBar::draw() {
  if (interrupted()) return;  // the signal handler owns the terminal now
  if (total_.load() == 0) return;  // nothing counted yet
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // "\033[K" erases what a longer earlier line left to the right.
  std::fprintf(stderr, "\r%s\033[K", line(terminal_columns(), secs).c_str());
  std::fflush(stderr);
}

}  // namespace trede::cli
