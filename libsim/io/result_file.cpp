// Result files (trede run) and comparison files (trede compare): writing and reading back.
// Layout: docs/hdf5-schema.md. The per-replicate arrays and their summaries come from the
// result catalogue (trede/mc/catalogue.hpp); nothing here lists them.

#include "io/result_file.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <span>

#include "io/hdf5_file.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/compare.hpp"

namespace trede::io {
namespace detail {
std::vector<hsize_t> dims(const mc::ResultArray& a, const engine::Layout& L) {
  std::vector<hsize_t> out;
  for (std::size_t n : a.shape(L)) out.push_back(n);
  return out;
}

Attributes run_attributes(const mc::Ensemble& e, const model::Scenario& s) {
  Attributes a = {{"master_seed", e.seed}, {"replicates", e.replicates}, {"first_replicate", e.first_replicate}};
  for (auto& x : scenario_attributes(s)) a.push_back(std::move(x));
  return a;
}

void write_grid_and_names(Writer& w, const engine::Layout& L) {
  const hsize_t T = L.T(), P = L.P(), S = L.S();
  w.dataset("time", {T}, L.report_times);
  w.dataset("period_start", {P}, L.period_start);
  w.dataset("period_end", {P}, L.period_end);
  w.strings("states", L.states);
  std::vector<std::int32_t> trede(L.trede.begin(), L.trede.end());
  w.dataset("trede", {S}, trede);
  w.strings("capacity_states", L.capacity_states);
  w.strings("kpi_names", L.kpi_names);
  w.strings("kpi_period_names", L.kpi_period_names);
}

void write_axes(Writer& w, const engine::Layout& L) {
  write_grid_and_names(w, L);
  w.dataset("state_cost_eur_per_year", {L.S()}, L.cost_eur_per_year);
  std::vector<std::int32_t> ladder = {1, 2, 3, 4, 5, 6};
  w.dataset("ladder", {mc::ladder_rungs}, ladder);
  w.group("edges");
  std::vector<std::string> ids, from, to, kind;
  for (const auto& ed : L.edges) {
    ids.push_back(ed.id);
    from.push_back(ed.from);
    to.push_back(ed.to);
    kind.push_back(engine::to_string(ed.kind));
  }
  w.strings("edges/id", ids);
  w.strings("edges/from", from);
  w.strings("edges/to", to);
  w.strings("edges/kind", kind);
  w.strings("regions", L.regions);
  w.strings("region_models", L.region_models);
  w.strings("organisations", L.organisations);
  if (L.B() > 0) w.strings("groups", L.groups);
}

void write_summary(Writer& w, const mc::ResultArray& a, const engine::Layout& L, const mc::Summary& s) {
  const std::string path = std::string("summary/") + a.name;
  if (a.summarised == mc::Summarised::table) w.summary_table(path, L.kpi_names, s);
  else w.summary(path, s, dims(a, L));
}

void write_summaries(Writer& w, const mc::Ensemble& e) {
  const engine::Layout& L = e.layout;
  w.group("summary");
  if (L.by_region() && e.per_region) w.group("summary/region");
  if (L.B() > 0) w.group("summary/by_group");
  for (const mc::ResultArray& a : mc::result_arrays())
    if (a.present(e) && a.summarised != mc::Summarised::no) write_summary(w, a, L, e.summaries[a.index()]);
}

void write_ensemble(Writer& w, const mc::Ensemble& e, const model::Scenario& s, const Attributes& extra,
                    const std::vector<std::uint64_t>& replicate_index) {
  const engine::Layout& L = e.layout;
  const hsize_t R = e.replicates;
  write_attributes(w, extra);
  write_attributes(w, run_attributes(e, s));
  w.scalar_string("scenario", s.text);
  if (!s.base_texts.empty()) {
    w.strings("scenario_bases", s.base_texts);
    w.strings("scenario_base_paths", s.base_paths);
  }
  write_axes(w, L);
  write_summaries(w, e);

  w.group("replicates");  // (made already when the per-region arrays were streamed)
  std::vector<std::uint64_t> index = replicate_index;
  if (index.empty())
    for (hsize_t i = 0; i < R; ++i) index.push_back(e.first_replicate + i);
  if (index.size() != R) throw Hdf5Failure{"one replicate index per replicate"};
  w.dataset("replicates/replicate", {R}, index);
  if (L.by_region() && e.per_region) w.group("replicates/region");
  if (L.B() > 0) w.group("replicates/by_group");
  mc::for_each_array(e, [&](const mc::ResultArray& a, const auto& v) {
    std::vector<hsize_t> shape = dims(a, L);
    shape.insert(shape.begin(), R);
    w.dataset(std::string("replicates/") + a.name, shape, v, true);
  });

  // Traced people: one row per change of state, in replicate order, then time order.
  if (!e.trace_offsets.empty()) {
    const hsize_t M = e.trace.size();
    const mc::TraceColumns c = mc::trace_columns(e);
    w.group("trajectories");
    w.dataset("trajectories/replicate", {M}, c.replicate, true);
    w.dataset("trajectories/person", {M}, c.person, true);
    w.dataset("trajectories/time", {M}, c.time, true);
    w.dataset("trajectories/from", {M}, c.from, true);
    w.dataset("trajectories/to", {M}, c.to, true);
    w.dataset("trajectories/offsets", {R + 1}, e.trace_offsets);
    std::vector<std::uint64_t> people{e.trace_people};
    w.dataset("trajectories/people_per_replicate", {1}, people);
  }
}

engine::Layout read_layout(hid_t g) {
  engine::Layout L;
  L.report_times = read_vector<double>(g, "time");
  L.period_start = read_vector<double>(g, "period_start");
  L.period_end = read_vector<double>(g, "period_end");
  L.states = read_strings(g, "states");
  for (auto t : read_vector<std::int32_t>(g, "trede")) L.trede.push_back(t);
  L.cost_eur_per_year = read_vector<double>(g, "state_cost_eur_per_year");
  L.capacity_states = read_strings(g, "capacity_states");
  const auto ids = read_strings(g, "edges/id"), from = read_strings(g, "edges/from"), to = read_strings(g, "edges/to"),
             kinds = read_strings(g, "edges/kind");
  if (from.size() != ids.size() || to.size() != ids.size() || kinds.size() != ids.size())
    throw Hdf5Failure{"/edges datasets of different lengths"};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    engine::FlowEdge e{ids[i], from[i], to[i], engine::EdgeKind::transition};
    if (!engine::edge_kind_from_string(kinds[i], e.kind)) throw Hdf5Failure{"edge kind '" + kinds[i] + "'"};
    L.edges.push_back(std::move(e));
  }
  L.kpi_names = read_strings(g, "kpi_names");
  L.kpi_period_names = read_strings(g, "kpi_period_names");
  L.regions = read_strings(g, "regions");
  L.region_models = read_strings(g, "region_models");
  L.organisations = read_strings(g, "organisations");
  if (exists(g, "groups")) L.groups = read_strings(g, "groups");
  if (L.trede.size() != L.states.size() || L.cost_eur_per_year.size() != L.states.size() ||
      L.period_start.size() != L.period_end.size() || L.region_models.size() != L.regions.size())
    throw Hdf5Failure{"axis datasets of inconsistent lengths"};
  return L;
}

mc::Ensemble read_ensemble(hid_t g) {
  const engine::Layout layout = read_layout(g);
  mc::Ensemble e = mc::allocate(layout, read_attr<std::uint64_t>(g, "replicates"),
                                read_attr<std::uint64_t>(g, "master_seed"), read_attr<std::uint64_t>(g, "first_replicate"),
                                /*per_region=*/layout.by_region() && exists(g, "replicates/region"));
  mc::for_each_array(e, [&](const mc::ResultArray& a, auto& v) {
    using T = typename std::remove_reference_t<decltype(v)>::value_type;
    const std::string path = std::string("replicates/") + a.name;
    auto read = read_vector<T>(g, path);
    if (read.size() != v.size()) throw Hdf5Failure{path + " has the wrong size"};
    v = std::move(read);
  });
  mc::summarize(e);
  return e;
}

}  // namespace detail

