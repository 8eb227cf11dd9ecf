#pragma once
// The processes of a run: one, or the ranks of an MPI job (`mpirun -np N trede ...`). Replicate
// ranges are split over the ranks, each rank runs its range with TBB threads, and rank 0
// gathers the replicates in order and merges them. Because replicate i depends only on
// (scenario, seed, i), the merged result is bitwise the same as a single-process run.
//
// MPI stays in the command-line program; libtrede knows nothing of it.

#include <cstdint>
#include <utility>
#include <vector>

#include "trede/engine/simulator.hpp"
#include "trede/mc/ensemble.hpp"

namespace trede::cli {

class Processes {
 public:
  // The processes of this program; starts MPI on first use when launched by mpirun.
  static Processes& get();

  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] int size() const noexcept { return size_; }
  [[nodiscard]] bool root() const noexcept { return rank_ == 0; }

  // This process's contiguous share (first, count) of `total` items starting at `first`.
  [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> share(std::uint64_t first, std::uint64_t total) const noexcept;

  // Runs options.replicates replicates spread over the processes. The root returns the whole,
  // summarised ensemble; other ranks return an empty one (replicates == 0).
  [[nodiscard]] mc::Ensemble run(const engine::Simulator& sim, const mc::RunOptions& options);

  // Makes the root's `data` known to every rank (same size on all ranks).
  void broadcast(std::vector<char>& data);

  // Ends the job at once with `code` on every rank (for failures after ranks started talking).
  [[noreturn]] void abort(int code);

  ~Processes();
  Processes(const Processes&) = delete;
  Processes& operator=(const Processes&) = delete;

 private:
  Processes();
  int rank_ = 0;
  int size_ = 1;
  bool mpi_ = false;
};

}  // namespace trede::cli
