// The MPI executor (trede/mc/mpi.hpp).

#include "trede/mc/mpi.hpp"

#include <mpi.h>
#include <tbb/info.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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

// ---- failures on some ranks only ----------------------------------------------------------------
// A rank that fails (the memory check depends on the machine; a replicate may fail on one rank)
// must not leave the others waiting for results that never come.

// An error as text: kind 2 for a ModelError (file, line, key and message of each diagnostic,
// each field as its length, ':' and its bytes), kind 1 for anything else (its message, naming
// the rank).
struct Failure {
  std::uint64_t kind = 0;  // 0: none
  std::string text;
};

Failure failure_of(const std::exception_ptr& e, int rank) {
  try {
    std::rethrow_exception(e);
  } catch (const ModelError& m) {
    Failure f{2, {}};
    for (const auto& d : m.diagnostics())
      for (const std::string& field : {d.file, std::to_string(d.line), d.key, d.message})
        f.text += std::to_string(field.size()) + ':' + field;
    return f;
  } catch (const std::exception& x) {
    return {1, "rank " + std::to_string(rank) + ": " + x.what()};
  } catch (...) {
    return {1, "rank " + std::to_string(rank) + ": an unknown error"};
  }
}

std::vector<Diagnostic> diagnostics_of(const Failure& f) {
  std::vector<std::string> fields;
  for (std::size_t at = 0; at < f.text.size();) {
    const std::size_t colon = f.text.find(':', at);
    if (colon == std::string::npos) break;
    const std::size_t n = std::strtoull(f.text.c_str() + at, nullptr, 10);
    fields.push_back(f.text.substr(colon + 1, n));
    at = colon + 1 + n;
  }
  std::vector<Diagnostic> ds;
  for (std::size_t i = 0; i + 3 < fields.size(); i += 4)
    ds.push_back({fields[i], static_cast<int>(std::strtol(fields[i + 1].c_str(), nullptr, 10)), fields[i + 2], fields[i + 3]});
  return ds;
}

// The failure as one line (for an error that ends the job).
std::string message_of(const Failure& f, int rank) {
  if (f.kind != 2) return f.text;
  std::string m = "bad input on rank " + std::to_string(rank) + ":";
  for (const auto& d : diagnostics_of(f)) m += " " + d.to_string();
  return m;
}

// Runs `local`, this rank's share of a step the ranks take together, then the ranks agree
// whether it failed anywhere. If it did, every rank throws the error of the lowest failing rank:
// a ModelError as a ModelError (every rank ends with exit 2, the root says why), anything else as
// a JobError (every rank ends with exit 1, the root says why).
template <class F>
void together(int rank, int size, F&& local) {
  std::exception_ptr error;
  try {
    local();
  } catch (...) {
    error = std::current_exception();
  }
  int mine = error ? rank : size, first = size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == size) return;
  Failure f = rank == first ? failure_of(error, rank) : Failure{};
  MPI_Bcast(&f.kind, 1, MPI_UINT64_T, first, MPI_COMM_WORLD);
  std::uint64_t n = f.text.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, first, MPI_COMM_WORLD);
  f.text.resize(n);
  MPI_Bcast(f.text.data(), static_cast<int>(n), MPI_CHAR, first, MPI_COMM_WORLD);
  if (f.kind == 2) throw ModelError(diagnostics_of(f));
  throw JobError(f.text, 1, /*everyone_knows=*/true);
}

// In a streamed run the ranks do not wait for each other between batches, so a failing rank
// tells the root (a status before each part) and the root ends the job (a JobError that not
// everyone knows: the program reports it and ends every process, MpiExecutor::abort).
int exit_code_of(const Failure& f) { return f.kind == 2 ? 2 : 1; }

void send_status(const Failure& f, int to) {
  send_bytes(&f.kind, sizeof f.kind, to);
  if (f.kind == 0) return;
  const std::uint64_t n = f.text.size();
  send_bytes(&n, sizeof n, to);
  send_bytes(f.text.data(), n, to);
}

Failure receive_status(int from) {
  Failure f;
  receive_bytes(&f.kind, sizeof f.kind, from);
  if (f.kind == 0) return f;
  std::uint64_t n = 0;
  receive_bytes(&n, sizeof n, from);
  f.text.resize(n);
  receive_bytes(f.text.data(), n, from);
  return f;
}

// The ranks simulate side by side, so a step took the root's elapsed time for it (until every
// rank had finished: `together` waits for them). Like ThreadExecutor::run_batch does with its
// threads' time, that time is shared out over the step's ensembles by their part of the work.
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
void share_out(std::vector<Ensemble>& ensembles, double elapsed) {
  double work = 0.0;
  for (const Ensemble& e : ensembles) work += e.wall_seconds;
  for (Ensemble& e : ensembles) e.wall_seconds = work > 0.0 ? elapsed * e.wall_seconds / work : elapsed / static_cast<double>(ensembles.size());
}

// How a part ran (the run statistics mc::place merges), sent with it.
struct PartStats {
  double wall_seconds = 0.0;
  std::uint64_t peak_bytes_per_replicate = 0;
  std::uint64_t peak_live_persons = 0;
  std::int64_t threads_used = 1;
};

