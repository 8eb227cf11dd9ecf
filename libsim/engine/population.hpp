#pragma once
// Creating people: the initial population (groups drawn from distributions, and individuals read
// from microdata) and arrivals' attributes. Each person's values come from their own streams
// (attribute draws keyed by the attribute's name, time already in the state), so a person is the
// same in every scenario run with the same seed.

#include <cstdint>
#include <vector>

#include "engine/compiled_model.hpp"
#include "engine/people.hpp"
#include "engine/recorder.hpp"
#include "trede/random/stream.hpp"

namespace trede::engine {

// A value of distribution d by inversion of the uniform u in (0, 1].
[[nodiscard]] double draw_value(const model::Distribution& d, double u);

class Population {
 public:
  Population(const CompiledModel& m, random::StreamKey key, std::uint64_t trace_people)
      : m_(m), key_(key), trace_people_(trace_people) {}

  // A new person with stream key `key` in `region`, entering at `now`; the first
  // `trace_people` people created are traced.
  std::uint32_t create(People& people, Recorder& rec, std::uint64_t key, std::uint32_t region, double now) {
    const std::uint32_t p = people.create(key, region, now, created_++ < trace_people_);
    ++rec.counters(region).persons;
    return p;
  }

  // Draws p's attributes from their own attribute stream (one uniform per attribute, keyed by a
  // hash of its name, so adding or renaming another attribute leaves the values of the others
  // unchanged: common random numbers between scenario variants). Age is stored as birth time.
  void draw_attributes(People& people, std::uint32_t p, const std::vector<model::AttributeDraw>& draws,
                       double now) const;

  // Creates the initial population of every region, in file order, and puts each person into
  // their first state by `enter(p, state, spell_start)`.
  template <class Enter>
  void create_initial(People& people, Recorder& rec, Enter&& enter) {
    people.reserve(m_.initial_people);
    std::uint64_t key = 0;
    for (std::uint32_t region = 0; region < m_.regions.size(); ++region) {
      for (const model::InitialGroup& g : m_.regions[region].initial)
        for (std::uint64_t k = 0; k < g.count; ++k) {
          const std::uint32_t p = create(people, rec, initial_key(key++), region, m_.start);
          draw_attributes(people, p, g.attributes, m_.start);
          enter(p, g.state, m_.start - time_in_state(people[p].key(), g.time_in_state));
        }
      for (const model::Individual& ind : m_.regions[region].individuals) {
        const std::uint32_t p = create(people, rec, initial_key(key++), region, m_.start);
        set_attributes(people, p, ind);
        enter(p, ind.state, m_.start - ind.time_in_state);
      }
    }
  }

 private:
  // Years already spent in the first state, drawn from the person's own stream.
  double time_in_state(std::uint64_t person_key, const model::Distribution& d) const;
  void set_attributes(People& people, std::uint32_t p, const model::Individual& ind) const;
  // The exit age is reached at birth + age; kept in the person record so that scheduling does
  // not touch the attribute arrays.
  void set_exit_time(People& people, std::uint32_t p) const {
    if (m_.has_exit_age) people.set_exit_time(p, people.attribute(m_.exit_age_attribute, p) + m_.exit_age);
  }

  const CompiledModel& m_;
  random::StreamKey key_;
  std::uint64_t trace_people_ = 0;  // people created so far below this are traced
  std::uint64_t created_ = 0;
};

}  // namespace trede::engine
