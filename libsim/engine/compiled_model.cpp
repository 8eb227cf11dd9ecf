#include "engine/compiled_model.hpp"
#include "text.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "trede/error.hpp"

namespace trede::engine {

namespace {

// Builds a CompiledModel from a scenario in named steps. The steps run in a fixed order because
// flow edges are numbered as they are added: transitions, inflows, admissions, reneging, moves
// into waiting states, exit at age, leakage.
class Compiler {
 public:
  Compiler(const model::Scenario& s, CompiledModel& m) : s_(s), m_(m), S_(s.states.size()) {}

  void run() {
    horizon_and_attributes();
    regions();
    expected_people();
    report_grid();
    groups();
    states_and_capacities();
    m_.layout.kpi_names = kpi_names();
    m_.layout.kpi_period_names = kpi_period_names();
    transition_edges();
    inflows();
    admission_edges();
    renege_edges();
    competing_risks();
    exit_at_age();
    places();
    organisations();
    handovers();
    edge_kpis();
  }

 private:
  using WaitingMode = model::WaitingMode;

  // A flow edge from state `from` (no_index: from outside, an arrival) to state `to`; its id
  // is the origin's name, "->" and the destination's name, plus `note` when given.
  std::uint32_t add_edge(std::int32_t from, std::size_t to, EdgeKind kind, const std::string& note = "") {
    const std::string a = from == no_index ? "(inflow)" : s_.states[static_cast<std::size_t>(from)].name;
    const std::string& b = s_.states[to].name;
    return add_edge(a + "->" + b + (note.empty() ? "" : " (" + note + ")"), from, to, kind);
  }
  std::uint32_t add_edge(std::string id, std::int32_t from, std::size_t to, EdgeKind kind) {
    m_.layout.edges.push_back({std::move(id), from == no_index ? "(inflow)" : s_.states[static_cast<std::size_t>(from)].name,
                               s_.states[to].name, kind});
    m_.edge_from.push_back(from);
    m_.edge_to.push_back(static_cast<std::int32_t>(to));
    return static_cast<std::uint32_t>(m_.layout.edges.size() - 1);
  }

  const CapacityInfo* capacity_of(std::size_t state) const {
    return cap_of_[state] == no_index ? nullptr : &m_.capacities[static_cast<std::size_t>(cap_of_[state])];
  }

  // The edge origin -> waiting state of capacity c (separate mode), added on first use.
  std::uint32_t to_wait_flow(std::uint32_t origin, std::uint32_t c) {
    const auto key = std::make_pair(origin, c);
    if (auto it = to_wait_.find(key); it != to_wait_.end()) return it->second;
    const auto f = add_edge(static_cast<std::int32_t>(origin), m_.capacities[c].waiting_state, EdgeKind::to_waiting);
    to_wait_.emplace(key, f);
    return f;
  }

  // One inflow edge per entry state, shared by all regions and sources; added on first use.
  std::uint32_t inflow_flow(std::uint32_t st) {
    if (auto it = inflow_edge_.find(st); it != inflow_edge_.end()) return it->second;
    const auto f = add_edge(no_index, st, EdgeKind::inflow);
    inflow_edge_.emplace(st, f);
    return f;
  }

  void horizon_and_attributes() {
    m_.start = s_.start_year;
    m_.end = s_.end_year();
    m_.attributes = s_.attributes;
    // An attribute's uniform is drawn at the 32-bit FNV-1a hash of its name: adding or renaming
    // another attribute leaves its values alone. Two names with one hash would share uniforms.
    for (std::size_t i = 0; i < s_.attributes.size(); ++i) {
      std::uint32_t h = 0x811c9dc5u;
      for (unsigned char ch : s_.attributes[i].name) h = (h ^ ch) * 0x01000193u;
      for (std::size_t j = 0; j < i; ++j)
        if (m_.attribute_stream[j] == h)
          throw ModelError(s_.source_path, 0, "attribute",
                           "attributes '" + s_.attributes[j].name + "' and '" + s_.attributes[i].name +
                               "' have the same random-stream hash; rename one");
      m_.attribute_stream.push_back(h);
    }
  }