// Every per-replicate array of `part`, its run statistics, then (when traced) its traced people,
// to rank `to`.
void send_part(const Ensemble& part, bool traced, int to) {
  for (const auto& a : replicate_arrays(part)) send_bytes(a.bytes.data(), a.bytes.size(), to);
  const PartStats stats{part.wall_seconds, part.peak_bytes_per_replicate, part.peak_live_persons, part.threads_used};
  send_bytes(&stats, sizeof stats, to);
  if (traced) {  // traced people travel after the arrays: their number differs per replicate
    const std::uint64_t n = part.trace.size();
    send_bytes(&n, sizeof n, to);
    send_bytes(part.trace.data(), n * sizeof(engine::TraceEvent), to);
    send_bytes(part.trace_offsets.data(), part.trace_offsets.size() * sizeof(std::uint64_t), to);
  }
}

// The part of replicates [first, first + count) that rank `from` sends with send_part.
Ensemble receive_part(const engine::Layout& layout, const RunOptions& options, std::uint64_t first,
                      std::uint64_t count, bool per_region, int from) {
  Ensemble part = allocate(layout, count, options.seed, first, per_region);
  for (auto& a : replicate_arrays(part)) receive_bytes(a.bytes.data(), a.bytes.size(), from);
  PartStats stats;
  receive_bytes(&stats, sizeof stats, from);
  part.wall_seconds = stats.wall_seconds;
  part.peak_bytes_per_replicate = stats.peak_bytes_per_replicate;
  part.peak_live_persons = stats.peak_live_persons;
  part.threads_used = static_cast<int>(stats.threads_used);
  if (options.trace_people > 0) {
    std::uint64_t n = 0;
    receive_bytes(&n, sizeof n, from);
    part.trace.resize(n);
    receive_bytes(part.trace.data(), n * sizeof(engine::TraceEvent), from);
    part.trace_offsets.resize(count + 1);
    receive_bytes(part.trace_offsets.data(), part.trace_offsets.size() * sizeof(std::uint64_t), from);
    part.trace_people = options.trace_people;
  }
  return part;
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
  auto* c = new MPI_Comm;
  MPI_Comm_dup(MPI_COMM_WORLD, c);
  stop_comm_ = c;
}

MpiExecutor::~MpiExecutor() {
  if (!mpi_) return;
  // No barrier of stopped_together is pending here: one that timed out was followed by abort.
  auto* c = static_cast<MPI_Comm*>(stop_comm_);
  MPI_Comm_free(c);
  delete c;
  MPI_Finalize();
}

