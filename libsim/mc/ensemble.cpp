#include "trede/mc/ensemble.hpp"

#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <span>

#include "trede/error.hpp"

namespace trede::mc {
namespace {

template <class T>
void put(std::vector<T>& dst, std::size_t i, const std::vector<T>& src) {
  std::copy(src.begin(), src.end(), dst.begin() + static_cast<std::ptrdiff_t>(i * src.size()));
}

// Calls f(array, values per replicate) for every per-replicate array of `e`.
template <class Ens, class F>
void for_each_array(Ens& e, F&& f) {
  const engine::Layout& L = e.layout;
  const std::size_t T = L.T(), P = L.P(), S = L.S(), C = L.C(), E = L.E(), K = L.K(), G = L.G();
  f(e.occupancy, T * S);
  f(e.trede_occupancy, T * ladder_rungs);
  f(e.waiting, T * C);
  f(e.flows, P * E);
  f(e.person_years, P * S);
  f(e.cost_eur, P);
  f(e.cost_cumulative_eur, T);
  f(e.waiting_years, P * C);
  f(e.waiting_joined, P * C);
  f(e.waiting_admitted, P * C);
  f(e.waiting_reneged, P * C);
  f(e.waiting_left, P * C);
  f(e.waiting_time_sum, P * C);
  f(e.waiting_time_admitted_sum, P * C);
  f(e.sojourn_sum, E);
  f(e.sojourn_sumsq, E);
  f(e.kpi, K);
  f(e.kpi_period, P * L.Kp());
  f(e.organisation_cost_eur, P * L.O());
  f(e.events, std::size_t{1});
  if (L.by_region()) {
    f(e.occupancy_region, T * G * S);
    f(e.trede_occupancy_region, T * G * ladder_rungs);
    f(e.waiting_region, T * G * C);
    f(e.person_years_region, P * G * S);
    f(e.cost_region_eur, P * G);
    f(e.kpi_region, G * K);
  }
}

}  // namespace

Ensemble allocate(const engine::Layout& layout, std::uint64_t replicates, std::uint64_t seed,
                  std::uint64_t first_replicate) {
  Ensemble e;
  e.layout = layout;
  e.seed = seed;
  e.first_replicate = first_replicate;
  e.replicates = replicates;
  for_each_array(e, [&](auto& v, std::size_t n) { v.assign(replicates * n, {}); });
  return e;
}

std::vector<ReplicateArray> replicate_arrays(Ensemble& e) {
  std::vector<ReplicateArray> out;
  for_each_array(e, [&](auto& v, std::size_t n) {
    using T = typename std::remove_reference_t<decltype(v)>::value_type;
    out.push_back({std::as_writable_bytes(std::span<T>(v)), n * sizeof(T)});
  });
  return out;
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
  std::vector<std::pair<void*, std::size_t>> dst;
  for_each_array(whole, [&](auto& v, std::size_t n) { dst.emplace_back(v.data(), n * sizeof(v[0])); });
  // Every array of the part must have the whole's row size (any layout dimension may differ).
  std::size_t i = 0;
  for_each_array(part, [&](const auto& v, std::size_t) {
    if (i >= dst.size() || v.size() * sizeof(v[0]) != part.replicates * dst[i].second)
      throw Error("mc::place: the part does not belong to this ensemble (its arrays have another shape)");
    ++i;
  });
  if (i != dst.size()) throw Error("mc::place: the part does not belong to this ensemble (regions differ)");
  i = 0;
  for_each_array(part, [&](const auto& v, std::size_t) {
    const auto [base, row] = dst[i++];
    if (!v.empty())  // an empty array (no regions, no waiting lists) has no storage to copy
      std::memcpy(static_cast<std::byte*>(base) + offset * row, v.data(), v.size() * sizeof(v[0]));
  });
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
  for (auto e : events) n += e;
  return n;
}

Ensemble run(const model::Scenario& scenario, const RunOptions& options) {
  return run(engine::Simulator(scenario), options);
}

Ensemble run(const engine::Simulator& sim, const RunOptions& options) {
  if (options.replicates == 0) throw ModelError("", 0, "replicates", "must be >= 1");
  if (options.threads < 0) throw ModelError("", 0, "threads", "must be >= 0 (0 = all cores)");
  const engine::Layout& L = sim.layout();
  const std::size_t R = options.replicates, T = L.T(), S = L.S(), G = L.G();

  Ensemble e = allocate(L, R, options.seed, options.first_replicate);
  std::vector<std::uint64_t> bytes(R), live(R);
  std::vector<std::vector<engine::TraceEvent>> traces(options.trace_people > 0 ? R : 0);

  std::atomic<std::uint64_t> done{0};
  auto one = [&](std::size_t i) {
    engine::ReplicateResult r = sim.run(options.seed, options.first_replicate + i, options.trace_people);
    if (options.trace_people > 0) traces[i] = std::move(r.trace);
    put(e.occupancy, i, r.occupancy);
    put(e.waiting, i, r.waiting);
    put(e.flows, i, r.flows);
    put(e.person_years, i, r.person_years);
    put(e.cost_eur, i, r.cost_eur);
    put(e.waiting_years, i, r.waiting_years);
    put(e.waiting_joined, i, r.waiting_joined);
    put(e.waiting_admitted, i, r.waiting_admitted);
    put(e.waiting_reneged, i, r.waiting_reneged);
    put(e.waiting_left, i, r.waiting_left);
    put(e.waiting_time_sum, i, r.waiting_time_sum);
    put(e.waiting_time_admitted_sum, i, r.waiting_time_admitted_sum);
    put(e.sojourn_sum, i, r.sojourn_sum);
    put(e.sojourn_sumsq, i, r.sojourn_sumsq);
    put(e.kpi, i, r.kpi);
    put(e.kpi_period, i, r.kpi_period);
    put(e.organisation_cost_eur, i, r.organisation_cost_eur);
    if (L.by_region()) {
      put(e.occupancy_region, i, r.occupancy_region);
      put(e.waiting_region, i, r.waiting_region);
      put(e.person_years_region, i, r.person_years_region);
      put(e.cost_region_eur, i, r.cost_region_eur);
      put(e.kpi_region, i, r.kpi_region);
      for (std::size_t tg = 0; tg < T * G; ++tg) {
        std::int32_t* rung = &e.trede_occupancy_region[(i * T * G + tg) * ladder_rungs];
        for (std::size_t s = 0; s < S; ++s) {
          const int tr = L.trede[s];
          if (tr >= 1 && tr <= 6) rung[tr - 1] += r.occupancy_region[tg * S + s];
        }
      }
    }
    // Derived per replicate: occupancy per trede and cumulative cost.
    for (std::size_t t = 0; t < T; ++t) {
      std::int32_t* rung = &e.trede_occupancy[(i * T + t) * ladder_rungs];
      for (std::size_t s = 0; s < S; ++s) {
        const int tr = L.trede[s];
        if (tr >= 1 && tr <= 6) rung[tr - 1] += r.occupancy[t * S + s];
      }
    }
    double acc = 0.0;
    for (std::size_t t = 0; t < T; ++t) e.cost_cumulative_eur[i * T + t] = acc += r.cost_eur[t];
    e.events[i] = r.events;
    bytes[i] = r.peak_bytes;
    live[i] = r.peak_live_persons;
    const auto n = done.fetch_add(1) + 1;
    if (options.progress) options.progress(n, R);
  };

  const int threads = options.threads == 0 ? tbb::info::default_concurrency() : options.threads;
  e.threads_used = threads;
  // Everything, summaries included, runs inside an arena of exactly `threads` workers.
  tbb::task_arena arena(threads);
  arena.execute([&] {
    const auto t0 = std::chrono::steady_clock::now();
    if (threads == 1) {
      for (std::size_t i = 0; i < R; ++i) one(i);  // the serial reference
    } else {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, R, 1), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) one(i);
      });
    }
    e.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    summarize(e);
  });
  e.peak_bytes_per_replicate = *std::max_element(bytes.begin(), bytes.end());
  e.peak_live_persons = *std::max_element(live.begin(), live.end());
  if (options.trace_people > 0) {  // in replicate order, whatever the threads did
    e.trace_people = options.trace_people;
    e.trace_offsets.assign(1, 0);
    std::size_t n = 0;
    for (const auto& t : traces) n += t.size();
    e.trace.reserve(n);
    for (const auto& t : traces) {
      e.trace.insert(e.trace.end(), t.begin(), t.end());
      e.trace_offsets.push_back(e.trace.size());
    }
  }
  return e;
}

}  // namespace trede::mc
