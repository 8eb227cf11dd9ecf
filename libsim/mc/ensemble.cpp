#include "trede/mc/ensemble.hpp"

#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include "trede/error.hpp"

namespace trede::mc {
namespace {

template <class T>
void put(std::vector<T>& dst, std::size_t i, const std::vector<T>& src) {
  std::copy(src.begin(), src.end(), dst.begin() + static_cast<std::ptrdiff_t>(i * src.size()));
}

}  // namespace

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
  const std::size_t R = options.replicates, T = L.T(), P = L.P(), S = L.S(), C = L.C(), E = L.E(), K = L.K();

  Ensemble e;
  e.layout = L;
  e.seed = options.seed;
  e.first_replicate = options.first_replicate;
  e.replicates = R;
  e.occupancy.resize(R * T * S);
  e.trede_occupancy.resize(R * T * ladder_rungs);
  e.waiting.resize(R * T * C);
  e.flows.resize(R * P * E);
  e.person_years.resize(R * P * S);
  e.cost_eur.resize(R * P);
  e.cost_cumulative_eur.resize(R * T);
  e.waiting_years.resize(R * P * C);
  e.waiting_joined.resize(R * P * C);
  e.waiting_admitted.resize(R * P * C);
  e.waiting_reneged.resize(R * P * C);
  e.waiting_left.resize(R * P * C);
  e.waiting_time_sum.resize(R * P * C);
  e.waiting_time_admitted_sum.resize(R * P * C);
  e.sojourn_sum.resize(R * E);
  e.sojourn_sumsq.resize(R * E);
  e.kpi.resize(R * K);
  e.kpi_period.resize(R * P * L.Kp());
  e.organisation_cost_eur.resize(R * P * L.O());
  e.events.resize(R);
  const std::size_t G = L.G();
  if (L.by_region()) {
    e.occupancy_region.resize(R * T * G * S);
    e.trede_occupancy_region.resize(R * T * G * ladder_rungs);
    e.waiting_region.resize(R * T * G * C);
    e.person_years_region.resize(R * P * G * S);
    e.cost_region_eur.resize(R * P * G);
    e.kpi_region.resize(R * G * K);
  }
  std::vector<std::uint64_t> bytes(R), live(R);

  std::atomic<std::uint64_t> done{0};
  auto one = [&](std::size_t i) {
    engine::ReplicateResult r = sim.run(options.seed, options.first_replicate + i);
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
  return e;
}

}  // namespace trede::mc
