// describe(): what `trede validate` and Python's Scenario.describe() print about a scenario.
// Everything printed is read from the regions, which hold what runs: for a regional instance
// the places, people and arrivals of its regions, never the top-level template.

#include <algorithm>
#include <map>
#include <sstream>

#include "trede/model/load.hpp"

namespace trede::model {
namespace {

// "130" or "130 (160 from 2027, 190 from 2030)": the value at the start and the steps that take
// effect before the end.
std::string schedule_text(const StepSchedule& p, double end) {
  std::ostringstream os;
  os << p.before;
  bool any = false;
  for (std::size_t k = 0; k < p.times.size() && p.times[k] <= end; ++k) {
    os << (any ? ", " : " (") << p.values[k] << " from " << p.times[k];
    any = true;
  }
  if (any) os << ")";
  return os.str();
}

struct StateTotals {
  std::uint64_t people = 0;        // at the start
  StepSchedule inflow = StepSchedule::constant_value(0.0);
  bool has_inflow = false;
};

std::vector<StateTotals> totals(const Scenario& s, const std::vector<const Region*>& regions) {
  std::vector<StateTotals> t(s.states.size());
  for (const Region* g : regions) {
    for (const InitialGroup& grp : g->initial) t[grp.state].people += grp.count;
    for (const Individual& ind : g->individuals) ++t[ind.state].people;
    for (const Inflow& f : g->inflows) {
      t[f.state].inflow = sum(t[f.state].inflow, f.rate_per_year);
      t[f.state].has_inflow = true;
    }
  }
  return t;
}

// People at the start and inflow at the start of a set of regions: "1200 people at start,
// inflow 300 a year".
std::string people_text(const Scenario& s, const std::vector<StateTotals>& t) {
  std::uint64_t people = 0;
  double inflow = 0.0;
  std::size_t sources = 0;
  for (std::size_t i = 0; i < s.states.size(); ++i) {
    people += t[i].people;
    inflow += t[i].inflow.before;
    sources += t[i].has_inflow ? 1 : 0;
  }
  std::ostringstream os;
  os << people << " people at start, inflow " << inflow << " a year";
  if (sources > 0) os << " into " << sources << (sources == 1 ? " state" : " states");
  return os.str();
}

}  // namespace

std::string describe(const Scenario& s) {
  std::ostringstream os;
  const double end = s.end_year();
  os << "scenario " << s.name << ": " << s.states.size() << " states, " << s.transitions.size()
     << " transitions, start " << s.start_year << ", horizon " << s.horizon_years << " years, "
     << s.report_times.size() << " report times\n";
  std::vector<const Region*> all;
  std::size_t individuals = 0;
  for (const Region& g : s.regions) all.push_back(&g), individuals += g.individuals.size();
  const std::vector<StateTotals> total = totals(s, all);
  std::uint64_t people = 0;
  double inflow = 0.0;
  for (const StateTotals& t : total) people += t.people, inflow += t.inflow.before;
  os << "population at start: " << people << " people";
  if (individuals > 0) os << " (" << individuals << " from CSV)";
  os << "; inflow at the start: " << inflow << " a year" << (s.regions.size() > 1 ? " (all regions)" : "") << "\n";

  os << "states:" << (s.regions.size() > 1 ? " (people, inflow and places summed over the regions)" : "") << "\n";
  for (std::size_t i = 0; i < s.states.size(); ++i) {
    const State& st = s.states[i];
    os << "  " << st.name << "  trede " << st.trede << "  " << st.functionality;
    if (st.absorbing) os << "  absorbing";
    if (st.cost_eur_per_year > 0) os << "  " << st.cost_eur_per_year << " EUR/person-year";
    if (total[i].people > 0) os << "  " << total[i].people << " at start";
    if (total[i].has_inflow) os << "  inflow " << schedule_text(total[i].inflow, end) << "/yr";
    if (st.capacity) {
      os << "  capacity " << schedule_text(s.total_places(static_cast<StateIndex>(i)), end);
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
    if (t.hazard.kind == HazardKind::exponential)
      os << " rate " << (t.rate_by_year ? schedule_text(*t.rate_by_year, end) : schedule_text(StepSchedule::constant_value(t.hazard.rate), end)) << "/yr";
    else if (t.hazard.kind == HazardKind::table && t.hazard.clock != Clock::time_in_state)
      os << " by " << (t.hazard.clock == Clock::age ? "age" : "calendar year");
    else
      os << " mean " << hazard_mean(t.hazard) << " yr";
    const auto ti = static_cast<std::uint32_t>(&t - s.transitions.data());
    const auto generated = std::count_if(t.covariates.begin(), t.covariates.end(), [&](const CovariateEffect& c) {
      return s.organisation_attribute && c.attribute == *s.organisation_attribute;
    });
    const auto effects = std::count_if(s.organisation_effects.begin(), s.organisation_effects.end(), [&](const OrganisationEffect& e) {
      return std::binary_search(e.transitions.begin(), e.transitions.end(), ti);
    });
    if (t.covariates.size() > static_cast<std::size_t>(generated))
      os << "  " << t.covariates.size() - static_cast<std::size_t>(generated) << " covariate effect(s)";
    if (effects > 0) os << "  " << effects << " organisation effect(s)";
    if (!t.multiplier.constant() || t.multiplier.before != 1.0) os << "  multiplier " << schedule_text(t.multiplier, end);
    os << "\n";
  }

  if (!s.organisation_effects.empty()) {
    os << "organisation effects:\n";
    for (std::size_t i = 0; i < s.organisation_effects.size(); ++i) {
      const OrganisationEffect& e = s.organisation_effects[i];
      os << "  " << (e.name.empty() ? "organisation_effect[" + std::to_string(i) + "]" : e.name) << "  x " << e.multiplier;
      if (e.multiplier == 1.0) os << " (neutral)";
      os << "  on " << e.transitions.size() << " transition(s) (";
      for (std::size_t k = 0; k < e.transitions.size(); ++k) os << (k ? ", " : "") << s.transitions[e.transitions[k]].id;
      os << ")  where ";
      if (!e.functionality.empty()) os << e.functionality << " is run by " << e.organisation << ": models ";
      else os << "the model is ";
      for (std::size_t k = 0; k < e.models.size(); ++k) os << (k ? ", " : "") << s.organisation_models[e.models[k]].name;
      std::size_t regions = 0;
      for (const Region& g : s.regions)
        if (g.organisation_model && std::binary_search(e.models.begin(), e.models.end(), *g.organisation_model)) ++regions;
      os << "; " << regions << " of " << s.regions.size() << " region(s)\n";
    }
  }

  // What a probabilistic sensitivity analysis would draw: each block by its label (groups of up to
  // four keys with their marginals).
  if (!s.uncertainty.empty()) {
    const Uncertainty& u = s.uncertainty;
    const std::vector<std::string> labels = u.block_names();
    os << "uncertain parameters: " << u.keys().size() << " keys in " << labels.size()
       << " blocks (drawn by a probabilistic sensitivity analysis, --draws)\n";
    for (const auto& p : u.parameters) os << "  " << p.key << " ~ " << p.distribution.to_string() << "\n";
    for (std::size_t g = 0; g < u.groups.size(); ++g) {
      const UncertainGroup& grp = u.groups[g];
      os << "  " << (grp.name.empty() ? "(group)" : grp.name) << ": "
         << (grp.kind == UncertainGroup::Kind::correlated ? "correlated" : "multivariate normal") << ", "
         << grp.keys.size() << " keys";
      if (grp.keys.size() <= 4) {
        os << " (";
        for (std::size_t i = 0; i < grp.keys.size(); ++i)
          os << (i ? ", " : "") << grp.keys[i] << " ~ " << grp.group.marginals()[i].to_string();
        os << ")";
      } else {
        os << " (" << grp.keys.front() << " ... " << grp.keys.back() << ")";
      }
      os << "\n";
    }
  }

  // Each region's own people, inflow and places, when there is more than the one implicit region.
  const Region& first_region = s.regions.front();
  const bool regional = s.regions.size() > 1 || first_region.line > 0 || first_region.organisation_model;
  if (!regional) return os.str();
  std::map<std::string, int> models;
  for (const Region& g : s.regions)
    ++models[g.organisation_model ? s.organisation_models[*g.organisation_model].name : std::string("(none)")];
  os << "regions: " << s.regions.size() << " (organisation models:";
  for (const auto& [m, n] : models) os << " " << m << " " << n;
  os << ")";
  if (!s.handovers.empty()) os << "; handover rules: " << s.handovers.size();
  os << "\n";
  for (const Region& g : s.regions) {
    os << "  " << g.name;
    if (g.organisation_model) os << "  model " << s.organisation_models[*g.organisation_model].name;
    if (g.share) os << "  share " << *g.share;
    os << "  " << people_text(s, totals(s, {&g})) << "\n";
    bool first = true;
    for (std::size_t i = 0; i < s.states.size(); ++i) {
      if (!s.states[i].capacity) continue;
      os << (first ? "    places: " : ", ") << s.states[i].name << " " << schedule_text(g.places[i], end)
         << (g.own_places[i] ? " (own)" : "");
      first = false;
    }
    if (!first) os << "\n";
  }
  return os.str();
}

}  // namespace trede::model
