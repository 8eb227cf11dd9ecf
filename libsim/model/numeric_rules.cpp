#include "model/numeric_rules.hpp"

#include <cmath>

#include "text.hpp"
#include "trede/model/limits.hpp"
#include "trede_assert.hpp"

namespace trede::model::detail {
namespace {

using D = Domain;
namespace L = limits;

// Every numeric key with its domain, bounds, unit and default. A key missing here is not
// numeric (or is only checked for being finite, such as distribution parameters).
const std::vector<NumericRule>& rules() {
  static const std::vector<NumericRule> r = {
      {"", "start_year", D::calendar_year, L::min_year, L::max_year, "", 2025.0},
      {"", "horizon_years", D::positive, 0.0, L::max_horizon_years, "years", std::nullopt},
      {"", "sample_share", D::positive, 0.0, 1.0, "share of the population", 1.0},
      {"report", "step_years", D::positive, 0.0, L::max_horizon_years, "years", std::nullopt},
      {"exit_age", "age", D::positive, 0.0, L::max_age_years, "years", std::nullopt},
      {"attributes", "center", D::real, -L::max_abs_value, L::max_abs_value, "", 0.0},
      {"attributes", "default", D::real, -L::max_abs_value, L::max_abs_value, "", std::nullopt},
      {"state", "trede", D::whole, 0.0, 6.0, "", std::nullopt},
      {"state", "cost_eur_per_year", D::non_negative, 0.0, L::max_cost_eur, "euros per person-year", 0.0},
      {"state", "capacity", D::whole, 0.0, L::max_places, "places", std::nullopt},
      {"state", "capacity_budget_eur", D::non_negative, 0.0, L::max_amount_eur_per_year, "euros per year", std::nullopt},
      {"state", "cost_per_place_eur", D::positive, 0.0, L::max_cost_eur, "euros per place per year", std::nullopt},
      {"state", "renege_rate", D::non_negative, 0.0, L::max_rate_per_year, "per year", 0.0},
      {"transition", "rate", D::non_negative, 0.0, L::max_rate_per_year, "per year", std::nullopt},
      {"transition", "shape", D::positive, L::min_shape, L::max_shape, "", std::nullopt},
      {"transition", "scale", D::positive, L::min_duration_years, L::max_duration_years, "years", std::nullopt},
      {"transition", "meanlog", D::real, -L::max_abs_meanlog, L::max_abs_meanlog, "ln years", std::nullopt},
      {"transition", "sdlog", D::positive, 0.0, L::max_sdlog, "", std::nullopt},
      {"transition", "duration", D::positive, L::min_duration_years, L::max_duration_years, "years", std::nullopt},
      {"transition", "rates", D::non_negative, 0.0, L::max_rate_per_year, "per year", std::nullopt},
      {"transition", "breaks", D::real, -L::max_abs_value, L::max_abs_value, "years", std::nullopt},
      {"transition", "multiplier", D::non_negative, 0.0, L::max_multiplier, "", 1.0},
      {"transition.covariates", "", D::real, -L::max_abs_beta, L::max_abs_beta, "per unit of the attribute", std::nullopt},
      {"population", "count", D::whole, 0.0, L::max_people, "people", std::nullopt},
      {"inflow", "rate_per_year", D::non_negative, 0.0, L::max_inflow_per_year, "arrivals per year", std::nullopt},
      {"distribution", "meanlog", D::real, -L::max_abs_meanlog, L::max_abs_meanlog, "ln years", std::nullopt},
      {"distribution", "sdlog", D::positive, 0.0, L::max_sdlog, "", std::nullopt},
      {"distribution", "", D::real, -L::max_abs_value, L::max_abs_value, "", std::nullopt},
      {"region", "share", D::positive, 0.0, L::max_share, "", std::nullopt},
      {"region.capacity", "", D::whole, 0.0, L::max_places, "places", std::nullopt},
      {"handover", "leakage", D::probability, 0.0, 1.0, "", 0.0},
      {"handover", "delay", D::non_negative, 0.0, L::max_duration_years, "years", 0.0},
      {"organisation_costs", "fixed_eur_per_year", D::non_negative, 0.0, L::max_amount_eur_per_year, "euros per year", 0.0},
      {"organisation_costs", "eur_per_person_year", D::non_negative, 0.0, L::max_cost_eur, "euros per person-year", 0.0},
      {"organisation_effect", "multiplier", D::positive, 0.0, L::max_multiplier, "", 1.0},
  };
  return r;
}

}  // namespace

std::string message_number(double v) { return trede::detail::shortest_number(v); }

std::string NumericRule::problem(double v) const {
  const std::string got = " (got " + message_number(v) + ")";
  const std::string u = unit.empty() ? "" : " " + std::string(unit);
  if (!std::isfinite(v)) return "must be a finite number" + got;
  if (domain == D::probability && (v < 0.0 || v > 1.0)) return "must be a probability in [0, 1]" + got;
  if (domain == D::positive && !(v > 0.0)) return "must be > 0" + got;
  if (v < min) {
    if (min == 0.0) return "must be >= 0" + got;
    if (domain == D::calendar_year)
      return "must be a calendar year from " + message_number(min) + " to " + message_number(max) + got;
    return "must be at least " + message_number(min) + u + got;
  }
  if (v > max) {
    if (domain == D::calendar_year)
      return "must be a calendar year from " + message_number(min) + " to " + message_number(max) + got;
    return "must be at most " + message_number(max) + u + got;
  }
  if (domain == D::whole && v != std::floor(v)) return "must be a whole number" + (unit.empty() ? "" : " of " + std::string(unit)) + got;
  return {};
}

const NumericRule* numeric_rule(std::string_view table, std::string_view key) {
  for (const NumericRule& r : rules())
    if (r.table == table && (r.key == key || r.key.empty())) return &r;
  return nullptr;
}

const NumericRule& rule_of(std::string_view table, std::string_view key) {
  const NumericRule* r = numeric_rule(table, key);
  TREDE_ASSERT(r != nullptr);
  return *r;
}

std::vector<std::string_view> numeric_rule_keys(std::string_view table) {
  std::vector<std::string_view> out;
  for (const NumericRule& r : rules())
    if (r.table == table && !r.key.empty()) out.push_back(r.key);
  return out;
}

const NumericRule& year_rule() {
  static const NumericRule r{"", "", D::calendar_year, L::min_year, L::max_year, "", std::nullopt};
  return r;
}

}  // namespace trede::model::detail
