#pragma once
// The people of one replicate, by slot: a 32-byte record touched on every event, and columns
// read less often or only by some models (entry times; the exit time of models with an exit
// age; attributes). Slots of people who left are reused; a
// slot's version survives reuse, so events queued for its previous owner stay stale. Storage
// grows by a sixteenth at a time, so it stays close to the most people alive.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/big_array.hpp"
#include "engine/compiled_model.hpp"
#include "engine/prefetch.hpp"
#include "trede/error.hpp"

namespace trede::engine {

// What a person's pending event is: an index into CompiledModel::out_edges, or one of these.
inline constexpr std::int32_t code_none = -1;
inline constexpr std::int32_t code_age = -2;     // reaching the exit age
inline constexpr std::int32_t code_renege = -3;  // giving up an in-place wait
// Completing a delayed handover along out-edge j, lost (leak = 1) or not: code_handover - (2j + leak).
inline constexpr std::int32_t code_handover = -16;

inline constexpr std::uint8_t flag_trede4 = mark_trede4;  // has been at trede >= 4
inline constexpr std::uint8_t flag_work = mark_work;      // has been in a work state
inline constexpr std::uint8_t flag_traced = 4;            // every change of state is recorded
inline constexpr std::uint8_t flag_waiting = 8;           // on a waiting list: `next` is the wait record

// A person's random-stream key: 0, 1, ... for the initial population, (source + 1) << 40 | n for
// arrival n of inflow source `source`. Kept in the low 56 bits of Person::key_flags, which needs
// fewer than 2^40 initial people and arrivals per source and 65,535 sources; CompiledModel and
// the arrivals check tighter limits (2^32).
inline constexpr std::uint64_t initial_key(std::uint64_t index) noexcept { return index; }
inline constexpr std::uint64_t arrival_key(std::uint64_t source, std::uint64_t n) noexcept {
  return (source + 1) << 40 | n;
}

// The fields touched on every event, in one 32-byte record: two people per cache line.
struct Person {
  double spell_start;      // calendar time the current spell started
  std::uint64_t key_flags; // stream key (bits 0-55) and flags (bits 56-63)
  std::uint32_t draws;     // transition draws taken so far
  std::uint32_t version;   // version of the queued event; other versions are stale
  std::int32_t next;       // what the queued event is (out-edge index or code_*); while on a
                           // waiting list, the wait record (which then holds the code)
  std::uint16_t state;
  std::uint16_t region;

  static constexpr std::uint64_t key_mask = (std::uint64_t{1} << 56) - 1;
  [[nodiscard]] std::uint64_t key() const noexcept { return key_flags & key_mask; }
  void set_key(std::uint64_t key) noexcept { key_flags = (key_flags & ~key_mask) | (key & key_mask); }
  [[nodiscard]] std::uint8_t flags() const noexcept { return static_cast<std::uint8_t>(key_flags >> 56); }
  void set_flag(std::uint8_t f) noexcept { key_flags |= std::uint64_t{f} << 56; }
  void clear_flag(std::uint8_t f) noexcept { key_flags &= ~(std::uint64_t{f} << 56); }
};
static_assert(sizeof(Person) == 32);

class People {
 public:
  // `exit_age`: the model has an exit age.
  People(std::size_t attributes, bool exit_age)
      : attr_(attributes), exit_age_(exit_age), more_columns_(exit_age || attributes > 0) {}

  // Makes room for n people without growing (the initial population).
  void reserve(std::size_t n) { grow_to(n); }

