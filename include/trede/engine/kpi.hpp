#pragma once
/// \file
/// The KPIs of a replicate: one table that names each KPI, gives its unit, says what it means
/// and computes it. `Layout::kpi_names` and `Layout::kpi_period_names` are read from these tables,
/// and the engine fills `ReplicateResult::kpi` (and `kpi_region`) by calling each row's `value`
/// on the replicate's counters. Adding a KPI is one enumerator, one row and, when it needs a new
/// count, one `KpiCounters` member incremented where the engine records the event.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace trede::engine {

/// The counts a replicate keeps for its KPIs, per region and in total, over the whole run.
/// "Move" is any change of state inside the model (transitions, admissions, moves into waiting
/// states, reneging, leakage, exit at age).
struct KpiCounters {
  std::uint64_t persons = 0;         ///< people created: the initial population plus arrivals
  std::uint64_t events = 0;          ///< moves plus arrivals
  std::uint64_t arrivals = 0;        ///< arrivals by inflow
  std::uint64_t absorbed = 0;        ///< moves into absorbing states
  std::uint64_t uitstroom_werk = 0;  ///< moves into a work state from a non-work state
  std::uint64_t uitval = 0;          ///< moves into an uitval state
  std::uint64_t herinstroom = 0;     ///< moves from uitval or work into a state that is neither, nor absorbing
  std::uint64_t ever_trede4 = 0;     ///< people ever in a state with trede >= 4 (the first state included)
  std::uint64_t ever_work = 0;       ///< people ever in a work state (the first state included)
  std::uint64_t reached_work = 0;    ///< people whose first entry into work was a move (not creation)
  double time_to_work_sum = 0.0;     ///< years from entering the model to that move, summed over them
  std::uint64_t joined = 0;          ///< joins of any waiting list
  std::uint64_t admitted = 0;        ///< admissions from waiting lists
  std::uint64_t reneged = 0;         ///< people who gave up waiting
  double admitted_wait_sum = 0.0;    ///< years on the list, summed over the admitted
  std::uint64_t handovers = 0;       ///< transitions that fired between two organisations
  std::uint64_t leaked = 0;          ///< people lost at a handover
  double cost_eur = 0.0;             ///< euros over the run (state and organisation costs); set at the end

  KpiCounters& operator+=(const KpiCounters& o) noexcept {
    persons += o.persons, events += o.events, arrivals += o.arrivals, absorbed += o.absorbed;
    uitstroom_werk += o.uitstroom_werk, uitval += o.uitval, herinstroom += o.herinstroom;
    ever_trede4 += o.ever_trede4, ever_work += o.ever_work, reached_work += o.reached_work;
    time_to_work_sum += o.time_to_work_sum;
    joined += o.joined, admitted += o.admitted, reneged += o.reneged;
    admitted_wait_sum += o.admitted_wait_sum;
    handovers += o.handovers, leaked += o.leaked;
    cost_eur += o.cost_eur;
    return *this;
  }
};

/// Index of each per-replicate KPI in `ReplicateResult::kpi`, `Layout::kpi_names` and `kpi_table`.
enum Kpi : std::size_t {
  kpi_uitstroom_werk,
  kpi_uitval,
  kpi_herinstroom,
  kpi_mean_time_to_first_work,
  kpi_share_reached_trede_ge4,
  kpi_share_reached_work,
  kpi_cost_total,
  kpi_cost_per_person_reaching_work,
  kpi_persons,
  kpi_persons_reaching_work,
  kpi_arrivals,
  kpi_absorbed,
  kpi_events,
  kpi_waiting_joined,
  kpi_waiting_admitted,
  kpi_waiting_reneged,
  kpi_mean_waiting_time_admitted,
  kpi_handovers,
  kpi_leaked,
  kpi_count  ///< number of KPIs
};

/// One per-replicate KPI.
struct KpiDefinition {
  Kpi index;                       ///< its position (rows are in index order)
  std::string_view name;           ///< name in `Layout::kpi_names` and HDF5 `/kpi_names`
  std::string_view unit;           ///< "moves", "transitions", "people", "events", "years", "share", "EUR" or "EUR per person"
  std::string_view description;    ///< what it means, in one line
  std::string_view computed_from;  ///< the `KpiCounters` members it is computed from
  double (*value)(const KpiCounters&) noexcept;  ///< its value for a set of counters
};