  void regions() {
    for (const model::Region& r : s_.regions) {
      RegionInfo ri;
      ri.model = r.organisation_model ? static_cast<std::int32_t>(*r.organisation_model) : no_index;
      ri.initial = r.initial;
      ri.individuals = r.individuals;
      m_.regions.push_back(std::move(ri));
      m_.layout.regions.push_back(r.name);
      m_.layout.region_models.push_back(r.organisation_model ? s_.organisation_models[*r.organisation_model].name : "");
    }
    if (m_.regions.size() > 65535) throw ModelError(s_.source_path, 0, "region", "more than 65535 regions");
    if (S_ > 65535) throw ModelError(s_.source_path, 0, "state", "more than 65535 states");
  }

  // People at the start plus arrivals at each source's peak rate (sizes the event queue).
  void expected_people() {
    double expected = static_cast<double>(s_.initial_population());
    for (const model::Region& r : s_.regions)
      for (const model::Inflow& f : r.inflows) {
        double peak = f.rate_per_year.before;
        for (double v : f.rate_per_year.values) peak = std::max(peak, v);
        expected += peak * s_.horizon_years;
      }
    m_.expected_people = static_cast<std::size_t>(std::min(expected, 1e9));
    m_.initial_people = static_cast<std::size_t>(s_.initial_population());
    // Person keys (engine/people.hpp) number the initial people and the arrivals of each source.
    if (s_.initial_population() >= (std::uint64_t{1} << 32))
      throw ModelError(s_.source_path, 0, "population", "more than 2^32 people at the start");
    std::size_t sources = 0;
    for (const model::Region& r : s_.regions) sources += r.inflows.size();
    if (sources > 65535) throw ModelError(s_.source_path, 0, "inflow", "more than 65535 inflow sources");
  }

  void report_grid() {
    m_.layout.report_times = s_.report_times;
    for (std::size_t k = 0; k < s_.report_times.size(); ++k) {
      m_.layout.period_start.push_back(k == 0 ? s_.start_year : s_.report_times[k - 1]);
      m_.layout.period_end.push_back(s_.report_times[k]);
    }
  }

  // [report.by]: the groups of each breakdown, named "age < 27", "age 27-45", "age >= 55",
  // "doelgroep = beschut".
  void groups() {
    for (const model::ReportBy& b : s_.report_by) {
      const model::Attribute& a = s_.attributes[b.attribute];
      GroupBy g;
      g.attribute = static_cast<std::uint32_t>(b.attribute);
      g.age = a.kind == model::AttributeKind::age;
      g.category = a.kind == model::AttributeKind::category;
      g.edges = b.edges;
      g.first = static_cast<std::uint32_t>(m_.layout.groups.size());
      if (g.category) {
        for (const auto& level : a.levels) m_.layout.groups.push_back(a.name + " = " + level);
      } else {
        auto num = [](double x) { return trede::detail::shortest_number(x); };
        m_.layout.groups.push_back(a.name + " < " + num(b.edges.front()));
        for (std::size_t k = 1; k < b.edges.size(); ++k)
          m_.layout.groups.push_back(a.name + " " + num(b.edges[k - 1]) + "-" + num(b.edges[k]));
        m_.layout.groups.push_back(a.name + " >= " + num(b.edges.back()));
      }
      m_.group_by.push_back(std::move(g));
    }
  }

