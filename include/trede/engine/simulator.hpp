#pragma once
/// \file
/// The discrete-event engine. A `Simulator` is a scenario compiled for simulation: immutable,
/// shareable between threads. Each call to `run` simulates one replicate as an independent
/// value with its own people, event queue and random streams; the result depends only on
/// (scenario, seed, replicate), never on threads or the order replicates run in.

#include <cstdint>
#include <memory>

#include "trede/engine/result.hpp"
#include "trede/model/scenario.hpp"

namespace trede::engine {

class CompiledModel;

/// A compiled scenario that runs replicates.
///
/// Example:
/// \code
///   auto scenario = trede::model::load_scenario("models/ladder-bm.toml");
///   trede::engine::Simulator sim(scenario);
///   trede::engine::ReplicateResult r = sim.run(/*seed=*/42, /*replicate=*/0);
/// \endcode
class Simulator {
 public:
  /// Compiles `scenario` (which must have been validated by the loader).
  explicit Simulator(const model::Scenario& scenario);
  ~Simulator();
  Simulator(const Simulator&) = default;
  Simulator& operator=(const Simulator&) = default;
  Simulator(Simulator&&) noexcept = default;
  Simulator& operator=(Simulator&&) noexcept = default;

  /// Names and shapes of what `run` records.
  [[nodiscard]] const Layout& layout() const noexcept;

  /// Simulates replicate `replicate` with master seed `seed`. Thread-safe; allocates its own
  /// state. Throws trede::Error if the model breaks an engine limit (e.g. 2^31 people alive).
  /// The memory of its large arrays (8 MiB and more) is kept, up to 1 GiB in all, for the next
  /// replicate to reuse; the executors (mc::run and the others) give it back when a run's
  /// replicates are done, so a program calling run() itself may hold up to that much until exit.
  /// With `trace_people` > 0, every change of state of the first `trace_people` people created is
  /// recorded in ReplicateResult::trace (tracing does not change any other result).
  [[nodiscard]] ReplicateResult run(std::uint64_t seed, std::uint64_t replicate, std::uint64_t trace_people = 0) const;

 private:
  std::shared_ptr<const CompiledModel> model_;
};

}  // namespace trede::engine
