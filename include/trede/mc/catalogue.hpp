#pragma once
/// \file
/// The result catalogue: one table naming every per-replicate array of a run once — its name
/// (the dataset below `/replicates` and `/summary` of a result file), element type, dimensions,
/// unit, where it comes from in `engine::ReplicateResult`, how it is derived from a replicate and
/// how it is summarised. `mc::Ensemble` holds one array and one summary per row, by position.
/// Allocation, placing and merging replicates, the MPI transfer, summaries, the HDF5 writer and
/// reader and the Python arrays all iterate over this table: adding a per-replicate array is one
/// row here plus its computation in the engine (the ReplicateResult member the recorder fills).
///
/// Example: print the shape of every array of an ensemble.
/// \code
///   for (const trede::mc::ResultArray& a : trede::mc::result_arrays())
///     if (a.present(e)) std::printf("%s: %zu values per replicate\n", a.name, a.row_size(e.layout));
/// \endcode

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "trede/engine/result.hpp"
#include "trede/mc/ensemble.hpp"

namespace trede::mc {

/// A dimension of a result array, and the dataset of a result file that labels it.
enum class Dim : std::uint8_t {
  time,          ///< T report times (/time, calendar years)
  period,        ///< P periods ending at the report times (/period_start, /period_end)
  state,         ///< S states (/states)
  capacity,      ///< C states with places (/capacity_states)
  edge,          ///< E flow edges (/edges/id)
  kpi,           ///< K per-replicate KPIs (/kpi_names)
  kpi_period,    ///< Kp KPIs counted per period (/kpi_period_names)
  region,        ///< G regions (/regions)
  organisation,  ///< O organisations (/organisations)
  rung,          ///< the 6 treden of the participatieladder (/ladder)
  group,         ///< B groups of the results by person attribute (/groups; [report.by])
};

/// Name of a dimension ("time", "period", "state", ...).
[[nodiscard]] const char* to_string(Dim d) noexcept;
/// Size of dimension `d` in `layout`.
[[nodiscard]] std::size_t extent(const engine::Layout& layout, Dim d) noexcept;

/// Element type of a result array.
enum class ElementType : std::uint8_t { int32, float64, uint64 };

/// How an Ensemble array is obtained from one replicate's result.
enum class Derivation : std::uint8_t {
  copy,        ///< the ReplicateResult member as it is
  rungs,       ///< people per trede 1..6: the source's state axis (last) summed by the states' trede
  cumulative,  ///< running sum of the source over periods, at each report time
};

/// How an array is summarised over replicates (Summary: mean, sd, q05, q50, q95 per cell).
enum class Summarised : std::uint8_t {
  no,     ///< not summarised (the per-replicate values are kept)
  cells,  ///< /summary/<name>/{mean,sd,q05,q50,q95}, each with the array's shape
  table,  ///< /summary/<name> as one table row per cell (the KPI table: name, mean, sd, ...)
};

/// Where it comes from in a ReplicateResult (a vector, or the scalar event count).
using ReplicateMember =
    std::variant<std::vector<std::int32_t> engine::ReplicateResult::*, std::vector<double> engine::ReplicateResult::*,
                 std::uint64_t engine::ReplicateResult::*>;

/// One per-replicate array: a row of the catalogue.
struct ResultArray {
  const char* name;         ///< dataset name below /replicates and /summary, e.g. "occupancy", "region/kpi"
  const char* unit;         ///< e.g. "people", "moves", "EUR", "person-years", "years" (of every cell)
  const char* description;  ///< one line: what a cell counts
  ElementType type;
  std::array<Dim, 3> dims;  ///< the first `rank` are used; the replicate axis is not included
  std::uint8_t rank;        ///< 0 for one value per replicate
  bool by_region;           ///< present only when Layout::by_region() (more than one region)
  ReplicateMember replicate;  ///< the source (for derived arrays: what they are derived from)
  Derivation derivation;
  Summarised summarised;

  /// Position of the row in the catalogue: the index of its values in Ensemble::arrays and of
  /// its summary in Ensemble::summaries.
  [[nodiscard]] std::size_t index() const noexcept;

