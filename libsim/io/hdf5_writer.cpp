// HDF5 writer (C API, one thread). Layout: docs/hdf5-schema.md.
//
// The file is built in memory, then written through io::PendingFile ("<path>.tmp-<pid>-<n>" in
// the target directory, synced, renamed over `path`): readers see either the old file or the
// complete new one.

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "io/hdf5_util.hpp"
#include "io/replicate_arrays.hpp"
#include "text.hpp"
#include "trede/error.hpp"
#include "trede/io/atomic_file.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/compare.hpp"
#include "trede/version.hpp"

namespace trede::io {
namespace {

using detail::Handle;
using detail::check;

// Writes datasets, groups and attributes below one location (the file or a group); paths
// without a leading '/' are relative to it.
class Writer {
 public:
  Writer(hid_t loc, int level) : file_(loc), level_(level) {}

  Handle group(const std::string& path) {
    Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
    check(H5Pset_obj_track_times(gcpl.get(), 0), "group properties");
    return Handle(check(H5Gcreate2(file_, path.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), "create group " + path),
                  H5Gclose);
  }

  // A dataset of `shape` from `data` (row-major). Per-replicate arrays (`chunked`) are chunked
  // along the replicate axis and compressed with shuffle + deflate.
  template <class T>
  void dataset(const std::string& path, const std::vector<hsize_t>& shape, const T* data, bool chunked = false) {
    hsize_t n = 1;
    for (auto d : shape) n *= d;
    Handle space(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "dataspace " + path),
                 H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    check(H5Pset_obj_track_times(dcpl.get(), 0), "dataset properties");
    if (chunked && n > 0 && !shape.empty()) {
      // Chunks of whole replicates, about 256 KiB each.
      hsize_t row = 1;
      for (std::size_t i = 1; i < shape.size(); ++i) row *= shape[i];
      std::vector<hsize_t> chunk(shape);
      const hsize_t rows = std::max<hsize_t>(1, (256 * 1024) / std::max<hsize_t>(1, row * sizeof(T)));
      chunk[0] = std::min(shape[0], rows);
      // A single replicate row larger than the chunk budget is split along the next axis.
      if (shape.size() > 1 && row * sizeof(T) > 4u * 1024 * 1024)
        chunk[1] = std::max<hsize_t>(1, shape[1] * (4u * 1024 * 1024) / (row * sizeof(T)));
      check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "chunking " + path);
      if (level_ > 0) {
        check(H5Pset_shuffle(dcpl.get()), "shuffle " + path);
        check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(level_)), "deflate " + path);
      }
    }
    const hid_t type = detail::native_type<T>();
    Handle ds(check(H5Dcreate2(file_, path.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                    "create dataset " + path),
              H5Dclose);
    if (n > 0) check(H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + path);
  }

  template <class T>
  void dataset(const std::string& path, const std::vector<hsize_t>& shape, const std::vector<T>& v,
               bool chunked = false) {
    dataset(path, shape, v.data(), chunked);
  }

  void strings(const std::string& path, const std::vector<std::string>& values) {
    Handle type = detail::string_type();
    const hsize_t n = values.size();
    Handle space(check(H5Screate_simple(1, &n, nullptr), "dataspace " + path), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    check(H5Pset_obj_track_times(dcpl.get(), 0), "dataset properties");
    Handle ds(check(H5Dcreate2(file_, path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                    "create dataset " + path),
              H5Dclose);
    std::vector<const char*> ptrs;
    for (auto& s : values) ptrs.push_back(s.c_str());
    if (n > 0) check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "write " + path);
  }

  void scalar_string(const std::string& path, const std::string& value) {
    Handle type = detail::string_type();
    Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    check(H5Pset_obj_track_times(dcpl.get(), 0), "dataset properties");
    Handle ds(check(H5Dcreate2(file_, path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                    "create dataset " + path),
              H5Dclose);
    const char* p = value.c_str();
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), "write " + path);
  }

