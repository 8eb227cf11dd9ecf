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

// The per-region arrays of one run streamed below a location (a result file's root, or a
// comparison's /scenarios/<i>): /replicates/region/* at full shape, written as parts arrive in
// replicate order (put), and /summary/region/* computed at the end by reading them back a slab at
// a time (finish). The rest of the run is written by write_ensemble from the totals.
class RegionStreams {
 public:
  RegionStreams(hid_t loc, const engine::Layout& layout, const mc::RunOptions& run, int compression_level,
                std::uint64_t slab_bytes);
  // The next replicates' per-region arrays. Throws Error (out of order, another shape), Hdf5Failure.
  void put(const mc::Ensemble& part);
  // Throws Error unless `totals` is the run (seed, replicates, regions left out) and every
  // replicate was put.
  void check_complete(const mc::Ensemble& totals) const;
  // /summary/region/* below `w`; closes the datasets. Throws Hdf5Failure.
  void finish(Writer& w);
  [[nodiscard]] bool streaming() const noexcept { return !streams_.empty(); }
  [[nodiscard]] std::uint64_t summary_bytes() const noexcept { return summary_bytes_; }
  // Bytes of `replicates` replicates of every array present (per-region ones when `regions`) and
  // their summaries, uncompressed, plus 5 %: what a file may need for them.
  [[nodiscard]] static std::uint64_t upper_bound(const engine::Layout& L, std::uint64_t replicates, bool regions);

 private:
  struct Stream {
    const mc::ResultArray* info;
    RowDataset data;
  };
  template <class T>
  [[nodiscard]] mc::Summary summarize(const Stream& st);
  engine::Layout layout_;
  std::uint64_t seed_, first_, replicates_, next_ = 0, slab_bytes_, summary_bytes_ = 0;
  std::vector<Stream> streams_;
};

// /draws: the keys, distributions, blocks and values of a PSA's parameter draws.
void write_draws(Writer& w, const mc::DrawSet& draws);

// The layout stored below `loc` (the axis datasets). Throws Hdf5Failure.
[[nodiscard]] engine::Layout read_layout(hid_t loc);
// An ensemble written by write_ensemble, summaries recomputed. Throws Hdf5Failure.
[[nodiscard]] mc::Ensemble read_ensemble(hid_t loc);

}  // namespace trede::io::detail
