// describe(): what `trede validate` and Python's Scenario.describe() print about a scenario.

#include <map>
#include <sstream>

#include "trede/model/load.hpp"

namespace trede::model {

std::string describe(const Scenario& s) {
  std::ostringstream os;
  os << "scenario " << s.name << ": " << s.states.size() << " states, " << s.transitions.size()
     << " transitions, start " << s.start_year << ", horizon " << s.horizon_years << " years, "
     << s.report_times.size() << " report times\n";
  std::size_t inflows = 0, individuals = 0;
  for (const Region& g : s.regions) inflows += g.inflows.size(), individuals += g.individuals.size();
  os << "population at start: " << s.initial_population() << " people";
  if (individuals > 0) os << " (" << individuals << " from CSV)";
  os << "; inflow sources: " << inflows << "\n";
  if (s.regions.size() > 1 || s.regions.front().organisation_model) {
    os << "regions: " << s.regions.size();
    std::map<std::string, int> models;
    for (const Region& g : s.regions)
      ++models[g.organisation_model ? s.organisation_models[*g.organisation_model].name : std::string("(none)")];
    os << " (organisation models:";
    for (const auto& [m, n] : models) os << " " << m << " " << n;
    os << ")";
    if (!s.handovers.empty()) os << "; handover rules: " << s.handovers.size();
    os << "\n";
  }
  os << "states:\n";
  for (const State& st : s.states) {
    os << "  " << st.name << "  trede " << st.trede << "  " << st.functionality;
    if (st.absorbing) os << "  absorbing";
    if (st.cost_eur_per_year > 0) os << "  " << st.cost_eur_per_year << " EUR/person-year";
    if (st.capacity) {
      const StepSchedule places = s.total_places(static_cast<StateIndex>(&st - s.states.data()));
      os << "  capacity " << places.before;
      if (!places.constant()) os << " (changes " << places.times.size() << "x)";
      os << (st.capacity->waiting == WaitingMode::stay ? ", waiting in place" : ", waiting in ")
         << (st.capacity->waiting == WaitingMode::separate ? s.states[st.capacity->waiting_state].name : "");
      if (st.capacity->renege_rate > 0) os << ", renege " << st.capacity->renege_rate << "/yr";
    }
    if (st.generated) os << "  (waiting list of " << s.states[*st.waiting_for].name << ")";
    os << "\n";
  }
  os << "transitions:\n";
  static const char* kinds[] = {"exponential", "weibull", "gamma", "lognormal", "fixed", "table"};
  for (const Transition& t : s.transitions) {
    os << "  " << t.id << "  " << kinds[static_cast<int>(t.hazard.kind)];
    if (t.hazard.kind == HazardKind::exponential) os << " rate " << t.hazard.rate << "/yr" << (t.rate_by_year && !t.rate_by_year->constant() ? " at the start, by calendar year" : "");
    else if (t.hazard.kind == HazardKind::table && t.hazard.clock != Clock::time_in_state)
      os << " by " << (t.hazard.clock == Clock::age ? "age" : "calendar year");
    else os << " mean " << hazard_mean(t.hazard) << " yr";
    if (!t.covariates.empty()) os << "  " << t.covariates.size() << " covariate effect(s)";
    if (!t.multiplier.constant()) os << "  calendar multiplier";
    else if (t.multiplier.before != 1.0) os << "  multiplier " << t.multiplier.before;
    os << "\n";
  }
  return os.str();
}

}  // namespace trede::model