  void states_and_capacities() {
    cap_of_.assign(S_, no_index);
    for (std::size_t i = 0; i < S_; ++i) {
      const model::State& st = s_.states[i];
      m_.layout.states.push_back(st.name);
      m_.layout.trede.push_back(st.trede);
      m_.layout.cost_eur_per_year.push_back(st.cost_eur_per_year);
      if (!st.capacity) continue;
      cap_of_[i] = static_cast<std::int32_t>(m_.capacities.size());
      CapacityInfo c;
      c.state = static_cast<std::uint32_t>(i);
      c.mode = st.capacity->waiting;
      c.waiting_state = st.capacity->waiting_state;
      c.discipline = st.capacity->discipline;
      c.priority_attribute = st.capacity->priority_attribute;
      c.descending = st.capacity->priority_descending;
      c.renege_rate = st.capacity->waiting == WaitingMode::stay ? st.capacity->renege_rate : 0.0;
      c.renege_to = st.capacity->renege_to ? static_cast<std::int32_t>(*st.capacity->renege_to) : no_index;
      m_.capacities.push_back(c);
      m_.layout.capacity_states.push_back(st.name);
    }
  }

  // Flow edges 0 .. transitions - 1 are the scenario's transitions, in file order.
  void transition_edges() {
    for (const model::Transition& t : s_.transitions)
      add_edge(t.id, static_cast<std::int32_t>(t.from), t.to, t.renege ? EdgeKind::renege : EdgeKind::transition);
  }

  void inflows() {
    for (std::size_t g = 0; g < s_.regions.size(); ++g)
      for (const model::Inflow& f : s_.regions[g].inflows) {
        InflowInfo in;
        in.region = static_cast<std::uint32_t>(g);
        in.state = f.state;
        in.rate = f.rate_per_year;
        in.attributes = f.attributes;
        in.flow = inflow_flow(f.state);
        if (const CapacityInfo* c = capacity_of(f.state); c && c->mode == WaitingMode::separate)
          in.wait_flow = static_cast<std::int32_t>(inflow_flow(c->waiting_state));
        m_.inflows.push_back(std::move(in));
      }
  }

  // Separate-mode capacities: the edge from the waiting state into the place.
  void admission_edges() {
    for (CapacityInfo& ci : m_.capacities) {
      if (ci.mode != WaitingMode::separate) continue;
      ci.admission_flow =
          static_cast<std::int32_t>(add_edge(static_cast<std::int32_t>(ci.waiting_state), ci.state, EdgeKind::admission));
    }
  }

  // Stay-mode capacities with a renege destination: one edge per state people wait in.
  void renege_edges() {
    const std::size_t C = m_.capacities.size();
    m_.renege_flow.assign(S_ * C, no_index);
    m_.renege_wait_flow.assign(S_ * C, no_index);
    for (const model::Transition& t : s_.transitions) {
      const std::int32_t c = cap_of_[t.to];
      if (c == no_index) continue;
      const CapacityInfo& ci = m_.capacities[static_cast<std::size_t>(c)];
      const std::size_t cell = t.from * C + static_cast<std::size_t>(c);
      if (ci.mode != WaitingMode::stay || ci.renege_to == no_index || m_.renege_flow[cell] != no_index) continue;
      m_.renege_flow[cell] = static_cast<std::int32_t>(add_edge(static_cast<std::int32_t>(t.from), static_cast<std::size_t>(ci.renege_to),
                                                                EdgeKind::renege, "renege from waiting for " + s_.states[t.to].name));
      const std::int32_t rc = cap_of_[static_cast<std::size_t>(ci.renege_to)];
      if (rc != no_index && m_.capacities[static_cast<std::size_t>(rc)].mode == WaitingMode::separate)
        m_.renege_wait_flow[cell] = static_cast<std::int32_t>(to_wait_flow(t.from, static_cast<std::uint32_t>(rc)));
    }
  }

