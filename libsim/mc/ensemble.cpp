#include "trede/mc/ensemble.hpp"

#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "engine/big_array.hpp"
#include "mc/machine_memory.hpp"
#include "trede/error.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/executor.hpp"

namespace trede::mc {

Ensemble allocate(const engine::Layout& layout, std::uint64_t replicates, std::uint64_t seed,
                  std::uint64_t first_replicate, bool per_region) {
  Ensemble e;
  e.layout = layout;
  e.per_region = per_region;
  e.seed = seed;
  e.first_replicate = first_replicate;
  e.replicates = replicates;
  for_each_array(e, [&](const ResultArray& a, auto& v) { v.assign(replicates * a.row_size(layout), {}); });
  return e;
}

Ensemble without_regions(Ensemble e) {
  if (!e.per_region) return e;
  for (const ResultArray& a : result_arrays())
    if (a.by_region) {
      std::visit([](auto& values) { values = {}; }, e.arrays[a.index()]);
      e.summaries[a.index()] = {};
    }
  e.per_region = false;
  return e;
}

void place_at(Ensemble& whole, const Ensemble& part, std::size_t slot) {
  if (slot + part.replicates > whole.replicates)
    throw Error("mc::place_at: the part's replicates do not fit in the whole at slot " + std::to_string(slot));
  // Every array of the part must have the whole's row size (any layout dimension may differ).
  const std::vector<ReplicateArray> dst = replicate_arrays(whole);
  const std::vector<ConstReplicateArray> src = replicate_arrays(part);
  if (dst.size() != src.size())
    throw Error("mc::place: the part does not belong to this ensemble (regions differ, or one keeps them and the other not)");
  for (std::size_t i = 0; i < dst.size(); ++i)
    if (src[i].info != dst[i].info || src[i].bytes.size() != part.replicates * dst[i].row)
      throw Error(std::string("mc::place: the part does not belong to this ensemble (its array ") + dst[i].info->name +
                  " has another shape)");
  for (std::size_t i = 0; i < dst.size(); ++i)
    if (!src[i].bytes.empty())  // an empty array (no regions, no waiting lists) has no storage to copy
      std::memcpy(dst[i].bytes.data() + slot * dst[i].row, src[i].bytes.data(), src[i].bytes.size());
}

void place(Ensemble& whole, const Ensemble& part) {
  if (part.seed != whole.seed || part.first_replicate < whole.first_replicate ||
      part.first_replicate + part.replicates > whole.first_replicate + whole.replicates ||
      part.layout.T() != whole.layout.T() || part.layout.S() != whole.layout.S() ||
      part.layout.E() != whole.layout.E() || part.layout.G() != whole.layout.G())
    throw Error("mc::place: the part does not belong to this ensemble (seed, replicate range or layout differ)");
  const std::size_t offset = part.first_replicate - whole.first_replicate;
  // Traced people have a different count per replicate, so their rows can only be appended:
  // traced parts go in replicate order, and either every part is traced or none.
  const bool whole_traced = !whole.trace_offsets.empty(), part_traced = !part.trace_offsets.empty();
  if (part_traced || whole_traced) {
    if (!part_traced || (whole_traced ? whole.trace_people != part.trace_people ||
                                            whole.trace_offsets.size() != offset + 1
                                      : offset != 0))
      throw Error("mc::place: traced parts must all trace the same people and be placed in replicate order");
    if (!whole_traced) {
      whole.trace_offsets.assign(1, 0);
      whole.trace_people = part.trace_people;
    }
    const std::uint64_t base = whole.trace.size();
    whole.trace.insert(whole.trace.end(), part.trace.begin(), part.trace.end());
    for (std::size_t i = 1; i < part.trace_offsets.size(); ++i) whole.trace_offsets.push_back(base + part.trace_offsets[i]);
  }
  place_at(whole, part, offset);
  whole.wall_seconds += part.wall_seconds;
  whole.peak_bytes_per_replicate = std::max(whole.peak_bytes_per_replicate, part.peak_bytes_per_replicate);
  whole.peak_live_persons = std::max(whole.peak_live_persons, part.peak_live_persons);
  whole.threads_used = std::max(whole.threads_used, part.threads_used);
}

TraceColumns trace_columns(const Ensemble& e) {
  const std::size_t M = e.trace.size();
  TraceColumns c;
  c.replicate.resize(M);
  c.person.resize(M);
  c.time.resize(M);
  c.from.resize(M);
  c.to.resize(M);
  for (std::size_t i = 0; i + 1 < e.trace_offsets.size(); ++i)
    std::fill(c.replicate.begin() + static_cast<std::ptrdiff_t>(e.trace_offsets[i]),
              c.replicate.begin() + static_cast<std::ptrdiff_t>(e.trace_offsets[i + 1]), e.first_replicate + i);
  for (std::size_t k = 0; k < M; ++k) {
    c.person[k] = e.trace[k].person;
    c.time[k] = e.trace[k].time;
    c.from[k] = e.trace[k].from;
    c.to[k] = e.trace[k].to;
  }
  return c;
}

Ensemble merge(std::vector<Ensemble> parts) {
  if (parts.empty()) throw Error("mc::merge: nothing to merge");
  std::sort(parts.begin(), parts.end(), [](const Ensemble& a, const Ensemble& b) { return a.first_replicate < b.first_replicate; });
  std::uint64_t next = parts.front().first_replicate;
  for (const Ensemble& p : parts) {
    if (p.first_replicate != next) throw Error("mc::merge: the replicate ranges are not contiguous");
    next += p.replicates;
  }
  const std::uint64_t first = parts.front().first_replicate;
  Ensemble whole = allocate(parts.front().layout, next - first, parts.front().seed, first);
  whole.threads_used = 0;
  for (const Ensemble& p : parts) place(whole, p);  // in replicate order
  summarize(whole);
  return whole;
}

std::uint64_t Ensemble::total_events() const noexcept {
  std::uint64_t n = 0;
  for (auto e : values<std::uint64_t>("events")) n += e;
  return n;
}

std::string threads_problem(int threads) {
  if (threads < 0) return "must be >= 0 (0 = all cores; got " + std::to_string(threads) + ")";
  if (threads > max_threads) return "must be <= " + std::to_string(max_threads) + " (got " + std::to_string(threads) + ")";
  return {};
}

void RunOptions::check(std::uint64_t min_replicates) const {
  std::vector<Diagnostic> problems;
  if (replicates < min_replicates)
    problems.push_back({"", 0, "replicates", "must be >= " + std::to_string(min_replicates) + " (got " +
                                                 std::to_string(replicates) + ")"});
  if (const std::string why = threads_problem(threads); !why.empty()) problems.push_back({"", 0, "threads", why});
  if (first_replicate > std::numeric_limits<std::uint64_t>::max() - replicates)
    problems.push_back({"", 0, "first_replicate",
                        "first_replicate + replicates must be below 2^64 (got " + std::to_string(first_replicate) +
                            " + " + std::to_string(replicates) + ")"});
  if (!problems.empty()) throw ModelError(std::move(problems));
}

Ensemble run(const model::Scenario& scenario, const RunOptions& options) {
  return ThreadExecutor().run(engine::Simulator(scenario), options);
}

Ensemble run(const engine::Simulator& sim, const RunOptions& options) { return ThreadExecutor().run(sim, options); }

void check_memory(const engine::Layout& layout, std::uint64_t replicates, bool per_region) {
  // The per-replicate arrays of a whole ensemble are held in memory: refuse before allocating
  // what the machine cannot hold, instead of failing with std::bad_alloc.
  long double bytes = 0;
  for (const ResultArray& a : result_arrays())
    if (a.present(layout) && (per_region || !a.by_region)) bytes += static_cast<long double>(a.row_size(layout)) * a.element_size();
  bytes *= static_cast<long double>(replicates);
  const long double memory = detail::machine_memory_bytes();
  if (memory > 0 && bytes > memory)
    throw ModelError("", 0, "replicates",
                     std::to_string(replicates) + " replicates would need " +
                         std::to_string(static_cast<double>(bytes / 1e9)) + " GB for their result arrays, more than this "
                         "machine's " + std::to_string(static_cast<double>(memory / 1e9)) +
                         " GB; run fewer replicates (or several runs of ranges of replicates)");
}

Ensemble ThreadExecutor::run(const engine::Simulator& sim, const RunOptions& options) {
  const engine::Simulator* one[] = {&sim};
  return std::move(run_batch(one, options).front());
}

std::vector<Ensemble> ThreadExecutor::run_batch(std::span<const engine::Simulator* const> sims, const RunOptions& options,
                                                std::span<const std::uint64_t> first_replicates) {
  options.check();
  const std::size_t R = options.replicates, N = sims.size();
  if (!first_replicates.empty() && first_replicates.size() != N)
    throw Error("ThreadExecutor::run_batch: one first replicate per simulator");
  auto first_of = [&](std::size_t s) { return first_replicates.empty() ? options.first_replicate : first_replicates[s]; };
  // With a sink, the per-region arrays go to it in replicate order and the ensembles keep totals.
  const bool streamed = options.sink != nullptr && options.per_region && sims.front()->layout().by_region();
  if (options.sink != nullptr && N != 1) throw Error("ThreadExecutor::run_batch: a sink takes the replicates of one simulator");
  const bool keep_regions = options.per_region && !streamed;
  std::vector<Ensemble> out;
  out.reserve(N);
  for (std::size_t s = 0; s < N; ++s) {
    check_memory(sims[s]->layout(), R * N, keep_regions);
    out.push_back(allocate(sims[s]->layout(), R, options.seed, first_of(s), keep_regions));
  }
  const std::size_t jobs = R * N;  // job j: scenario j / R, replicate j % R
  std::vector<std::uint64_t> bytes(jobs), live(jobs);
  std::vector<double> seconds(jobs);
  std::vector<std::vector<engine::TraceEvent>> traces(options.trace_people > 0 ? jobs : 0);

  std::atomic<std::uint64_t> done{0};
  // Replicate i of scenario s goes to slot i of ensemble s, whichever thread runs it: the
  // result does not depend on threads.
  // Runs job j; when streamed, returns the replicate as a one-replicate ensemble for the sink.
  auto one = [&](std::size_t j) {
    const std::size_t s = j / R, i = j % R;
    const auto t0 = std::chrono::steady_clock::now();
    engine::ReplicateResult r = sims[s]->run(options.seed, first_of(s) + i, options.trace_people);
    if (options.trace_people > 0) traces[j] = std::move(r.trace);
    put_replicate(out[s], i, r);
    std::shared_ptr<Ensemble> part;
    if (streamed) {
      part = std::make_shared<Ensemble>(allocate(sims[s]->layout(), 1, options.seed, first_of(s) + i, true));
      put_replicate(*part, 0, r);
    }
    bytes[j] = r.peak_bytes;
    live[j] = r.peak_live_persons;
    seconds[j] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto n = done.fetch_add(1) + 1;
    if (options.progress) options.progress(n, jobs);
    return part;
  };
  const int threads = options.threads == 0 ? tbb::info::default_concurrency() : options.threads;
  // More threads than cores were asked for (to test determinism, or to share the cores with
  // waiting I/O): TBB's limit on workers is raised for this run, else it would keep the arena at
  // the number of cores, print a warning of its own, and the run would report threads it never had.
  std::optional<tbb::global_control> oversubscribe;
  if (threads > tbb::info::default_concurrency())
    oversubscribe.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  // Everything, summaries included, runs inside an arena of exactly `threads` workers.
  tbb::task_arena arena(threads);
  double wall = 0.0;
  arena.execute([&] {
    // Each replicate's large arrays reuse the pages of one before it; given back at the end,
    // also when a replicate throws.
    struct ReleaseMappings {
      ~ReleaseMappings() { engine::release_cached_mappings(); }
    } release_mappings;
    const auto t0 = std::chrono::steady_clock::now();
    if (threads == 1) {
      for (std::size_t j = 0; j < jobs; ++j) {  // the serial reference
        const auto part = one(j);
        if (streamed) options.sink->put(*part);
      }
    } else if (streamed) {
      // Replicates run in parallel and reach the sink in order; at most two per thread are in
      // flight, so the memory held does not grow with the replicates.
      std::size_t next = 0;
      tbb::parallel_pipeline(
          2 * static_cast<std::size_t>(threads),
          tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                              [&](tbb::flow_control& fc) -> std::size_t {
                                                if (next == jobs) fc.stop();
                                                return next < jobs ? next++ : 0;
                                              }) &
              tbb::make_filter<std::size_t, std::shared_ptr<Ensemble>>(tbb::filter_mode::parallel, one) &
              tbb::make_filter<std::shared_ptr<Ensemble>, void>(
                  tbb::filter_mode::serial_in_order, [&](const std::shared_ptr<Ensemble>& part) { options.sink->put(*part); }));
    } else {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, jobs, 1), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t j = r.begin(); j != r.end(); ++j) one(j);
      });
    }
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& e : out) summarize(e);
  });
  double busy = 0.0;
  for (double x : seconds) busy += x;
  for (std::size_t s = 0; s < N; ++s) {
    Ensemble& e = out[s];
    e.threads_used = threads;
    double mine = 0.0;
    for (std::size_t i = 0; i < R; ++i) {
      e.peak_bytes_per_replicate = std::max(e.peak_bytes_per_replicate, bytes[s * R + i]);
      e.peak_live_persons = std::max(e.peak_live_persons, live[s * R + i]);
      mine += seconds[s * R + i];
    }
    // The batch's wall time, shared out by each scenario's part of the work.
    e.wall_seconds = N == 1 || busy <= 0.0 ? wall : wall * mine / busy;
    if (options.trace_people > 0) {  // in replicate order, whatever the threads did
      e.trace_people = options.trace_people;
      e.trace_offsets.assign(1, 0);
      for (std::size_t i = 0; i < R; ++i) {
        const auto& t = traces[s * R + i];
        e.trace.insert(e.trace.end(), t.begin(), t.end());
        e.trace_offsets.push_back(e.trace.size());
      }
    }
  }
  return out;
}

}  // namespace trede::mc
