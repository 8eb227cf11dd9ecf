// One replicate: people as structure-of-arrays, a 4-ary event heap, per-person Philox streams,
// and recorders that update plain counters on every event. No allocation and no virtual call
// per event once the arrays have grown to the live population.

#include "trede/engine/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/compiled_model.hpp"
#include "engine/calendar_queue.hpp"
#include "model/hazard_math.hpp"
#include "random/philox_inline.hpp"
#include "trede/error.hpp"
#include "trede/random/distributions.hpp"
#include "trede_assert.hpp"

namespace trede::engine {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// What a person's pending event is: an index into CompiledModel::out_edges, or one of these.
constexpr std::int32_t code_none = -1;
constexpr std::int32_t code_age = -2;     // reaching the exit age
constexpr std::int32_t code_renege = -3;  // giving up an in-place wait
// Completing a delayed handover along out-edge j, lost (leak = 1) or not: code_handover - (2j + leak).
constexpr std::int32_t code_handover = -16;

// Uniform slots within a person's draw (one Philox block = 4 words, more blocks on demand).
constexpr std::uint32_t slot_time = 0;     // holding time of the exponential competing risks
constexpr std::uint32_t slot_dest = 1;     // which exponential risk fired
constexpr std::uint32_t slot_renege = 2;   // reneging while waiting in place
constexpr std::uint32_t slot_general = 3;  // first non-exponential edge; the k-th uses 3 + k

constexpr std::uint8_t flag_trede4 = 1;
constexpr std::uint8_t flag_work = 2;
constexpr std::uint8_t flag_traced = 4;

enum class Leave : std::uint8_t { admitted, reneged, left };

struct WaitRecord {
  std::uint32_t slot = 0;
  std::uint32_t list = 0;   // region * C + capacity
  std::uint32_t flow = 0;   // stay mode: the transition that chose the full state
  std::uint32_t pos = 0;    // position in the capacity's list heap
  double since = 0.0;       // calendar time of joining
  double key = 0.0;         // priority key (smaller first); 0 for FIFO
  std::uint64_t seq = 0;    // join order, breaks priority ties first come first served
};

double draw_value(const model::Distribution& d, double u) {
  using K = model::Distribution::Kind;
  switch (d.kind) {
    case K::fixed: return d.a;
    case K::uniform: return d.a + u * (d.b - d.a);
    case K::normal: {
      const double plo = random::normal_cdf((d.lo - d.a) / d.b);
      const double phi = random::normal_cdf((d.hi - d.a) / d.b);
      const double p = std::clamp(plo + u * (phi - plo), 1e-300, 1.0 - 1e-16);
      return std::clamp(d.a + d.b * random::normal_quantile(p), d.lo, d.hi);
    }
    case K::categorical: {
      double total = 0.0;
      for (double w : d.weights) total += w;
      double target = u * total, acc = 0.0;
      for (std::size_t i = 0; i < d.values.size(); ++i) {
        acc += d.weights[i];
        if (target < acc) return d.values[i];
      }
      for (std::size_t i = d.values.size(); i-- > 0;)
        if (d.weights[i] > 0) return d.values[i];
      return d.values.back();
    }
    // u is in (0, 1]: each inverts the upper tail, so u = 1 gives the lower end of the support.
    case K::exponential: return -d.a * std::log(u);
    case K::gamma: return d.b * random::gamma_q_inverse(d.a, u);
    case K::lognormal: return std::exp(d.a - d.b * random::normal_quantile(u));
  }
  return d.a;
}

class Replicate {
 public:
  Replicate(const CompiledModel& m, std::uint64_t seed, std::uint64_t replicate, std::uint64_t trace_people)
      : trace_people_(trace_people),
        m_(m),
        key_{seed, replicate},
        S_(m.states.size()),
        C_(m.capacities.size()),
        T_(m.layout.T()),
        P_(m.layout.P()),
        E_(m.layout.E()),
        G_(m.regions.size()),
        O_(m.layout.O()),
        Kp_(m.layout.Kp()),
        J_(m.out_edges.size()),
        occ_(G_ * S_, 0),
        area_(G_ * S_, 0.0),
        last_(G_ * S_, m.start),
        places_(G_ * C_, 0),
        lists_(G_ * C_),
        list_len_(G_ * C_, 0),
        list_area_(G_ * C_, 0.0),
        list_last_(G_ * C_, m.start),

