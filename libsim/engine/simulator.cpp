// One replicate: the event loop and the moves it makes. People, waiting lists, competing risks,
// population creation, arrivals and the recorder are separate units (engine/*.hpp), plain
// classes whose calls inline here: no allocation and no virtual call per event once the arrays
// have grown to the live population.

#include "trede/engine/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/arrivals.hpp"
#include "engine/calendar_queue.hpp"
#include "engine/compiled_model.hpp"
#include "engine/competing_risks.hpp"
#include "engine/group_recorder.hpp"
#include "engine/people.hpp"
#include "engine/population.hpp"
#include "engine/recorder.hpp"
#include "engine/waiting_lists.hpp"
#include "random/threefry_inline.hpp"
#include "trede/error.hpp"
#include "trede_assert.hpp"

namespace trede::engine {
namespace {

class Replicate {
 public:
  // Which waiting lists (region * C + capacity) are first come first served.
  static std::vector<bool> fifo_lists(const CompiledModel& m) {
    const std::size_t C = m.capacities.size();
    std::vector<bool> fifo(m.regions.size() * C);
    for (std::size_t l = 0; l < fifo.size(); ++l) fifo[l] = m.capacities[l % C].discipline == model::Discipline::fifo;
    return fifo;
  }

  Replicate(const CompiledModel& m, std::uint64_t seed, std::uint64_t replicate, std::uint64_t trace_people)
      : m_(m),
        key_{seed, replicate},
        S_(m.states.size()),
        C_(m.capacities.size()),
        G_(m.regions.size()),
        J_(m.out_edges.size()),
        rec_(m),
        groups_(m),
        people_(m.attributes.size(), m.has_exit_age),
        lists_(fifo_lists(m)),
        risks_(m, key_),
        population_(m, key_, trace_people),
        arrivals_(m, key_),
        places_(G_ * C_, 0) {
    for (std::size_t l = 0; l < G_ * C_; ++l) places_[l] = static_cast<std::int64_t>(m.initial_places[l]);
    now_ = m.start;
    end_ = m.end;
  }

  ReplicateResult run() {
    q_.init(m_.start, m_.end, m_.expected_people, m_.initial_people);
    population_.create_initial(people_, rec_, [this](std::uint32_t p, std::uint32_t state, double spell_start) {
      enter_new(p, state, spell_start);
    });
    // People who start on a waiting list get any places that are free at the start.
    for (std::uint32_t l = 0; l < G_ * C_; ++l) admit(l);
    arrivals_.start(m_.start);
    update_next_system();

    for (;;) {
      const QueueEntry* top = q_.peek();
      while (top && people_[top->slot].version != top->version) {  // stale: skip
        q_.pop();
        top = q_.peek();
      }
      const double tp = top ? top->time : never;
      const double t = std::min(tp, next_system_);
      if (t > end_) break;
      while (rec_.report_before(t)) snapshot();
      TREDE_ASSERT(rec_.reports_left());  // the last report time is the end: every event falls in a period
      now_ = t;
      if (next_system_ <= tp) [[unlikely]] {
        system_event();
        continue;
      }
      const std::uint32_t p = top->slot;
      q_.pop();
      // The next events are known in order: start loading their people now.
      if (const QueueEntry* a = q_.ahead(8)) people_.prefetch(a->slot);
      const std::int32_t code = next_code(people_[p]);
      if (code >= 0) attempt(p, static_cast<std::uint32_t>(code));
      else if (code == code_age) move_cold(p, m_.exit_state, static_cast<std::uint32_t>(m_.states[people_[p].state].age_exit_flow), Leave::left);
      else if (code == code_renege) renege(p);
      else if (code <= code_handover) {
        const auto v = static_cast<std::uint32_t>(code_handover - code);
        complete_handover(p, v / 2, (v & 1u) != 0);
      }
    }
    while (rec_.reports_left()) snapshot();
    // Everything this replicate holds: people, queue, lists, arrivals, scratch, recorder and result.
    const std::uint64_t bytes = sizeof(*this) + people_.memory_bytes() + q_.memory_bytes() + lists_.memory_bytes() +
                                arrivals_.memory_bytes() + risks_.memory_bytes() + rec_.memory_bytes() +
                                groups_.memory_bytes() + places_.capacity() * sizeof(std::int64_t);
    ReplicateResult r = rec_.finish(people_.peak_live(), bytes);
    groups_.finish(r);
    return r;
  }

