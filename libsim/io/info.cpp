// `trede info`: the attributes, datasets and headline figures of any trede file.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "io/hdf5_file.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/variance_split.hpp"

namespace trede::io {
namespace {

using detail::check;
using detail::Handle;

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
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER:
      d.type = (H5Tget_sign(type.get()) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(H5Tget_size(type.get()) * 8);
      break;
    case H5T_FLOAT: d.type = "float" + std::to_string(H5Tget_size(type.get()) * 8); break;
    case H5T_STRING: d.type = "string"; break;
    case H5T_COMPOUND: d.type = "compound"; break;
    default: d.type = "other";
  }
  info->datasets.push_back(std::move(d));
  return 0;
}

mc::Summary read_kpi_table(hid_t file, std::size_t K) {
  struct Row {
    double mean, sd, q05, q50, q95;
  };
  Handle type(H5Tcreate(H5T_COMPOUND, sizeof(Row)), H5Tclose);
  H5Tinsert(type.get(), "mean", HOFFSET(Row, mean), H5T_NATIVE_DOUBLE);
  H5Tinsert(type.get(), "sd", HOFFSET(Row, sd), H5T_NATIVE_DOUBLE);
  H5Tinsert(type.get(), "q05", HOFFSET(Row, q05), H5T_NATIVE_DOUBLE);
  H5Tinsert(type.get(), "q50", HOFFSET(Row, q50), H5T_NATIVE_DOUBLE);
  H5Tinsert(type.get(), "q95", HOFFSET(Row, q95), H5T_NATIVE_DOUBLE);
  Handle ds(check(H5Dopen2(file, "/summary/kpi", H5P_DEFAULT), "open /summary/kpi"), H5Dclose);
  Handle space(check(H5Dget_space(ds.get()), "dataspace /summary/kpi"), H5Sclose);
  if (static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())) != K)
    throw detail::Hdf5Failure{"/summary/kpi does not have one row per KPI"};
  std::vector<Row> rows(K);
  if (!rows.empty()) check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "read /summary/kpi");
  mc::Summary s;
  for (const Row& r : rows) {
    s.mean.push_back(r.mean);
    s.sd.push_back(r.sd);
    s.q05.push_back(r.q05);
    s.q50.push_back(r.q50);
    s.q95.push_back(r.q95);
  }
  return s;
}

// Columns of the same length as `rows`, side by side.
InfoTable table(std::string title, std::vector<std::string> columns, std::vector<std::string> rows,
                const std::vector<const std::vector<double>*>& cols) {
  InfoTable t{std::move(title), std::move(columns), std::move(rows), {}};
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    for (const auto* c : cols) t.values.push_back(r < c->size() ? (*c)[r] : std::numeric_limits<double>::quiet_NaN());
  return t;
}

void result_tables(hid_t f, FileInfo& info) {
  info.kpi = read_kpi_table(f, info.kpi_names.size());
  info.tables.push_back(table(mc::kpi_summary_title, {"mean", "q05", "q95"}, info.kpi_names,
                              {&info.kpi.mean, &info.kpi.q05, &info.kpi.q95}));
}

void psa_tables(hid_t f, FileInfo& info) {
  info.kpi = read_kpi_table(f, info.kpi_names.size());
  info.tables.push_back(table(mc::psa_kpi_summary_title,
                              {"mean", "q05", "q95"}, info.kpi_names, {&info.kpi.mean, &info.kpi.q05, &info.kpi.q95}));
  if (!detail::exists(f, "/variance/kpi/total")) {
    info.notes.push_back(mc::variance_not_split_note);
    return;
  }
  if (detail::read_string_attr(f, "streams") == "common")
    info.notes.push_back(mc::common_streams_caveat(detail::read_attr<std::uint64_t>(f, "replicates_per_draw")));
  // As `trede run --draws` prints it (mc::shown); the file holds the splits' columns.
  const std::size_t K = info.kpi_names.size();
  std::vector<mc::VarianceSplit> splits(K);
  for (const mc::VarianceColumn& c : mc::variance_columns()) {
    const auto x = detail::read_vector<double>(f, std::string("/variance/kpi/") + c.name);
    if (x.size() != K) throw detail::Hdf5Failure{std::string("/variance/kpi/") + c.name + " has the wrong size"};
    for (std::size_t k = 0; k < K; ++k) splits[k].*c.field = x[k];
  }
  std::vector<double> share, half, sd, parameter, monte_carlo;
  for (const auto& v : splits) {
    const mc::VarianceShown s = mc::shown(v);
    share.push_back(s.parameter_share), half.push_back(s.share_halfwidth), sd.push_back(s.sd);
    parameter.push_back(s.sd_parameter), monte_carlo.push_back(s.sd_monte_carlo);
  }
  info.tables.push_back(table(mc::variance_shown_title,
                              {"parameter_share", "share_95_halfwidth", "sd", "sd_parameter", "sd_monte_carlo"}, info.kpi_names,
                              {&share, &half, &sd, &parameter, &monte_carlo}));
}