std::string scenario_hash(const model::Scenario& s) {
  std::string overrides;
  for (std::size_t i = 0; i < s.overrides.size(); ++i) overrides += (i ? "\n" : "") + s.overrides[i];
  std::string hashed = s.text;
  for (std::size_t i = 0; i < s.base_texts.size(); ++i) hashed += "\n#extends " + s.base_paths[i] + "\n" + s.base_texts[i];
  return sha256_hex(hashed + "\n#overrides\n" + overrides);
}

Attributes result_attributes(const mc::Ensemble& e, const model::Scenario& s) {
  Attributes a;
  for (auto& x : detail::provenance("result", ""))
    if (x.first != "created") a.push_back(std::move(x));
  for (auto& x : detail::run_attributes(e, s)) a.push_back(std::move(x));
  return a;
}

void write_hdf5(const std::string& path, const mc::Ensemble& e, const model::Scenario& s, const WriteOptions& o) {
  detail::write_file(path, o.compression_level, [&](hid_t file) {
    detail::Writer w(file, o.compression_level);
    detail::write_ensemble(w, e, s, detail::provenance("result", o.command_line));
  });
}


// ---- streamed result files ------------------------------------------------------------------------

namespace detail {
namespace {

hid_t element_type(const mc::ResultArray& a) {
  switch (a.type) {
    case mc::ElementType::int32: return H5T_NATIVE_INT32;
    case mc::ElementType::float64: return H5T_NATIVE_DOUBLE;
    case mc::ElementType::uint64: return H5T_NATIVE_UINT64;
  }
  return H5T_NATIVE_DOUBLE;
}

}  // namespace

RegionStreams::RegionStreams(hid_t loc, const engine::Layout& layout, const mc::RunOptions& run, int compression_level,
                             std::uint64_t slab_bytes)
    : layout_(layout), seed_(run.seed), first_(run.first_replicate), replicates_(run.replicates), slab_bytes_(slab_bytes) {
  Writer w(loc, compression_level);
  w.group("replicates");
  if (!layout.by_region() || !run.per_region) return;  // nothing to stream
  w.group("replicates/region");
  for (const mc::ResultArray& a : mc::result_arrays()) {
    if (!a.by_region || !a.present(layout)) continue;
    std::vector<hsize_t> shape = dims(a, layout);
    shape.insert(shape.begin(), run.replicates);
    streams_.push_back({&a, RowDataset(loc, std::string("replicates/") + a.name, shape, element_type(a), a.element_size(),
                                       compression_level)});
  }
}

std::uint64_t RegionStreams::upper_bound(const engine::Layout& L, std::uint64_t replicates, bool regions) {
  long double bytes = 0;
  for (const mc::ResultArray& a : mc::result_arrays()) {
    if (!a.present(L) || (a.by_region && !regions)) continue;
    const long double cells = a.row_size(L);
    bytes += cells * a.element_size() * replicates;
    if (a.summarised != mc::Summarised::no) bytes += cells * 5 * sizeof(double);
  }
  return static_cast<std::uint64_t>(bytes * 1.05L) + 16 * replicates;
}

void RegionStreams::put(const mc::Ensemble& part) {
  if (part.seed != seed_ || part.first_replicate != first_ + next_ || next_ + part.replicates > replicates_)
    throw Error("mc::ReplicateSink::put: replicates " + std::to_string(part.first_replicate) + ".." +
                std::to_string(part.first_replicate + part.replicates) + " are not the next of this run (replicate " +
                std::to_string(first_ + next_) + " is)");
  for (auto& st : streams_)
    std::visit(
        [&](const auto& v) {
          if (v.size() != part.replicates * st.info->row_size(layout_))
            throw Error(std::string("mc::ReplicateSink::put: ") + st.info->name + " has another shape");
          st.data.write_rows(next_, part.replicates, v.data());
        },
        part.arrays[st.info->index()]);
  next_ += part.replicates;
}

void RegionStreams::check_complete(const mc::Ensemble& totals) const {
  if (totals.seed != seed_ || totals.first_replicate != first_ || totals.replicates != replicates_ ||
      (!streams_.empty() && totals.per_region))
    throw Error("streamed file: the ensemble is not the run this file was made for");
  if (!streams_.empty() && next_ != replicates_)
    throw Error("streamed file: " + std::to_string(next_) + " of " + std::to_string(replicates_) +
                " replicates were written");
}

template <class T>
mc::Summary RegionStreams::summarize(const Stream& st) {
  const auto& shape = st.data.shape();
  const std::uint64_t R = shape[0], columns = shape[1];
  std::uint64_t slice = 1;  // cells per entry of the second axis
  for (std::size_t i = 2; i < shape.size(); ++i) slice *= shape[i];
  const std::uint64_t chunk = st.data.chunk_columns();
  const std::uint64_t per_chunk_column = std::max<std::uint64_t>(1, R * chunk * slice * sizeof(T));
  const std::uint64_t step = chunk * std::max<std::uint64_t>(1, slab_bytes_ / per_chunk_column);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  mc::Summary whole;
  for (auto* v : {&whole.mean, &whole.sd, &whole.q05, &whole.q50, &whole.q95}) v->assign(columns * slice, nan);
  std::vector<T> slab;
  for (std::uint64_t b = 0; b < columns; b += step) {
    const std::uint64_t n = std::min(step, columns - b);
    slab.resize(R * n * slice);
    st.data.read_slab(b, n, slab.data());
    const mc::Summary part = mc::summarize(std::span<const T>(slab), R);  // the cells of these columns, as in memory
    const auto at = static_cast<std::ptrdiff_t>(b * slice);
    std::copy(part.mean.begin(), part.mean.end(), whole.mean.begin() + at);
    std::copy(part.sd.begin(), part.sd.end(), whole.sd.begin() + at);
    std::copy(part.q05.begin(), part.q05.end(), whole.q05.begin() + at);
    std::copy(part.q50.begin(), part.q50.end(), whole.q50.begin() + at);
    std::copy(part.q95.begin(), part.q95.end(), whole.q95.begin() + at);
    summary_bytes_ = std::max<std::uint64_t>(
        summary_bytes_, slab.size() * sizeof(T) + 5 * (part.mean.size() + whole.mean.size()) * sizeof(double));
  }
  return whole;
}

void RegionStreams::finish(Writer& w) {
  if (!streams_.empty()) w.group("summary/region");
  for (const auto& st : streams_) {
    if (st.info->summarised == mc::Summarised::no) continue;
    const mc::Summary s = st.info->type == mc::ElementType::int32 ? summarize<std::int32_t>(st) : summarize<double>(st);
    write_summary(w, *st.info, layout_, s);
  }
  streams_.clear();  // every dataset closed before the file
}

}  // namespace detail