        attr_(m.attributes.size()),
        arrivals_n_(m.inflows.size(), 0) {
    counters_.resize(G_);
    std::size_t max_out = 1;
    for (const StateInfo& st : m.states) max_out = std::max<std::size_t>(max_out, st.out_end - st.out_begin);
    w_base_.resize(max_out);
    w_idx_.resize(max_out);
    w_cur_.resize(max_out);
    for (std::size_t l = 0; l < G_ * C_; ++l) places_[l] = static_cast<std::int64_t>(m.initial_places[l]);
    for (std::size_t a = 0; a < m.attributes.size(); ++a)
      if (m.attributes[a].kind == model::AttributeKind::age) {
        age_attr_ = static_cast<std::int32_t>(a);
        break;
      }
    now_ = m.start;
    res_.occupancy.assign(T_ * S_, 0);
    res_.waiting.assign(T_ * C_, 0);
    res_.flows.assign(P_ * E_, 0);
    res_.person_years.assign(P_ * S_, 0.0);
    res_.cost_eur.assign(P_, 0.0);
    res_.waiting_years.assign(P_ * C_, 0.0);
    res_.waiting_joined.assign(P_ * C_, 0);
    res_.waiting_admitted.assign(P_ * C_, 0);
    res_.waiting_reneged.assign(P_ * C_, 0);
    res_.waiting_left.assign(P_ * C_, 0);
    res_.waiting_time_sum.assign(P_ * C_, 0.0);
    res_.waiting_time_admitted_sum.assign(P_ * C_, 0.0);
    res_.sojourn_sum.assign(E_, 0.0);
    res_.sojourn_sumsq.assign(E_, 0.0);
    res_.kpi.assign(m.layout.K(), 0.0);
    res_.kpi_period.assign(P_ * Kp_, 0.0);
    res_.organisation_cost_eur.assign(P_ * O_, 0.0);
    if (m.layout.by_region()) {
      res_.occupancy_region.assign(T_ * G_ * S_, 0);
      res_.waiting_region.assign(T_ * G_ * C_, 0);
      res_.person_years_region.assign(P_ * G_ * S_, 0.0);
      res_.cost_region_eur.assign(P_ * G_, 0.0);
      res_.kpi_region.assign(G_ * m.layout.K(), 0.0);
    }
  }

  ReplicateResult run() {
    q_.init(m_.start, m_.end, m_.expected_people);
    create_initial_population();
    // People who start on a waiting list get any places that are free at the start.
    for (std::uint32_t l = 0; l < G_ * C_; ++l) admit(l);
    for (std::size_t i = 0; i < m_.inflows.size(); ++i) queue_arrival(i, sample_arrival(i, m_.start));
    update_next_system();

    for (;;) {
      while (!q_.empty() && people_[q_.top().slot].version != q_.top().version) q_.pop();
      const double tp = q_.empty() ? inf : q_.top().time;
      const double t = std::min(tp, next_system_);
      if (t > m_.end) break;
      while (report_ < T_ && m_.layout.report_times[report_] < t) snapshot();
      now_ = t;
      if (next_system_ <= tp) {
        system_event();
        continue;
      }
      const std::uint32_t p = q_.top().slot;
      q_.pop();
      // The next events are known in order: start loading their people now.
      if (const QueueEntry* a = q_.ahead(6)) {
        __builtin_prefetch(&people_[a->slot]);
        for (const auto& column : attr_) __builtin_prefetch(&column[a->slot]);  // covariates, priorities
      }
      const std::int32_t code = people_[p].next;
      if (code >= 0) attempt(p, static_cast<std::uint32_t>(code));
      else if (code == code_age) move(p, m_.exit_state, static_cast<std::uint32_t>(m_.states[people_[p].state].age_exit_flow), Leave::left);
      else if (code == code_renege) renege(p);
      else if (code <= code_handover) {
        const auto v = static_cast<std::uint32_t>(code_handover - code);
        complete_handover(p, v / 2, (v & 1u) != 0);
      }
    }
    while (report_ < T_) snapshot();
    finish();
    return std::move(res_);
  }

 private:
  // ---- people ---------------------------------------------------------------------------------

  std::uint32_t new_person(std::uint64_t person_key, std::uint32_t region) {
    std::uint32_t p;
    if (!free_.empty()) {
      p = free_.back();
      free_.pop_back();
    } else {
      if (people_.size() >= std::numeric_limits<std::int32_t>::max())
        throw Error("more than 2^31 people alive at once in one replicate");
      p = static_cast<std::uint32_t>(people_.size());
      people_.push_back(Person{});
      entry_time_.push_back(0.0);
      for (auto& a : attr_) a.push_back(0.0);
    }
    Person& x = people_[p];
    const std::uint32_t version = x.version;  // kept across reuse: old queue entries stay stale
    x = Person{};
    x.version = version;
    x.key = person_key;
    x.region = static_cast<std::uint16_t>(region);
    x.next = code_none;
    x.wait_ref = -1;
    x.exit_time = inf;
    entry_time_[p] = now_;
    if (created_++ < trace_people_) x.flags |= flag_traced;
    ++counters_[region].persons;
    ++live_;
    peak_live_ = std::max(peak_live_, live_);
    return p;
  }

  // Draws a new person's attributes from their own attribute stream (one uniform per attribute).
  // Draws a new person's attributes from their own attribute stream. Each attribute's uniform
  // is keyed by a hash of its name, so adding or renaming another attribute leaves the values
  // of the others unchanged (common random numbers between scenario variants).
  void draw_attributes(std::uint32_t p, const std::vector<model::AttributeDraw>& draws) {
    for (const model::AttributeDraw& d : draws) {
      const auto u = random::detail::philox(key_, people_[p].key, m_.attribute_stream[d.attribute],
                                            random::Purpose::attribute, 0);
      double v = draw_value(d.distribution, random::uniform_open0(u[0]));
      const auto kind = m_.attributes[d.attribute].kind;
      if (kind == model::AttributeKind::age) v = now_ - v;  // stored as birth time
      if (kind == model::AttributeKind::count) v = std::floor(std::max(v, 0.0));
      attr_[d.attribute][p] = v;
    }
    set_exit_time(p);
  }

  // The exit age is reached at birth + age; kept in the person record so that scheduling does
  // not touch the attribute arrays.
  void set_exit_time(std::uint32_t p) {
    if (m_.has_exit_age) people_[p].exit_time = attr_[m_.exit_age_attribute][p] + m_.exit_age;
  }

  void create_initial_population() {
    std::uint64_t key = 0;
    for (std::uint32_t region = 0; region < G_; ++region) {
      create_region_population(region, key);
    }
  }

