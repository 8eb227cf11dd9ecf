#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace trede::cli {

bool stderr_is_terminal() noexcept { return ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(bool enabled, std::string label)
    : enabled_(enabled), label_(std::move(label)), start_(std::chrono::steady_clock::now()) {
  if (!enabled_) return;
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      draw(false);
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

void ProgressBar::finish() {
  if (!enabled_ || stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  draw(true);
  std::fputc('\n', stderr);
}

void ProgressBar::draw(bool final) {
  const std::uint64_t done = done_.load(), total = total_.load();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  constexpr int width = 30;
  const int filled = total ? static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total)) : 0;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, ' ');
  char eta[32] = "";
  if (!final && done > 0 && done < total)
    std::snprintf(eta, sizeof eta, "  eta %.0f s", secs / static_cast<double>(done) * static_cast<double>(total - done));
  std::fprintf(stderr, "\r%s [%s] %llu/%llu  %.1f s%s   ", label_.c_str(), bar.c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), secs, eta);
  std::fflush(stderr);
}

}  // namespace trede::cli
