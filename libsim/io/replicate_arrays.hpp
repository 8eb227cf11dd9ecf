#pragma once
// The per-replicate datasets of a result file: one table shared by the writer and the reader,
// so their names and shapes cannot drift apart.

#include <hdf5.h>

#include <string>
#include <vector>

#include "trede/mc/ensemble.hpp"

namespace trede::io::detail {

// Calls f(path below the result group, array, shape without the leading R) for every
// per-replicate array of `e`.
template <class Ens, class F>
void for_each_replicate_dataset(Ens& e, F&& f) {
  const engine::Layout& L = e.layout;
  const hsize_t T = L.T(), P = L.P(), S = L.S(), C = L.C(), E = L.E(), K = L.K(), G = L.G(), O = L.O(),
                Kp = L.Kp(), rungs = mc::ladder_rungs;
  f("replicates/occupancy", e.occupancy, std::vector<hsize_t>{T, S});
  f("replicates/trede_occupancy", e.trede_occupancy, std::vector<hsize_t>{T, rungs});
  f("replicates/waiting", e.waiting, std::vector<hsize_t>{T, C});
  f("replicates/flows", e.flows, std::vector<hsize_t>{P, E});
  f("replicates/person_years", e.person_years, std::vector<hsize_t>{P, S});
  f("replicates/cost_eur", e.cost_eur, std::vector<hsize_t>{P});
  f("replicates/cost_cumulative_eur", e.cost_cumulative_eur, std::vector<hsize_t>{T});
  f("replicates/waiting_years", e.waiting_years, std::vector<hsize_t>{P, C});
  f("replicates/waiting_joined", e.waiting_joined, std::vector<hsize_t>{P, C});
  f("replicates/waiting_admitted", e.waiting_admitted, std::vector<hsize_t>{P, C});
  f("replicates/waiting_reneged", e.waiting_reneged, std::vector<hsize_t>{P, C});
  f("replicates/waiting_left", e.waiting_left, std::vector<hsize_t>{P, C});
  f("replicates/waiting_time_sum", e.waiting_time_sum, std::vector<hsize_t>{P, C});
  f("replicates/waiting_time_admitted_sum", e.waiting_time_admitted_sum, std::vector<hsize_t>{P, C});
  f("replicates/sojourn_sum", e.sojourn_sum, std::vector<hsize_t>{E});
  f("replicates/sojourn_sumsq", e.sojourn_sumsq, std::vector<hsize_t>{E});
  f("replicates/kpi", e.kpi, std::vector<hsize_t>{K});
  f("replicates/kpi_period", e.kpi_period, std::vector<hsize_t>{P, Kp});
  f("replicates/organisation_cost_eur", e.organisation_cost_eur, std::vector<hsize_t>{P, O});
  if (L.by_region()) {
    f("replicates/region/occupancy", e.occupancy_region, std::vector<hsize_t>{T, G, S});
    f("replicates/region/trede_occupancy", e.trede_occupancy_region, std::vector<hsize_t>{T, G, rungs});
    f("replicates/region/waiting", e.waiting_region, std::vector<hsize_t>{T, G, C});
    f("replicates/region/person_years", e.person_years_region, std::vector<hsize_t>{P, G, S});
    f("replicates/region/cost_eur", e.cost_region_eur, std::vector<hsize_t>{P, G});
    f("replicates/region/kpi", e.kpi_region, std::vector<hsize_t>{G, K});
  }
  f("replicates/events", e.events, std::vector<hsize_t>{});
}

}  // namespace trede::io::detail