  void create_region_population(std::uint32_t region, std::uint64_t& key) {
    for (const model::InitialGroup& g : m_.regions[region].initial) {
      for (std::uint64_t k = 0; k < g.count; ++k) {
        const std::uint32_t p = new_person(key++, region);
        draw_attributes(p, g.attributes);
        double tis = 0.0;
        if (g.time_in_state.kind != model::Distribution::Kind::fixed || g.time_in_state.a != 0.0) {
          const auto u = random::detail::philox(key_, people_[p].key, 0, random::Purpose::initial, 0);
          tis = std::max(0.0, draw_value(g.time_in_state, random::uniform_open0(u[0])));
        }
        enter(p, g.state, m_.start - tis, /*moved=*/false);
      }
    }
    for (const model::Individual& ind : m_.regions[region].individuals) {
      const std::uint32_t p = new_person(key++, region);
      for (std::size_t a = 0; a < ind.attributes.size(); ++a) {
        double v = ind.attributes[a];
        if (m_.attributes[a].kind == model::AttributeKind::age) v = now_ - v;
        attr_[a][p] = v;
      }
      set_exit_time(p);
      enter(p, ind.state, m_.start - ind.time_in_state, /*moved=*/false);
    }
  }

  // ---- occupancy and recorders -----------------------------------------------------------------

  // Occupancy of state s in region g changes by d now.
  void occ_add(std::size_t g, std::uint32_t s, std::int64_t d) {
    const std::size_t i = g * S_ + s;
    area_[i] += static_cast<double>(occ_[i]) * (now_ - last_[i]);
    last_[i] = now_;
    occ_[i] += d;
  }

  // Length of waiting list l (= region * C + capacity) changes by d now.
  void list_add(std::size_t l, std::int64_t d) {
    list_area_[l] += static_cast<double>(list_len_[l]) * (now_ - list_last_[l]);
    list_last_[l] = now_;
    list_len_[l] += d;
  }

  void count_flow(std::uint32_t flow, std::uint32_t region) {
    ++events_;
    ++counters_[region].events;
    if (report_ < P_) ++res_.flows[report_ * E_ + flow];
  }

  void count_period(KpiPeriod k) {
    if (report_ < P_) res_.kpi_period[report_ * Kp_ + k] += 1.0;
  }

  KpiCounters& counter(std::uint32_t p) { return counters_[people_[p].region]; }

  // Records the occupancy at the next report time and closes its period.
  // Costs of the period: person-years × cost per state, plus organisation overhead per
  // person-year in the states an organisation runs, plus its fixed cost per year in each region
  // where it runs a state.
  void snapshot() {
    const std::size_t r = report_;
    const double tr = m_.layout.report_times[r];
    const double length = tr - m_.layout.period_start[r];
    const bool by_region = m_.layout.by_region();
    const double save = now_;
    now_ = tr;
    for (std::size_t g = 0; g < G_; ++g) {
      const std::int32_t model = m_.regions[g].model;
      double cost = 0.0;
      for (std::uint32_t s = 0; s < S_; ++s) {
        const std::size_t i = g * S_ + s;
        occ_add(g, s, 0);
        res_.occupancy[r * S_ + s] += static_cast<std::int32_t>(occ_[i]);
        res_.person_years[r * S_ + s] += area_[i];
        cost += area_[i] * m_.states[s].cost;
        if (model != no_index) {
          const std::int32_t o = m_.state_org[static_cast<std::size_t>(model) * S_ + s];
          if (o != no_index) {
            const double c = area_[i] * m_.org_eur_per_person_year[static_cast<std::size_t>(o)];
            res_.organisation_cost_eur[r * O_ + static_cast<std::size_t>(o)] += c;
            cost += c;
          }
        }
        if (by_region) {
          res_.occupancy_region[(r * G_ + g) * S_ + s] = static_cast<std::int32_t>(occ_[i]);
          res_.person_years_region[(r * G_ + g) * S_ + s] = area_[i];
        }
        area_[i] = 0.0;
      }
      for (std::size_t o = 0; o < O_; ++o)
        if (m_.region_org_active[g * O_ + o]) {
          const double c = m_.org_fixed_eur_per_year[o] * length;
          res_.organisation_cost_eur[r * O_ + o] += c;
          cost += c;
        }
      res_.cost_eur[r] += cost;
      if (by_region) res_.cost_region_eur[r * G_ + g] = cost;
      for (std::size_t c = 0; c < C_; ++c) {
        const std::size_t l = g * C_ + c;
        list_add(l, 0);
        res_.waiting[r * C_ + c] += static_cast<std::int32_t>(list_len_[l]);
        res_.waiting_years[r * C_ + c] += list_area_[l];
        if (by_region) res_.waiting_region[(r * G_ + g) * C_ + c] = static_cast<std::int32_t>(list_len_[l]);
        list_area_[l] = 0.0;
      }
    }
    res_.kpi_period[r * Kp_ + kpp_cost_eur] = res_.cost_eur[r];
    now_ = save;
    ++report_;
  }

  // ---- moves -----------------------------------------------------------------------------------