  // Each state's out-edges in file order; states with only constant exponential risks get their
  // total rate and cumulative destination probabilities (the fast path).
  void competing_risks() {
    std::vector<bool> work(S_, false), uitval(S_, false);
    for (auto w : s_.kpi.work) work[w] = true;
    for (auto u : s_.kpi.uitval) uitval[u] = true;
    m_.states.resize(S_);
    for (std::size_t i = 0; i < S_; ++i) {
      const model::State& st = s_.states[i];
      StateInfo& si = m_.states[i];
      si.capacity = cap_of_[i];
      si.waiting_for = st.waiting_for ? cap_of_[*st.waiting_for] : no_index;
      si.trede = st.trede;
      si.cost = st.cost_eur_per_year;
      si.absorbing = st.absorbing;
      si.work = work[i];
      si.uitval = uitval[i];
      si.out_begin = static_cast<std::uint32_t>(m_.out_edges.size());
      bool fast = true;
      for (std::size_t ti = 0; ti < s_.transitions.size(); ++ti)
        if (s_.transitions[ti].from == i) {
          const OutEdge& e = out_edge(static_cast<std::uint32_t>(i), ti);
          fast = fast && e.exponential && e.cov_begin == e.cov_end && e.schedule == no_index;
          if (!e.exponential) ++si.n_general;
        }
      si.out_end = static_cast<std::uint32_t>(m_.out_edges.size());
      si.fast = fast && si.out_end > si.out_begin;
      if (si.fast) fast_path(si);
      si.counts_begin = static_cast<std::uint32_t>(m_.count_attrs.size());
      for (std::size_t a = 0; a < s_.attributes.size(); ++a) {
        const auto& cs = s_.attributes[a].counted_states;
        if (std::find(cs.begin(), cs.end(), i) != cs.end()) m_.count_attrs.push_back(static_cast<std::uint32_t>(a));
      }
      si.counts_end = static_cast<std::uint32_t>(m_.count_attrs.size());
      si.marks = static_cast<std::uint8_t>((si.trede >= 4 ? mark_trede4 : 0) | (si.work ? mark_work : 0));
      si.plain = !si.absorbing && si.waiting_for == no_index && si.counts_end == si.counts_begin;
    }
  }

  // Appends the out-edge of transition ti (from state i).
  const OutEdge& out_edge(std::uint32_t i, std::size_t ti) {
    const model::Transition& t = s_.transitions[ti];
    OutEdge e;
    e.to = t.to;
    e.flow = static_cast<std::uint32_t>(ti);
    e.hazard = t.hazard;
    // A rate by calendar year runs as rate 1 times its calendar factor: the file's own numbers.
    if (t.rate_by_year) e.hazard.rate = 1.0;
    const model::StepSchedule factor = model::calendar_factor(t);
    e.exponential = t.hazard.kind == model::HazardKind::exponential;
    e.renege = t.renege;
    e.cov_begin = static_cast<std::uint32_t>(m_.covariates.size());
    for (const model::CovariateEffect& ce : t.covariates) {
      const model::Attribute& a = s_.attributes[ce.attribute];
      m_.covariates.push_back({ce.attribute, ce.level, ce.beta, a.center, a.kind == model::AttributeKind::age});
    }
    e.cov_end = static_cast<std::uint32_t>(m_.covariates.size());
    if (!factor.constant() || factor.before != 1.0) {
      e.schedule = static_cast<std::int32_t>(m_.schedules.size());
      m_.schedules.push_back(factor);
    }
    if (const CapacityInfo* c = capacity_of(t.to); c && c->mode == WaitingMode::separate)
      e.to_wait_flow = static_cast<std::int32_t>(to_wait_flow(i, static_cast<std::uint32_t>(cap_of_[t.to])));
    m_.out_edges.push_back(std::move(e));
    return m_.out_edges.back();
  }

  void fast_path(StateInfo& si) {
    for (auto j = si.out_begin; j < si.out_end; ++j) si.total_rate += m_.out_edges[j].hazard.rate;
    si.cum_begin = static_cast<std::uint32_t>(m_.cum.size());
    double acc = 0.0;
    for (auto j = si.out_begin; j < si.out_end; ++j) {
      acc += m_.out_edges[j].hazard.rate;
      m_.cum.push_back(si.total_rate > 0 ? acc / si.total_rate : 1.0);
    }
    m_.cum.back() = 1.0;
    si.fast = si.total_rate > 0;
    if (si.fast) si.mean_time = 1.0 / si.total_rate;
  }