 private:
  // The next report time: the breakdown by attribute (if asked), then everything else.
  void snapshot() {
    if (groups_.active()) [[unlikely]] groups_.snapshot(people_, rec_.next_report_time());
    rec_.snapshot();
  }

  // True when state d has no free place in region g (false for states without places).
  [[gnu::always_inline]] bool full(std::size_t g, std::uint32_t d) const {
    const std::int32_t c = m_.states[d].capacity;
    return c != no_index && rec_.occupancy(g, d) >= places_[g * C_ + static_cast<std::size_t>(c)];
  }

  // A person on a waiting list keeps their pending event's code in their wait record, whose
  // index takes its place in the person record (32 bytes for everyone, waiting or not).
  static bool waiting(const Person& x) noexcept { return x.flags() & flag_waiting; }
  std::int32_t next_code(const Person& x) const noexcept {
    return waiting(x) ? lists_.record(static_cast<std::uint32_t>(x.next)).next : x.next;
  }
  void set_next(Person& x, std::int32_t code) noexcept {
    if (waiting(x)) lists_.record(static_cast<std::uint32_t>(x.next)).next = code;
    else x.next = code;
  }

  // ---- moves -----------------------------------------------------------------------------------
  // move, enter and schedule are inlined into the path of a transition that fires; the other
  // paths call these out-of-line copies.

  [[gnu::noinline]] void move_cold(std::uint32_t p, std::uint32_t d, std::uint32_t flow, Leave reason) {
    move(p, d, flow, reason);
  }
  // A person created now enters their first state.
  [[gnu::noinline]] void enter_new(std::uint32_t p, std::uint32_t d, double spell_start) {
    enter(p, d, spell_start, /*moved=*/false);
  }
  // p's next event is drawn again from now, in the same state.
  [[gnu::noinline]] void reschedule(std::uint32_t p) { schedule(p, now_); }

  // Puts p into state d (spell starting at `spell_start`). `moved`: by a move inside the model
  // (counts attribute increments and first-work KPIs), not by creation.
  [[gnu::always_inline]] void enter(std::uint32_t p, std::uint32_t d, double spell_start, bool moved) {
    const StateInfo& st = m_.states[d];
    Person& x = people_[p];
    if (x.flags() & flag_traced) [[unlikely]]
      rec_.trace(now_, x.key(), moved ? static_cast<std::int32_t>(x.state) : -1, static_cast<std::int32_t>(d));
    x.state = static_cast<std::uint16_t>(d);
    x.spell_start = spell_start;
    if (!moved) rec_.occupancy_add(x.region, d, +1, now_);  // move() counts both ends of a move
    if (st.marks & ~x.flags()) first_entry(p, st, moved);
    if (!st.plain) [[unlikely]] {
      if (moved)
        for (std::uint32_t k = st.counts_begin; k < st.counts_end; ++k) people_.attribute(m_.count_attrs[k], p) += 1.0;
      if (st.absorbing) {
        if (groups_.active()) groups_.absorbed(people_, p, d, now_);
        people_.release(p);  // invalidates anything still queued for this slot
        return;
      }
      if (st.waiting_for != no_index) {
        join_list(p, static_cast<std::uint32_t>(st.waiting_for), 0);
        schedule(p, now_);
        return;
      }
    }
    // p is on no waiting list: move() took them off theirs, and a new person has none.
    TREDE_ASSERT(!waiting(x));
    schedule</*may_wait=*/false>(p, now_);
  }

  // p enters a state with a mark it never had: trede >= 4, or work (first work by a move
  // counts the time since p entered the model).
  void first_entry(std::uint32_t p, const StateInfo& st, bool moved) {
    Person& x = people_[p];
    KpiCounters& k = rec_.counters(x.region);
    if ((st.marks & mark_trede4) && !(x.flags() & flag_trede4)) {
      x.set_flag(flag_trede4);
      ++k.ever_trede4;
    }
    if ((st.marks & mark_work) && !(x.flags() & flag_work)) {
      x.set_flag(flag_work);
      ++k.ever_work;
      if (moved) {
        ++k.reached_work;
        k.time_to_work_sum += now_ - people_.entry_time(p);
        rec_.count_period(kpp_persons_reaching_work);
      }
    }
  }

