// `trede report FILE -o OUT.html`: the HTML report of a run, PSA or comparison file, made by the
// Python package (python3 -m trede.report; bindings/python/trede/report.py). This subcommand
// passes its arguments on; the report itself is Python (matplotlib). How the interpreter and
// the package are found: cli/python_tool.hpp.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common.hpp"
#include "outputs.hpp"
#include "python_tool.hpp"

namespace {

struct ReportArgs {
  std::string file;
  std::string output;
  std::string title;
  std::string lang = "en";
  bool check_layout = false;
  bool quiet = false;
};

int run_report(const ReportArgs& a) {
  // The same default as the Python side (trede/report.py): FILE with the suffix .html.
  const std::string output =
      a.output.empty() ? std::filesystem::path(a.file).replace_extension(".html").string() : a.output;
  trede::cli::guard_outputs({{"FILE", a.file}},
                            {{a.output.empty() ? "the default output (FILE with .html)" : "-o", output}});
  // Values as --option=value and the file after "--": a value that starts with '-' (a title
  // "-foo", a file "-r.h5") is then not taken for an option by the Python side.
  std::vector<std::string> args = {"--lang=" + a.lang};
  if (!a.output.empty()) args.push_back("--output=" + a.output);
  if (!a.title.empty()) args.push_back("--title=" + a.title);
  if (a.check_layout) args.push_back("--check-layout");
  if (a.quiet) args.push_back("-q");
  args.insert(args.end(), {"--", a.file});
  return trede::cli::run_python_module("report", args, "trede report");
}

const trede::cli::Register reg{"report", [](CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* sub = app.add_subcommand(
      "report", "Write a self-contained HTML report (figures and KPIs) of a run, PSA or comparison file");
  sub->add_option("file", args->file, "HDF5 file written by `trede run -o` (also with --draws) or `trede compare -o`")->required();
  sub->add_option("-o,--output", args->output, "HTML file to write (default: FILE with the suffix .html)")->check(trede::cli::output_name());
  sub->add_option("--title", args->title, "Title of the page (default: from the scenario names)");
  sub->add_option("--lang", args->lang, "Language of the page: en (English) or nl (Dutch, Dutch number formatting)")
      ->check(CLI::IsMember({"en", "nl"}))
      ->default_str("en");
  sub->add_flag("--check-layout", args->check_layout,
                "Fail (exit 1, nothing written) when a figure has overlapping or cut-off labels");
  sub->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  sub->footer("Made by the Python package (python3 -m trede.report) with matplotlib. Environment: TREDE_PYTHON "
              "(interpreter), TREDE_PYTHONPATH (directory holding the trede package).");
  return trede::cli::Runner{sub, [args] { return run_report(*args); }, [args] { return std::vector<std::string>{args->file}; }};
}};

}  // namespace
