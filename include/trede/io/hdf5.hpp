#pragma once
/// \file
/// HDF5 output (layout in docs/hdf5-schema.md) and reading it back. Files are written from one
/// thread to a temporary file in the target directory, which is renamed into place only when
/// complete: an interrupted or failed write never leaves a partial file or touches an existing
/// one.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trede/mc/compare.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/sweep.hpp"
#include "trede/model/scenario.hpp"

namespace trede::io {

/// Extra provenance and format options for `write_hdf5`.
struct WriteOptions {
  int compression_level = 1;  ///< deflate level 0..9 for per-replicate arrays (0 = none); 1 writes fastest for about 4% more space than 4
  std::string command_line;   ///< stored as the root attribute `command_line` when not empty
};

/// Writes an ensemble and the scenario it came from to `path` (HDF5, layout per
/// docs/hdf5-schema.md). \throws IoError if the file cannot be written; `path` is then
/// unchanged.
void write_hdf5(const std::string& path, const mc::Ensemble& ensemble, const model::Scenario& scenario,
                const WriteOptions& options = {});

/// Writes a comparison (trede compare): the paired differences, the variance reduction, and
/// each scenario's full ensemble under /scenarios/<i> (layout per docs/hdf5-schema.md).
/// \throws IoError if the file cannot be written; `path` is then unchanged.
void write_comparison(const std::string& path, const mc::Comparison& comparison,
                      const std::vector<model::Scenario>& scenarios, const WriteOptions& options = {});

/// Writes a sweep: the design (/points), and for every point its summaries and per-replicate
/// KPIs stacked along a leading point axis (layout per docs/hdf5-schema.md). All points must
/// share `layout`'s dimensions. \throws IoError if the file cannot be written.
void write_sweep(const std::string& path, const mc::Design& design, const engine::Layout& layout,
                 const std::vector<mc::SweepPoint>& points, const model::Scenario& base, std::uint64_t seed,
                 std::uint64_t replicates, const WriteOptions& options = {});

/// One dataset in a result file.
struct DatasetInfo {
  std::string path;                 ///< e.g. "/replicates/occupancy"
  std::vector<std::uint64_t> shape; ///< empty for scalars
  std::string type;                 ///< "int32", "float64", "string", "compound", ...
};

/// What `trede info` shows about a result file.
struct FileInfo {
  std::string kind = "result";  ///< "result" (trede run), "comparison" (compare) or "sweep"
  std::vector<std::pair<std::string, std::string>> attributes;  ///< root attributes as text
  std::vector<DatasetInfo> datasets;
  std::vector<std::string> kpi_names;
  mc::Summary kpi;  ///< result: /summary/kpi
  std::vector<std::string> scenario_names;          ///< comparison: the scenarios, reference first
  std::vector<double> difference_mean, difference_lo, difference_hi;  ///< comparison: [N-1, K]
  std::vector<std::string> point_keys;              ///< sweep: the swept keys
  std::vector<std::string> point_values;            ///< sweep: [N, keys]
  std::vector<double> point_kpi_mean;               ///< sweep: [N, K]
};

/// Reads the attributes, dataset list and KPI summary of a result file.
/// \throws IoError if the file cannot be opened or is not a trede result.
[[nodiscard]] FileInfo read_info(const std::string& path);

/// Reads a result written by `write_hdf5` (or, with `group` = "/scenarios/<i>", one scenario of
/// a comparison file) back into an ensemble: layout, every per-replicate array, seed and
/// replicate range; summaries are recomputed (identical to the stored ones).
/// \throws IoError if the file cannot be read or is not a trede result.
[[nodiscard]] mc::Ensemble read_result(const std::string& path, const std::string& group = "/");

/// The hash stored as `scenario_hash`: SHA-256 of the scenario text, the files it extends and
/// its overrides.
[[nodiscard]] std::string scenario_hash(const model::Scenario& scenario);

/// SHA-256 of `data` as 64 lowercase hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace trede::io
