#include "engine/recorder.hpp"

#include <utility>

namespace trede::engine {

Recorder::Recorder(const CompiledModel& m)
    : m_(m),
      report_times_(m.layout.report_times.data()),
      S_(m.states.size()),
      C_(m.capacities.size()),
      T_(m.layout.T()),
      P_(m.layout.P()),
      E_(m.layout.E()),
      G_(m.regions.size()),
      O_(m.layout.O()),
      Kp_(m.layout.Kp()),
      occ_(G_ * S_, 0),
      area_(G_ * S_, 0.0),
      last_(G_ * S_, m.start),
      list_len_(G_ * C_, 0),
      list_area_(G_ * C_, 0.0),
      list_last_(G_ * C_, m.start),
      counters_(G_) {
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

// Costs of the period: person-years × cost per state, plus organisation overhead per person-year
// in the states an organisation runs, plus its fixed cost per year in each region where it runs
// a state.
void Recorder::snapshot() {
  const std::size_t r = report_;
  const double tr = report_times_[r];
  const double length = tr - m_.layout.period_start[r];
  const bool by_region = m_.layout.by_region();
  for (std::size_t g = 0; g < G_; ++g) {
    const std::int32_t model = m_.regions[g].model;
    double cost = 0.0;
    for (std::uint32_t s = 0; s < S_; ++s) {
      const std::size_t i = g * S_ + s;
      occupancy_add(g, s, 0, tr);
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
      list_add(l, 0, tr);
      res_.waiting[r * C_ + c] += static_cast<std::int32_t>(list_len_[l]);
      res_.waiting_years[r * C_ + c] += list_area_[l];
      if (by_region) res_.waiting_region[(r * G_ + g) * C_ + c] = static_cast<std::int32_t>(list_len_[l]);
      list_area_[l] = 0.0;
    }
  }
  res_.kpi_period[r * Kp_ + kpp_cost_eur] = res_.cost_eur[r];
  ++report_;
}

ReplicateResult Recorder::finish(std::uint64_t peak_live, std::uint64_t bytes) {
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
  res_.peak_live_persons = peak_live;
  res_.peak_bytes = bytes;
  return std::move(res_);
}

}  // namespace trede::engine