  // A new person with stream key `key` in `region`, entering the model at `now`.
  // Throws trede::Error past 2^31 people alive at once.
  std::uint32_t create(std::uint64_t key, std::uint32_t region, double now, bool traced) {
    std::uint32_t p;
    if (!free_.empty()) {
      p = free_.back();
      free_.pop_back();
    } else {
      if (people_.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw Error("more than 2^31 people alive at once in one replicate");
      if (people_.size() == people_.capacity()) grow_to(people_.size() + people_.size() / 16 + 1024);
      p = static_cast<std::uint32_t>(people_.size());
      people_.push_back(Person{});
      entry_time_.push_back(0.0);
      if (exit_age_) exit_time_.push_back(0.0);
      for (auto& a : attr_) a.push_back(0.0);
    }
    Person& x = people_[p];
    const std::uint32_t version = x.version;  // kept across reuse: old queue entries stay stale
    x = Person{};
    x.version = version;
    x.set_key(key);
    if (traced) x.set_flag(flag_traced);
    x.region = static_cast<std::uint16_t>(region);
    x.next = code_none;
    entry_time_[p] = now;
    if (exit_age_) exit_time_[p] = std::numeric_limits<double>::infinity();
    ++live_;
    peak_live_ = std::max(peak_live_, live_);
    return p;
  }

  // The state of a slot whose person left (no state has this index: at most 65,535 states).
  static constexpr std::uint16_t released_state = 0xFFFF;

  // p left the model: anything still queued for the slot becomes stale and the slot is reused.
  void release(std::uint32_t p) {
    ++people_[p].version;
    people_[p].state = released_state;
    if (free_.size() == free_.capacity()) free_.reserve(free_.size() + free_.size() / 8 + 1024);
    free_.push_back(p);
    --live_;
  }

  Person& operator[](std::uint32_t p) noexcept { return people_[p]; }
  const Person& operator[](std::uint32_t p) const noexcept { return people_[p]; }

  // Value of attribute a of p (age is stored as the calendar time of birth).
  double& attribute(std::size_t a, std::uint32_t p) noexcept { return attr_[a][p]; }
  double attribute(std::size_t a, std::uint32_t p) const noexcept { return attr_[a][p]; }

  // Calendar time p entered the model (the start for the initial population).
  double entry_time(std::uint32_t p) const noexcept { return entry_time_[p]; }

  // Calendar time p reaches the exit age (infinity in models without one).
  double exit_time(std::uint32_t p) const noexcept {
    return exit_age_ ? exit_time_[p] : std::numeric_limits<double>::infinity();
  }
  void set_exit_time(std::uint32_t p, double t) noexcept { exit_time_[p] = t; }

  // Starts loading what p's next event will read (p's event is a few events ahead).
  void prefetch(std::uint32_t p) const noexcept {
    engine::prefetch(&people_[p]);
    engine::prefetch(&entry_time_[p]);  // read when p first reaches work
    if (more_columns_) [[unlikely]] {
      if (exit_age_) engine::prefetch(&exit_time_[p]);
      for (const auto& column : attr_) engine::prefetch(&column[p]);  // covariates, priorities
    }
  }

  std::uint64_t peak_live() const noexcept { return peak_live_; }
  // Slots in use or released (people alive have a state other than released_state).
  std::uint32_t slots() const noexcept { return static_cast<std::uint32_t>(people_.size()); }

  // Bytes held by person records, their columns and the free list.
  std::uint64_t memory_bytes() const noexcept {
    std::uint64_t bytes = people_.capacity() * sizeof(Person) + entry_time_.capacity() * sizeof(double) +
                          exit_time_.capacity() * sizeof(double) +
                          free_.capacity() * sizeof(std::uint32_t);
    for (const auto& a : attr_) bytes += a.capacity() * sizeof(double);
    return bytes;
  }

 private:
  void grow_to(std::size_t n) {
    people_.reserve(n);
    entry_time_.reserve(n);
    if (exit_age_) exit_time_.reserve(n);
    for (auto& a : attr_) a.reserve(n);
  }

  BigArray<Person> people_;
  BigArray<double> entry_time_;
  BigArray<double> exit_time_;         // models with an exit age
  std::vector<BigArray<double>> attr_;  // [attribute][slot]
  std::vector<std::uint32_t> free_;
  bool exit_age_;
  bool more_columns_;  // exit times or attributes: prefetch() has more to load
  std::uint64_t live_ = 0, peak_live_ = 0;
};

}  // namespace trede::engine