struct StreamedResult::Impl {
  detail::DiskFile file;
  model::Scenario scenario;
  engine::Layout layout;
  std::uint64_t replicates;
  WriteOptions options;
  std::optional<detail::RegionStreams> regions;
  bool finished = false;
};

StreamedResult::StreamedResult(const std::string& path, const model::Scenario& scenario, const engine::Layout& layout,
                               const mc::RunOptions& run, const WriteOptions& options, std::uint64_t slab_bytes) {
  run.check();
  if (options.compression_level < 0 || options.compression_level > 9)
    throw ModelError("", 0, "compression_level", "must be 0..9");
  impl_.reset(new Impl{detail::DiskFile(path), scenario, layout, run.replicates, options, {}, false});
  detail::ErrorSilencer quiet;
  try {
    impl_->file.reserve(detail::RegionStreams::upper_bound(layout, run.replicates, true) + (32u << 20));
    impl_->regions.emplace(impl_->file.get(), layout, run, options.compression_level, slab_bytes);
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(path, "HDF5 could not write the file (" + f.what_failed + ")");
  }
}

StreamedResult::~StreamedResult() = default;

std::uint64_t StreamedResult::summary_bytes() const noexcept { return impl_->regions->summary_bytes(); }

void StreamedResult::put(const mc::Ensemble& part) {
  Impl& m = *impl_;
  if (m.finished) throw Error("StreamedResult::put: the file is finished");
  detail::ErrorSilencer quiet;
  try {
    m.regions->put(part);
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(m.file.path(), "HDF5 could not write the file (" + f.what_failed + ")");
  }
}