  [[gnu::always_inline]] void move(std::uint32_t p, std::uint32_t d, std::uint32_t flow, Leave reason) {
    const std::uint32_t s = people_[p].state;
    const std::uint32_t g = people_[p].region;
    TREDE_ASSERT(m_.edge_from[flow] == static_cast<std::int32_t>(s) && m_.edge_to[flow] == static_cast<std::int32_t>(d));
    if (waiting(people_[p])) leave_list(p, reason);
    rec_.count_flow(flow, g);
    if (groups_.active()) [[unlikely]] groups_.flow(people_, p, flow, now_);
    rec_.sojourn(flow, now_ - people_[p].spell_start);
    rec_.occupancy_move(g, s, d, now_);
    const StateInfo& from = m_.states[s];
    enter(p, d, now_, /*moved=*/true);
    if (from.capacity != no_index) admit(g * C_ + static_cast<std::uint32_t>(from.capacity));
  }

  // Out-edge j fired for p. A move between two organisations is a handover first.
  [[gnu::always_inline]] void attempt(std::uint32_t p, std::uint32_t j) {
    const std::int32_t model = m_.handovers ? m_.regions[people_[p].region].model : no_index;
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
    ++rec_.counters(people_[p].region).handovers;
    rec_.count_period(kpp_handovers);
    const auto u = random::detail::threefry(key_, people_[p].key(), people_[p].draws, random::Purpose::handover, 0);
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
    if (m_.has_exit_age && people_.exit_time(p) < t) t = std::max(people_.exit_time(p), now_), code = code_age;
    set_next(x, code);
    if (t <= end_) q_.push(t, p, v);
  }

  void complete_handover(std::uint32_t p, std::uint32_t j, bool leak) {
    const OutEdge& e = m_.out_edges[j];
    if (leak) {
      const std::int32_t model = m_.regions[people_[p].region].model;
      const HandoverInfo& h =
          m_.handover_rules[static_cast<std::size_t>(m_.handover[static_cast<std::size_t>(model) * J_ + j])];
      ++rec_.counters(people_[p].region).leaked;
      rec_.count_period(kpp_leaked);
      const std::uint32_t s = people_[p].state;
      const auto flow = m_.leak_flow[s * S_ + static_cast<std::size_t>(h.leak_to)];
      TREDE_ASSERT(flow != no_index);
      move_cold(p, static_cast<std::uint32_t>(h.leak_to), static_cast<std::uint32_t>(flow), Leave::left);
      return;
    }
    attempt_to(p, e.to, e.flow, e.to_wait_flow, Leave::left);
  }

  // Moves p to d along `flow`, unless d is full: then p joins d's waiting list, in place (stay
  // mode: p keeps its state and redraws without d) or in d's waiting state via `to_wait_flow`.
  [[gnu::always_inline]] void attempt_to(std::uint32_t p, std::uint32_t d, std::uint32_t flow, std::int32_t to_wait_flow,
                                         Leave reason) {
    if (full(people_[p].region, d)) {
      const CapacityInfo& ci = m_.capacities[static_cast<std::size_t>(m_.states[d].capacity)];
      if (ci.mode == model::WaitingMode::stay) {
        if (waiting(people_[p])) leave_list(p, reason);  // a person waits on one list at a time
        join_list(p, static_cast<std::uint32_t>(m_.states[d].capacity), flow);
        reschedule(p);
      } else {
        TREDE_ASSERT(to_wait_flow != no_index);
        move_cold(p, ci.waiting_state, static_cast<std::uint32_t>(to_wait_flow), reason);
      }
      return;
    }
    move(p, d, flow, reason);
  }