  void exit_at_age() {
    if (!s_.exit_age) return;
    m_.has_exit_age = true;
    m_.exit_age = s_.exit_age->age;
    m_.exit_age_attribute = s_.exit_age->attribute;
    m_.exit_state = s_.exit_age->to;
    for (std::size_t i = 0; i < S_; ++i)
      if (!s_.states[i].absorbing)
        m_.states[i].age_exit_flow =
            static_cast<std::int32_t>(add_edge(static_cast<std::int32_t>(i), m_.exit_state, EdgeKind::age_exit, "age"));
  }

  // Places per region at the start, and their changes within the horizon in time order.
  void places() {
    const std::size_t G = m_.regions.size(), C = m_.capacities.size();
    m_.initial_places.assign(G * C, 0.0);
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t c = 0; c < C; ++c) {
        const auto& p = s_.regions[g].places[m_.capacities[c].state];
        m_.initial_places[g * C + c] = p.before;
        for (std::size_t k = 0; k < p.times.size(); ++k)
          if (p.times[k] > m_.start && p.times[k] <= m_.end)
            m_.capacity_changes.push_back({p.times[k], static_cast<std::uint32_t>(g), static_cast<std::uint32_t>(c), p.values[k]});
      }
    std::stable_sort(m_.capacity_changes.begin(), m_.capacity_changes.end(),
                     [](const CapacityChange& a, const CapacityChange& b) { return a.time < b.time; });
  }

  std::int32_t organisation_index(const std::string& o) {
    if (o.empty()) return no_index;
    auto& orgs = m_.layout.organisations;
    auto it = std::find(orgs.begin(), orgs.end(), o);
    if (it != orgs.end()) return static_cast<std::int32_t>(it - orgs.begin());
    orgs.push_back(o);
    return static_cast<std::int32_t>(orgs.size() - 1);
  }

  // Which organisation runs each state under each organisation model some region uses, their
  // costs, and which organisations are active in each region.
  void organisations() {
    const std::size_t M = s_.organisation_models.size(), G = m_.regions.size();
    model_used_.assign(M, false);
    for (const RegionInfo& r : m_.regions)
      if (r.model != no_index) model_used_[static_cast<std::size_t>(r.model)] = true;
    m_.state_org.assign(M * S_, no_index);
    for (std::size_t m = 0; m < M; ++m) {
      if (!model_used_[m]) continue;
      for (std::size_t i = 0; i < S_; ++i)
        if (!s_.states[i].absorbing)
          m_.state_org[m * S_ + i] = organisation_index(s_.organisation_models[m].organisation_of(s_.states[i].functionality));
    }
    const auto& orgs = m_.layout.organisations;
    const std::size_t O = orgs.size();
    m_.org_fixed_eur_per_year.assign(O, 0.0);
    m_.org_eur_per_person_year.assign(O, 0.0);
    for (const model::OrganisationCost& oc : s_.organisation_costs) {
      auto it = std::find(orgs.begin(), orgs.end(), oc.organisation);
      if (it == orgs.end()) continue;  // runs nothing in this scenario: costs nothing
      m_.org_fixed_eur_per_year[static_cast<std::size_t>(it - orgs.begin())] = oc.fixed_eur_per_year;
      m_.org_eur_per_person_year[static_cast<std::size_t>(it - orgs.begin())] = oc.eur_per_person_year;
    }
    m_.region_org_active.assign(G * O, 0);
    for (std::size_t g = 0; g < G; ++g) {
      if (m_.regions[g].model == no_index) continue;
      for (std::size_t i = 0; i < S_; ++i) {
        const std::int32_t o = m_.state_org[static_cast<std::size_t>(m_.regions[g].model) * S_ + i];
        if (o != no_index) m_.region_org_active[g * O + static_cast<std::size_t>(o)] = 1;
      }
    }
  }