void StreamedResult::finish(const mc::Ensemble& totals) {
  Impl& m = *impl_;
  if (m.finished) throw Error("StreamedResult::finish: the file is finished");
  m.regions->check_complete(totals);
  detail::ErrorSilencer quiet;
  try {
    std::uint64_t text = m.scenario.text.size();
    for (const auto& t : m.scenario.base_texts) text += t.size();
    m.file.reserve(detail::RegionStreams::upper_bound(m.layout, m.replicates, m.regions->streaming()) +
                   totals.trace.size() * 40 + text + (32u << 20));
    detail::Writer w(m.file.get(), m.options.compression_level);
    detail::write_ensemble(w, totals, m.scenario, detail::provenance("result", m.options.command_line));
    m.regions->finish(w);
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(m.file.path(), "HDF5 could not write the file (" + f.what_failed + ")");
  }
  m.file.commit();
  m.finished = true;
}

mc::Ensemble read_result(const std::string& path, const std::string& group) {
  detail::Handle file = detail::open_file(path);
  detail::ErrorSilencer quiet;
  try {
    detail::Handle loc(detail::check(H5Gopen2(file.get(), group.c_str(), H5P_DEFAULT), "open group " + group),
                       H5Gclose);
    return detail::read_ensemble(loc.get());
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(path, "not a trede result (" + f.what_failed + ")");
  }
}

}  // namespace trede::io