  /// True when the array exists for `layout` (region arrays only with more than one region,
  /// group arrays only with groups).
  [[nodiscard]] bool present(const engine::Layout& layout) const noexcept {
    for (std::size_t i = 0; i < rank; ++i)
      if (dims[i] == Dim::group && layout.B() == 0) return false;
    return !by_region || layout.by_region();
  }
  /// True when `e` holds the array: present for its layout, and region arrays only when the
  /// ensemble keeps them (Ensemble::per_region).
  [[nodiscard]] bool present(const Ensemble& e) const noexcept {
    return present(e.layout) && (!by_region || e.per_region);
  }
  /// Shape without the replicate axis.
  [[nodiscard]] std::vector<std::size_t> shape(const engine::Layout& layout) const;
  /// Values per replicate (the product of the shape).
  [[nodiscard]] std::size_t row_size(const engine::Layout& layout) const;
  /// Bytes per element.
  [[nodiscard]] std::size_t element_size() const noexcept;
};

/// The catalogue, in the order arrays are stored, moved and written.
[[nodiscard]] std::span<const ResultArray> result_arrays() noexcept;
/// The catalogue row called `name`, or nullptr.
[[nodiscard]] const ResultArray* find_result_array(std::string_view name) noexcept;

/// Calls f(row, vector) for every array of `e` present in its layout, with the vector typed
/// (std::vector<std::int32_t>&, std::vector<double>& or std::vector<std::uint64_t>&).
template <class Ens, class F>
void for_each_array(Ens& e, F&& f) {
  for (const ResultArray& a : result_arrays()) {
    if (!a.present(e)) continue;
    std::visit([&](auto& values) { f(a, values); }, e.arrays[a.index()]);
  }
}

/// One per-replicate array as raw bytes: replicate i occupies bytes [i * row, (i + 1) * row).
struct ReplicateArray {
  const ResultArray* info = nullptr;
  std::span<std::byte> bytes;
  std::size_t row = 0;
};

/// The same, read-only.
struct ConstReplicateArray {
  const ResultArray* info = nullptr;
  std::span<const std::byte> bytes;
  std::size_t row = 0;
};

/// Every per-replicate array of `e` present in its layout, in catalogue order (for moving
/// replicates between processes); summaries are not included.
[[nodiscard]] std::vector<ReplicateArray> replicate_arrays(Ensemble& e);
[[nodiscard]] std::vector<ConstReplicateArray> replicate_arrays(const Ensemble& e);

// ---- reading results by name ------------------------------------------------------------------

/// Statistics of one quantity over the replicates (Summary's fields for one cell).
struct Statistics {
  double mean, sd, q05, q50, q95;
};

/// Position of the label `name` on dimension `d` of `layout` (a state, capacity state, edge id,
/// KPI, period KPI, region or organisation name). \throws Error listing the labels when there is
/// no such label, or for a dimension without names (time, period, rung).
[[nodiscard]] std::size_t index_of(const engine::Layout& layout, Dim d, std::string_view name);

/// The statistics of the KPI called `name`, e.g. kpi(e, "persons_reaching_work").mean.
/// \throws Error (naming the KPIs) when there is none.
[[nodiscard]] Statistics kpi(const Ensemble& e, std::string_view name);

/// A read-only view of one per-replicate array with named dimensions: view(r, i, j, ...) is the
/// value of replicate r (0-based within the ensemble) at index i of the first dimension, ...
///
/// Example:
/// \code
///   auto occ = trede::mc::array<std::int32_t>(e, "occupancy");           // (replicate, time, state)
///   const std::size_t s = occ.index(trede::mc::Dim::state, "beschut_werk");
///   std::int32_t last = occ(0, occ.extent(1) - 1, s);                   // replicate 0, last report time
/// \endcode
template <class T>
class ArrayView {
 public:
  ArrayView(const ResultArray& info, const engine::Layout& layout, std::span<const T> data, std::size_t replicates)
      : info_(&info), layout_(&layout), data_(data) {
    shape_.push_back(replicates);
    for (std::size_t n : info.shape(layout)) shape_.push_back(n);
  }
  /// Number of dimensions, the replicate axis first.
  [[nodiscard]] std::size_t rank() const noexcept { return shape_.size(); }
  /// Size of dimension `i` (0 = replicates).
  [[nodiscard]] std::size_t extent(std::size_t i) const { return shape_.at(i); }
  /// Dimension `i` >= 1 (what the axis counts).
  [[nodiscard]] Dim dim(std::size_t i) const { return info_->dims.at(i - 1); }
  /// Position of a label on a named dimension of this array (index_of).
  [[nodiscard]] std::size_t index(Dim d, std::string_view name) const { return index_of(*layout_, d, name); }
  /// The catalogue row (name, unit, description).
  [[nodiscard]] const ResultArray& info() const noexcept { return *info_; }
  /// All values, replicate-major.
  [[nodiscard]] std::span<const T> values() const noexcept { return data_; }
  /// One value; every index is checked.
  template <class... I>
  [[nodiscard]] T operator()(I... indices) const {
    static_assert(sizeof...(I) >= 1, "give at least the replicate");
    const std::size_t idx[] = {static_cast<std::size_t>(indices)...};
    if (sizeof...(I) != shape_.size()) throw_rank();
    std::size_t flat = 0;
    for (std::size_t k = 0; k < shape_.size(); ++k) {
      if (idx[k] >= shape_[k]) throw_range(k, idx[k]);
      flat = flat * shape_[k] + idx[k];
    }
    return data_[flat];
  }

 private:
  [[noreturn]] void throw_rank() const;
  [[noreturn]] void throw_range(std::size_t axis, std::size_t i) const;
  const ResultArray* info_;
  const engine::Layout* layout_;
  std::span<const T> data_;
  std::vector<std::size_t> shape_;
};

/// The per-replicate array called `name` ("occupancy", "flows", "region/kpi", ...) of `e` as a
/// view with named dimensions. T must be the array's element type (std::int32_t, double or
/// std::uint64_t; see ResultArray::type). \throws Error for an unknown name (listing the
/// names), a wrong T, or an array not present in this ensemble (region arrays of one region).
template <class T>
[[nodiscard]] ArrayView<T> array(const Ensemble& e, std::string_view name);

/// Puts the arrays of one replicate's result `r` into slot `i` (0-based within `e`) of `e`,
/// deriving the rung and cumulative arrays. `e` must have been allocated for r's layout.
void put_replicate(Ensemble& e, std::size_t i, const engine::ReplicateResult& r);

}  // namespace trede::mc