bool MpiExecutor::stopped_together(double seconds) {
  if (!mpi_ || size_ == 1) return true;
  MPI_Request r = MPI_REQUEST_NULL;
  MPI_Ibarrier(*static_cast<MPI_Comm*>(stop_comm_), &r);
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    int done = 0;
    MPI_Test(&r, &done, MPI_STATUS_IGNORE);
    if (done) return true;
    if (std::chrono::steady_clock::now() >= until) return false;  // the caller ends the job (abort)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
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

Ensemble MpiExecutor::run(const engine::Simulator& sim, const RunOptions& given) {
  if (size_ == 1) return threads_.run(sim, given);
  given.check();
  // The root decides whether the per-region arrays stream to its sink and whether they are kept
  // at all; every rank must follow the same plan (what travels depends on it), so it is
  // broadcast: {streamed, replicates per batch, per_region}.
  std::uint64_t plan[3] = {given.sink != nullptr && given.per_region && sim.layout().by_region() ? 1u : 0u,
                           2 * static_cast<std::uint64_t>(given.threads > 0 ? given.threads
                                                                            : tbb::info::default_concurrency()),
                           given.per_region ? 1u : 0u};
  MPI_Bcast(plan, 3, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  RunOptions options = given;
  options.per_region = plan[2] != 0;
  if (plan[0] != 0) return run_streamed(sim, options, plan[1]);
  const auto [first, count] = share(options.first_replicate, options.replicates, rank_, size_);
  Ensemble mine;
  const auto t0 = std::chrono::steady_clock::now();
  together(rank_, size_, [&] {
    if (count == 0) return;
    RunOptions o = options;
    o.first_replicate = first;
    o.replicates = count;
    o.sink = nullptr;
    if (!root()) o.progress = nullptr;  // the root draws progress for its own share
    mine = threads_.run(sim, o);
  });
  const double elapsed = seconds_since(t0);
  const bool traced = options.trace_people > 0;
  if (!root()) {
    if (count > 0) send_part(mine, traced, 0);
    return {};
  }
  // Parts are placed in rank order, which is replicate order (traced people are appended).
  Ensemble whole = allocate(sim.layout(), options.replicates, options.seed, options.first_replicate, options.per_region);
  if (count > 0) place(whole, mine);
  for (int q = 1; q < size_; ++q) {
    const auto [qfirst, qcount] = share(options.first_replicate, options.replicates, q, size_);
    if (qcount > 0) place(whole, receive_part(sim.layout(), options, qfirst, qcount, options.per_region, q));
  }
  whole.wall_seconds = elapsed;  // not the ranks' times summed by place
  summarize(whole);
  return whole;
}

std::vector<Ensemble> MpiExecutor::run_batch(std::span<const engine::Simulator* const> sims, const RunOptions& options,
                                             std::span<const std::uint64_t> first_replicates) {
  if (size_ == 1) return threads_.run_batch(sims, options, first_replicates);
  options.check();
  const std::size_t N = sims.size();
  if (!first_replicates.empty() && first_replicates.size() != N)
    throw Error("MpiExecutor::run_batch: one first replicate per simulator");
  if (options.sink != nullptr && N != 1) throw Error("MpiExecutor::run_batch: a sink takes the replicates of one simulator");
  if (N == 1) {  // one simulator: its replicates over the ranks
    RunOptions o = options;
    if (!first_replicates.empty()) o.first_replicate = first_replicates.front();
    std::vector<Ensemble> out;
    out.push_back(run(*sims.front(), o));
    return out;
  }
  auto first_of = [&](std::size_t s) { return first_replicates.empty() ? options.first_replicate : first_replicates[s]; };
  const auto [begin, count] = share(0, N, rank_, size_);
  std::vector<Ensemble> mine;
  const auto t0 = std::chrono::steady_clock::now();
  together(rank_, size_, [&] {
    if (count == 0) return;
    RunOptions o = options;
    if (!root()) o.progress = nullptr;
    mine = threads_.run_batch(sims.subspan(begin, count), o,
                              first_replicates.empty() ? first_replicates : first_replicates.subspan(begin, count));
  });
  const double elapsed = seconds_since(t0);
  const bool traced = options.trace_people > 0;
  if (!root()) {
    for (const Ensemble& e : mine) send_part(e, traced, 0);
    return {};
  }
  std::vector<Ensemble> out = std::move(mine);  // the root's share is the first
  for (int q = 1; q < size_; ++q) {
    const auto [qbegin, qcount] = share(0, N, q, size_);
    for (std::size_t s = qbegin; s < qbegin + qcount; ++s) {
      out.push_back(receive_part(sims[s]->layout(), options, first_of(s), options.replicates, options.per_region, q));
      summarize(out.back());
    }
  }
  share_out(out, elapsed);
  return out;
}

Ensemble MpiExecutor::run_streamed(const engine::Simulator& sim, const RunOptions& options, std::uint64_t batch) {
  // Batches of `batch` replicates go to the ranks in turn (batch k to rank k mod size), and the
  // root hands them to its sink in replicate order as they come: its own batches streamed by its
  // threads, the others' received whole. A rank holds one batch at a time, and while the root
  // runs one batch the other ranks run the next ones.
  const std::uint64_t R = options.replicates;
  const bool traced = options.trace_people > 0;
  Ensemble whole;
  if (root()) whole = allocate(sim.layout(), R, options.seed, options.first_replicate, /*per_region=*/false);
  const auto t0 = std::chrono::steady_clock::now();  // the batches overlap: the run took the root's elapsed time
  std::uint64_t done = 0;
  for (std::uint64_t k = 0; k * batch < R; ++k) {
    const std::uint64_t first = options.first_replicate + k * batch, count = std::min(batch, R - k * batch);
    const int owner = static_cast<int>(k % static_cast<std::uint64_t>(size_));
    if (owner == rank_) {
      RunOptions o = options;
      o.first_replicate = first;
      o.replicates = count;
      o.progress = nullptr;
      if (root()) {
        if (options.progress) o.progress = [&](std::uint64_t n, std::uint64_t) { options.progress(done + n, R); };
        try {
          place(whole, threads_.run(sim, o));  // streams this batch's regions to the sink
        } catch (const ModelError&) {  // the others are not waiting for it: end the job
          const Failure f = failure_of(std::current_exception(), rank_);
          throw JobError(message_of(f, rank_), exit_code_of(f), /*everyone_knows=*/false);
        }
      } else {
        o.sink = nullptr;
        Ensemble part;
        Failure f;
        try {
          part = threads_.run(sim, o);
        } catch (...) {
          f = failure_of(std::current_exception(), rank_);
        }
        send_status(f, 0);
        if (f.kind != 0) throw JobError(message_of(f, rank_), exit_code_of(f), /*everyone_knows=*/true);  // the root ends the job
        send_part(part, traced, 0);
      }
    } else if (root()) {
      if (const Failure f = receive_status(owner); f.kind != 0)
        throw JobError(message_of(f, owner), exit_code_of(f), /*everyone_knows=*/false);
      Ensemble part = receive_part(sim.layout(), options, first, count, /*per_region=*/true, owner);
      options.sink->put(part);
      place(whole, without_regions(std::move(part)));
    }
    done += count;
    if (root() && options.progress) options.progress(done, R);
  }
  if (!root()) return {};
  whole.wall_seconds = seconds_since(t0);
  summarize(whole);
  return whole;
}

}  // namespace trede::mc
