#include "parallel.hpp"

#include <cstdlib>
#include <vector>

#ifdef TREDE_HAVE_MPI
#include <mpi.h>
#endif

#include "trede/error.hpp"

namespace trede::cli {
namespace {

// Launched by an MPI starter (Open MPI, MPICH/PMI, PMIx)?
bool under_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

#ifdef TREDE_HAVE_MPI
// MPI counts are ints: move large arrays in pieces of at most 1 GiB.
constexpr std::size_t piece = std::size_t{1} << 30;

void send_bytes(std::byte* data, std::size_t n, int to) {
  for (std::size_t off = 0; off < n; off += piece) {
    const int len = static_cast<int>(std::min(piece, n - off));
    MPI_Send(data + off, len, MPI_BYTE, to, 0, MPI_COMM_WORLD);
  }
}

void receive_bytes(std::byte* data, std::size_t n, int from) {
  for (std::size_t off = 0; off < n; off += piece) {
    const int len = static_cast<int>(std::min(piece, n - off));
    MPI_Recv(data + off, len, MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
}
#endif

}  // namespace

Processes& Processes::get() {
  static Processes p;
  return p;
}

Processes::Processes() {
#ifdef TREDE_HAVE_MPI
  if (!under_mpirun()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  mpi_ = true;
#endif
}

Processes::~Processes() {
#ifdef TREDE_HAVE_MPI
  if (mpi_) MPI_Finalize();
#endif
}

void Processes::broadcast(std::vector<char>& data) {
#ifdef TREDE_HAVE_MPI
  if (mpi_ && size_ > 1) MPI_Bcast(data.data(), static_cast<int>(data.size()), MPI_CHAR, 0, MPI_COMM_WORLD);
#else
  (void)data;
#endif
}

void Processes::abort(int code) {
#ifdef TREDE_HAVE_MPI
  if (mpi_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

std::pair<std::uint64_t, std::uint64_t> Processes::share(std::uint64_t first, std::uint64_t total) const noexcept {
  const auto n = static_cast<std::uint64_t>(size_), r = static_cast<std::uint64_t>(rank_);
  const std::uint64_t begin = total * r / n, end = total * (r + 1) / n;
  return {first + begin, end - begin};
}

mc::Ensemble Processes::run(const engine::Simulator& sim, const mc::RunOptions& options) {
  if (size_ == 1) return mc::run(sim, options);
#ifdef TREDE_HAVE_MPI
  const auto [first, count] = share(options.first_replicate, options.replicates);
  mc::Ensemble mine;
  if (count > 0) {
    mc::RunOptions o = options;
    o.first_replicate = first;
    o.replicates = count;
    if (!root()) o.progress = nullptr;  // the root draws progress for its own share
    mine = mc::run(sim, o);
  }
  const bool traced = options.trace_people > 0;
  if (!root()) {
    if (count > 0) {
      for (auto& a : mc::replicate_arrays(mine)) send_bytes(a.bytes.data(), a.bytes.size(), 0);
      if (traced) {  // traced people travel after the arrays: their number differs per replicate
        std::uint64_t n = mine.trace.size();
        send_bytes(reinterpret_cast<std::byte*>(&n), sizeof n, 0);
        send_bytes(reinterpret_cast<std::byte*>(mine.trace.data()), n * sizeof(engine::TraceEvent), 0);
        send_bytes(reinterpret_cast<std::byte*>(mine.trace_offsets.data()), mine.trace_offsets.size() * sizeof(std::uint64_t), 0);
      }
    }
    return {};
  }
  // Parts are placed in rank order, which is replicate order (traced people are appended).
  mc::Ensemble whole = mc::allocate(sim.layout(), options.replicates, options.seed, options.first_replicate);
  if (count > 0) mc::place(whole, mine);
  for (int q = 1; q < size_; ++q) {
    const auto [qfirst, qcount] = [&] {
      const auto n = static_cast<std::uint64_t>(size_), r = static_cast<std::uint64_t>(q);
      const std::uint64_t b = options.replicates * r / n, e = options.replicates * (r + 1) / n;
      return std::pair{options.first_replicate + b, e - b};
    }();
    if (qcount == 0) continue;
    mc::Ensemble part = mc::allocate(sim.layout(), qcount, options.seed, qfirst);
    for (auto& a : mc::replicate_arrays(part)) receive_bytes(a.bytes.data(), a.bytes.size(), q);
    if (traced) {
      std::uint64_t n = 0;
      receive_bytes(reinterpret_cast<std::byte*>(&n), sizeof n, q);
      part.trace.resize(n);
      receive_bytes(reinterpret_cast<std::byte*>(part.trace.data()), n * sizeof(engine::TraceEvent), q);
      part.trace_offsets.resize(qcount + 1);
      receive_bytes(reinterpret_cast<std::byte*>(part.trace_offsets.data()), part.trace_offsets.size() * sizeof(std::uint64_t), q);
      part.trace_people = options.trace_people;
    }
    mc::place(whole, part);
  }
  mc::summarize(whole);
  return whole;
#else
  return mc::run(sim, options);
#endif
}

}  // namespace trede::cli