  // Large summaries (per region: [T, G, S] and the like) are chunked and compressed like the
  // per-replicate arrays; small ones stay contiguous.
  void summary(const std::string& group_path, const mc::Summary& s, const std::vector<hsize_t>& shape) {
    group(group_path);
    const bool big = s.mean.size() * sizeof(double) > 64 * 1024;
    dataset(group_path + "/mean", shape, s.mean, big);
    dataset(group_path + "/sd", shape, s.sd, big);
    dataset(group_path + "/q05", shape, s.q05, big);
    dataset(group_path + "/q50", shape, s.q50, big);
    dataset(group_path + "/q95", shape, s.q95, big);
  }

  // /summary/kpi: a table with one row per KPI: name, mean, sd, q05, q50, q95.
  void kpi_table(const std::string& path, const std::vector<std::string>& names, const mc::Summary& s) {
    struct Row {
      const char* name;
      double mean, sd, q05, q50, q95;
    };
    std::vector<Row> rows;
    for (std::size_t i = 0; i < names.size(); ++i)
      rows.push_back({names[i].c_str(), s.mean[i], s.sd[i], s.q05[i], s.q50[i], s.q95[i]});
    Handle str = detail::string_type();
    Handle type(check(H5Tcreate(H5T_COMPOUND, sizeof(Row)), "compound type"), H5Tclose);
    check(H5Tinsert(type.get(), "name", HOFFSET(Row, name), str.get()), "compound");
    check(H5Tinsert(type.get(), "mean", HOFFSET(Row, mean), H5T_NATIVE_DOUBLE), "compound");
    check(H5Tinsert(type.get(), "sd", HOFFSET(Row, sd), H5T_NATIVE_DOUBLE), "compound");
    check(H5Tinsert(type.get(), "q05", HOFFSET(Row, q05), H5T_NATIVE_DOUBLE), "compound");
    check(H5Tinsert(type.get(), "q50", HOFFSET(Row, q50), H5T_NATIVE_DOUBLE), "compound");
    check(H5Tinsert(type.get(), "q95", HOFFSET(Row, q95), H5T_NATIVE_DOUBLE), "compound");
    const hsize_t n = rows.size();
    Handle space(check(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    check(H5Pset_obj_track_times(dcpl.get(), 0), "dataset properties");
    Handle ds(check(H5Dcreate2(file_, path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                    "create dataset " + path),
              H5Dclose);
    if (n > 0) check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "write " + path);
  }

  void attr(const std::string& name, const std::string& value) {
    Handle type = detail::string_type();
    Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
    Handle a(check(H5Acreate2(file_, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "attribute " + name),
             H5Aclose);
    const char* p = value.c_str();
    check(H5Awrite(a.get(), type.get(), &p), "attribute " + name);
  }

  template <class T>
  void attr(const std::string& name, T value) {
    Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
    const hid_t type = detail::native_type<T>();
    Handle a(check(H5Acreate2(file_, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), "attribute " + name),
             H5Aclose);
    check(H5Awrite(a.get(), type, &value), "attribute " + name);
  }

 private:
  hid_t file_;
  int level_;
};

// One ensemble and its scenario, below `loc` (the file, or a group of a comparison file).
// The time grid and the names every kind of file carries: /time, /period_start, /period_end,
// /states, /trede, /capacity_states, /kpi_names, /kpi_period_names.
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

void write_contents(hid_t loc, const mc::Ensemble& e, const model::Scenario& s, const WriteOptions& o) {
  Writer w(loc, o.compression_level);
  const engine::Layout& L = e.layout;
  const hsize_t R = e.replicates, T = L.T(), P = L.P(), S = L.S(), C = L.C(), E = L.E(), K = L.K();
  const hsize_t rungs = mc::ladder_rungs;

  std::string overrides;
  for (std::size_t i = 0; i < s.overrides.size(); ++i) overrides += (i ? "\n" : "") + s.overrides[i];
  w.attr("trede_version", std::string(trede::version));
  w.attr("git_commit", std::string(trede::git_commit()));
  w.attr("master_seed", static_cast<std::uint64_t>(e.seed));
  w.attr("replicates", static_cast<std::uint64_t>(e.replicates));
  w.attr("first_replicate", static_cast<std::uint64_t>(e.first_replicate));
  w.attr("start_time", s.start_year);
  w.attr("horizon_years", s.horizon_years);
  w.attr("created", trede::detail::utc_now());
  w.attr("scenario_name", s.name);
  w.attr("scenario_path", s.source_path);
  w.attr("scenario_overrides", overrides);
  w.attr("scenario_hash", scenario_hash(s));
  if (!o.command_line.empty()) w.attr("command_line", o.command_line);

  w.scalar_string("scenario", s.text);
  if (!s.base_texts.empty()) {
    w.strings("scenario_bases", s.base_texts);
    w.strings("scenario_base_paths", s.base_paths);
  }
  write_grid_and_names(w, L);
  w.dataset("state_cost_eur_per_year", {S}, L.cost_eur_per_year);
  std::vector<std::int32_t> ladder = {1, 2, 3, 4, 5, 6};
  w.dataset("ladder", {rungs}, ladder);
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
  const hsize_t Kp = L.Kp(), G = L.G(), O = L.O();

  w.group("summary");
  w.summary("summary/occupancy", e.occupancy_summary, {T, S});
  w.summary("summary/trede_occupancy", e.trede_summary, {T, rungs});
  w.summary("summary/waiting", e.waiting_summary, {T, C});
  w.summary("summary/flows", e.flows_summary, {P, E});
  w.summary("summary/cost_cumulative_eur", e.cost_cumulative_summary, {T});
  w.kpi_table("summary/kpi", L.kpi_names, e.kpi_summary);
  w.summary("summary/kpi_period", e.kpi_period_summary, {P, Kp});
  w.summary("summary/organisation_cost_eur", e.organisation_cost_summary, {P, O});
  if (L.by_region()) {
    w.group("summary/region");
    w.summary("summary/region/occupancy", e.occupancy_region_summary, {T, G, S});
    w.summary("summary/region/trede_occupancy", e.trede_region_summary, {T, G, rungs});
    w.summary("summary/region/waiting", e.waiting_region_summary, {T, G, C});
    w.summary("summary/region/cost_eur", e.cost_region_summary, {P, G});
    w.summary("summary/region/kpi", e.kpi_region_summary, {G, K});
  }

  w.group("replicates");
  std::vector<std::uint64_t> index(R);
  for (hsize_t i = 0; i < R; ++i) index[i] = e.first_replicate + i;
  w.dataset("replicates/replicate", {R}, index);
  if (L.by_region()) w.group("replicates/region");
  detail::for_each_replicate_dataset(e, [&](const char* name, const auto& v, std::vector<hsize_t> shape) {
    shape.insert(shape.begin(), R);
    w.dataset(name, shape, v, true);
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

std::atomic<unsigned> tmp_counter{0};

// Builds an HDF5 file in memory with `fill` and puts it at `path` atomically.
template <class Fill>
void write_atomically(const std::string& path, const WriteOptions& o, Fill&& fill) {
  namespace fs = std::filesystem;
  if (o.compression_level < 0 || o.compression_level > 9)
    throw ModelError("", 0, "compression_level", "must be 0..9");
  const fs::path target(path);
  if (fs::is_directory(target)) throw IoError(path, "is a directory");
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) throw IoError(path, "directory '" + dir.string() + "' does not exist");

  // The file is built in memory (HDF5's core driver, no backing store) and written out with
  // plain POSIX calls: a full disk or a size limit then fails in our own code, cleanly, and
  // never leaves HDF5 holding a half-closed file.
  std::vector<char> image;
  {
    detail::ErrorSilencer quiet;
    try {
      Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
      check(H5Pset_fapl_core(fapl.get(), 16u << 20, /*backing_store=*/0), "in-memory file driver");
      const std::string name = "trede-result-" + std::to_string(tmp_counter++);
      Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
      if (file.get() < 0) throw detail::Hdf5Failure{"create in-memory file"};
      fill(file.get());
      check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush");
      const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
      if (size <= 0) throw detail::Hdf5Failure{"file image size"};
      image.resize(static_cast<std::size_t>(size));
      if (H5Fget_file_image(file.get(), image.data(), image.size()) != size) throw detail::Hdf5Failure{"file image"};
    } catch (const detail::Hdf5Failure& f) {
      throw IoError(path, "HDF5 could not build the result (" + f.what_failed + ")");
    }
  }
  PendingFile out(path);  // the temporary exists only while the image is written out
  out.write(image.data(), image.size());
  out.commit();
}

}  // namespace

void write_sweep(const std::string& path, const mc::Design& design, const engine::Layout& L,
                 const std::vector<mc::SweepPoint>& points, const model::Scenario& base, std::uint64_t seed,
                 std::uint64_t replicates, const WriteOptions& o) {
  write_atomically(path, o, [&](hid_t file) {
    Writer w(file, o.compression_level);
    const hsize_t N = points.size(), D = design.keys.size(), R = replicates, T = L.T(), P = L.P(), S = L.S(),
                  C = L.C(), K = L.K(), Kp = L.Kp(), rungs = mc::ladder_rungs;
    w.attr("kind", std::string("sweep"));
    w.attr("design", design.kind);
    w.attr("trede_version", std::string(trede::version));
    w.attr("git_commit", std::string(trede::git_commit()));
    w.attr("master_seed", seed);
    w.attr("replicates", static_cast<std::uint64_t>(R));
    w.attr("points", static_cast<std::uint64_t>(N));
    w.attr("start_time", base.start_year);
    w.attr("created", trede::detail::utc_now());
    w.attr("scenario_name", base.name);
    w.attr("scenario_path", base.source_path);
    w.attr("scenario_hash", scenario_hash(base));
    if (!o.command_line.empty()) w.attr("command_line", o.command_line);
    w.scalar_string("scenario", base.text);
    write_grid_and_names(w, L);
    // The design: keys, values as written (TOML), values as numbers, and one dataset per key.
    w.group("points");
    w.strings("points/keys", design.keys);
    std::vector<std::string> values;
    std::vector<double> numeric;
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t k = 0; k < D; ++k) values.push_back(design.values[i][k]), numeric.push_back(design.numeric[i][k]);
    w.strings("points/values", values);  // [N * D], row-major
    w.dataset("points/numeric", {N, D}, numeric);
    std::vector<std::uint64_t> events;
    std::vector<double> wall;
    for (const auto& p : points) events.push_back(p.events), wall.push_back(p.wall_seconds);
    w.dataset("points/events", {N}, events);
    w.dataset("points/wall_seconds", {N}, wall);
    auto stack = [&](const std::string& group, mc::Summary mc::SweepPoint::*field, std::vector<hsize_t> shape) {
      shape.insert(shape.begin(), N);
      w.group(group);
      for (auto [name, part] : {std::pair{"mean", &mc::Summary::mean}, {"sd", &mc::Summary::sd}, {"q05", &mc::Summary::q05},
                                {"q50", &mc::Summary::q50}, {"q95", &mc::Summary::q95}}) {
        std::vector<double> v;
        for (const auto& p : points) v.insert(v.end(), ((p.*field).*part).begin(), ((p.*field).*part).end());
        w.dataset(group + "/" + name, shape, v);
      }
    };
    w.group("summary");
    stack("summary/kpi", &mc::SweepPoint::kpi, {K});
    stack("summary/kpi_period", &mc::SweepPoint::kpi_period, {P, Kp});
    stack("summary/occupancy", &mc::SweepPoint::occupancy, {T, S});
    stack("summary/trede_occupancy", &mc::SweepPoint::trede, {T, rungs});
    stack("summary/waiting", &mc::SweepPoint::waiting, {T, C});
    stack("summary/cost_cumulative_eur", &mc::SweepPoint::cost_cumulative, {T});
    w.group("replicates");
    std::vector<double> kpi;
    for (const auto& p : points) kpi.insert(kpi.end(), p.kpi_replicates.begin(), p.kpi_replicates.end());
    w.dataset("replicates/kpi", {N, R, K}, kpi, true);
  });
}

std::string scenario_hash(const model::Scenario& s) {
  std::string overrides;
  for (std::size_t i = 0; i < s.overrides.size(); ++i) overrides += (i ? "\n" : "") + s.overrides[i];
  std::string hashed = s.text;
  for (std::size_t i = 0; i < s.base_texts.size(); ++i) hashed += "\n#extends " + s.base_paths[i] + "\n" + s.base_texts[i];
  return sha256_hex(hashed + "\n#overrides\n" + overrides);
}

void write_hdf5(const std::string& path, const mc::Ensemble& e, const model::Scenario& s, const WriteOptions& o) {
  write_atomically(path, o, [&](hid_t file) { write_contents(file, e, s, o); });
}

void write_comparison(const std::string& path, const mc::Comparison& c, const std::vector<model::Scenario>& scenarios,
                      const WriteOptions& o) {
  write_atomically(path, o, [&](hid_t file) {
    Writer w(file, o.compression_level);
    const mc::Ensemble& ref = c.ensembles.front();
    const engine::Layout& L = ref.layout;
    const hsize_t N = c.names.size(), D = N - 1, R = ref.replicates, T = L.T(), P = L.P(), K = L.K(), Kp = L.Kp();
    const hsize_t rungs = mc::ladder_rungs;
    w.attr("kind", std::string("comparison"));
    w.attr("trede_version", std::string(trede::version));
    w.attr("git_commit", std::string(trede::git_commit()));
    w.attr("master_seed", static_cast<std::uint64_t>(ref.seed));
    w.attr("replicates", static_cast<std::uint64_t>(R));
    w.attr("first_replicate", static_cast<std::uint64_t>(ref.first_replicate));
    w.attr("confidence", c.confidence);
    w.attr("reference", c.names.front());
    w.attr("created", trede::detail::utc_now());
    if (!o.command_line.empty()) w.attr("command_line", o.command_line);
    w.strings("scenario_names", c.names);
    write_grid_and_names(w, L);
    auto stack = [](const std::vector<mc::Difference>& ds, std::vector<double> mc::Difference::*field) {
      std::vector<double> out;
      for (const auto& d : ds) out.insert(out.end(), (d.*field).begin(), (d.*field).end());
      return out;
    };
    auto difference = [&](const std::string& group, const std::vector<mc::Difference>& ds, std::vector<hsize_t> shape) {
      shape.insert(shape.begin(), D);
      w.group(group);
      w.dataset(group + "/mean", shape, stack(ds, &mc::Difference::mean));
      w.dataset(group + "/sd", shape, stack(ds, &mc::Difference::sd));
      w.dataset(group + "/lo", shape, stack(ds, &mc::Difference::lo));
      w.dataset(group + "/hi", shape, stack(ds, &mc::Difference::hi));
    };
    w.group("difference");
    difference("difference/kpi", c.kpi, {K});
    difference("difference/kpi_period", c.kpi_period, {P, Kp});
    difference("difference/trede_occupancy", c.trede, {T, rungs});
    if (!c.variance_reduction_kpi.empty()) {
      difference("difference/kpi_independent", c.kpi_independent, {K});
      w.group("variance_reduction");
      std::vector<double> vk, vp;
      for (auto& v : c.variance_reduction_kpi) vk.insert(vk.end(), v.begin(), v.end());
      for (auto& v : c.variance_reduction_kpi_period) vp.insert(vp.end(), v.begin(), v.end());
      w.dataset("variance_reduction/kpi", {D, K}, vk);
      w.dataset("variance_reduction/kpi_period", {D, P, Kp}, vp);
    }
    w.group("scenarios");
    for (std::size_t i = 0; i < N; ++i) {
      Handle g = w.group("scenarios/" + std::to_string(i));
      write_contents(g.get(), c.ensembles[i], scenarios[i], o);
    }
  });
}

}  // namespace trede::io
