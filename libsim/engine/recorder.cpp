#include "engine/recorder.hpp"

#include <algorithm>
#include <limits>
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
      by_region_(m.layout.by_region()),
      cells_(G_ * S_),
      list_len_(G_ * C_, 0),
      list_area_(G_ * C_, 0.0),
      counters_(G_) {
  allocate(res_.occupancy, T_ * S_);
  allocate(res_.waiting, T_ * C_);
  allocate(res_.flows, P_ * E_);
  allocate(res_.person_years, P_ * S_);
  allocate(res_.cost_eur, P_);
  allocate(res_.waiting_years, P_ * C_);
  allocate(res_.waiting_joined, P_ * C_);
  allocate(res_.waiting_admitted, P_ * C_);
  allocate(res_.waiting_reneged, P_ * C_);
  allocate(res_.waiting_left, P_ * C_);
  allocate(res_.waiting_time_sum, P_ * C_);
  allocate(res_.waiting_time_admitted_sum, P_ * C_);
  allocate(res_.waiting_time_max, P_ * C_);
  allocate(res_.sojourn_sum, E_);
  allocate(res_.sojourn_sumsq, E_);
  allocate(res_.kpi, m.layout.K());
  allocate(res_.kpi_period, P_ * Kp_);
  allocate(res_.organisation_cost_eur, P_ * O_);
  if (m.layout.by_region()) {
    allocate(res_.occupancy_region, T_ * G_ * S_);
    allocate(res_.waiting_region, T_ * G_ * C_);
    allocate(res_.person_years_region, P_ * G_ * S_);
    allocate(res_.cost_region_eur, P_ * G_);
    allocate(res_.kpi_region, G_ * m.layout.K());
    region_flows_.assign(G_ * E_, 0);
  }
  enter_period();
}

void Recorder::enter_period() noexcept {
  const std::size_t r = std::min(report_, P_ - 1);  // after the last report time nothing is counted
  period_start_ = m_.layout.period_start[r];
  next_report_ = report_ < T_ ? report_times_[report_] : std::numeric_limits<double>::infinity();
  flow_row_ = res_.flows.data() + r * E_;
  kpi_period_row_ = res_.kpi_period.data() + r * Kp_;
}

// Costs of the period: person-years × cost per state, plus organisation overhead per person-year
// in the states an organisation runs, plus its fixed cost per year in each region where it runs
// a state.
void Recorder::snapshot() {
  const std::size_t r = report_;
  const double tr = report_times_[r];
  const double length = tr - period_start_;
  const bool by_region = m_.layout.by_region();
  for (std::size_t g = 0; g < G_; ++g) {
    const std::int32_t model = m_.regions[g].model;
    double cost = 0.0;
    for (std::uint32_t s = 0; s < S_; ++s) {
      const std::size_t i = g * S_ + s;
      Cell& cell = cells_[i];
      cell.area += static_cast<double>(cell.occ) * length;
      res_.occupancy[r * S_ + s] += static_cast<std::int32_t>(cell.occ);
      res_.person_years[r * S_ + s] += cell.area;
      cost += cell.area * m_.states[s].cost;
      if (model != no_index) {
        const std::int32_t o = m_.state_org[static_cast<std::size_t>(model) * S_ + s];
        if (o != no_index) {
          const double c = cell.area * m_.org_eur_per_person_year[static_cast<std::size_t>(o)];
          res_.organisation_cost_eur[r * O_ + static_cast<std::size_t>(o)] += c;
          cost += c;
        }
      }
      if (by_region) {
        res_.occupancy_region[(r * G_ + g) * S_ + s] = static_cast<std::int32_t>(cell.occ);
        res_.person_years_region[(r * G_ + g) * S_ + s] = cell.area;
      }
      cell.area = 0.0;
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
      list_area_[l] += static_cast<double>(list_len_[l]) * length;
      res_.waiting[r * C_ + c] += static_cast<std::int32_t>(list_len_[l]);
      res_.waiting_years[r * C_ + c] += list_area_[l];
      if (by_region) res_.waiting_region[(r * G_ + g) * C_ + c] = static_cast<std::int32_t>(list_len_[l]);
      list_area_[l] = 0.0;
    }
  }
  res_.kpi_period[r * Kp_ + kpp_cost_eur] = res_.cost_eur[r];
  ++report_;
  enter_period();
}

namespace {
template <class T>
std::uint64_t bytes_of(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}
}  // namespace

std::uint64_t Recorder::memory_bytes() const noexcept {
  return bytes_of(cells_) + bytes_of(list_len_) + bytes_of(list_area_) + bytes_of(counters_) +
         bytes_of(region_flows_) + result_bytes_ + bytes_of(res_.trace);
}

void Recorder::count_moves_by_kind() {
  const auto add = [](KpiCounters& k, std::uint8_t kind, std::uint64_t n) {
    k.events += n;
    if (kind & move_uitstroom_werk) k.uitstroom_werk += n;
    if (kind & move_uitval) k.uitval += n;
    if (kind & move_herinstroom) k.herinstroom += n;
    if (kind & move_absorbed) k.absorbed += n;
  };
  for (std::size_t r = 0; r < P_; ++r) {
    KpiCounters period;
    for (std::size_t e = 0; e < E_; ++e) {
      const auto n = static_cast<std::uint64_t>(res_.flows[r * E_ + e]);
      add(period, m_.edge_kpi[e], n);
      if (!by_region_) add(counters_[0], m_.edge_kpi[e], n);
    }
    double* k = &res_.kpi_period[r * Kp_];
    k[kpp_uitstroom_werk] = static_cast<double>(period.uitstroom_werk);
    k[kpp_uitval] = static_cast<double>(period.uitval);
    k[kpp_herinstroom] = static_cast<double>(period.herinstroom);
    k[kpp_absorbed] = static_cast<double>(period.absorbed);
  }
  if (by_region_)
    for (std::size_t g = 0; g < G_; ++g)
      for (std::size_t e = 0; e < E_; ++e)
        add(counters_[g], m_.edge_kpi[e], static_cast<std::uint64_t>(region_flows_[g * E_ + e]));
}

ReplicateResult Recorder::finish(std::uint64_t peak_live, std::uint64_t bytes) {
  const std::size_t K = m_.layout.K();
  count_moves_by_kind();
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
  res_.events = total.events;
  res_.peak_live_persons = peak_live;
  res_.peak_bytes = bytes;
  return std::move(res_);
}

}  // namespace trede::engine
