#pragma once
// The typed numeric keys of a loaded Scenario (private to libtrede): which rule a key path
// follows and what it sets, for numeric_key (model/numeric_key.cpp) and the fast path of
// with_values (model/with_values.cpp).

#include <cstdint>
#include <optional>
#include <string>

#include "model/numeric_rules.hpp"
#include "trede/model/key_path.hpp"
#include "trede/model/scenario.hpp"

namespace trede::model::detail {

enum class Target : std::uint8_t {
  none,  // a key with a rule that is applied by parsing again (start_year, horizon_years, ...)
  exit_age,
  attribute_center,
  state_cost,
  state_places,
  renege_rate,
  hazard_rate,
  weibull_shape,
  weibull_scale,
  gamma_shape,
  meanlog,
  sdlog,
  duration,
  table_rate,
  multiplier,
  covariate,
  template_count,
  template_inflow,
  region_count,
  region_inflow,
  region_places,
  leakage,
  delay,
  delay_parameter,  // handover[i].delay.PARAM: one parameter of the delay's distribution (Slot::name)
  organisation_fixed,
  organisation_per_person,
  organisation_effect,
};

struct Slot {
  const NumericRule* rule = nullptr;
  Target target = Target::none;
  std::size_t a = 0, b = 0;        // element indices (state, transition, region, ...)
  std::optional<double> year;      // the key of a year table
  std::string name;                // covariate key or organisation
};

// A parameter of a handover delay's distribution that with_values sets without the loader: one
// that keeps the delay non-negative whatever its value (gamma shape and scale, an exponential's
// mean, a lognormal's meanlog and sdlog). `second`: Distribution::b, else a; `positive`: the
// value must be > 0. nullopt for the others (bounds and means of uniform and normal delays),
// which the loader applies and checks.
struct DelayParameter {
  bool second = false, positive = true;
};
[[nodiscard]] inline std::optional<DelayParameter> delay_parameter(const Distribution& d, const std::string& name) {
  using K = Distribution::Kind;
  if (d.kind == K::gamma && (name == "shape" || name == "scale")) return DelayParameter{name == "scale", true};
  if (d.kind == K::exponential && name == "mean") return DelayParameter{false, true};
  if (d.kind == K::lognormal && (name == "meanlog" || name == "sdlog")) return DelayParameter{name == "sdlog", name == "sdlog"};
  return std::nullopt;
}

// The year of segment `i` of `k` when it is a plain year key.
// The numeric key `k` of `s`: its rule and, for the keys with a fast path, what it sets.
// nullopt when `k` is not a key with a rule (or names an element that does not exist).
[[nodiscard]] std::optional<Slot> resolve(const Scenario& s, const KeyPath& k);

// Applies `v` to `s` through `slot` as loading with --set would; false when that needs the
// loader (see with_values).
[[nodiscard]] bool apply_fast(Scenario& s, const Slot& slot, double v);

// `base` parsed again with `sets` added to its overrides, as with_values does when a value needs
// the loader. Its [uncertainty] table was checked against the report grid when `base` was
// loaded, so this parse does not check that again (model/load.cpp).
[[nodiscard]] Scenario parse_again(const Scenario& base, const std::vector<std::string>& sets);

}  // namespace trede::model::detail
