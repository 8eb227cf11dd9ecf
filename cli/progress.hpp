#pragma once
// A progress bar on stderr for long runs: drawn only when stderr is a terminal.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace trede::cli {

class ProgressBar {
 public:
  // `enabled` false: does nothing (quiet, or not a terminal).
  ProgressBar(bool enabled, std::string label);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Thread-safe; called from worker threads.
  void update(std::uint64_t done, std::uint64_t total) noexcept;
  // Draws the final state and stops the drawing thread.
  void finish();

 private:
  void draw(bool final);

  bool enabled_;
  std::string label_;
  std::atomic<std::uint64_t> done_{0}, total_{0};
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

// True when stderr is a terminal.
bool stderr_is_terminal() noexcept;

}  // namespace trede::cli