  // Puts p into state d (spell starting at `spell_start`). `moved`: by a move inside the model
  // (counts attribute increments and first-work KPIs), not by creation.
  void enter(std::uint32_t p, std::uint32_t d, double spell_start, bool moved) {
    const StateInfo& st = m_.states[d];
    if (people_[p].flags & flag_traced)
      res_.trace.push_back({now_, people_[p].key, moved ? static_cast<std::int32_t>(people_[p].state) : -1,
                            static_cast<std::int32_t>(d)});
    people_[p].state = static_cast<std::uint16_t>(d);
    people_[p].spell_start = spell_start;
    occ_add(people_[p].region, d, +1);
    if (moved)
      for (std::uint32_t k = st.counts_begin; k < st.counts_end; ++k) attr_[m_.count_attrs[k]][p] += 1.0;
    if (st.trede >= 4 && !(people_[p].flags & flag_trede4)) {
      people_[p].flags |= flag_trede4;
      ++counter(p).ever_trede4;
    }
    if (st.work && !(people_[p].flags & flag_work)) {
      people_[p].flags |= flag_work;
      ++counter(p).ever_work;
      if (moved) {
        KpiCounters& k = counter(p);
        ++k.reached_work;
        k.time_to_work_sum += now_ - entry_time_[p];
        count_period(kpp_persons_reaching_work);
      }
    }
    if (st.absorbing) {
      ++people_[p].version;  // invalidates anything still queued for this slot
      free_.push_back(p);
      --live_;
      return;
    }
    if (st.waiting_for != no_index) join_list(p, static_cast<std::uint32_t>(st.waiting_for), 0);
    schedule(p, now_);
  }

  void move(std::uint32_t p, std::uint32_t d, std::uint32_t flow, Leave reason) {
    const std::uint32_t s = people_[p].state;
    const std::uint32_t g = people_[p].region;
    if (people_[p].wait_ref >= 0) leave_list(p, reason);
    count_flow(flow, g);
    const double dur = now_ - people_[p].spell_start;
    res_.sojourn_sum[flow] += dur;
    res_.sojourn_sumsq[flow] += dur * dur;
    occ_add(g, s, -1);
    const StateInfo& from = m_.states[s];
    const StateInfo& to = m_.states[d];
    KpiCounters& k = counters_[g];
    if (to.work && !from.work) ++k.uitstroom_werk, count_period(kpp_uitstroom_werk);
    if (to.uitval) ++k.uitval, count_period(kpp_uitval);
    if ((from.uitval || from.work) && !to.work && !to.uitval && !to.absorbing) ++k.herinstroom, count_period(kpp_herinstroom);
    if (to.absorbing) ++k.absorbed, count_period(kpp_absorbed);
    enter(p, d, now_, /*moved=*/true);
    if (from.capacity != no_index) admit(g * C_ + static_cast<std::uint32_t>(from.capacity));
  }

  // Out-edge j fired for p. A move between two organisations is a handover first.
  void attempt(std::uint32_t p, std::uint32_t j) {
    const std::int32_t model = m_.regions[people_[p].region].model;
    if (model != no_index) {
      const std::int32_t h = m_.handover[static_cast<std::size_t>(model) * J_ + j];
      if (h != no_index) {
        handover(p, j, m_.handover_rules[static_cast<std::size_t>(h)]);
        return;
      }
    }
    const OutEdge& e = m_.out_edges[j];
    attempt_to(p, e.to, e.flow, e.to_wait_flow, e.renege ? Leave::reneged : Leave::left);
  }

  // A handover: whether p is lost and how long it takes are drawn now from p's handover stream;
  // p stays in the current state until it completes (only reaching the exit age can intervene).
  void handover(std::uint32_t p, std::uint32_t j, const HandoverInfo& h) {
    ++counter(p).handovers;
    count_period(kpp_handovers);
    const auto u = random::detail::philox(key_, people_[p].key, people_[p].draws, random::Purpose::handover, 0);
    const bool leak = h.leakage > 0.0 && random::uniform_closed0(u[0]) < h.leakage;
    const double delay = h.delayed ? draw_value(h.delay, random::uniform_open0(u[1])) : 0.0;
    if (!(delay > 0.0)) {
      complete_handover(p, j, leak);
      return;
    }
    Person& x = people_[p];
    const std::uint32_t v = ++x.version;
    double t = now_ + delay;
    std::int32_t code = code_handover - static_cast<std::int32_t>(2 * j + (leak ? 1 : 0));
    if (m_.has_exit_age) {
      const double ta = people_[p].exit_time;
      if (ta < t) t = std::max(ta, now_), code = code_age;
    }
    x.next = code;
    if (t <= m_.end) q_.push(QueueEntry{t, p, v});
  }

  void complete_handover(std::uint32_t p, std::uint32_t j, bool leak) {
    const OutEdge& e = m_.out_edges[j];
    if (leak) {
      const std::int32_t model = m_.regions[people_[p].region].model;
      const HandoverInfo& h =
          m_.handover_rules[static_cast<std::size_t>(m_.handover[static_cast<std::size_t>(model) * J_ + j])];
      ++counter(p).leaked;
      count_period(kpp_leaked);
      const std::uint32_t s = people_[p].state;
      const auto flow = m_.leak_flow[s * S_ + static_cast<std::size_t>(h.leak_to)];
      TREDE_ASSERT(flow != no_index);
      move(p, static_cast<std::uint32_t>(h.leak_to), static_cast<std::uint32_t>(flow), Leave::left);
      return;
    }
    attempt_to(p, e.to, e.flow, e.to_wait_flow, Leave::left);
  }

