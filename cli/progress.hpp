#pragma once
// A progress bar on stderr for long runs, drawn only when stderr is a terminal.
//
//   scenario 2/5, replicates 37/100 [#######       ] 12 s, eta 41 s
//
// The line fits the terminal's width (asked again at every redraw, so resizing works), is redrawn
// in place, and is erased when the bar finishes: what the command prints next starts on a clean
// line. Work made of several steps (the scenarios of `compare`) names the step and counts the
// units of the current one; the bar and the estimate cover the whole.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace trede::cli {

class ProgressBar {
 public:
  // `enabled` false: does nothing (quiet, or not a terminal). `unit`: what is counted, plural
  // ("replicates", "points", "candidates").
  ProgressBar(bool enabled, std::string unit);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Thread-safe; called from worker threads: `done` of `total` units of the current step.
  void update(std::uint64_t done, std::uint64_t total) noexcept;
  // Starts step `index` (0-based) of `count`, shown as `label` (e.g. "scenario 2/5"); the units
  // count from 0 again.
  void set_step(std::string label, std::size_t index, std::size_t count);
  // Stops drawing and erases the line.
  void finish();

  // The line for a terminal `columns` wide (at most columns - 3 characters: it never wraps, not
  // even with an echoed "^C" after it), after `seconds`. Public for tests.
  [[nodiscard]] std::string line(int columns, double seconds) const;

 private:
  void draw();

  bool enabled_;
  std::string unit_;
  std::atomic<std::uint64_t> done_{0}, total_{0};
  mutable std::mutex step_mutex_;  // guards step_, step_index_, step_count_
  std::string step_;
  std::size_t step_index_ = 0, step_count_ = 1;
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

// True when stderr is a terminal.
bool stderr_is_terminal() noexcept;

// Columns of the terminal on stderr (TIOCGWINSZ), else $COLUMNS, else 80.
int terminal_columns() noexcept;

}  // namespace trede::cli
