// Benchmarks of the engine on the reference participation-ladder models (see bench/README.md):
//   BM1 = models/ladder-bm.toml   (pure Markov, people start in bijstand, 10 years)
//   BM2 = models/ladder-bm2.toml  (BM1 + Poisson inflow + two capacity states with waiting lists)
// at 100,000 and 1,000,000 people, one replicate per iteration on one thread; ensembles on 1 and
// 2 threads; and microbenchmarks of the per-event pieces (Threefry draw + log, the event queues:
// engine/calendar_queue.hpp, which the engine uses, and the 4-ary heap of engine/event_queue.hpp).
//
// An *event* is what ReplicateResult::events counts (moves plus arrivals), the same unit as the
// peers in bench/peers/README.md, so `events/s` can be compared with them directly.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "engine/calendar_queue.hpp"
#include "engine/event_queue.hpp"
#include "random/log_inline.hpp"
#include "random/threefry_inline.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"
#include "trede/version.hpp"

namespace {

constexpr std::uint64_t seed = 20261122;
constexpr std::int64_t reference_people = 100'000;  // the population both model files are written for

// The ladder benchmark scaled to `people`. For BM2, inflow and places grow in proportion to the
// population, as ladder_simpy2.py scales them, so waiting lists behave the same at every size.
trede::model::Scenario load_ladder(int bm, std::int64_t people) {
  const std::string path = std::string(TREDE_MODELS_DIR) + (bm == 1 ? "/ladder-bm.toml" : "/ladder-bm2.toml");
  const double scale = static_cast<double>(people) / static_cast<double>(reference_people);
  const auto scaled = [scale](double v) { return std::to_string(std::llround(v * scale)); };
  std::vector<std::string> sets{"population[0].count=" + std::to_string(people)};
  if (bm == 2) {
    sets.push_back("inflow[0].rate_per_year=" + scaled(10'000));
    sets.push_back("state[beschut_werk].capacity=" + scaled(2'000));
    sets.push_back("state[tussengroep].capacity=" + scaled(1'000));
  }
  return trede::model::load_scenario(path, sets);
}

// ---- whole replicates on one thread -----------------------------------------------------------

// One replicate per iteration, each with its own replicate index (so no two iterations simulate
// the same sample path). Loading and compiling the scenario are outside the timed loop; creating
// the initial population is inside it (it is part of every replicate).
void replicate_one_thread(benchmark::State& state, int bm) {
  const std::int64_t people = state.range(0);
  std::unique_ptr<trede::engine::Simulator> sim;
  try {
    sim = std::make_unique<trede::engine::Simulator>(load_ladder(bm, people));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::uint64_t replicate = 0, events = 0, peak_live = 0, peak_bytes = 0;
  for (auto _ : state) {
    const trede::engine::ReplicateResult r = sim->run(seed, replicate++);
    events += r.events;
    peak_live = std::max(peak_live, r.peak_live_persons);
    peak_bytes = std::max(peak_bytes, r.peak_bytes);
  }
  const auto ev = static_cast<double>(events);
  state.counters["events/s"] = benchmark::Counter(ev, benchmark::Counter::kIsRate);
  state.counters["events/rep"] = benchmark::Counter(ev, benchmark::Counter::kAvgIterations);
  state.counters["peak_live"] = static_cast<double>(peak_live);
  state.counters["bytes_per_person"] =
      peak_live > 0 ? static_cast<double>(peak_bytes) / static_cast<double>(peak_live) : 0.0;
}

// ---- ensembles: replicate throughput on 1 and 2 threads -----------------------------------------

constexpr std::uint64_t ensemble_replicates = 8;

// trede::mc::run of 8 replicates of the model at 100,000 people per iteration; each iteration runs
// the next 8 replicate indices. Timed in wall-clock time (the workers are not the timing thread).
void ensemble(benchmark::State& state, int bm) {
  std::unique_ptr<trede::engine::Simulator> sim;
  try {
    sim = std::make_unique<trede::engine::Simulator>(load_ladder(bm, reference_people));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  trede::mc::RunOptions opt;
  opt.replicates = ensemble_replicates;
  opt.seed = seed;
  opt.threads = static_cast<int>(state.range(0));
  std::uint64_t replicates = 0, events = 0;
  int threads_used = 0;
  const std::clock_t cpu0 = std::clock();  // CPU time of the whole process, all threads
  for (auto _ : state) {
    const trede::mc::Ensemble e = trede::mc::run(*sim, opt);
    opt.first_replicate += ensemble_replicates;
    replicates += e.replicates;
    events += e.total_events();
    threads_used = e.threads_used;
  }
  state.counters["replicates/s"] = benchmark::Counter(static_cast<double>(replicates), benchmark::Counter::kIsRate);
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["threads_used"] = threads_used;
  // CPU seconds per replicate over all threads: stays flat from 1 to 2 workers when the threads
  // do not slow each other down (memory, allocator, TBB), whatever else runs on the machine.
  const double cpu_s = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  state.counters["cpu_ms/rep"] = replicates > 0 ? 1e3 * cpu_s / static_cast<double>(replicates) : 0.0;
}

// ---- the per-event pieces -------------------------------------------------------------------------

using trede::random::Purpose;
using trede::random::StreamKey;

// One Threefry2x64-20 draw of two words: what the engine draws once per scheduled event.
void stream_words(benchmark::State& state) {
  const StreamKey key{seed, 0};
  std::uint32_t draw = 0;
  for (auto _ : state) {
    auto u = trede::random::detail::threefry(key, 7, draw++, Purpose::transition, 0);
    benchmark::DoNotOptimize(u);
  }
  state.SetItemsProcessed(state.iterations());
}

// The same draw turned into a holding time (-log u / rate, with the library's log_unit) and a
// destination uniform: the random-number part of the engine's fast path for exponential risks.
void stream_exponential(benchmark::State& state) {
  const StreamKey key{seed, 0};
  std::uint32_t draw = 0;
  for (auto _ : state) {
    const auto u = trede::random::detail::threefry(key, 7, draw++, Purpose::transition, 0);
    double t = -trede::random::detail::log_unit(trede::random::uniform_open0(u[0])) / 0.55;
    double x = trede::random::uniform_closed0(u[1]);
    benchmark::DoNotOptimize(t);
    benchmark::DoNotOptimize(x);
  }
  state.SetItemsProcessed(state.iterations());
}

// Exponential increments (rate 1) for the queue benchmarks, drawn up front so that the timed loop
// measures the queue alone. 2^16 of them: cycling through them does not make the times periodic
// in any way the heap could exploit.
std::vector<double> exponential_increments() {
  std::vector<double> inc(1u << 16);
  for (std::size_t i = 0; i < inc.size(); ++i) {
    const auto u = trede::random::detail::threefry({seed, 1}, 0, static_cast<std::uint32_t>(i), Purpose::transition, 0);
    inc[i] = -std::log(trede::random::uniform_open0(u[0]));
  }
  return inc;
}

// A queue of `n` people, each with one pending event, as in a replicate of n live people.
trede::engine::EventQueue filled_queue(std::size_t n, const std::vector<double>& inc) {
  trede::engine::EventQueue q;
  q.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    q.push({inc[(i * 40503u) & (inc.size() - 1)] * 2.0, static_cast<std::uint32_t>(i), 0});
  return q;
}

// The classic "hold" model: take the earliest event and schedule the same person's next one
// (replace_top, one sift-down), which is the engine's path for a person event.
void queue_hold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<double> inc = exponential_increments();
  trede::engine::EventQueue q = filled_queue(n, inc);
  const std::size_t mask = inc.size() - 1;
  std::size_t i = 0;
  for (auto _ : state) {
    const trede::engine::QueueEntry top = q.top();
    q.replace_top({top.time + inc[i++ & mask], top.slot, top.version + 1});
  }
  benchmark::DoNotOptimize(q.top());
  state.SetItemsProcessed(state.iterations());
}

// A replicate's queue traffic without the rest of the engine: `n` people with one pending event
// each, exponential holding times at 0.6 a year (about BM1's average rate) over a 10-year horizon;
// take the earliest event and queue that person's next one unless it falls past the horizon, until
// the queue is empty (about 6 events per person). Filling the queue is timed too, as it is in a
// replicate. Items are events taken from the queue.
template <class Queue>
void queue_episode(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<double> inc = exponential_increments();
  const std::size_t mask = inc.size() - 1;
  constexpr double rate = 0.6, horizon = 10.0;
  std::size_t i = 0;
  std::uint64_t events = 0;
  for (auto _ : state) {
    Queue q;
    if constexpr (requires { q.init(0.0, horizon, n); }) q.init(0.0, horizon, n);
    else q.reserve(n);
    for (std::size_t k = 0; k < n; ++k) {
      const double t = inc[i++ & mask] / rate;
      if (t <= horizon) q.push({t, static_cast<std::uint32_t>(k), 0});
    }
    while (!q.empty()) {
      const trede::engine::QueueEntry top = q.top();
      q.pop();
      ++events;
      const double t = top.time + inc[i++ & mask] / rate;
      if (t <= horizon) q.push({t, top.slot, top.version + 1});
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}

void register_all() {
  for (int bm : {1, 2}) {
    const std::string name = "replicate/BM" + std::to_string(bm);
    benchmark::RegisterBenchmark(name.c_str(), replicate_one_thread, bm)
        ->ArgName("people")
        ->Arg(100'000)
        ->Arg(1'000'000)
        ->Unit(benchmark::kMillisecond);
  }
  for (int bm : {1, 2}) {
    const std::string name = "ensemble8/BM" + std::to_string(bm) + "/people:100000";
    benchmark::RegisterBenchmark(name.c_str(), ensemble, bm)
        ->ArgName("workers")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("micro/stream_words", stream_words);
  benchmark::RegisterBenchmark("micro/stream_exponential", stream_exponential);
  benchmark::RegisterBenchmark("micro/heap4_hold", queue_hold)->ArgName("entries")->Arg(100'000)->Arg(1'000'000);
  benchmark::RegisterBenchmark("micro/heap4_episode", queue_episode<trede::engine::EventQueue>)
      ->ArgName("people")->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("micro/calendar_episode", queue_episode<trede::engine::CalendarQueue>)
      ->ArgName("people")->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("trede_version", trede::version);
  benchmark::AddCustomContext("trede_commit", trede::git_commit());
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
