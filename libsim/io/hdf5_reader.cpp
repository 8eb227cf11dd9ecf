// Reads what `trede info` shows: root attributes, the dataset list and the KPI summary.

#include <hdf5.h>

#include <sstream>

#include "io/hdf5_util.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"

namespace trede::io {
namespace {

using detail::check;
using detail::Handle;

std::string type_text(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: {
      const auto bits = H5Tget_size(type) * 8;
      return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    }
    case H5T_FLOAT: return "float" + std::to_string(H5Tget_size(type) * 8);
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    default: return "other";
  }
}

std::string attribute_text(hid_t attr) {
  Handle type(H5Aget_type(attr), H5Tclose);
  std::ostringstream os;
  os.precision(12);
  switch (H5Tget_class(type.get())) {
    case H5T_STRING: {
      Handle mem = detail::string_type();
      char* p = nullptr;
      if (H5Tis_variable_str(type.get()) > 0 && H5Aread(attr, mem.get(), &p) >= 0 && p) {
        std::string s(p);
        H5free_memory(p);
        return s;
      }
      return "?";
    }
    case H5T_INTEGER: {
      if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        std::uint64_t v = 0;
        H5Aread(attr, H5T_NATIVE_UINT64, &v);
        os << v;
      } else {
        std::int64_t v = 0;
        H5Aread(attr, H5T_NATIVE_INT64, &v);
        os << v;
      }
      return os.str();
    }
    case H5T_FLOAT: {
      double v = 0;
      H5Aread(attr, H5T_NATIVE_DOUBLE, &v);
      os << v;
      return os.str();
    }
    default: return "?";
  }
}

herr_t collect_attribute(hid_t loc, const char* name, const H5A_info_t*, void* data) {
  auto* info = static_cast<FileInfo*>(data);
  Handle a(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
  if (a.get() >= 0) info->attributes.emplace_back(name, attribute_text(a.get()));
  return 0;
}

herr_t collect_dataset(hid_t root, const char* name, const H5O_info_t* oinfo, void* data) {
  if (oinfo->type != H5O_TYPE_DATASET) return 0;
  auto* info = static_cast<FileInfo*>(data);
  Handle ds(H5Dopen2(root, name, H5P_DEFAULT), H5Dclose);
  if (ds.get() < 0) return 0;
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  DatasetInfo d;
  d.path = std::string("/") + name;
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank > 0) {
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    d.shape.assign(dims.begin(), dims.end());
  }
  d.type = type_text(type.get());
  info->datasets.push_back(std::move(d));
  return 0;
}

std::vector<std::string> read_strings(hid_t file, const char* path) {
  Handle ds(check(H5Dopen2(file, path, H5P_DEFAULT), std::string("open ") + path), H5Dclose);
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  std::vector<char*> ptrs(n, nullptr);
  Handle mem = detail::string_type();
  if (n > 0) check(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), std::string("read ") + path);
  std::vector<std::string> out;
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  if (n > 0) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

std::vector<double> read_doubles(hid_t file, const char* path) {
  Handle ds(check(H5Dopen2(file, path, H5P_DEFAULT), std::string("open ") + path), H5Dclose);
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
  if (!v.empty()) check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), std::string("read ") + path);
  return v;
}

}  // namespace

