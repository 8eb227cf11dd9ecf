// The MPI executor (trede/mc/mpi.hpp).

#include "trede/mc/mpi.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "trede/error.hpp"
#include "trede/mc/catalogue.hpp"

namespace trede::mc {
namespace {

// MPI counts are ints: move large arrays in pieces of at most 1 GiB.
constexpr std::size_t piece = std::size_t{1} << 30;

void send_bytes(const void* data, std::size_t n, int to) {
  const auto* p = static_cast<const std::byte*>(data);
  for (std::size_t off = 0; off < n; off += piece)
    MPI_Send(p + off, static_cast<int>(std::min(piece, n - off)), MPI_BYTE, to, 0, MPI_COMM_WORLD);
}

void receive_bytes(void* data, std::size_t n, int from) {
  auto* p = static_cast<std::byte*>(data);
  for (std::size_t off = 0; off < n; off += piece)
    MPI_Recv(p + off, static_cast<int>(std::min(piece, n - off)), MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

// The contiguous share (first, count) of rank r of n over [first, first + total).
std::pair<std::uint64_t, std::uint64_t> share(std::uint64_t first, std::uint64_t total, int r, int n) {
  const auto N = static_cast<std::uint64_t>(n), R = static_cast<std::uint64_t>(r);
  const std::uint64_t b = total * R / N, e = total * (R + 1) / N;
  return {first + b, e - b};
}

}  // namespace

bool MpiExecutor::launched_by_mpirun() noexcept {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

MpiExecutor::MpiExecutor() {
  if (!launched_by_mpirun()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  mpi_ = true;
}

MpiExecutor::~MpiExecutor() {
  if (mpi_) MPI_Finalize();
}

void MpiExecutor::broadcast(std::vector<char>& data) {
  if (!mpi_ || size_ == 1) return;
  auto n = static_cast<std::uint64_t>(data.size());
  MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  data.resize(n);
  for (std::size_t off = 0; off < n; off += piece)
    MPI_Bcast(data.data() + off, static_cast<int>(std::min<std::size_t>(piece, n - off)), MPI_CHAR, 0, MPI_COMM_WORLD);
}

void MpiExecutor::abort(int code) {
  if (mpi_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

Ensemble MpiExecutor::run(const engine::Simulator& sim, const RunOptions& options) {
  if (size_ == 1) return threads_.run(sim, options);
  options.check();
  const auto [first, count] = share(options.first_replicate, options.replicates, rank_, size_);
  Ensemble mine;
  if (count > 0) {
    RunOptions o = options;
    o.first_replicate = first;
    o.replicates = count;
    if (!root()) o.progress = nullptr;  // the root draws progress for its own share
    mine = threads_.run(sim, o);
  }
  const bool traced = options.trace_people > 0;
  if (!root()) {
    if (count > 0) {
      for (const auto& a : replicate_arrays(std::as_const(mine))) send_bytes(a.bytes.data(), a.bytes.size(), 0);
      if (traced) {  // traced people travel after the arrays: their number differs per replicate
        const std::uint64_t n = mine.trace.size();
        send_bytes(&n, sizeof n, 0);
        send_bytes(mine.trace.data(), n * sizeof(engine::TraceEvent), 0);
        send_bytes(mine.trace_offsets.data(), mine.trace_offsets.size() * sizeof(std::uint64_t), 0);
      }
    }
    return {};
  }
  // Parts are placed in rank order, which is replicate order (traced people are appended).
  Ensemble whole = allocate(sim.layout(), options.replicates, options.seed, options.first_replicate, options.per_region);
  if (count > 0) place(whole, mine);
  for (int q = 1; q < size_; ++q) {
    const auto [qfirst, qcount] = share(options.first_replicate, options.replicates, q, size_);
    if (qcount == 0) continue;
    Ensemble part = allocate(sim.layout(), qcount, options.seed, qfirst, options.per_region);
    for (auto& a : replicate_arrays(part)) receive_bytes(a.bytes.data(), a.bytes.size(), q);
    if (traced) {
      std::uint64_t n = 0;
      receive_bytes(&n, sizeof n, q);
      part.trace.resize(n);
      receive_bytes(part.trace.data(), n * sizeof(engine::TraceEvent), q);
      part.trace_offsets.resize(qcount + 1);
      receive_bytes(part.trace_offsets.data(), part.trace_offsets.size() * sizeof(std::uint64_t), q);
      part.trace_people = options.trace_people;
    }
    place(whole, part);
  }
  summarize(whole);
  return whole;
}

}  // namespace trede::mc
