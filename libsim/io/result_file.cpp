// Result files (trede run) and comparison files (trede compare): writing and reading back.
// Layout: docs/hdf5-schema.md. The per-replicate arrays and their summaries come from the
// result catalogue (trede/mc/catalogue.hpp); nothing here lists them.

#include "io/result_file.hpp"

#include "io/hdf5_file.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/compare.hpp"

namespace trede::io {
namespace detail {
namespace {

std::vector<hsize_t> dims(const mc::ResultArray& a, const engine::Layout& L) {
  std::vector<hsize_t> out;
  for (std::size_t n : a.shape(L)) out.push_back(n);
  return out;
}

}  // namespace

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

void write_summaries(Writer& w, const mc::Ensemble& e) {
  const engine::Layout& L = e.layout;
  w.group("summary");
  if (L.by_region() && e.per_region) w.group("summary/region");
  if (L.B() > 0) w.group("summary/by_group");
  for (const mc::ResultArray& a : mc::result_arrays()) {
    if (!a.present(e) || a.summarised == mc::Summarised::no) continue;
    const std::string path = std::string("summary/") + a.name;
    if (a.summarised == mc::Summarised::table) w.summary_table(path, L.kpi_names, e.summaries[a.index()]);
    else w.summary(path, e.summaries[a.index()], dims(a, L));
  }
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

  w.group("replicates");
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
