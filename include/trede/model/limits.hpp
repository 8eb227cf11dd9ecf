#pragma once
/// \file
/// The valid ranges of the numbers a scenario may contain, checked by the loader (with file,
/// line and key) and by `with_values`. Each bound is documented in docs/scenario-format.md
/// (section "Valid ranges"); the reasons are given here.

#include <cstddef>
#include <cstdint>

namespace trede::model::limits {

/// Most states and regions: the engine stores a person's state and region in 16 bits.
inline constexpr std::size_t max_states = 65535;
inline constexpr std::size_t max_regions = 65535;

/// Most people in one population group or CSV file: the engine holds at most 2^31 - 1 people.
inline constexpr double max_people = 2147483647.0;

/// Largest hazard rate (per year), also after a calendar multiplier: above it a cycle of states
/// gives an event storm that no run finishes (a rate of 1e6 per year is one move every 30 s).
inline constexpr double max_rate_per_year = 1e6;
/// Shortest and longest holding-time scale, fixed duration or delay (years): the reciprocal of
/// the largest rate, and a million years.
inline constexpr double min_duration_years = 1e-6;
inline constexpr double max_duration_years = 1e6;
/// Shape of Weibull and gamma hazards: outside it the holding times are numerically 0 or infinite.
inline constexpr double min_shape = 0.01;
inline constexpr double max_shape = 100.0;
/// meanlog of a log-normal hazard: ln of the duration bounds above.
inline constexpr double max_abs_meanlog = 13.815510557964274;  // ln(1e6)
inline constexpr double max_sdlog = 10.0;
/// Largest calendar multiplier of a hazard.
inline constexpr double max_multiplier = 1e6;
/// Largest covariate effect (per unit of the attribute): exp(100) is already 2.7e43.
inline constexpr double max_abs_beta = 100.0;

/// Calendar years (start_year, keys of year tables): four-digit years keep every calendar time
/// to better than a microsecond of a year in a double.
inline constexpr double min_year = 1000.0;
inline constexpr double max_year = 9999.0;
/// Longest simulation (years).
inline constexpr double max_horizon_years = 10000.0;

/// Largest number of places of a capacity state: 2^53, the largest whole number a double holds exactly.
inline constexpr double max_places = 9007199254740992.0;
/// Largest inflow (expected arrivals per year into one state of one region).
inline constexpr double max_inflow_per_year = 1e7;

/// Largest cost per person-year or per place (euros), and largest yearly amount (budgets and
/// fixed organisation costs, euros per year): sums over millions of person-years stay exact to
/// the cent.
inline constexpr double max_cost_eur = 1e9;
inline constexpr double max_amount_eur_per_year = 1e13;

/// Ages (years): attribute values and the exit age.
inline constexpr double max_age_years = 150.0;
/// Other attribute values and centres, and clock breaks of hazard tables.
inline constexpr double max_abs_value = 1e9;
/// Largest share a region takes of the top-level template.
inline constexpr double max_share = 1e6;

/// TOML text limits checked before parsing (deeper text overflows the parser's stack).
inline constexpr std::size_t max_key_segments = 32;   ///< segments of a dotted key or table header
inline constexpr std::size_t max_key_bytes = 1024;    ///< length of one key
inline constexpr std::size_t max_nesting = 64;        ///< depth of nested arrays and inline tables

}  // namespace trede::model::limits
