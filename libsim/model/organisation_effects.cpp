#include "model/organisation_effects.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "trede/model/limits.hpp"
#include "trede_assert.hpp"

namespace trede::model::detail {

void add_organisation_attribute(Scenario& s) {
  TREDE_ASSERT(!s.organisation_attribute);
  Attribute a;
  a.name = organisation_attribute_name;
  a.kind = AttributeKind::category;
  for (const OrganisationModel& m : s.organisation_models) a.levels.push_back(m.name);
  a.levels.push_back("(none)");
  a.generated = true;
  const auto index = static_cast<AttributeIndex>(s.attributes.size());
  const auto none = static_cast<double>(s.organisation_models.size());
  s.attributes.push_back(std::move(a));
  s.organisation_attribute = index;
  for (Region& g : s.regions) {
    const double level = g.organisation_model ? static_cast<double>(*g.organisation_model) : none;
    Distribution fixed;
    fixed.a = level;
    for (InitialGroup& grp : g.initial) grp.attributes.push_back({index, fixed});
    for (Inflow& f : g.inflows) f.attributes.push_back({index, fixed});
    for (Individual& ind : g.individuals) ind.attributes.push_back(level);
  }
}

std::optional<EffectOverLimit> apply_organisation_effects(Scenario& s) {
  if (!s.organisation_attribute) return std::nullopt;
  const AttributeIndex attr = *s.organisation_attribute;
  for (Transition& t : s.transitions)
    std::erase_if(t.covariates, [&](const CovariateEffect& c) { return c.attribute == attr; });
  for (const OrganisationEffect& e : s.organisation_effects) {
    if (e.multiplier == 1.0) continue;
    const double beta = std::log(e.multiplier);
    for (std::uint32_t t : e.transitions)
      for (std::uint32_t m : e.models) s.transitions[t].covariates.push_back({attr, static_cast<int>(m), beta});
  }
  // The largest hazard each transition can reach under each model.
  for (std::size_t ti = 0; ti < s.transitions.size(); ++ti) {
    const Transition& t = s.transitions[ti];
    std::map<int, double> log_factor;
    for (const CovariateEffect& c : t.covariates)
      if (c.attribute == attr && c.beta > 0.0) log_factor[c.level] += c.beta;
    if (log_factor.empty()) continue;
    double rate = 0.0;
    if (t.hazard.kind == HazardKind::exponential) rate = t.rate_by_year ? t.rate_by_year->largest() : t.hazard.rate;
    if (t.hazard.kind == HazardKind::table)
      for (double x : t.hazard.rates) rate = std::max(rate, x);
    for (const auto& [level, lf] : log_factor) {
      const double top = rate * t.multiplier.largest() * std::exp(lf);
      if (!(top > limits::max_rate_per_year)) continue;
      EffectOverLimit over{0, ti, static_cast<std::size_t>(level), top};
      for (std::size_t e = 0; e < s.organisation_effects.size(); ++e) {
        const OrganisationEffect& fx = s.organisation_effects[e];
        if (fx.multiplier > 1.0 && std::binary_search(fx.transitions.begin(), fx.transitions.end(), ti) &&
            std::binary_search(fx.models.begin(), fx.models.end(), static_cast<std::uint32_t>(level)))
          over.effect = e;
      }
      return over;
    }
  }
  return std::nullopt;
}

}  // namespace trede::model::detail
