#pragma once
// The people of one replicate, by slot: the record touched on every event, their attribute
// columns and entry times (read rarely), and a free list of the slots of people who left.
// Slots are reused; a slot's version survives reuse, so events queued for its previous owner
// stay stale.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "trede/error.hpp"

namespace trede::engine {

// What a person's pending event is: an index into CompiledModel::out_edges, or one of these.
inline constexpr std::int32_t code_none = -1;
inline constexpr std::int32_t code_age = -2;     // reaching the exit age
inline constexpr std::int32_t code_renege = -3;  // giving up an in-place wait
// Completing a delayed handover along out-edge j, lost (leak = 1) or not: code_handover - (2j + leak).
inline constexpr std::int32_t code_handover = -16;

inline constexpr std::uint8_t flag_trede4 = 1;  // has been at trede >= 4
inline constexpr std::uint8_t flag_work = 2;    // has been in a work state
inline constexpr std::uint8_t flag_traced = 4;  // every change of state is recorded

// The fields touched on every event sit together in one 48-byte record: one cache miss per
// event instead of one per field.
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

class People {
 public:
  explicit People(std::size_t attributes) : attr_(attributes) {}

  // A new person with random-stream key `key` in `region`, entering the model at `now`.
  // Throws trede::Error past 2^31 people alive at once.
  std::uint32_t create(std::uint64_t key, std::uint32_t region, double now, bool traced) {
    std::uint32_t p;
    if (!free_.empty()) {
      p = free_.back();
      free_.pop_back();
    } else {
      if (people_.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
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
    x.key = key;
    x.region = static_cast<std::uint16_t>(region);
    x.next = code_none;
    x.wait_ref = -1;
    x.exit_time = std::numeric_limits<double>::infinity();
    if (traced) x.flags |= flag_traced;
    entry_time_[p] = now;
    ++live_;
    peak_live_ = std::max(peak_live_, live_);
    return p;
  }

  // p left the model: anything still queued for the slot becomes stale and the slot is reused.
  void release(std::uint32_t p) {
    ++people_[p].version;
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

  // Starts loading p's record and attributes (p's event is a few events ahead).
  void prefetch(std::uint32_t p) const noexcept {
    __builtin_prefetch(&people_[p]);
    for (const auto& column : attr_) __builtin_prefetch(&column[p]);  // covariates, priorities
  }

  std::uint64_t peak_live() const noexcept { return peak_live_; }

  // Bytes held by person records, entry times, attributes and the free list.
  std::uint64_t memory_bytes() const noexcept {
    std::uint64_t bytes = people_.capacity() * sizeof(Person) + entry_time_.capacity() * sizeof(double) +
                          free_.capacity() * sizeof(std::uint32_t);
    for (const auto& a : attr_) bytes += a.capacity() * sizeof(double);
    return bytes;
  }

 private:
  std::vector<Person> people_;
  std::vector<double> entry_time_;
  std::vector<std::vector<double>> attr_;  // [attribute][slot]
  std::vector<std::uint32_t> free_;
  std::uint64_t live_ = 0, peak_live_ = 0;
};

}  // namespace trede::engine
