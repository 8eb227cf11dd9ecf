// The methods of Scenario and its parts, and step schedules.

#include <algorithm>
#include <functional>

#include "trede/error.hpp"
#include "trede/model/scenario.hpp"

namespace trede::model {

namespace {
// The step schedule op(a.at(t), b.at(t)), with the steps of both.
template <class Op>
StepSchedule combine(const StepSchedule& a, const StepSchedule& b, Op op) {
  StepSchedule out;
  out.before = op(a.before, b.before);
  std::vector<double> times = a.times;
  times.insert(times.end(), b.times.begin(), b.times.end());
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  for (double t : times) {
    out.times.push_back(t);
    out.values.push_back(op(a.at(t), b.at(t)));
  }
  return out;
}
}  // namespace

StepSchedule product(const StepSchedule& a, const StepSchedule& b) { return combine(a, b, std::multiplies<>{}); }

StepSchedule sum(const StepSchedule& a, const StepSchedule& b) { return combine(a, b, std::plus<>{}); }

StepSchedule calendar_factor(const Transition& t) {
  return t.rate_by_year ? product(t.multiplier, *t.rate_by_year) : t.multiplier;
}

StepSchedule Scenario::total_places(StateIndex i) const {
  StepSchedule total = StepSchedule::constant_value(0.0);
  for (const Region& r : regions)
    if (i < r.places.size()) total = sum(total, r.places[i]);
  return total;
}

double StepSchedule::largest() const noexcept {
  double m = before;
  for (double v : values) m = std::max(m, v);
  return m;
}

double StepSchedule::at(double t) const noexcept {
  const auto it = std::upper_bound(times.begin(), times.end(), t);
  return it == times.begin() ? before : values[static_cast<std::size_t>(it - times.begin()) - 1];
}

const State* Scenario::find_state(std::string_view n) const noexcept {
  for (const State& st : states)
    if (st.name == n) return &st;
  return nullptr;
}

StateIndex Scenario::state_index(std::string_view n) const {
  const State* st = find_state(n);
  if (!st) throw ModelError(source_path, 0, "state", "no state named '" + std::string(n) + "'");
  return static_cast<StateIndex>(st - states.data());
}

const Attribute* Scenario::find_attribute(std::string_view n) const noexcept {
  for (const Attribute& a : attributes)
    if (a.name == n) return &a;
  return nullptr;
}

std::uint64_t Scenario::initial_population() const noexcept {
  std::uint64_t n = 0;
  for (const Region& r : regions) {
    n += r.individuals.size();
    for (const InitialGroup& g : r.initial) n += g.count;
  }
  return n;
}

std::string OrganisationModel::organisation_of(std::string_view functionality) const {
  for (const auto& [f, o] : runs)
    if (f == functionality) return o;
  return {};
}

}  // namespace trede::model