  // Moves p to d along `flow`, unless d is full: then p joins d's waiting list, in place (stay
  // mode: p keeps its state and redraws without d) or in d's waiting state via `to_wait_flow`.
  void attempt_to(std::uint32_t p, std::uint32_t d, std::uint32_t flow, std::int32_t to_wait_flow, Leave reason) {
    const std::int32_t c = m_.states[d].capacity;
    const std::size_t g = people_[p].region;
    if (c != no_index && occ_[g * S_ + d] >= places_[g * C_ + static_cast<std::size_t>(c)]) {
      const CapacityInfo& ci = m_.capacities[static_cast<std::size_t>(c)];
      if (ci.mode == model::WaitingMode::stay) {
        if (people_[p].wait_ref >= 0) leave_list(p, reason);  // a person waits on one list at a time
        join_list(p, static_cast<std::uint32_t>(c), flow);
        schedule(p, now_);
      } else {
        TREDE_ASSERT(to_wait_flow != no_index);
        move(p, ci.waiting_state, static_cast<std::uint32_t>(to_wait_flow), reason);
      }
      return;
    }
    move(p, d, flow, reason);
  }

  void renege(std::uint32_t p) {
    const std::uint32_t c = waits_[static_cast<std::size_t>(people_[p].wait_ref)].list % C_;
    const CapacityInfo& ci = m_.capacities[c];
    leave_list(p, Leave::reneged);
    if (ci.renege_to == no_index) {
      schedule(p, now_);  // gives up waiting, stays in the current state
      return;
    }
    const std::size_t cell = people_[p].state * C_ + c;
    const auto flow = m_.renege_flow[cell];
    TREDE_ASSERT(flow != no_index);
    // The renege destination may itself be a full capacity state: then p waits for it instead.
    attempt_to(p, static_cast<std::uint32_t>(ci.renege_to), static_cast<std::uint32_t>(flow),
               m_.renege_wait_flow[cell], Leave::reneged);
  }

  // Fills freed places of list l (region l / C, capacity l % C) in discipline order.
  void admit(std::size_t l) {
    const CapacityInfo& ci = m_.capacities[l % C_];
    const std::size_t occupied = (l / C_) * S_ + ci.state;
    while (occ_[occupied] < places_[l] && !lists_[l].empty()) {
      const std::uint32_t rec = lists_[l].front();
      const std::uint32_t q = waits_[rec].slot;
      const std::uint32_t flow = ci.mode == model::WaitingMode::stay ? waits_[rec].flow
                                                                     : static_cast<std::uint32_t>(ci.admission_flow);
      leave_list(q, Leave::admitted);
      move(q, ci.state, flow, Leave::admitted);
    }
  }

  // ---- waiting lists (indexed binary heaps of wait records) ---------------------------------------

  bool list_before(std::uint32_t a, std::uint32_t b) const {
    const WaitRecord& x = waits_[a];
    const WaitRecord& y = waits_[b];
    return x.key < y.key || (x.key == y.key && x.seq < y.seq);
  }

  void list_place(std::vector<std::uint32_t>& h, std::size_t i, std::uint32_t rec) {
    h[i] = rec;
    waits_[rec].pos = static_cast<std::uint32_t>(i);
  }

  void list_sift_up(std::vector<std::uint32_t>& h, std::size_t i) {
    const std::uint32_t rec = h[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!list_before(rec, h[parent])) break;
      list_place(h, i, h[parent]);
      i = parent;
    }
    list_place(h, i, rec);
  }