FileInfo read_info(const std::string& path) {
  detail::ErrorSilencer quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path, "not an HDF5 file (or cannot be read)");
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.get() < 0) throw IoError(path, "cannot open");
  FileInfo info;
  try {
    H5Aiterate2(file.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attribute, &info);
    H5Ovisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &info);
    info.kpi_names = read_strings(file.get(), "/kpi_names");
    for (const auto& [k, v] : info.attributes)
      if (k == "kind") info.kind = v;
    if (info.kind == "comparison") {
      info.scenario_names = read_strings(file.get(), "/scenario_names");
      info.difference_mean = read_doubles(file.get(), "/difference/kpi/mean");
      info.difference_lo = read_doubles(file.get(), "/difference/kpi/lo");
      info.difference_hi = read_doubles(file.get(), "/difference/kpi/hi");
      return info;
    }
    if (info.kind == "sweep") {
      info.point_keys = read_strings(file.get(), "/points/keys");
      info.point_values = read_strings(file.get(), "/points/values");
      info.point_kpi_mean = read_doubles(file.get(), "/summary/kpi/mean");
      return info;
    }
    struct Row {
      double mean, sd, q05, q50, q95;
    };
    Handle type(H5Tcreate(H5T_COMPOUND, sizeof(Row)), H5Tclose);
    H5Tinsert(type.get(), "mean", HOFFSET(Row, mean), H5T_NATIVE_DOUBLE);
    H5Tinsert(type.get(), "sd", HOFFSET(Row, sd), H5T_NATIVE_DOUBLE);
    H5Tinsert(type.get(), "q05", HOFFSET(Row, q05), H5T_NATIVE_DOUBLE);
    H5Tinsert(type.get(), "q50", HOFFSET(Row, q50), H5T_NATIVE_DOUBLE);
    H5Tinsert(type.get(), "q95", HOFFSET(Row, q95), H5T_NATIVE_DOUBLE);
    Handle ds(check(H5Dopen2(file.get(), "/summary/kpi", H5P_DEFAULT), "open /summary/kpi"), H5Dclose);
    std::vector<Row> rows(info.kpi_names.size());
    if (!rows.empty())
      check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "read /summary/kpi");
    for (const Row& r : rows) {
      info.kpi.mean.push_back(r.mean);
      info.kpi.sd.push_back(r.sd);
      info.kpi.q05.push_back(r.q05);
      info.kpi.q50.push_back(r.q50);
      info.kpi.q95.push_back(r.q95);
    }
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(path, "not a trede result file (" + f.what_failed + ")");
  }
  return info;
}

}  // namespace trede::io

// ---- reading a whole result back ---------------------------------------------------------------

#include "io/replicate_arrays.hpp"

namespace trede::io {
namespace {

template <class T>
std::vector<T> read_vector(hid_t loc, const std::string& path) {
  Handle ds(check(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), "open " + path), H5Dclose);
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  std::vector<T> v(n);
  if (n > 0) check(H5Dread(ds.get(), detail::native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "read " + path);
  return v;
}

std::uint64_t read_u64_attr(hid_t loc, const char* name) {
  Handle a(check(H5Aopen(loc, name, H5P_DEFAULT), std::string("attribute ") + name), H5Aclose);
  std::uint64_t v = 0;
  check(H5Aread(a.get(), H5T_NATIVE_UINT64, &v), std::string("attribute ") + name);
  return v;
}

}  // namespace

mc::Ensemble read_result(const std::string& path, const std::string& group) {
  detail::ErrorSilencer quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path, "not an HDF5 file (or cannot be read)");
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.get() < 0) throw IoError(path, "cannot open");
  try {
    Handle loc(check(H5Gopen2(file.get(), group.c_str(), H5P_DEFAULT), "open group " + group), H5Gclose);
    const hid_t g = loc.get();
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
    for (std::size_t i = 0; i < ids.size(); ++i) {
      engine::FlowEdge e{ids[i], from[i], to[i], engine::EdgeKind::transition};
      if (!engine::edge_kind_from_string(kinds[i], e.kind)) throw detail::Hdf5Failure{"edge kind '" + kinds[i] + "'"};
      L.edges.push_back(std::move(e));
    }
    L.kpi_names = read_strings(g, "kpi_names");
    L.kpi_period_names = read_strings(g, "kpi_period_names");
    L.regions = read_strings(g, "regions");
    L.region_models = read_strings(g, "region_models");
    L.organisations = read_strings(g, "organisations");
    mc::Ensemble e = mc::allocate(L, read_u64_attr(g, "replicates"), read_u64_attr(g, "master_seed"),
                                  read_u64_attr(g, "first_replicate"));
    detail::for_each_replicate_dataset(e, [&](const char* name, auto& v, const std::vector<hsize_t>&) {
      using T = typename std::remove_reference_t<decltype(v)>::value_type;
      auto read = read_vector<T>(g, name);
      if (read.size() != v.size()) throw detail::Hdf5Failure{std::string(name) + " has the wrong size"};
      v = std::move(read);
    });
    mc::summarize(e);
    return e;
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(path, "not a trede result (" + f.what_failed + ")");
  }
}

}  // namespace trede::io
