#pragma once
/// \file
/// HDF5 output (layout in docs/hdf5-schema.md) and reading it back. Files are written from one
/// thread to a temporary file in the target directory, which is renamed into place only when
/// complete: an interrupted or failed write never leaves a partial file or touches an existing
/// one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "trede/mc/compare.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/psa.hpp"
#include "trede/mc/sweep.hpp"
#include "trede/model/scenario.hpp"

namespace trede::io {

/// Extra provenance and format options for `write_hdf5`.
struct WriteOptions {
  int compression_level = 1;  ///< deflate level 0..9 for per-replicate arrays (0 = none); 1 writes fastest for about 4% more space than 4
  std::string command_line;   ///< stored as the root attribute `command_line` when not empty
};

/// An attribute value of a trede file: text, a real number or a count.
using AttributeValue = std::variant<std::string, double, std::uint64_t>;
/// Named attributes, in the order they are written.
using Attributes = std::vector<std::pair<std::string, AttributeValue>>;

/// The root attributes `write_hdf5` gives a result file of `ensemble` and `scenario`, except
/// the time stamp `created` and the `command_line` (what Python's in-memory results carry).
[[nodiscard]] Attributes result_attributes(const mc::Ensemble& ensemble, const model::Scenario& scenario);

/// Writes an ensemble and the scenario it came from to `path` (HDF5, layout per
/// docs/hdf5-schema.md). \throws IoError if the file cannot be written; `path` is then
/// unchanged.
void write_hdf5(const std::string& path, const mc::Ensemble& ensemble, const model::Scenario& scenario,
                const WriteOptions& options = {});

/// A result file written while its run goes on, for runs whose per-region arrays would not fit in
/// memory: pass it as RunOptions::sink, run, then call `finish` with the ensemble the run returned.
/// Each replicate's per-region arrays are written as it finishes (in replicate order: the file is
/// the same for any number of threads or MPI ranks), and their summaries are computed at the end
/// by reading them back a slab of whole chunks at a time, with the same arithmetic as
/// `mc::summarize`. The file has the layout of `write_hdf5` and the same values; it is written to
/// a temporary beside `path` and renamed into place by `finish`, so `path` is untouched until
/// then and never half-written (removed if the run fails or the object is destroyed first).
///
/// \code
///   trede::io::StreamedResult out("nat.h5", scenario, sim.layout(), options);
///   options.sink = &out;
///   auto totals = trede::mc::run(sim, options);   // keeps the totals only
///   out.finish(totals);
/// \endcode
class StreamedResult final : public mc::ReplicateSink {
 public:
  /// Creates the temporary file and the per-region datasets for the replicates `run` will make.
  /// `slab_bytes` bounds what is read at once to summarise (whole chunk columns of every
  /// replicate, at least one column). \throws IoError if the file cannot be made.
  StreamedResult(const std::string& path, const model::Scenario& scenario, const engine::Layout& layout,
                 const mc::RunOptions& run, const WriteOptions& options = {}, std::uint64_t slab_bytes = 64u << 20);
  ~StreamedResult() override;
  StreamedResult(const StreamedResult&) = delete;
  StreamedResult& operator=(const StreamedResult&) = delete;