  // Rules in file order, then an implicit rule (no delay, no leakage) for unmatched handovers;
  // the rule of each out-edge that crosses organisations under each model, and leakage edges.
  void handovers() {
    for (const model::HandoverRule& h : s_.handovers) {
      HandoverInfo hi;
      hi.delay = h.delay;
      hi.leakage = h.leakage;
      hi.leak_to = h.leak_to ? static_cast<std::int32_t>(*h.leak_to) : no_index;
      hi.delayed = !(h.delay.kind == model::Distribution::Kind::fixed && h.delay.a == 0.0);
      m_.handover_rules.push_back(hi);
    }
    m_.handover_rules.push_back(HandoverInfo{});
    const std::size_t M = s_.organisation_models.size(), J = m_.out_edges.size();
    m_.handover.assign(M * J, no_index);
    m_.leak_flow.assign(S_ * S_, no_index);
    for (std::size_t m = 0; m < M; ++m) {
      if (!model_used_[m]) continue;
      for (std::size_t j = 0; j < J; ++j) {
        const model::Transition& t = s_.transitions[m_.out_edges[j].flow];
        if (t.renege) continue;
        const std::int32_t from = m_.state_org[m * S_ + t.from], to = m_.state_org[m * S_ + t.to];
        if (from == no_index || to == no_index || from == to) continue;
        const std::size_t rule = matching_rule(m_.layout.organisations[static_cast<std::size_t>(from)],
                                               m_.layout.organisations[static_cast<std::size_t>(to)]);
        m_.handover[m * J + j] = static_cast<std::int32_t>(rule);
        m_.handovers = true;
        const std::int32_t leak = m_.handover_rules[rule].leak_to;
        if (leak == no_index || m_.leak_flow[t.from * S_ + static_cast<std::size_t>(leak)] != no_index) continue;
        m_.leak_flow[t.from * S_ + static_cast<std::size_t>(leak)] = static_cast<std::int32_t>(
            add_edge(static_cast<std::int32_t>(t.from), static_cast<std::size_t>(leak), EdgeKind::leakage, "leakage"));
      }
    }
  }

  // Which KPIs a move along each edge counts (arrivals count none of them).
  void edge_kpis() {
    m_.edge_kpi.assign(m_.layout.edges.size(), 0);
    for (std::size_t e = 0; e < m_.edge_kpi.size(); ++e) {
      if (m_.edge_from[e] == no_index) continue;
      const StateInfo& from = m_.states[static_cast<std::size_t>(m_.edge_from[e])];
      const StateInfo& to = m_.states[static_cast<std::size_t>(m_.edge_to[e])];
      std::uint8_t k = 0;
      if (to.work && !from.work) k |= move_uitstroom_werk;
      if (to.uitval) k |= move_uitval;
      if ((from.uitval || from.work) && !to.work && !to.uitval && !to.absorbing) k |= move_herinstroom;
      if (to.absorbing) k |= move_absorbed;
      m_.edge_kpi[e] = k;
    }
  }

  // The first rule matching a handover from organisation `of` to `ot`, or the implicit rule.
  std::size_t matching_rule(const std::string& of, const std::string& ot) const {
    for (std::size_t r = 0; r < s_.handovers.size(); ++r)
      if ((s_.handovers[r].from == "*" || s_.handovers[r].from == of) && (s_.handovers[r].to == "*" || s_.handovers[r].to == ot))
        return r;
    return s_.handovers.size();
  }

  const model::Scenario& s_;
  CompiledModel& m_;
  const std::size_t S_;
  std::vector<std::int32_t> cap_of_;  // capacity index of each state, or no_index
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> to_wait_;  // (origin, capacity) -> flow
  std::map<std::uint32_t, std::uint32_t> inflow_edge_;                        // entry state -> flow
  std::vector<bool> model_used_;  // organisation models some region uses
};

}  // namespace

CompiledModel::CompiledModel(const model::Scenario& s) { Compiler(s, *this).run(); }

}  // namespace trede::engine