namespace detail {
constexpr double count(std::uint64_t x) noexcept { return static_cast<double>(x); }
// a / n, or NaN when n is 0 (a mean over nobody).
constexpr double mean_or_nan(double a, std::uint64_t n) noexcept {
  return n > 0 ? a / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}
// x / n, or 0 when n is 0 (a share of nobody).
constexpr double share_or_zero(std::uint64_t x, std::uint64_t n) noexcept {
  return n > 0 ? static_cast<double>(x) / static_cast<double>(n) : 0.0;
}
}  // namespace detail

/// Every per-replicate KPI, in index order.
inline constexpr std::array<KpiDefinition, kpi_count> kpi_table{{
    {kpi_uitstroom_werk, "uitstroom_werk", "moves", "moves into a work state from a non-work state",
     "uitstroom_werk", [](const KpiCounters& c) noexcept { return detail::count(c.uitstroom_werk); }},
    {kpi_uitval, "uitval", "moves", "moves into an uitval state", "uitval",
     [](const KpiCounters& c) noexcept { return detail::count(c.uitval); }},
    {kpi_herinstroom, "herinstroom", "moves",
     "moves from an uitval or work state into a state that is not work, not uitval and not absorbing",
     "herinstroom", [](const KpiCounters& c) noexcept { return detail::count(c.herinstroom); }},
    {kpi_mean_time_to_first_work, "mean_time_to_first_work_years", "years",
     "mean years from entering the model to the first move into work, over those who made one; NaN if nobody did",
     "time_to_work_sum / reached_work",
     [](const KpiCounters& c) noexcept { return detail::mean_or_nan(c.time_to_work_sum, c.reached_work); }},
    {kpi_share_reached_trede_ge4, "share_reached_trede_ge4", "share",
     "share of all people ever present who were ever at trede >= 4 (the first state included)",
     "ever_trede4 / persons",
     [](const KpiCounters& c) noexcept { return detail::share_or_zero(c.ever_trede4, c.persons); }},
    {kpi_share_reached_work, "share_reached_work", "share",
     "share of all people ever present who were ever in a work state (the first state included)",
     "ever_work / persons",
     [](const KpiCounters& c) noexcept { return detail::share_or_zero(c.ever_work, c.persons); }},
    {kpi_cost_total, "cost_total_eur", "EUR", "total cost of the run: state costs plus organisation costs",
     "cost_eur", [](const KpiCounters& c) noexcept { return c.cost_eur; }},
    {kpi_cost_per_person_reaching_work, "cost_per_person_reaching_work_eur", "EUR per person",
     "cost_total_eur / persons_reaching_work: the cost of everyone, those who never reached work "
     "included, per person who reached work (not a cost per placement); NaN if nobody did",
     "cost_eur / reached_work",
     [](const KpiCounters& c) noexcept { return detail::mean_or_nan(c.cost_eur, c.reached_work); }},
    {kpi_persons, "persons", "people", "people ever present: the initial population plus arrivals", "persons",
     [](const KpiCounters& c) noexcept { return detail::count(c.persons); }},
    {kpi_persons_reaching_work, "persons_reaching_work", "people",
     "people who moved into a work state for the first time during the run (not those who started there)",
     "reached_work", [](const KpiCounters& c) noexcept { return detail::count(c.reached_work); }},
    {kpi_arrivals, "arrivals", "people", "arrivals by inflow", "arrivals",
     [](const KpiCounters& c) noexcept { return detail::count(c.arrivals); }},
    {kpi_absorbed, "absorbed", "moves", "moves into absorbing states", "absorbed",
     [](const KpiCounters& c) noexcept { return detail::count(c.absorbed); }},
    {kpi_events, "events", "events", "moves plus arrivals", "events",
     [](const KpiCounters& c) noexcept { return detail::count(c.events); }},
    {kpi_waiting_joined, "waiting_joined", "people", "joins of any waiting list", "joined",
     [](const KpiCounters& c) noexcept { return detail::count(c.joined); }},
    {kpi_waiting_admitted, "waiting_admitted", "people", "admissions from waiting lists", "admitted",
     [](const KpiCounters& c) noexcept { return detail::count(c.admitted); }},
    {kpi_waiting_reneged, "waiting_reneged", "people", "people who gave up waiting", "reneged",
     [](const KpiCounters& c) noexcept { return detail::count(c.reneged); }},
    {kpi_mean_waiting_time_admitted, "mean_waiting_time_admitted_years", "years",
     "mean years on the list of those admitted; NaN if nobody was", "admitted_wait_sum / admitted",
     [](const KpiCounters& c) noexcept { return detail::mean_or_nan(c.admitted_wait_sum, c.admitted); }},
    {kpi_handovers, "handovers", "transitions", "transitions that fired between two organisations", "handovers",
     [](const KpiCounters& c) noexcept { return detail::count(c.handovers); }},
    {kpi_leaked, "leaked", "people", "people lost at a handover", "leaked",
     [](const KpiCounters& c) noexcept { return detail::count(c.leaked); }},
}};

