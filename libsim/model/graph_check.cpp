#include "model/graph_check.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include <algorithm>

namespace trede::model::detail {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Every move the engine can make, not only the declared transitions: waiting, admission,
// reneging and exit at age are edges too.
Graph movement_graph(const Scenario& s) {
  const std::size_t n = s.states.size();
  Graph g(n + 1);  // vertex n: a virtual source feeding every entry state
  for (const Transition& t : s.transitions) {
    boost::add_edge(t.from, t.to, g);
    const auto& cap = s.states[t.to].capacity;
    if (cap && cap->waiting == WaitingMode::separate) boost::add_edge(t.from, cap->waiting_state, g);
    if (cap && cap->waiting == WaitingMode::stay && cap->renege_to) boost::add_edge(t.from, *cap->renege_to, g);
  }
  for (std::size_t x = 0; x < n; ++x) {
    const auto& cap = s.states[x].capacity;
    if (cap && cap->waiting == WaitingMode::separate) boost::add_edge(cap->waiting_state, x, g);
    if (s.exit_age && !s.states[x].absorbing) boost::add_edge(x, s.exit_age->to, g);
  }
  for (const Region& r : s.regions) {
    for (const InitialGroup& grp : r.initial)
      if (grp.count > 0) boost::add_edge(n, grp.state, g);
    for (const Individual& ind : r.individuals) boost::add_edge(n, ind.state, g);
    for (const Inflow& f : r.inflows) {
      boost::add_edge(n, f.state, g);
      const auto& cap = s.states[f.state].capacity;
      if (cap && cap->waiting == WaitingMode::separate) boost::add_edge(n, cap->waiting_state, g);
    }
  }
  // Handover leakage moves people from any state that hands over to the leak state.
  const bool models = std::any_of(s.regions.begin(), s.regions.end(),
                                  [](const Region& r) { return r.organisation_model.has_value(); });
  for (const HandoverRule& h : s.handovers)
    if (h.leak_to && models)
      for (const Transition& t : s.transitions) boost::add_edge(t.from, *h.leak_to, g);
  return g;
}

bool hazard_can_fire(const Hazard& h) {
  switch (h.kind) {
    case HazardKind::exponential: return h.rate > 0;
    case HazardKind::table: return std::any_of(h.rates.begin(), h.rates.end(), [](double r) { return r > 0; });
    default: return true;
  }
}

}  // namespace

void check_graph(const Scenario& s, LoadContext& ctx, const std::vector<int>& state_lines,
                 const std::vector<std::string>& state_files) {
  const std::size_t n = s.states.size();

  bool anyone = false;
  for (const Region& r : s.regions) {
    anyone = anyone || !r.individuals.empty();
    for (const InitialGroup& g : r.initial) anyone = anyone || g.count > 0;
    for (const Inflow& f : r.inflows)
      anyone = anyone || f.rate_per_year.before > 0 ||
               std::any_of(f.rate_per_year.values.begin(), f.rate_per_year.values.end(), [](double v) { return v > 0; });
  }
  if (!anyone) {
    int line = 1;  // point at the first population group when there is one
    for (const Region& r : s.regions)
      for (const InitialGroup& g : r.initial)
        if (line == 1 && g.line > 0) line = g.line;
    ctx.error_at(line, "population", "empty population: no one at the start ([[population]] with count > 0) and no inflow");
    return;
  }

  const Graph g = movement_graph(s);
  std::vector<boost::default_color_type> color(n + 1, boost::white_color);
  boost::breadth_first_search(
      g, n, boost::color_map(boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, g))));

  for (std::size_t i = 0; i < n; ++i) {
    const State& st = s.states[i];
    if (color[i] == boost::white_color && !st.generated)
      ctx.error_in(state_files[i], state_lines[i], "state[" + st.name + "]",
                   "unreachable: no one starts, arrives or can move there");
    if (st.absorbing) continue;
    std::size_t out = 0;
    bool fires = false;
    for (const Transition& t : s.transitions)
      if (t.from == i) {
        ++out;
        // A rate schedule runs as rate 1 times its calendar factor (see calendar_factor).
        const StepSchedule factor = calendar_factor(t);
        const bool multiplied =
            factor.before != 0.0 || std::any_of(factor.values.begin(), factor.values.end(), [](double v) { return v != 0.0; });
        fires = fires || ((t.rate_by_year || hazard_can_fire(t.hazard)) && multiplied);
      }
    if (st.waiting_for) continue;  // people leave a waiting state when admitted
    if (out == 0)
      ctx.error_in(state_files[i], state_lines[i], "state[" + st.name + "]",
                   "no one can leave this state: give it transitions or mark it absorbing = true");
    else if (!fires)
      ctx.error_in(state_files[i], state_lines[i], "state[" + st.name + "]",
                   "all outgoing rates are zero: no one can leave; give a rate > 0 or mark it absorbing = true");
  }
}

}  // namespace trede::model::detail
