// trede info: what is inside any trede file, with its headline figures.

#include <cstdio>
#include <memory>

#include "common.hpp"
#include "format.hpp"
#include "trede/io/hdf5.hpp"

namespace trede::cli {
namespace {

int run(const std::string& path) {
  const auto info = io::read_info(path);
  std::printf("%s\n", path.c_str());
  for (const auto& [k, v] : info.attributes) {
    if (k == "command_line" || k == "scenario_overrides" || k == "sweep_identity") {
      if (v.empty()) continue;
      std::string indented = v;  // one per line, aligned under the first
      for (std::size_t i = 0; (i = indented.find('\n', i)) != std::string::npos; i += 22) indented.insert(i + 1, 21, ' ');
      std::printf("  %-18s %s\n", k.c_str(), indented.c_str());
      continue;
    }
    std::printf("  %-18s %s\n", k.c_str(), v.c_str());
  }
  std::printf("\ndatasets:\n");
  for (const auto& d : info.datasets) {
    std::string shape;
    for (std::size_t i = 0; i < d.shape.size(); ++i) shape += (i ? " x " : "") + std::to_string(d.shape[i]);
    std::printf("  %-44s %-9s %s\n", d.path.c_str(), d.type.c_str(), shape.empty() ? "scalar" : shape.c_str());
  }
  for (const auto& t : info.tables) {
    std::printf("\n%s\n", t.title.c_str());
    const std::size_t C = t.columns.size();
    const bool kpis = t.rows == info.kpi_names;  // rows are KPIs: formatted by their names
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const double* v = &t.values[r * C];
      if (C == 5 && t.columns[1] == "share_95_halfwidth") {  // a variance split, as `trede run --draws` prints it
        const std::string row = format_variance_row(t.rows[r], v[0], v[1], v[2], v[3], v[4]);
        if (!row.empty()) std::printf("%s\n", row.c_str());
        continue;
      }
      // Three columns read as "value [lo, hi]"; other tables as plain columns.
      if (C == 3 && (t.columns[1] == "lo" || t.columns[1] == "q05" || t.columns[1] == "lower")) {
        if (kpis) {
          std::printf("%s\n", format_kpi_row(t.rows[r], v[0], v[1], v[2], t.columns[1] == "lo").c_str());
          continue;
        }
        std::printf("  %-36s %12s  [%s, %s]", t.rows[r].c_str(), format_number(v[0]).c_str(), format_number(v[1]).c_str(),
                    format_number(v[2]).c_str());
      } else if (info.kind == "sweep") {  // as `trede sweep` prints its points
        if (r == 0) {
          std::printf("  point  %s", t.rows[0].substr(0, t.rows[0].find('=')).c_str());
          for (const auto& c : t.columns) std::printf("  %s", c.c_str());
          std::printf("\n");
        }
        std::printf("  %5zu  %s", r, t.rows[r].c_str());
        for (std::size_t c = 0; c < C; ++c) std::printf("  %s", format_kpi(t.columns[c], v[c]).c_str());
      } else {
        std::printf("  %-36s", t.rows[r].c_str());
        for (std::size_t c = 0; c < C; ++c) std::printf(" %s=%s", t.columns[c].c_str(), format_number(v[c]).c_str());
      }
      std::printf("\n");
    }
  }
  for (const auto& n : info.notes) std::printf("\n%s\n", n.c_str());
  return exit_ok;
}

const Register reg{"info", [](CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("info", "Show what is inside a trede file (run, PSA, comparison, sweep, calibration report), "
                                         "with its headline figures");
  sub->add_option("file", *path, "HDF5 file written by trede")->required();
  return Runner{sub, [path] { return run(*path); }, [path] { return std::vector<std::string>{*path}; }};
}};

}  // namespace
}  // namespace trede::cli
