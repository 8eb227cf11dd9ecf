#pragma once
/// \file
/// Executors: where and how the replicates of a run are computed. Every orchestration of the
/// library — `mc::run`, `mc::compare`, `mc::sweep`, `mc::psa` and the simulated-moments
/// calibration — hands its runs to an executor, so the same loop serves threads on one machine
/// (`ThreadExecutor`, TBB) and the ranks of an MPI job (`trede/mc/mpi.hpp`, the optional
/// `trede::mpi` library). Because replicate i depends only on (scenario, seed, i), the result of
/// a run is the same bit for bit whatever the executor.

#include <cstdint>
#include <span>
#include <vector>

#include "trede/engine/simulator.hpp"
#include "trede/mc/ensemble.hpp"

namespace trede::mc {

/// Runs replicates of a compiled scenario.
class Executor {
 public:
  virtual ~Executor() = default;

  /// Runs replicates [options.first_replicate, options.first_replicate + options.replicates) of
  /// `sim` and returns the summarised ensemble. Processes other than the root of a
  /// multi-process executor get an empty ensemble (replicates == 0). Checks `options` first
  /// (RunOptions::check). Exceptions raised inside a replicate reach the caller.
  [[nodiscard]] virtual Ensemble run(const engine::Simulator& sim, const RunOptions& options) = 0;

  /// Runs options.replicates replicates of every simulator in `sims` and returns one summarised
  /// ensemble per simulator, in order (empty on processes other than the root). Simulator j
  /// runs replicates [first_replicates[j], + options.replicates) — or, when `first_replicates`
  /// is empty, all run options.first_replicate onwards (common random numbers). A
  /// ThreadExecutor spreads all (scenario, replicate) pairs over its threads at once, so that
  /// many scenarios with few replicates each (the draws of a probabilistic sensitivity analysis)
  /// keep every core busy. The default runs them one after the other. Each ensemble's
  /// wall_seconds is its share, by its part of the work, of the batch's elapsed time, so that
  /// they add up to the batch's time however many threads and processes ran it.
  [[nodiscard]] virtual std::vector<Ensemble> run_batch(std::span<const engine::Simulator* const> sims,
                                                        const RunOptions& options,
                                                        std::span<const std::uint64_t> first_replicates = {}) {
    std::vector<Ensemble> out;
    for (std::size_t j = 0; j < sims.size(); ++j) {
      RunOptions o = options;
      if (!first_replicates.empty()) o.first_replicate = first_replicates[j];
      out.push_back(run(*sims[j], o));
    }
    return out;
  }

  /// True on the process that receives results, writes files and prints (always, for threads).
  [[nodiscard]] virtual bool root() const noexcept { return true; }
  /// Number of processes taking part (1 for threads).
  [[nodiscard]] virtual int processes() const noexcept { return 1; }
  /// Makes the root's `data` known to every process (resizing it where needed). A no-op with
  /// one process. Used where only the root can decide (e.g. which sweep points remain).
  virtual void broadcast(std::vector<char>& data) { (void)data; }
};

/// Threads of this process (TBB task arena of RunOptions::threads workers).
class ThreadExecutor final : public Executor {
 public:
  [[nodiscard]] Ensemble run(const engine::Simulator& sim, const RunOptions& options) override;
  [[nodiscard]] std::vector<Ensemble> run_batch(std::span<const engine::Simulator* const> sims,
                                                const RunOptions& options,
                                                std::span<const std::uint64_t> first_replicates = {}) override;
};

}  // namespace trede::mc
