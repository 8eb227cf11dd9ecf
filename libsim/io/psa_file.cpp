// PSA files (trede run --draws): the pooled runs as a result, plus the draws and the variance
// split. Layout: docs/uncertainty.md and docs/hdf5-schema.md.

#include "io/hdf5_file.hpp"
#include "io/result_file.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/psa.hpp"

namespace trede::io {
namespace detail {

void write_draws(Writer& w, const mc::DrawSet& d) {
  const hsize_t D = d.draws, k = d.keys.size();
  w.group("draws");
  w.strings("draws/keys", d.keys);
  w.strings("draws/distributions", d.distributions);
  std::vector<std::int32_t> block(k, -1);
  for (std::size_t b = 0; b < d.blocks.size(); ++b)
    for (std::size_t j : d.blocks[b]) block[j] = static_cast<std::int32_t>(b);
  w.dataset("draws/block", {k}, block);
  w.strings("draws/block_names", d.block_names);
  w.dataset("draws/parameters", {D, k}, d.values);
}

}  // namespace detail
namespace {

void write_variance(detail::Writer& w, const std::string& group, const std::vector<mc::VarianceSplit>& v) {
  if (v.empty()) return;
  const hsize_t K = v.size();
  w.group(group);
  for (const mc::VarianceColumn& c : mc::variance_columns()) {
    std::vector<double> x;
    for (const auto& s : v) x.push_back(s.*c.field);
    w.dataset(group + "/" + c.name, {K}, x);
  }
}

void fill_psa(hid_t file, const mc::Psa& p, const model::Scenario& s, const WriteOptions& o) {
  detail::Writer w(file, o.compression_level);
  const std::size_t D = p.draws.draws, R = p.replicates_per_draw;
  detail::Attributes a = detail::provenance("psa", o.command_line);
  a.emplace_back("draws", static_cast<std::uint64_t>(D));
  a.emplace_back("replicates_per_draw", static_cast<std::uint64_t>(R));
  a.emplace_back("design", std::string(p.draws.method == mc::PointMethod::sobol ? "sobol" : "lhs"));
  a.emplace_back("uncertainty", std::string("parameter and Monte Carlo"));
  a.emplace_back("streams", std::string(p.common_streams ? "common" : "independent"));
  // Row d·R + r of every /replicates array is draw d; /replicates/replicate names its streams.
  std::vector<std::uint64_t> stream, draw;
  for (std::size_t d = 0; d < D; ++d)
    for (std::size_t r = 0; r < R; ++r) stream.push_back(p.stream(d, r)), draw.push_back(d);
  detail::write_ensemble(w, p.pooled, s, a, stream);
  w.dataset("replicates/draw", {D * R}, draw);
  detail::write_draws(w, p.draws);
  if (!p.kpi_variance.empty()) {
    w.group("variance");
    write_variance(w, "variance/kpi", p.kpi_variance);
  }
}

}  // namespace

void write_psa(const std::string& path, const mc::Psa& psa, const model::Scenario& scenario, const WriteOptions& o) {
  detail::write_file(path, o.compression_level, [&](hid_t file) { fill_psa(file, psa, scenario, o); });
}

std::vector<char> psa_image(const mc::Psa& psa, const model::Scenario& scenario, const WriteOptions& o) {
  return detail::build_image("(PSA in memory)", o.compression_level, [&](hid_t file) { fill_psa(file, psa, scenario, o); });
}

}  // namespace trede::io