  void renege(std::uint32_t p) {
    const std::uint32_t c = lists_.record(static_cast<std::uint32_t>(people_[p].next)).list % C_;
    const CapacityInfo& ci = m_.capacities[c];
    leave_list(p, Leave::reneged);
    if (ci.renege_to == no_index) {
      reschedule(p);  // gives up waiting, stays in the current state
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
    const std::size_t g = l / C_;
    while (rec_.occupancy(g, ci.state) < places_[l] && !lists_.empty(l)) {
      const WaitRecord& r = lists_.record(lists_.front(l));
      const std::uint32_t q = r.slot;
      const std::uint32_t flow =
          ci.mode == model::WaitingMode::stay ? r.flow : static_cast<std::uint32_t>(ci.admission_flow);
      leave_list(q, Leave::admitted);
      move_cold(q, ci.state, flow, Leave::admitted);
    }
  }

  // p joins the waiting list of capacity c in their region (priority lists order by attribute).
  void join_list(std::uint32_t p, std::uint32_t c, std::uint32_t flow) {
    const CapacityInfo& ci = m_.capacities[c];
    const std::size_t g = people_[p].region;
    double key = 0.0;
    if (ci.discipline == model::Discipline::priority) {
      double v = people_.attribute(ci.priority_attribute, p);
      if (m_.attributes[ci.priority_attribute].kind == model::AttributeKind::age) v = now_ - v;
      key = ci.descending ? -v : v;
    }
    Person& x = people_[p];
    const std::uint32_t rec = lists_.join(p, g * C_ + c, flow, key, now_);
    lists_.record(rec).next = x.next;
    x.next = static_cast<std::int32_t>(rec);
    x.set_flag(flag_waiting);
    rec_.joined_list(g, c, now_);
  }

  void leave_list(std::uint32_t p, Leave reason) {
    Person& x = people_[p];
    const WaitRecord r = lists_.leave(static_cast<std::uint32_t>(x.next));
    x.next = r.next;
    x.clear_flag(flag_waiting);
    rec_.left_list(people_[p].region, r.list, now_ - r.since, reason, now_);
  }

  // Draws p's next event in its current state and queues it. `may_wait` false: the caller knows
  // p is on no waiting list (the common path through enter() skips testing it twice).
  template <bool may_wait = true>
  [[gnu::always_inline]] void schedule(std::uint32_t p, double t) {
    Person& x = people_[p];
    const std::uint32_t v = ++x.version;
    bool waiting_in_place = false;
    double renege_rate = 0.0;
    if (may_wait && waiting(x)) {
      const CapacityInfo& ci = m_.capacities[lists_.record(static_cast<std::uint32_t>(x.next)).list % C_];
      if (ci.mode == model::WaitingMode::stay) {
        waiting_in_place = true;
        renege_rate = ci.renege_rate;
      }
    }
    const std::size_t g = x.region;
    const NextEvent next =
        risks_.next(people_, p, t, waiting_in_place, renege_rate, [this, g](std::uint32_t d) { return full(g, d); });
    if (may_wait) set_next(x, next.code);
    else x.next = next.code;
    if (next.time > end_) return;  // nothing happens to p within the horizon: keep it out of the queue
    q_.push(next.time, p, v);
  }

  // ---- system events: arrivals and capacity changes -------------------------------------------------

  void update_next_system() {
    next_system_ = cap_change_ < m_.capacity_changes.size() ? m_.capacity_changes[cap_change_].time : never;
    next_system_ = std::min(next_system_, arrivals_.next_time());
  }

  // Capacity changes come before arrivals at the same time; arrivals in source order.
  void system_event() {
    if (cap_change_ < m_.capacity_changes.size() && m_.capacity_changes[cap_change_].time <= now_) {
      const CapacityChange& ch = m_.capacity_changes[cap_change_++];
      const std::size_t l = ch.region * C_ + ch.capacity;
      places_[l] = static_cast<std::int64_t>(ch.places);
      admit(l);
    } else {
      const auto [i, n] = arrivals_.take(now_);
      arrive(i, n);
    }
    update_next_system();
  }

  // Arrival number n of inflow source i: into its entry state, or its waiting state when full.
  void arrive(std::size_t i, std::uint64_t n) {
    const InflowInfo& f = m_.inflows[i];
    const std::uint32_t p = population_.create(people_, rec_, arrival_key(i, n), f.region, now_);
    population_.draw_attributes(people_, p, f.attributes, now_);
    std::uint32_t d = f.state;
    std::uint32_t flow = f.flow;
    if (full(f.region, d)) {
      d = m_.capacities[static_cast<std::size_t>(m_.states[d].capacity)].waiting_state;
      flow = static_cast<std::uint32_t>(f.wait_flow);
    }
    ++rec_.counters(f.region).arrivals;
    rec_.count_period(kpp_arrivals);
    rec_.count_flow(flow, f.region);
    if (groups_.active()) [[unlikely]] groups_.flow(people_, p, flow, now_);
    enter_new(p, d, now_);
  }

  const CompiledModel& m_;
  random::StreamKey key_;
  std::size_t S_, C_, G_, J_;
  double now_ = 0.0;
  double end_ = 0.0;  // m_.end, read twice an event: one load fewer from this

  Recorder rec_;
  GroupRecorder groups_;
  People people_;
  WaitingLists lists_;
  CompetingRisks risks_;
  Population population_;
  Arrivals arrivals_;
  CalendarQueue q_;
  std::vector<std::int64_t> places_;  // [G * C] places now
  std::size_t cap_change_ = 0;        // next of CompiledModel::capacity_changes
  double next_system_ = never;        // time of the next arrival or capacity change
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
