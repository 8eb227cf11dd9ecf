// `trede export FILE.h5 --format csv|xlsx [-o DIR]`: the tables of a run, comparison, sweep or
// calibration report file as CSV files or an Excel workbook, made by the Python package
// (python3 -m trede.export; bindings/python/trede/export.py). This subcommand passes its
// arguments on; how the interpreter and the package are found: cli/python_tool.hpp.

#include <memory>
#include <string>
#include <vector>

#include "python_tool.hpp"
#include "common.hpp"

namespace {

struct ExportArgs {
  std::string file;
  std::string format;
  std::string output;
  bool force = false;
  bool quiet = false;
};

int run_export(const ExportArgs& a) {
  // Values as --option=value and the file after "--": a value that starts with '-' (a title, a
  // directory "-x") is then not taken for an option by the Python side.
  std::vector<std::string> args = {"--format=" + a.format};
  if (!a.output.empty()) args.push_back("--output=" + a.output);
  if (a.force) args.push_back("--force");
  if (a.quiet) args.push_back("-q");
  args.insert(args.end(), {"--", a.file});
  return trede::cli::run_python_module("export", args, "trede export");
}

const trede::cli::Register reg{"export", [](CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* sub = app.add_subcommand(
      "export", "Write the tables of a run, PSA, comparison, sweep or calibration file as CSV or an Excel workbook");
  sub->add_option("file", args->file, "HDF5 file written by trede run (also with --draws), compare, sweep or calibrate --report")
      ->required();
  sub->add_option("--format", args->format,
                  "csv: one file per table, DIR/<name>_<table>.csv; xlsx: one workbook DIR/<name>.xlsx, a sheet per "
                  "table")
      ->required()
      ->check(CLI::IsMember({"csv", "xlsx"}));
  sub->add_option("-o,--output", args->output,
                  "Directory to write into (default: the directory of FILE; created if missing)")->check(trede::cli::output_name("directory"));
  sub->add_flag("--force", args->force, "Overwrite the files of an earlier export (never the input)");
  sub->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  sub->footer("Tidy tables with the unit of every value in its column header (or a unit column): KPIs with "
              "intervals, occupancy and ladder by time, flows, costs, comparison differences, sweep points, "
              "calibration estimates and target fits. Without --force nothing is written when a file to be written "
              "exists. Made by the Python package (python3 -m trede.export); xlsx needs openpyxl (Debian: "
              "python3-openpyxl). Environment: TREDE_PYTHON, TREDE_PYTHONPATH.");
  return trede::cli::Runner{sub, [args] { return run_export(*args); }, [args] { return std::vector<std::string>{args->file}; }};
}};

}  // namespace