  /// Writes the per-region arrays of the next replicates. \throws IoError; Error when `part` is
  /// not the next range of replicates.
  void put(const mc::Ensemble& part) override;
  /// Writes everything else from `totals` (the ensemble the run returned, without its regions),
  /// the per-region summaries, and renames the file into place. \throws IoError; Error when
  /// `totals` is not the run whose replicates were put.
  void finish(const mc::Ensemble& totals);
  /// The largest number of bytes held at once to summarise a per-region array (a slab of every
  /// replicate, and the array's summary), known after `finish`.
  [[nodiscard]] std::uint64_t summary_bytes() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A comparison file written while the comparison runs (the counterpart of StreamedResult for
/// `trede compare` without draws): set CompareOptions::sink to `[&](std::size_t i) { return
/// out.sink(i); }`, run mc::compare, then call `finish` with the Comparison. Each scenario's
/// per-region arrays go to /scenarios/<i> as its replicates finish; everything else is written by
/// `finish`, with the same layout and values as `write_comparison`. Written to a temporary beside
/// `path`, renamed into place by `finish`; removed if not finished.
class StreamedComparison {
 public:
  /// \throws IoError if the file cannot be made.
  StreamedComparison(const std::string& path, const std::vector<model::Scenario>& scenarios,
                     const std::vector<engine::Layout>& layouts, const mc::RunOptions& run,
                     const WriteOptions& options = {}, std::uint64_t slab_bytes = 64u << 20);
  /// The same, with each scenario's layout that of its compiled model (engine::Simulator).
  StreamedComparison(const std::string& path, const std::vector<model::Scenario>& scenarios, const mc::RunOptions& run,
                     const WriteOptions& options = {}, std::uint64_t slab_bytes = 64u << 20);
  ~StreamedComparison();
  StreamedComparison(const StreamedComparison&) = delete;
  StreamedComparison& operator=(const StreamedComparison&) = delete;

  /// The sink of scenario i's paired run.
  [[nodiscard]] mc::ReplicateSink* sink(std::size_t i);
  /// Writes the comparison and renames the file into place. \throws IoError; Error when
  /// `comparison` is not the one whose replicates were streamed.
  void finish(const mc::Comparison& comparison);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Writes a comparison (trede compare): the paired differences, the variance reduction, and
/// each scenario's full ensemble under /scenarios/<i> (layout per docs/hdf5-schema.md).
/// \throws IoError if the file cannot be written; `path` is then unchanged.
void write_comparison(const std::string& path, const mc::Comparison& comparison,
                      const std::vector<model::Scenario>& scenarios, const WriteOptions& options = {});

/// Writes a probabilistic sensitivity analysis (trede run --draws): the pooled runs of every
/// draw as a result file (row d·R + r of /replicates is draw d, stream r; /replicates/draw says
/// which), the draws (/draws/keys, /draws/parameters [D, k], their distributions and blocks) and,
/// with R >= 2, the variance of each KPI split into parameter and Monte Carlo parts
/// (/variance/kpi). Layout per docs/uncertainty.md. \throws IoError; `path` is then unchanged.
void write_psa(const std::string& path, const mc::Psa& psa, const model::Scenario& scenario,
               const WriteOptions& options = {});
/// The same file as bytes in memory.
[[nodiscard]] std::vector<char> psa_image(const mc::Psa& psa, const model::Scenario& scenario,
                                          const WriteOptions& options = {});

/// The comparison file `write_comparison` would write, as bytes in memory.
[[nodiscard]] std::vector<char> comparison_image(const mc::Comparison& comparison,
                                                 const std::vector<model::Scenario>& scenarios,
                                                 const WriteOptions& options = {});

/// Writes a sweep (trede sweep): the design (/points), and for every point its summaries and
/// per-replicate KPIs stacked along a leading point axis (layout per docs/hdf5-schema.md).
/// \throws IoError if the file cannot be written; `path` is then unchanged.
void write_sweep(const std::string& path, const mc::Sweep& sweep, const model::Scenario& base,
                 const WriteOptions& options = {});

/// The sweep file `write_sweep` would write, as bytes in memory (h5py opens it from an
/// io.BytesIO; `save_image` writes it).
[[nodiscard]] std::vector<char> sweep_image(const mc::Sweep& sweep, const model::Scenario& base,
                                            const WriteOptions& options = {});
/// Writes the bytes of a trede file built in memory to `path` atomically.
/// \throws IoError if it cannot be written; `path` is then unchanged.
void save_image(const std::string& path, const std::vector<char>& image);

/// The root attributes `write_comparison` gives a comparison file, except `created` and
/// `command_line`.
[[nodiscard]] Attributes comparison_attributes(const mc::Comparison& comparison);

/// The resume store of a sweep written to `output`: the directory `<output>.parts/`, holding
/// one result file per finished point. Every part carries its identity (the base scenario's
/// hash, the design, its point index and parameter values, seed, replicates and trede version)
/// and is checked against it when read: a part that does not match or cannot be read is
/// reported (notes()) and its point run again. The directory is locked while a sweep uses it,
/// so two sweeps never write the same output.
class SweepParts final : public mc::PointStore {
 public:
  /// Opens the parts of `output`. Without `resume`, existing parts are an error (they are the
  /// work of an interrupted sweep: continue it with resume, or remove the directory).
  /// \throws ModelError (existing parts without `resume`; parts locked by another process),
  ///         IoError (the directory cannot be made).
  SweepParts(const std::string& output, const mc::Design& design, const model::Scenario& base, std::uint64_t seed,
             std::uint64_t replicates, bool resume, const WriteOptions& options = {});
  ~SweepParts() override;
  SweepParts(const SweepParts&) = delete;
  SweepParts& operator=(const SweepParts&) = delete;

  [[nodiscard]] std::optional<mc::Ensemble> load(std::size_t i) override;
  void save(std::size_t i, const mc::Ensemble& e, const model::Scenario& scenario) override;
  /// Removes the parts and then the directory (after the sweep file is written) and releases the
  /// lock. Files a sweep does not write (anything but point-NNNNNN.h5 and its temporaries) are
  /// left, with the directory, and a note names them.
  void remove();
  /// What was found and discarded while resuming (one line each).
  [[nodiscard]] const std::vector<std::string>& notes() const noexcept { return notes_; }
  /// The directory.
  [[nodiscard]] const std::string& directory() const noexcept { return dir_; }

 private:
  [[nodiscard]] std::string identity(std::size_t i) const;
  std::string dir_;
  mc::Design design_;
  std::string base_hash_;
  std::uint64_t seed_ = 0, replicates_ = 0;
  WriteOptions options_;
  int lock_fd_ = -1;
  std::vector<std::string> notes_;
};

/// One dataset in a result file.
struct DatasetInfo {
  std::string path;                 ///< e.g. "/replicates/occupancy"
  std::vector<std::uint64_t> shape; ///< empty for scalars
  std::string type;                 ///< "int32", "float64", "string", "compound", ...
};

/// A small table of headline figures, as `trede info` prints it.
struct InfoTable {
  std::string title;                    ///< e.g. "KPIs per replicate: mean [5%, 95%]"
  std::vector<std::string> columns;     ///< e.g. {"mean", "q05", "q95"}
  std::vector<std::string> rows;        ///< row labels
  std::vector<double> values;           ///< [rows, columns]
};

/// What `trede info` shows about any trede file.
struct FileInfo {
  std::string kind = "result";  ///< "result" (run), "comparison", "sweep", "psa" or "calibration"
  std::vector<std::pair<std::string, std::string>> attributes;  ///< root attributes as text
  std::vector<DatasetInfo> datasets;
  std::vector<std::string> kpi_names;  ///< result, comparison, sweep: the KPIs
  mc::Summary kpi;                     ///< result: /summary/kpi
  std::vector<InfoTable> tables;       ///< the headline figures of the file's kind
  std::vector<std::string> notes;      ///< what the figures leave out or how far they hold, printed after them
};

/// Reads the attributes, dataset list and headline figures of any trede file (run, comparison,
/// sweep, PSA, calibration report). \throws IoError saying why if the file cannot be opened
/// ("no such file", "not an HDF5 file") or is not a trede file.
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
