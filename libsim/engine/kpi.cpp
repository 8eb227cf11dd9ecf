#include "trede/engine/kpi.hpp"

namespace trede::engine {

std::vector<std::string> kpi_names() {
  std::vector<std::string> names;
  for (const KpiDefinition& k : kpi_table) names.emplace_back(k.name);
  return names;
}

std::vector<std::string> kpi_period_names() {
  std::vector<std::string> names;
  for (const KpiPeriodDefinition& k : kpi_period_table) names.emplace_back(k.name);
  return names;
}

void fill_kpis(const KpiCounters& c, double* k) noexcept {
  for (const KpiDefinition& d : kpi_table) k[d.index] = d.value(c);
}

}  // namespace trede::engine