/// Index of each KPI counted per period in `ReplicateResult::kpi_period` and `kpi_period_table`.
enum KpiPeriod : std::size_t {
  kpp_uitstroom_werk,
  kpp_uitval,
  kpp_herinstroom,
  kpp_persons_reaching_work,
  kpp_arrivals,
  kpp_absorbed,
  kpp_waiting_joined,
  kpp_waiting_admitted,
  kpp_waiting_reneged,
  kpp_handovers,
  kpp_leaked,
  kpp_cost_eur,
  kpp_count  ///< number of per-period KPIs
};

/// One KPI counted per period: the engine adds to it in the period that contains the event.
struct KpiPeriodDefinition {
  KpiPeriod index;             ///< its position (rows are in index order)
  std::string_view name;       ///< name in `Layout::kpi_period_names` and HDF5 `/kpi_period_names`
  std::string_view unit;
  std::string_view description;
  std::string_view computed_from;  ///< what the engine counts, and where
};

/// Every per-period KPI, in index order.
inline constexpr std::array<KpiPeriodDefinition, kpp_count> kpi_period_table{{
    {kpp_uitstroom_werk, "uitstroom_werk", "moves", "moves into a work state from a non-work state", "each such move"},
    {kpp_uitval, "uitval", "moves", "moves into an uitval state", "each such move"},
    {kpp_herinstroom, "herinstroom", "moves", "moves from uitval or work into a non-work, non-uitval, non-absorbing state",
     "each such move"},
    {kpp_persons_reaching_work, "persons_reaching_work", "people", "people moving into work for the first time",
     "each first move into work"},
    {kpp_arrivals, "arrivals", "people", "arrivals by inflow", "each arrival"},
    {kpp_absorbed, "absorbed", "moves", "moves into absorbing states", "each such move"},
    {kpp_waiting_joined, "waiting_joined", "people", "joins of any waiting list", "each join"},
    {kpp_waiting_admitted, "waiting_admitted", "people", "admissions from waiting lists", "each admission"},
    {kpp_waiting_reneged, "waiting_reneged", "people", "people who gave up waiting", "each renege"},
    {kpp_handovers, "handovers", "transitions", "transitions that fired between two organisations", "each handover started"},
    {kpp_leaked, "leaked", "people", "people lost at a handover", "each handover completed with the person lost"},
    {kpp_cost_eur, "cost_eur", "EUR", "cost of the period: state costs plus organisation costs",
     "ReplicateResult::cost_eur of the period"},
}};

namespace detail {
constexpr bool kpi_rows_in_order() noexcept {
  for (std::size_t k = 0; k < kpi_table.size(); ++k)
    if (kpi_table[k].index != k) return false;
  for (std::size_t k = 0; k < kpi_period_table.size(); ++k)
    if (kpi_period_table[k].index != k) return false;
  return true;
}
static_assert(kpi_rows_in_order(), "every KPI table row sits at its own index");
// GCC's UndefinedBehaviorSanitizer (the asan preset) makes the address of a lambda's function
// non-constant, so this check is left to the other builds.
#if !(defined(__GNUC__) && !defined(__clang__) && defined(__SANITIZE_ADDRESS__))
constexpr bool kpi_rows_have_values() noexcept {
  for (const auto& row : kpi_table)
    if (row.value == nullptr) return false;
  return true;
}
static_assert(kpi_rows_have_values(), "every KPI table row has a function");
#endif
}  // namespace detail

/// The KPI names in index order (what `Layout::kpi_names` holds).
[[nodiscard]] std::vector<std::string> kpi_names();
/// The per-period KPI names in index order (what `Layout::kpi_period_names` holds).
[[nodiscard]] std::vector<std::string> kpi_period_names();
/// Fills k[0, kpi_count) from `c` by the table's rows.
void fill_kpis(const KpiCounters& c, double* k) noexcept;

}  // namespace trede::engine