  void list_sift_down(std::vector<std::uint32_t>& h, std::size_t i) {
    const std::uint32_t rec = h[i];
    const std::size_t n = h.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && list_before(h[child + 1], h[child])) ++child;
      if (!list_before(h[child], rec)) break;
      list_place(h, i, h[child]);
      i = child;
    }
    list_place(h, i, rec);
  }

  void join_list(std::uint32_t p, std::uint32_t c, std::uint32_t flow) {
    std::uint32_t rec;
    if (!free_waits_.empty()) {
      rec = free_waits_.back();
      free_waits_.pop_back();
    } else {
      rec = static_cast<std::uint32_t>(waits_.size());
      waits_.emplace_back();
    }
    const CapacityInfo& ci = m_.capacities[c];
    const std::size_t l = people_[p].region * C_ + c;
    WaitRecord& r = waits_[rec];
    r.slot = p;
    r.list = static_cast<std::uint32_t>(l);
    r.flow = flow;
    r.since = now_;
    r.seq = wait_seq_++;
    r.key = 0.0;
    if (ci.discipline == model::Discipline::priority) {
      double v = attr_[ci.priority_attribute][p];
      if (m_.attributes[ci.priority_attribute].kind == model::AttributeKind::age) v = now_ - v;
      r.key = ci.descending ? -v : v;
    }
    auto& h = lists_[l];
    h.push_back(rec);
    list_sift_up(h, h.size() - 1);
    people_[p].wait_ref = static_cast<std::int32_t>(rec);
    list_add(l, +1);
    ++counter(p).joined;
    count_period(kpp_waiting_joined);
    if (report_ < P_) ++res_.waiting_joined[report_ * C_ + c];
  }

  void leave_list(std::uint32_t p, Leave reason) {
    const auto rec = static_cast<std::uint32_t>(people_[p].wait_ref);
    const WaitRecord r = waits_[rec];
    auto& h = lists_[r.list];
    const std::size_t i = r.pos;
    const std::uint32_t last = h.back();
    h.pop_back();
    if (i < h.size()) {
      list_place(h, i, last);
      list_sift_up(h, i);
      list_sift_down(h, waits_[last].pos);
    }
    free_waits_.push_back(rec);
    people_[p].wait_ref = -1;
    list_add(r.list, -1);
    const double waited = now_ - r.since;
    const bool in_period = report_ < P_;
    const std::size_t cell = report_ * C_ + r.list % C_;
    KpiCounters& k = counter(p);
    if (in_period) res_.waiting_time_sum[cell] += waited;
    switch (reason) {
      case Leave::admitted:
        ++k.admitted;
        k.admitted_wait_sum += waited;
        count_period(kpp_waiting_admitted);
        if (in_period) ++res_.waiting_admitted[cell], res_.waiting_time_admitted_sum[cell] += waited;
        break;
      case Leave::reneged:
        ++k.reneged;
        count_period(kpp_waiting_reneged);
        if (in_period) ++res_.waiting_reneged[cell];
        break;
      case Leave::left:
        if (in_period) ++res_.waiting_left[cell];
        break;
    }
  }

  // ---- scheduling: competing risks ---------------------------------------------------------------

  std::array<std::uint64_t, 4> draw(std::uint32_t p, std::uint32_t block = 0) {
    return random::detail::philox(key_, people_[p].key, people_[p].draws, random::Purpose::transition, block);
  }

  double slot_uniform(std::uint32_t p, const std::array<std::uint64_t, 4>& b0, std::uint32_t slot) {
    if (slot < 4) return random::uniform_open0(b0[slot]);
    return random::uniform_open0(draw(p, slot / 4)[slot % 4]);
  }

  double covariate_factor(const OutEdge& e, std::uint32_t p, double t) const {
    double lin = 0.0;
    for (std::uint32_t k = e.cov_begin; k < e.cov_end; ++k) {
      const CompiledCovariate& cc = m_.covariates[k];
      const double v = attr_[cc.attribute][p];
      const double x = cc.level >= 0 ? (v == cc.level ? 1.0 : 0.0) : cc.age ? (t - v) - cc.center : v - cc.center;
      lin += cc.beta * x;
    }
    return std::exp(lin);
  }

  static double next_break(const model::StepSchedule& s, double t) {
    const auto it = std::upper_bound(s.times.begin(), s.times.end(), t);
    return it == s.times.end() ? inf : *it;
  }

  // Holding time of one non-exponential edge by inversion of its cumulative hazard, with
  // covariate factor c and the edge's calendar multiplier: x = H⁻¹(H(x0) + E/m), walked across
  // the multiplier's steps.
  double sample_hazard(const OutEdge& e, std::uint32_t p, double t, double E, double c) const {
    const model::Hazard& h = e.hazard;
    const double origin = h.clock == model::Clock::time_in_state ? people_[p].spell_start
                          : h.clock == model::Clock::age         ? attr_[static_cast<std::size_t>(age_attr_)][p]
                                                                 : 0.0;
    double H0 = model::detail::cumulative_hazard(h, t - origin);
    if (H0 == inf) return t;  // already past a fixed duration (a spell in progress): happens now
    if (e.schedule == no_index) {
      if (!(c > 0.0)) return inf;
      return origin + model::detail::inverse_cumulative_hazard(h, H0 + E / c);
    }
    const model::StepSchedule& sch = m_.schedules[static_cast<std::size_t>(e.schedule)];
    double cur = t;
    for (;;) {
      const double m = c * sch.at(cur);
      const double nb = next_break(sch, cur);
      const double Hb = nb == inf ? inf : model::detail::cumulative_hazard(h, nb - origin);
      if (m > 0.0) {
        if (H0 + E / m <= Hb) return origin + model::detail::inverse_cumulative_hazard(h, H0 + E / m);
        E -= m * (Hb - H0);
      }
      if (nb == inf || nb > m_.end) return inf;
      cur = nb;
      H0 = Hb;
    }
  }

  // Draws p's next event in its current state and queues it.
  void schedule(std::uint32_t p, double t) {
    Person& x = people_[p];
    const StateInfo& st = m_.states[x.state];
    const std::uint32_t v = ++x.version;
    const auto u = draw(p);
    ++x.draws;
    double best = inf;
    std::int32_t code = code_none;

    // A person waiting in place does not draw moves into full capacity states (the one waited
    // for and any other): they keep their place on the list until admitted, a move to a state
    // with room, reneging or exit. (Drawing them would only switch lists, possibly at the same
    // instant forever with fixed durations.)
    bool waiting_in_place = false;
    double renege_rate = 0.0;
    if (x.wait_ref >= 0) {
      const CapacityInfo& ci = m_.capacities[waits_[static_cast<std::size_t>(x.wait_ref)].list % C_];
      if (ci.mode == model::WaitingMode::stay) {
        waiting_in_place = true;
        renege_rate = ci.renege_rate;
      }
    }

    if (st.fast && !waiting_in_place) {
      // All risks exponential and constant: one time draw and one destination draw.
      best = t - std::log(random::uniform_open0(u[slot_time])) / st.total_rate;
      const double x = random::uniform_closed0(u[slot_dest]);
      const double* cum = m_.cum.data() + st.cum_begin;
      std::uint32_t j = 0;
      while (x >= cum[j]) ++j;
      code = static_cast<std::int32_t>(st.out_begin + j);
    } else {
      schedule_general(p, st, t, u, waiting_in_place, best, code);
      if (renege_rate > 0.0) {
        const double tr = t - std::log(random::uniform_open0(u[slot_renege])) / renege_rate;
        if (tr < best) best = tr, code = code_renege;
      }
    }
    if (m_.has_exit_age) {
      const double ta = people_[p].exit_time;
      if (ta < best) best = std::max(ta, t), code = code_age;
    }
    x.next = code;
    if (best > m_.end) return;  // nothing happens to p within the horizon: keep it out of the queue
    q_.push(QueueEntry{best, p, v});
  }

  void schedule_general(std::uint32_t p, const StateInfo& st, double t, const std::array<std::uint64_t, 4>& u,
                        bool waiting_in_place, double& best, std::int32_t& code) {
    const std::size_t g = people_[p].region;
    const auto excluded = [&](std::uint32_t d) {
      const std::int32_t c = m_.states[d].capacity;
      return waiting_in_place && c != no_index && occ_[g * S_ + d] >= places_[g * C_ + static_cast<std::size_t>(c)];
    };
    // Exponential risks race as one block: total rate R (piecewise constant in calendar time
    // when multipliers apply), then the destination in proportion to the rates at that time.
    std::size_t n = 0;
    bool scheduled = false;
    std::uint32_t general = 0;
    for (std::uint32_t j = st.out_begin; j < st.out_end; ++j) {
      const OutEdge& e = m_.out_edges[j];
      if (!e.exponential) {
        const std::uint32_t slot = slot_general + general++;
        if (excluded(e.to)) continue;
        const double c = e.cov_begin == e.cov_end ? 1.0 : covariate_factor(e, p, t);
        const double E = -std::log(slot_uniform(p, u, slot));
        const double tj = sample_hazard(e, p, t, E, c);
        if (tj < best) best = tj, code = static_cast<std::int32_t>(j);
        continue;
      }
      if (excluded(e.to)) continue;
      w_base_[n] = e.hazard.rate * (e.cov_begin == e.cov_end ? 1.0 : covariate_factor(e, p, t));
      w_idx_[n] = j;
      scheduled = scheduled || e.schedule != no_index;
      ++n;
    }
    if (n == 0) return;
    double E = -std::log(random::uniform_open0(u[slot_time]));
    double tx = inf;
    double R = 0.0;
    if (!scheduled) {
      for (std::size_t k = 0; k < n; ++k) R += w_cur_[k] = w_base_[k];
      if (R > 0.0) tx = t + E / R;
    } else {
      double cur = t;
      for (;;) {
        R = 0.0;
        double nb = inf;
        for (std::size_t k = 0; k < n; ++k) {
          const OutEdge& e = m_.out_edges[w_idx_[k]];
          double m = 1.0;
          if (e.schedule != no_index) {
            const auto& sch = m_.schedules[static_cast<std::size_t>(e.schedule)];
            m = sch.at(cur);
            nb = std::min(nb, next_break(sch, cur));
          }
          R += w_cur_[k] = w_base_[k] * m;
        }
        if (R > 0.0 && E <= R * (nb - cur)) {
          tx = cur + E / R;
          break;
        }
        if (nb == inf || nb > m_.end) break;
        if (R > 0.0) E -= R * (nb - cur);
        cur = nb;
      }
    }
    if (tx < best) {
      const double target = random::uniform_closed0(u[slot_dest]) * R;
      double acc = 0.0;
      std::size_t k = 0;
      for (; k + 1 < n; ++k) {
        acc += w_cur_[k];
        if (target < acc) break;
      }
      while (w_cur_[k] == 0.0 && k > 0) --k;  // never pick a zero-rate risk through rounding
      best = tx;
      code = static_cast<std::int32_t>(w_idx_[k]);
    }
  }

  // ---- system events: arrivals and capacity changes -------------------------------------------------

  double sample_arrival(std::size_t i, double t) {
    const InflowInfo& f = m_.inflows[i];
    const auto u = random::detail::philox(key_, i, arrivals_n_[i], random::Purpose::arrival, 0);
    double E = -std::log(random::uniform_open0(u[0]));
    double cur = t;
    for (;;) {
      const double rate = f.rate.at(cur);
      const double nb = next_break(f.rate, cur);
      if (rate > 0.0 && E <= rate * (nb - cur)) return cur + E / rate;
      if (nb == inf || nb > m_.end) return inf;
      if (rate > 0.0) E -= rate * (nb - cur);
      cur = nb;
    }
  }

  void update_next_system() {
    next_system_ = cap_change_ < m_.capacity_changes.size() ? m_.capacity_changes[cap_change_].time : inf;
    if (!arrivals_.empty()) next_system_ = std::min(next_system_, arrivals_.front().first);
  }

  // Capacity changes come before arrivals at the same time; arrivals in source order.
  void system_event() {
    if (cap_change_ < m_.capacity_changes.size() && m_.capacity_changes[cap_change_].time <= now_) {
      const CapacityChange& ch = m_.capacity_changes[cap_change_++];
      const std::size_t l = ch.region * C_ + ch.capacity;
      places_[l] = static_cast<std::int64_t>(ch.places);
      admit(l);
    } else {
      // The earliest arrival; equal times in source order (the heap orders by (time, source)).
      std::pop_heap(arrivals_.begin(), arrivals_.end(), later);
      const std::size_t i = arrivals_.back().second;
      arrivals_.pop_back();
      arrive(i);
    }
    update_next_system();
  }

  void arrive(std::size_t i) {
    const InflowInfo& f = m_.inflows[i];
    const std::uint64_t n = arrivals_n_[i]++;
    const std::uint32_t p = new_person((static_cast<std::uint64_t>(i) + 1) << 40 | n, f.region);
    draw_attributes(p, f.attributes);
    std::uint32_t d = f.state;
    std::uint32_t flow = f.flow;
    const std::int32_t c = m_.states[d].capacity;
    if (c != no_index && occ_[f.region * S_ + d] >= places_[f.region * C_ + static_cast<std::size_t>(c)]) {
      d = m_.capacities[static_cast<std::size_t>(c)].waiting_state;
      flow = static_cast<std::uint32_t>(f.wait_flow);
    }
    ++counters_[f.region].arrivals;
    count_period(kpp_arrivals);
    count_flow(flow, f.region);
    enter(p, d, now_, /*moved=*/false);
    queue_arrival(i, sample_arrival(i, now_));
  }

  // ---- end of run ------------------------------------------------------------------------------------

  void finish() {
    const std::size_t K = m_.layout.K();
    KpiCounters total;
    for (std::size_t g = 0; g < G_; ++g) {
      total += counters_[g];
      if (m_.layout.by_region()) {
        KpiCounters region = counters_[g];
        for (std::size_t r = 0; r < P_; ++r) region.cost_eur += res_.cost_region_eur[r * G_ + g];
        fill_kpis(region, &res_.kpi_region[g * K]);
      }
    }
    total.cost_eur = 0.0;
    for (double c : res_.cost_eur) total.cost_eur += c;
    fill_kpis(total, res_.kpi.data());
    res_.events = events_;
    res_.peak_live_persons = peak_live_;
    std::uint64_t bytes = people_.capacity() * sizeof(Person) + entry_time_.capacity() * sizeof(double) +
                          free_.capacity() * sizeof(std::uint32_t) +
                          q_.memory_bytes() + waits_.capacity() * sizeof(WaitRecord) +
                          free_waits_.capacity() * sizeof(std::uint32_t);
    for (const auto& a : attr_) bytes += a.capacity() * sizeof(double);
    for (const auto& l : lists_) bytes += l.capacity() * sizeof(std::uint32_t);
    res_.peak_bytes = bytes;
  }

  std::uint64_t trace_people_ = 0;  // people created so far below this are traced
  std::uint64_t created_ = 0;
  const CompiledModel& m_;
  random::StreamKey key_;
  std::size_t S_, C_, T_, P_, E_, G_, O_, Kp_, J_;
  double now_ = 0.0;

  // People, indexed by slot (slots of people who left are reused). The fields touched on every
  // event sit together in one 48-byte record: one cache miss per event instead of one per field.
  struct Person {
    double spell_start;      // calendar time the current spell started
    std::uint64_t key;       // random-stream key: initial index, or (source + 1) << 40 | arrival
    std::uint32_t draws;     // transition draws taken so far
    std::uint32_t version;   // version of the queued event; other versions are stale
    std::int32_t next;       // what the queued event is (out-edge index or code_*)
    std::int32_t wait_ref;   // wait record, or -1
    double exit_time;        // calendar time of reaching the exit age (infinity without one)
    std::uint16_t state;
    std::uint16_t region;
    std::uint8_t flags;
  };
  static_assert(sizeof(Person) == 48);  // spell_start, key, exit_time, 4 x 4 bytes, state, region, flags
  std::vector<double> entry_time_;       // calendar time each person entered the model (read rarely)
  std::vector<Person> people_;
  std::vector<std::uint32_t> free_;
  std::int32_t age_attr_ = no_index;

  CalendarQueue q_;

  // Occupancy and its time integral per state.
  std::vector<std::int64_t> occ_;
  std::vector<double> area_, last_;

  // Capacities and waiting lists.
  std::vector<std::int64_t> places_;
  std::vector<std::vector<std::uint32_t>> lists_;
  std::vector<std::int64_t> list_len_;
  std::vector<double> list_area_, list_last_;
  std::vector<WaitRecord> waits_;
  std::vector<std::uint32_t> free_waits_;
  std::uint64_t wait_seq_ = 0;

  std::vector<std::vector<double>> attr_;  // [attribute][slot]; age stored as birth time

  // System events.
  // Next arrival of each inflow source, as a min-heap of (time, source): one heap step per
  // arrival, however many sources (342 gemeenten with an inflow each).
  std::vector<std::pair<double, std::size_t>> arrivals_;
  static bool later(const std::pair<double, std::size_t>& a, const std::pair<double, std::size_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second > b.second);
  }
  void queue_arrival(std::size_t i, double t) {
    if (t > m_.end) return;  // no more arrivals from this source within the horizon
    arrivals_.emplace_back(t, i);
    std::push_heap(arrivals_.begin(), arrivals_.end(), later);
  }
  std::vector<std::uint64_t> arrivals_n_;
  std::size_t cap_change_ = 0;
  double next_system_ = inf;

  std::size_t report_ = 0;  // next report time; also the current period

  // Scratch for the exponential block (sized to the largest out-degree).
  std::vector<double> w_base_, w_cur_;
  std::vector<std::uint32_t> w_idx_;

  // KPI counters, per region.
  std::vector<KpiCounters> counters_;
  std::uint64_t live_ = 0, peak_live_ = 0, events_ = 0;

  ReplicateResult res_;
};

}  // namespace

Simulator::Simulator(const model::Scenario& scenario) : model_(std::make_shared<const CompiledModel>(scenario)) {}
Simulator::~Simulator() = default;

const Layout& Simulator::layout() const noexcept { return model_->layout; }

ReplicateResult Simulator::run(std::uint64_t seed, std::uint64_t replicate, std::uint64_t trace_people) const {
  Replicate r(*model_, seed, replicate, trace_people);
  return r.run();
}

}  // namespace trede::engine
