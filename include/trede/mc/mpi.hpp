#pragma once
/// \file
/// The MPI executor (optional library `trede::mpi`, built when MPI is found): replicates spread
/// over the ranks of an MPI job (`mpirun -np N program ...`), TBB threads inside each rank. Rank
/// r runs a contiguous share of the replicates; the root (rank 0) gathers them in replicate
/// order and summarises. Because replicate i depends only on (scenario, seed, i), the result is
/// bitwise the same as a single-process run. With a sink (RunOptions::sink, a streamed result
/// file) the replicates go to the ranks in batches taken in turn instead, and the root hands each
/// batch's per-region arrays to the sink in replicate order: no process holds more than a batch of
/// them. A failure on some ranks only stops every rank: run and run_batch throw the lowest failing
/// rank's error on every rank (a ModelError as one, anything else as a JobError); in a streamed
/// run the root throws it as an Error and the program must end the job (abort). MPI types stay
/// out of this header.
///
/// Example:
/// \code
///   trede::mc::MpiExecutor exec;   // MPI_Init_thread when launched by mpirun
///   auto e = exec.run(trede::engine::Simulator(scenario), options);
///   if (exec.root()) trede::io::write_hdf5("out.h5", e, scenario);
/// \endcode

#include <memory>

#include "trede/mc/executor.hpp"

namespace trede::mc {

/// Replicates over the ranks of an MPI job; a plain ThreadExecutor when not launched by an MPI
/// starter (Open MPI, MPICH/PMI, PMIx). Initialises MPI on construction and finalises it on
/// destruction: make one per program, on the main thread.
class MpiExecutor final : public Executor {
 public:
  MpiExecutor();
  ~MpiExecutor() override;
  MpiExecutor(const MpiExecutor&) = delete;
  MpiExecutor& operator=(const MpiExecutor&) = delete;

  [[nodiscard]] Ensemble run(const engine::Simulator& sim, const RunOptions& options) override;
  /// The batch's simulators in contiguous shares over the ranks, each share spread over its
  /// rank's threads (ThreadExecutor::run_batch); the root receives the others' ensembles. Every
  /// simulator's replicates run on one rank, so the results do not depend on the rank count.
  [[nodiscard]] std::vector<Ensemble> run_batch(std::span<const engine::Simulator* const> sims, const RunOptions& options,
                                                std::span<const std::uint64_t> first_replicates = {}) override;
  [[nodiscard]] bool root() const noexcept override { return rank_ == 0; }
  [[nodiscard]] int processes() const noexcept override { return size_; }
  void broadcast(std::vector<char>& data) override;

  /// This process's rank (0 = root).
  [[nodiscard]] int rank() const noexcept { return rank_; }
  /// Ends the job at once with exit `code` on every rank: for a failure after the ranks started
  /// working together (an error only one rank saw would otherwise leave the others waiting).
  [[noreturn]] void abort(int code);
  /// True when every rank calls this within `seconds` of each other: for an error every rank
  /// should meet at the same point (bad input, read the same way everywhere), so that the job
  /// can stop without an abort. False when some rank does not come (it read other input, as a
  /// machine with other files would, or it is already waiting for this one): then end the job
  /// (`abort`). On a communicator of its own, so it never meets another collective operation.
  [[nodiscard]] bool stopped_together(double seconds);

  /// True when this process was started by an MPI starter.
  [[nodiscard]] static bool launched_by_mpirun() noexcept;

 private:
  // RunOptions::sink: batches in turn over the ranks, handed to the root's sink in order.
  [[nodiscard]] Ensemble run_streamed(const engine::Simulator& sim, const RunOptions& options, std::uint64_t batch);
  int rank_ = 0;
  int size_ = 1;
  bool mpi_ = false;
  void* stop_comm_ = nullptr;  // MPI_Comm for stopped_together (a duplicate of MPI_COMM_WORLD)
  ThreadExecutor threads_;
};

}  // namespace trede::mc
