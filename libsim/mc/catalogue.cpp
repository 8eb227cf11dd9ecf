// The result catalogue (include/trede/mc/catalogue.hpp): every per-replicate array once.

#include "trede/mc/catalogue.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>

#include "trede/error.hpp"

namespace trede::mc {
namespace {

using engine::ReplicateResult;
using D = Dim;
using E = ElementType;
using V = Derivation;
using S = Summarised;

// The rows. Order is the order of storage, MPI transfer and datasets in a file; region arrays
// last (they exist only with more than one region).
const ResultArray rows[] = {
    {"occupancy", "people", "people in each state at each report time", E::int32, {D::time, D::state}, 2, false,
     &ReplicateResult::occupancy, V::copy, S::cells},
    {"trede_occupancy", "people", "people on each trede (1..6) of the participatieladder at each report time", E::int32,
     {D::time, D::rung}, 2, false, &ReplicateResult::occupancy, V::rungs, S::cells},
    {"waiting", "people", "people on each waiting list at each report time", E::int32, {D::time, D::capacity}, 2, false,
     &ReplicateResult::waiting, V::copy, S::cells},
    {"flows", "moves", "moves along each flow edge in each period", E::int32, {D::period, D::edge}, 2, false,
     &ReplicateResult::flows, V::copy, S::cells},
    {"person_years", "person-years", "time spent in each state in each period", E::float64, {D::period, D::state}, 2,
     false, &ReplicateResult::person_years, V::copy, S::no},
    {"cost_eur", "EUR", "cost in each period: person-years times cost per state, plus organisation costs", E::float64,
     {D::period}, 1, false, &ReplicateResult::cost_eur, V::copy, S::no},
    {"cost_cumulative_eur", "EUR", "cost from the start to each report time", E::float64, {D::time}, 1, false,
     &ReplicateResult::cost_eur, V::cumulative, S::cells},
    {"waiting_years", "list-years", "time integral of each waiting list's length in each period", E::float64,
     {D::period, D::capacity}, 2, false, &ReplicateResult::waiting_years, V::copy, S::no},
    {"waiting_joined", "people", "joins of each waiting list in each period", E::int32, {D::period, D::capacity}, 2,
     false, &ReplicateResult::waiting_joined, V::copy, S::no},
    {"waiting_admitted", "people", "admissions from each waiting list in each period", E::int32,
     {D::period, D::capacity}, 2, false, &ReplicateResult::waiting_admitted, V::copy,
     S::no},
    {"waiting_reneged", "people", "people who gave up waiting, per list and period", E::int32,
     {D::period, D::capacity}, 2, false, &ReplicateResult::waiting_reneged, V::copy, S::no},
    {"waiting_left", "people", "people who left a waiting list another way (moved elsewhere), per period", E::int32,
     {D::period, D::capacity}, 2, false, &ReplicateResult::waiting_left, V::copy, S::no},
    {"waiting_time_sum", "years", "years waited by all who left each list in the period (sum)", E::float64,
     {D::period, D::capacity}, 2, false, &ReplicateResult::waiting_time_sum, V::copy,
     S::no},
    {"waiting_time_admitted_sum", "years", "years waited by those admitted from each list in the period (sum)",
     E::float64, {D::period, D::capacity}, 2, false, &ReplicateResult::waiting_time_admitted_sum, V::copy, S::no},
    {"waiting_time_max", "years", "longest wait of those who left each list in the period (0 when nobody left)",
     E::float64, {D::period, D::capacity}, 2, false, &ReplicateResult::waiting_time_max, V::copy, S::cells},
    {"sojourn_sum", "years", "years in the origin state before each move along an edge (sum)", E::float64, {D::edge},
     1, false, &ReplicateResult::sojourn_sum, V::copy, S::no},
    {"sojourn_sumsq", "years^2", "squares of the same (sum)", E::float64, {D::edge}, 1, false,
     &ReplicateResult::sojourn_sumsq, V::copy, S::no},
    {"kpi", "(per KPI)", "the per-replicate KPIs (units in the KPI table)", E::float64, {D::kpi}, 1, false,
     &ReplicateResult::kpi, V::copy, S::table},
    {"kpi_period", "(per KPI)", "KPIs counted per period", E::float64, {D::period, D::kpi_period}, 2, false,
     &ReplicateResult::kpi_period, V::copy, S::cells},
    {"organisation_cost_eur", "EUR", "organisation costs per period", E::float64, {D::period, D::organisation}, 2,
     false, &ReplicateResult::organisation_cost_eur, V::copy, S::cells},
    {"events", "events", "moves plus arrivals over the whole run", E::uint64, {}, 0, false, &ReplicateResult::events,
     V::copy, S::no},
    {"by_group/occupancy", "people",
     "people in each state at each report time by group of a person attribute (absorbing states: everyone who entered, "
     "in the group they had then)",
     E::int32, {D::time, D::group, D::state}, 3, false, &ReplicateResult::occupancy_group,
     V::copy, S::cells},
    {"by_group/flows", "moves", "moves along each flow edge in each period by group of a person attribute at the move",
     E::int32, {D::period, D::group, D::edge}, 3, false, &ReplicateResult::flows_group, V::copy,
     S::cells},
    {"region/occupancy", "people", "people in each state of each region at each report time", E::int32,
     {D::time, D::region, D::state}, 3, true, &ReplicateResult::occupancy_region, V::copy,
     S::cells},
    {"region/trede_occupancy", "people", "people on each trede in each region at each report time", E::int32,
     {D::time, D::region, D::rung}, 3, true, &ReplicateResult::occupancy_region,
     V::rungs, S::cells},
    {"region/waiting", "people", "people on each waiting list of each region at each report time", E::int32,
     {D::time, D::region, D::capacity}, 3, true, &ReplicateResult::waiting_region, V::copy,
     S::cells},
    {"region/person_years", "person-years", "time spent in each state of each region in each period", E::float64,
     {D::period, D::region, D::state}, 3, true, &ReplicateResult::person_years_region,
     V::copy, S::no},
    {"region/cost_eur", "EUR", "cost of each region in each period (states and organisations)", E::float64,
     {D::period, D::region}, 2, true, &ReplicateResult::cost_region_eur, V::copy, S::cells},
    {"region/kpi", "(per KPI)", "the per-replicate KPIs of each region", E::float64, {D::region, D::kpi}, 2, true,
     &ReplicateResult::kpi_region, V::copy, S::cells},
};

// Adds `src` (a replicate's [..., S] array) into `dst` ([..., 6]) by the trede of each state.
template <class T>
void add_rungs(std::int32_t* dst, const std::vector<T>& src, const std::vector<int>& trede) {
  const std::size_t S = trede.size();
  if (S == 0) return;
  for (std::size_t row = 0; row < src.size() / S; ++row)
    for (std::size_t s = 0; s < S; ++s) {
      const int tr = trede[s];
      if (tr >= 1 && tr <= static_cast<int>(ladder_rungs))
        dst[row * ladder_rungs + static_cast<std::size_t>(tr - 1)] += static_cast<std::int32_t>(src[row * S + s]);
    }
}

}  // namespace

const char* to_string(Dim d) noexcept {
  switch (d) {
    case Dim::time: return "time";
    case Dim::period: return "period";
    case Dim::state: return "state";
    case Dim::capacity: return "capacity";
    case Dim::edge: return "edge";
    case Dim::kpi: return "kpi";
    case Dim::kpi_period: return "kpi_period";
    case Dim::region: return "region";
    case Dim::organisation: return "organisation";
    case Dim::rung: return "rung";
    case Dim::group: return "group";
  }
  return "?";
}

std::size_t extent(const engine::Layout& L, Dim d) noexcept {
  switch (d) {
    case Dim::time: return L.T();
    case Dim::period: return L.P();
    case Dim::state: return L.S();
    case Dim::capacity: return L.C();
    case Dim::edge: return L.E();
    case Dim::kpi: return L.K();
    case Dim::kpi_period: return L.Kp();
    case Dim::region: return L.G();
    case Dim::organisation: return L.O();
    case Dim::rung: return ladder_rungs;
    case Dim::group: return L.B();
  }
  return 0;
}

std::vector<std::size_t> ResultArray::shape(const engine::Layout& L) const {
  std::vector<std::size_t> s;
  for (std::size_t i = 0; i < rank; ++i) s.push_back(extent(L, dims[i]));
  return s;
}

std::size_t ResultArray::row_size(const engine::Layout& L) const {
  std::size_t n = 1;
  for (std::size_t i = 0; i < rank; ++i) n *= extent(L, dims[i]);
  return n;
}

std::size_t ResultArray::element_size() const noexcept {
  return type == ElementType::int32 ? 4 : 8;
}

std::span<const ResultArray> result_arrays() noexcept { return rows; }

const ResultArray* find_result_array(std::string_view name) noexcept {
  for (const ResultArray& a : rows)
    if (name == a.name) return &a;
  return nullptr;
}

std::size_t ResultArray::index() const noexcept { return static_cast<std::size_t>(this - rows); }

namespace {
// The row called `name`; throws listing the names when there is none.
const ResultArray& row(std::string_view name) {
  if (const ResultArray* a = find_result_array(name)) return *a;
  std::string known;
  for (const auto& r : rows) known += (known.empty() ? "" : ", ") + std::string(r.name);
  throw Error("no result array called '" + std::string(name) + "' (there are: " + known + ")");
}

template <class T>
constexpr ElementType element_type_of() {
  if constexpr (std::is_same_v<T, std::int32_t>)
    return ElementType::int32;
  else if constexpr (std::is_same_v<T, double>)
    return ElementType::float64;
  else
    return ElementType::uint64;
}

const char* element_type_name(ElementType t) {
  return t == ElementType::int32 ? "std::int32_t" : t == ElementType::float64 ? "double" : "std::uint64_t";
}
}  // namespace

Ensemble::Ensemble() {
  arrays.reserve(std::size(rows));
  for (const ResultArray& a : rows) {
    switch (a.type) {
      case ElementType::int32:
        arrays.emplace_back(std::vector<std::int32_t>{});
        break;
      case ElementType::float64:
        arrays.emplace_back(std::vector<double>{});
        break;
      case ElementType::uint64:
        arrays.emplace_back(std::vector<std::uint64_t>{});
        break;
    }
  }
  summaries.resize(std::size(rows));
}

template <class T>
const std::vector<T>& Ensemble::values(std::string_view name) const {
  const ResultArray& a = row(name);
  if (a.type != element_type_of<T>())
    throw Error(std::string(a.name) + " holds " + element_type_name(a.type) + " values, not " +
                element_type_name(element_type_of<T>()));
  return std::get<std::vector<T>>(arrays.at(a.index()));
}

template <class T>
std::vector<T>& Ensemble::values(std::string_view name) {
  return const_cast<std::vector<T>&>(std::as_const(*this).values<T>(name));
}

template const std::vector<std::int32_t>& Ensemble::values(std::string_view) const;
template const std::vector<double>& Ensemble::values(std::string_view) const;
template const std::vector<std::uint64_t>& Ensemble::values(std::string_view) const;
template std::vector<std::int32_t>& Ensemble::values(std::string_view);
template std::vector<double>& Ensemble::values(std::string_view);
template std::vector<std::uint64_t>& Ensemble::values(std::string_view);

const Summary& Ensemble::summary(std::string_view name) const {
  const ResultArray& a = row(name);
  if (a.summarised == Summarised::no)
    throw Error(std::string(a.name) + " is not summarised (read its per-replicate values)");
  return summaries.at(a.index());
}

std::vector<ReplicateArray> replicate_arrays(Ensemble& e) {
  std::vector<ReplicateArray> out;
  for_each_array(e, [&](const ResultArray& a, auto& v) {
    using T = typename std::remove_reference_t<decltype(v)>::value_type;
    out.push_back({&a, std::as_writable_bytes(std::span<T>(v)), a.row_size(e.layout) * sizeof(T)});
  });
  return out;
}

std::vector<ConstReplicateArray> replicate_arrays(const Ensemble& e) {
  std::vector<ConstReplicateArray> out;
  for_each_array(e, [&](const ResultArray& a, const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    out.push_back({&a, std::as_bytes(std::span<const T>(v)), a.row_size(e.layout) * sizeof(T)});
  });
  return out;
}

void put_replicate(Ensemble& e, std::size_t i, const ReplicateResult& r) {
  const engine::Layout& L = e.layout;
  for_each_array(e, [&](const ResultArray& a, auto& dst) {
    using T = typename std::remove_reference_t<decltype(dst)>::value_type;
    const std::size_t n = a.row_size(L);
    T* out = dst.data() + i * n;
    std::visit(
        [&](auto member) {
          const auto& src = r.*member;
          using Src = std::remove_cvref_t<decltype(src)>;
          if constexpr (std::is_same_v<Src, std::uint64_t>) {  // a scalar per replicate
            out[0] = static_cast<T>(src);
          } else {
            switch (a.derivation) {
              case Derivation::copy:
                if (src.size() != n)
                  throw Error(std::string("mc::put_replicate: ") + a.name + " has " + std::to_string(src.size()) +
                              " values, the layout says " + std::to_string(n));
                std::copy(src.begin(), src.end(), out);
                break;
              case Derivation::rungs:
                if constexpr (std::is_same_v<T, std::int32_t>) {
                  std::fill(out, out + n, 0);
                  add_rungs(out, src, L.trede);
                }
                break;
              case Derivation::cumulative: {
                T acc{};
                for (std::size_t k = 0; k < n; ++k) out[k] = acc += static_cast<T>(src[k]);
                break;
              }
            }
          }
        },
        a.replicate);
  });
}

std::size_t index_of(const engine::Layout& L, Dim d, std::string_view name) {
  std::vector<std::string> edge_ids;
  const std::vector<std::string>* labels = nullptr;
  switch (d) {
    case Dim::state: labels = &L.states; break;
    case Dim::capacity: labels = &L.capacity_states; break;
    case Dim::kpi: labels = &L.kpi_names; break;
    case Dim::kpi_period: labels = &L.kpi_period_names; break;
    case Dim::region: labels = &L.regions; break;
    case Dim::organisation: labels = &L.organisations; break;
    case Dim::edge:
      for (const auto& e : L.edges) edge_ids.push_back(e.id);
      labels = &edge_ids;
      break;
    default:
      throw Error(std::string("mc::index_of: the ") + to_string(d) + " dimension has no names (use an index)");
  }
  for (std::size_t i = 0; i < labels->size(); ++i)
    if ((*labels)[i] == name) return i;
  std::string known;
  for (const auto& l : *labels) known += (known.empty() ? "" : ", ") + l;
  throw Error(std::string("no ") + to_string(d) + " called '" + std::string(name) + "' (there are: " + known + ")");
}

Statistics kpi(const Ensemble& e, std::string_view name) {
  const std::size_t k = index_of(e.layout, Dim::kpi, name);
  const Summary& s = e.summary("kpi");
  if (k >= s.mean.size()) throw Error("mc::kpi: the ensemble has no summaries (call mc::summarize)");
  return {s.mean[k], s.sd[k], s.q05[k], s.q50[k], s.q95[k]};
}

template <class T>
void ArrayView<T>::throw_rank() const {
  throw Error(std::string(info_->name) + " has " + std::to_string(shape_.size()) +
              " dimensions (replicate first); give one index for each");
}

template <class T>
void ArrayView<T>::throw_range(std::size_t axis, std::size_t i) const {
  throw Error(std::string(info_->name) + ": index " + std::to_string(i) + " is outside dimension " +
              std::to_string(axis) + " (" + (axis == 0 ? "replicate" : to_string(info_->dims[axis - 1])) + ", size " +
              std::to_string(shape_[axis]) + ")");
}

template <class T>
ArrayView<T> array(const Ensemble& e, std::string_view name) {
  const ResultArray& a = row(name);
  if (!a.present(e))
    throw Error(std::string(a.name) + (a.by_region
                                           ? " is recorded only for scenarios with more than one region (and "
                                             "not in the pooled replicates of a probabilistic sensitivity analysis)"
                                           : " is recorded only for scenarios that ask for it ([report.by])"));
  return ArrayView<T>(a, e.layout, std::span<const T>(e.values<T>(name)), e.replicates);
}

template class ArrayView<std::int32_t>;
template class ArrayView<double>;
template class ArrayView<std::uint64_t>;
template ArrayView<std::int32_t> array<std::int32_t>(const Ensemble&, std::string_view);
template ArrayView<double> array<double>(const Ensemble&, std::string_view);
template ArrayView<std::uint64_t> array<std::uint64_t>(const Ensemble&, std::string_view);

}  // namespace trede::mc
