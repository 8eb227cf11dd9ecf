#include "engine/compiled_model.hpp"

#include <algorithm>
#include <map>

#include "trede/error.hpp"

namespace trede::engine {

const char* to_string(EdgeKind k) noexcept {
  switch (k) {
    case EdgeKind::transition: return "transition";
    case EdgeKind::inflow: return "inflow";
    case EdgeKind::age_exit: return "age_exit";
    case EdgeKind::renege: return "renege";
    case EdgeKind::to_waiting: return "to_waiting";
    case EdgeKind::admission: return "admission";
    case EdgeKind::leakage: return "leakage";
  }
  return "?";
}

bool edge_kind_from_string(const std::string& name, EdgeKind& kind) noexcept {
  for (auto k : {EdgeKind::transition, EdgeKind::inflow, EdgeKind::age_exit, EdgeKind::renege, EdgeKind::to_waiting,
                 EdgeKind::admission, EdgeKind::leakage})
    if (name == to_string(k)) {
      kind = k;
      return true;
    }
  return false;
}

CompiledModel::CompiledModel(const model::Scenario& s) {
  using model::WaitingMode;
  start = s.start_year;
  end = s.end_year();
  attributes = s.attributes;
  for (const model::Attribute& a : s.attributes) {
    std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a of the name
    for (unsigned char ch : a.name) h = (h ^ ch) * 0x100000001b3ull;
    attribute_stream.push_back(h);
  }
  for (const model::Region& r : s.regions) {
    RegionInfo ri;
    ri.model = r.organisation_model ? static_cast<std::int32_t>(*r.organisation_model) : no_index;
    ri.initial = r.initial;
    ri.individuals = r.individuals;
    regions.push_back(std::move(ri));
    layout.regions.push_back(r.name);
    layout.region_models.push_back(r.organisation_model ? s.organisation_models[*r.organisation_model].name : "");
  }
  const std::size_t G = regions.size();
  if (G > 65535) throw ModelError(s.source_path, 0, "region", "more than 65535 regions");

  const std::size_t S = s.states.size();
  if (S > 65535) throw ModelError(s.source_path, 0, "state", "more than 65535 states");
  double expected = static_cast<double>(s.initial_population());
  for (const model::Region& r : s.regions)
    for (const model::Inflow& f : r.inflows) {
      double peak = f.rate_per_year.before;
      for (double v : f.rate_per_year.values) peak = std::max(peak, v);
      expected += peak * s.horizon_years;
    }
  expected_people = static_cast<std::size_t>(std::min(expected, 1e9));
  // ---- layout: time grid, states, capacities --------------------------------------------------
  layout.report_times = s.report_times;
  for (std::size_t k = 0; k < s.report_times.size(); ++k) {
    layout.period_start.push_back(k == 0 ? s.start_year : s.report_times[k - 1]);
    layout.period_end.push_back(s.report_times[k]);
  }
  std::vector<std::int32_t> cap_of(S, no_index);
  for (std::size_t i = 0; i < S; ++i) {
    const model::State& st = s.states[i];
    layout.states.push_back(st.name);
    layout.trede.push_back(st.trede);
    layout.cost_eur_per_year.push_back(st.cost_eur_per_year);
    if (st.capacity) {
      cap_of[i] = static_cast<std::int32_t>(capacities.size());
      CapacityInfo c;
      c.state = static_cast<std::uint32_t>(i);
      c.places = st.capacity->places;
      c.mode = st.capacity->waiting;
      c.waiting_state = st.capacity->waiting_state;
      c.discipline = st.capacity->discipline;
      c.priority_attribute = st.capacity->priority_attribute;
      c.descending = st.capacity->priority_descending;
      c.renege_rate = st.capacity->waiting == WaitingMode::stay ? st.capacity->renege_rate : 0.0;
      c.renege_to = st.capacity->renege_to ? static_cast<std::int32_t>(*st.capacity->renege_to) : no_index;
      capacities.push_back(c);
      layout.capacity_states.push_back(st.name);
    }
  }
  const std::size_t C = capacities.size();
  layout.kpi_names = kpi_names();
  layout.kpi_period_names = kpi_period_names();

  // ---- flow edges -------------------------------------------------------------------------------
  auto add_edge = [&](std::string id, std::string from, std::string to, EdgeKind kind) {
    layout.edges.push_back({std::move(id), std::move(from), std::move(to), kind});
    return static_cast<std::uint32_t>(layout.edges.size() - 1);
  };
  for (const model::Transition& t : s.transitions)
    add_edge(t.id, s.states[t.from].name, s.states[t.to].name, t.renege ? EdgeKind::renege : EdgeKind::transition);
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> to_wait;  // (origin, capacity) -> flow
  auto to_wait_flow = [&](std::uint32_t origin, std::uint32_t c) {
    auto key = std::make_pair(origin, c);
    auto it = to_wait.find(key);
    if (it != to_wait.end()) return it->second;
    const auto& w = s.states[capacities[c].waiting_state].name;
    const auto f = add_edge(s.states[origin].name + "->" + w, s.states[origin].name, w, EdgeKind::to_waiting);
    to_wait.emplace(key, f);
    return f;
  };
  // One inflow edge per entry state, shared by all regions and sources.
  std::map<std::uint32_t, std::uint32_t> inflow_edge;
  auto inflow_flow = [&](std::uint32_t st) {
    auto it = inflow_edge.find(st);
    if (it != inflow_edge.end()) return it->second;
    const auto f = add_edge("(inflow)->" + s.states[st].name, "(inflow)", s.states[st].name, EdgeKind::inflow);
    inflow_edge.emplace(st, f);
    return f;
  };
  for (std::size_t g = 0; g < G; ++g)
    for (const model::Inflow& f : s.regions[g].inflows) {
      InflowInfo in;
      in.region = static_cast<std::uint32_t>(g);
      in.state = f.state;
      in.rate = f.rate_per_year;
      in.attributes = f.attributes;
      in.flow = inflow_flow(f.state);
      if (cap_of[f.state] != no_index &&
          capacities[static_cast<std::size_t>(cap_of[f.state])].mode == WaitingMode::separate)
        in.wait_flow = static_cast<std::int32_t>(inflow_flow(capacities[static_cast<std::size_t>(cap_of[f.state])].waiting_state));
      inflows.push_back(std::move(in));
    }
  for (std::size_t c = 0; c < C; ++c) {
    CapacityInfo& ci = capacities[c];
    if (ci.mode == WaitingMode::separate) {
      const auto& w = s.states[ci.waiting_state].name;
      ci.admission_flow = static_cast<std::int32_t>(
          add_edge(w + "->" + s.states[ci.state].name, w, s.states[ci.state].name, EdgeKind::admission));
    }
  }
  renege_flow.assign(S * C, no_index);
  renege_wait_flow.assign(S * C, no_index);
  for (const model::Transition& t : s.transitions) {
    const std::int32_t c = cap_of[t.to];
    if (c == no_index) continue;
    const CapacityInfo& ci = capacities[static_cast<std::size_t>(c)];
    if (ci.mode == WaitingMode::stay && ci.renege_to != no_index &&
        renege_flow[t.from * C + static_cast<std::size_t>(c)] == no_index) {
      const auto& r = s.states[static_cast<std::size_t>(ci.renege_to)].name;
      renege_flow[t.from * C + static_cast<std::size_t>(c)] = static_cast<std::int32_t>(
          add_edge(s.states[t.from].name + "->" + r + " (renege from waiting for " + s.states[t.to].name + ")",
                   s.states[t.from].name, r, EdgeKind::renege));
      const std::int32_t rc = cap_of[static_cast<std::size_t>(ci.renege_to)];
      if (rc != no_index && capacities[static_cast<std::size_t>(rc)].mode == WaitingMode::separate)
        renege_wait_flow[t.from * C + static_cast<std::size_t>(c)] =
            static_cast<std::int32_t>(to_wait_flow(t.from, static_cast<std::uint32_t>(rc)));
    }
  }

  // ---- states and their competing risks ---------------------------------------------------------
  std::vector<bool> work(S, false), uitval(S, false);
  for (auto w : s.kpi.work) work[w] = true;
  for (auto u : s.kpi.uitval) uitval[u] = true;
  states.resize(S);
  for (std::size_t i = 0; i < S; ++i) {
    const model::State& st = s.states[i];
    StateInfo& si = states[i];
    si.capacity = cap_of[i];
    si.waiting_for = st.waiting_for ? cap_of[*st.waiting_for] : no_index;
    si.trede = st.trede;
    si.cost = st.cost_eur_per_year;
    si.absorbing = st.absorbing;
    si.work = work[i];
    si.uitval = uitval[i];
    si.out_begin = static_cast<std::uint32_t>(out_edges.size());
    bool fast = true;
    for (std::size_t ti = 0; ti < s.transitions.size(); ++ti) {
      const model::Transition& t = s.transitions[ti];
      if (t.from != i) continue;
      OutEdge e;
      e.to = t.to;
      e.flow = static_cast<std::uint32_t>(ti);
      e.hazard = t.hazard;
      e.exponential = t.hazard.kind == model::HazardKind::exponential;
      e.renege = t.renege;
      e.cov_begin = static_cast<std::uint32_t>(covariates.size());
      for (const model::CovariateEffect& ce : t.covariates) {
        const model::Attribute& a = s.attributes[ce.attribute];
        covariates.push_back({ce.attribute, ce.level, ce.beta, a.center, a.kind == model::AttributeKind::age});
      }
      e.cov_end = static_cast<std::uint32_t>(covariates.size());
      if (!t.multiplier.constant() || t.multiplier.before != 1.0) {
        e.schedule = static_cast<std::int32_t>(schedules.size());
        schedules.push_back(t.multiplier);
      }
      const std::int32_t c = cap_of[t.to];
      if (c != no_index && capacities[static_cast<std::size_t>(c)].mode == WaitingMode::separate)
        e.to_wait_flow = static_cast<std::int32_t>(to_wait_flow(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(c)));
      fast = fast && e.exponential && e.cov_begin == e.cov_end && e.schedule == no_index;
      if (!e.exponential) ++si.n_general;
      out_edges.push_back(std::move(e));
    }
    si.out_end = static_cast<std::uint32_t>(out_edges.size());
    si.fast = fast && si.out_end > si.out_begin;
    if (si.fast) {
      for (auto j = si.out_begin; j < si.out_end; ++j) si.total_rate += out_edges[j].hazard.rate;
      si.cum_begin = static_cast<std::uint32_t>(cum.size());
      double acc = 0.0;
      for (auto j = si.out_begin; j < si.out_end; ++j) {
        acc += out_edges[j].hazard.rate;
        cum.push_back(si.total_rate > 0 ? acc / si.total_rate : 1.0);
      }
      cum.back() = 1.0;
      si.fast = si.total_rate > 0;
    }
    si.counts_begin = static_cast<std::uint32_t>(count_attrs.size());
    for (std::size_t a = 0; a < s.attributes.size(); ++a) {
      const auto& cs = s.attributes[a].counted_states;
      if (std::find(cs.begin(), cs.end(), i) != cs.end()) count_attrs.push_back(static_cast<std::uint32_t>(a));
    }
    si.counts_end = static_cast<std::uint32_t>(count_attrs.size());
  }

  // ---- exit at age -------------------------------------------------------------------------------
  if (s.exit_age) {
    has_exit_age = true;
    exit_age = s.exit_age->age;
    exit_age_attribute = s.exit_age->attribute;
    exit_state = s.exit_age->to;
    for (std::size_t i = 0; i < S; ++i) {
      if (s.states[i].absorbing) continue;
      states[i].age_exit_flow = static_cast<std::int32_t>(
          add_edge(s.states[i].name + "->" + s.states[exit_state].name + " (age)", s.states[i].name,
                   s.states[exit_state].name, EdgeKind::age_exit));
    }
  }

  // ---- places per region, and their changes ----------------------------------------------------------
  initial_places.assign(G * C, 0.0);
  for (std::size_t g = 0; g < G; ++g)
    for (std::size_t c = 0; c < C; ++c) {
      const auto& p = s.regions[g].places[capacities[c].state];
      initial_places[g * C + c] = p.before;
      for (std::size_t k = 0; k < p.times.size(); ++k)
        if (p.times[k] > start && p.times[k] <= end)
          capacity_changes.push_back({p.times[k], static_cast<std::uint32_t>(g), static_cast<std::uint32_t>(c), p.values[k]});
    }
  std::stable_sort(capacity_changes.begin(), capacity_changes.end(),
                   [](const CapacityChange& a, const CapacityChange& b) { return a.time < b.time; });

  // ---- organisations and handovers ------------------------------------------------------------------
  const std::size_t M = s.organisation_models.size();
  std::vector<bool> model_used(M, false);
  for (const RegionInfo& r : regions)
    if (r.model != no_index) model_used[static_cast<std::size_t>(r.model)] = true;
  auto org_index = [&](const std::string& o) -> std::int32_t {
    if (o.empty()) return no_index;
    auto it = std::find(layout.organisations.begin(), layout.organisations.end(), o);
    if (it != layout.organisations.end()) return static_cast<std::int32_t>(it - layout.organisations.begin());
    layout.organisations.push_back(o);
    return static_cast<std::int32_t>(layout.organisations.size() - 1);
  };
  state_org.assign(M * S, no_index);
  for (std::size_t m = 0; m < M; ++m) {
    if (!model_used[m]) continue;
    for (std::size_t i = 0; i < S; ++i)
      if (!s.states[i].absorbing)
        state_org[m * S + i] = org_index(s.organisation_models[m].organisation_of(s.states[i].functionality));
  }
  const std::size_t O = layout.organisations.size();
  org_fixed_eur_per_year.assign(O, 0.0);
  org_eur_per_person_year.assign(O, 0.0);
  for (const model::OrganisationCost& oc : s.organisation_costs) {
    auto it = std::find(layout.organisations.begin(), layout.organisations.end(), oc.organisation);
    if (it == layout.organisations.end()) continue;  // runs nothing in this scenario: costs nothing
    org_fixed_eur_per_year[static_cast<std::size_t>(it - layout.organisations.begin())] = oc.fixed_eur_per_year;
    org_eur_per_person_year[static_cast<std::size_t>(it - layout.organisations.begin())] = oc.eur_per_person_year;
  }
  region_org_active.assign(G * O, 0);
  for (std::size_t g = 0; g < G; ++g) {
    if (regions[g].model == no_index) continue;
    for (std::size_t i = 0; i < S; ++i) {
      const std::int32_t o = state_org[static_cast<std::size_t>(regions[g].model) * S + i];
      if (o != no_index) region_org_active[g * O + static_cast<std::size_t>(o)] = 1;
    }
  }
  // Rules in file order, then an implicit rule (no delay, no leakage) for unmatched handovers.
  for (const model::HandoverRule& h : s.handovers) {
    HandoverInfo hi;
    hi.delay = h.delay;
    hi.leakage = h.leakage;
    hi.leak_to = h.leak_to ? static_cast<std::int32_t>(*h.leak_to) : no_index;
    hi.delayed = !(h.delay.kind == model::Distribution::Kind::fixed && h.delay.a == 0.0);
    handover_rules.push_back(hi);
  }
  handover_rules.push_back(HandoverInfo{});
  const std::size_t J = out_edges.size();
  handover.assign(M * J, no_index);
  leak_flow.assign(S * S, no_index);
  for (std::size_t m = 0; m < M; ++m) {
    if (!model_used[m]) continue;
    for (std::size_t j = 0; j < J; ++j) {
      const OutEdge& e = out_edges[j];
      const model::Transition& t = s.transitions[e.flow];
      if (t.renege) continue;
      const std::int32_t from = state_org[m * S + t.from], to = state_org[m * S + t.to];
      if (from == no_index || to == no_index || from == to) continue;
      const auto& of = layout.organisations[static_cast<std::size_t>(from)];
      const auto& ot = layout.organisations[static_cast<std::size_t>(to)];
      std::size_t rule = s.handovers.size();
      for (std::size_t r = 0; r < s.handovers.size(); ++r)
        if ((s.handovers[r].from == "*" || s.handovers[r].from == of) && (s.handovers[r].to == "*" || s.handovers[r].to == ot)) {
          rule = r;
          break;
        }
      handover[m * J + j] = static_cast<std::int32_t>(rule);
      const std::int32_t leak = handover_rules[rule].leak_to;
      if (leak != no_index && leak_flow[t.from * S + static_cast<std::size_t>(leak)] == no_index)
        leak_flow[t.from * S + static_cast<std::size_t>(leak)] = static_cast<std::int32_t>(
            add_edge(s.states[t.from].name + "->" + s.states[static_cast<std::size_t>(leak)].name + " (leakage)",
                     s.states[t.from].name, s.states[static_cast<std::size_t>(leak)].name, EdgeKind::leakage));
    }
  }
}

}  // namespace trede::engine
