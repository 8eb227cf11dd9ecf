#pragma once
// Pieces of the result-file layout shared by every format that embeds ensembles or their axes
// (run, comparison, sweep, PSA files). Private to libtrede.

#include <hdf5.h>

#include "io/hdf5_file.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/psa.hpp"
#include "trede/model/scenario.hpp"

namespace trede::io::detail {

// The attributes of a run: master_seed, replicates, first_replicate and the scenario's.
[[nodiscard]] Attributes run_attributes(const mc::Ensemble& e, const model::Scenario& s);
// /time, /period_start, /period_end, /states, /trede, /capacity_states, /kpi_names,
// /kpi_period_names: the grid and names every kind of file carries.
void write_grid_and_names(Writer& w, const engine::Layout& L);
// The grid and names plus every other axis of a result: state costs, /ladder, /edges, /regions,
// /region_models, /organisations.
void write_axes(Writer& w, const engine::Layout& L);
// The shape of array `a` without the replicate axis.
[[nodiscard]] std::vector<hsize_t> dims(const mc::ResultArray& a, const engine::Layout& L);
// /summary/<a.name>: one summarised array.
void write_summary(Writer& w, const mc::ResultArray& a, const engine::Layout& L, const mc::Summary& s);
// /summary/...: every summarised array of the catalogue.
void write_summaries(Writer& w, const mc::Ensemble& e);
// A whole ensemble below `w`'s location: `extra` attributes, seed and replicates, the scenario,
// axes, summaries, /replicates/... and /trajectories.
// `replicate_index` (may be empty: first_replicate + i) is /replicates/replicate, the random
// streams each row used.
void write_ensemble(Writer& w, const mc::Ensemble& e, const model::Scenario& s, const Attributes& extra,
                    const std::vector<std::uint64_t>& replicate_index = {});

// /draws: the keys, distributions, blocks and values of a PSA's parameter draws.
void write_draws(Writer& w, const mc::DrawSet& draws);

// The layout stored below `loc` (the axis datasets). Throws Hdf5Failure.
[[nodiscard]] engine::Layout read_layout(hid_t loc);
// An ensemble written by write_ensemble, summaries recomputed. Throws Hdf5Failure.
[[nodiscard]] mc::Ensemble read_ensemble(hid_t loc);

}  // namespace trede::io::detail