void comparison_tables(hid_t f, FileInfo& info) {
  const auto names = detail::read_strings(f, "/scenario_names");
  const auto mean = detail::read_vector<double>(f, "/difference/kpi/mean"),
             lo = detail::read_vector<double>(f, "/difference/kpi/lo"),
             hi = detail::read_vector<double>(f, "/difference/kpi/hi");
  const std::size_t K = info.kpi_names.size();
  if (names.empty() || mean.size() != (names.size() - 1) * K) throw detail::Hdf5Failure{"/difference/kpi has the wrong size"};
  for (std::size_t d = 0; d + 1 < names.size(); ++d) {
    auto slice = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(d * K), v.begin() + static_cast<std::ptrdiff_t>((d + 1) * K));
    };
    const auto m = slice(mean), l = slice(lo), h = slice(hi);
    info.tables.push_back(table(names[d + 1] + " - " + names.front() + ": paired difference [interval]",
                                {"difference", "lo", "hi"}, info.kpi_names, {&m, &l, &h}));
  }
}

void sweep_tables(hid_t f, FileInfo& info) {
  const auto keys = detail::read_strings(f, "/points/keys"), values = detail::read_strings(f, "/points/values");
  const auto mean = detail::read_vector<double>(f, "/summary/kpi/mean");
  const std::size_t D = keys.size(), K = info.kpi_names.size(), N = D ? values.size() / D : 0;
  if (mean.size() != N * K) throw detail::Hdf5Failure{"/summary/kpi/mean has the wrong size"};
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < N; ++i) {
    std::string label;
    for (std::size_t k = 0; k < D; ++k) label += (k ? " " : "") + keys[k] + "=" + values[i * D + k];
    rows.push_back(label);
  }
  std::vector<std::string> cols;
  std::vector<std::vector<double>> data;
  for (const char* want : {"persons_reaching_work", "uitstroom_werk", "cost_total_eur"}) {
    const auto it = std::find(info.kpi_names.begin(), info.kpi_names.end(), want);
    if (it == info.kpi_names.end()) continue;
    const auto k = static_cast<std::size_t>(it - info.kpi_names.begin());
    cols.push_back(want);
    data.emplace_back();
    for (std::size_t i = 0; i < N; ++i) data.back().push_back(mean[i * K + k]);
  }
  std::vector<const std::vector<double>*> ptrs;
  for (const auto& d : data) ptrs.push_back(&d);
  info.tables.push_back(table(std::to_string(N) + " points: mean per replicate", cols, rows, ptrs));
}

void calibration_tables(hid_t f, FileInfo& info) {
  const auto name = detail::read_strings(f, "/estimates/name");
  const auto est = detail::read_vector<double>(f, "/estimates/estimate"), lo = detail::read_vector<double>(f, "/estimates/lower"),
             hi = detail::read_vector<double>(f, "/estimates/upper");
  info.tables.push_back(table("estimates [95% interval]", {"estimate", "lower", "upper"}, name, {&est, &lo, &hi}));
  if (detail::exists(f, "/targets/id")) {
    const auto id = detail::read_strings(f, "/targets/id");
    const auto t = detail::read_vector<double>(f, "/targets/time"), obs = detail::read_vector<double>(f, "/targets/observed"),
               sim = detail::read_vector<double>(f, "/targets/simulated"), z = detail::read_vector<double>(f, "/targets/z");
    std::vector<std::string> rows;
    for (std::size_t i = 0; i < id.size(); ++i) {
      char when[32];
      std::snprintf(when, sizeof when, " %.2f", i < t.size() ? t[i] : 0.0);
      rows.push_back(id[i] + when);
    }
    info.tables.push_back(table("targets: observed, simulated, z", {"observed", "simulated", "z"}, rows, {&obs, &sim, &z}));
  }
}

}  // namespace

FileInfo read_info(const std::string& path) {
  Handle file = detail::open_file(path);
  detail::ErrorSilencer quiet;
  FileInfo info;
  try {
    info.attributes = detail::attributes_as_text(file.get());
    H5Ovisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &info);
    const std::string kind = detail::read_string_attr(file.get(), "kind");
    if (!kind.empty()) info.kind = kind;
    if (info.kind == "calibration") {
      calibration_tables(file.get(), info);
      return info;
    }
    if (detail::read_string_attr(file.get(), "trede_version").empty())
      throw detail::Hdf5Failure{"no trede_version attribute"};
    info.kpi_names = detail::read_strings(file.get(), "/kpi_names");
    if (info.kind == "comparison") comparison_tables(file.get(), info);
    else if (info.kind == "sweep") sweep_tables(file.get(), info);
    else if (info.kind == "result") result_tables(file.get(), info);
    else if (info.kind == "psa") psa_tables(file.get(), info);
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(path, "not a trede file (" + f.what_failed + ")");
  }
  return info;
}

}  // namespace trede::io
