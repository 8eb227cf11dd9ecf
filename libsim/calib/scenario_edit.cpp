// Writing fitted values back into a scenario's text.
//
// The file is edited as text, not re-serialised: each value is spliced in where toml++ says the
// key's value stands (model/toml_splice.hpp), selected by the same key paths as --set, so
// comments, key order, blank lines and every value not calibrated stay byte for byte as they
// were. A missing key is added to its table.

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

#include "calib/internal.hpp"
#include "model/toml_splice.hpp"
#include "text.hpp"
#include "trede/calib/report.hpp"
#include "trede/error.hpp"
#include "trede/model/key_path.hpp"
#include "trede/version.hpp"

namespace trede::calib {
namespace {

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  std::string s = buf;
  // A TOML float needs a '.', 'e' or is an integer; integers are fine for every numeric key.
  return s;
}

}  // namespace

std::vector<ScenarioEdit> edits_for(const FitResult& fit) {
  std::vector<ScenarioEdit> out;
  std::map<std::string, std::vector<const Estimate*>> arrays;  // "transition[x].rates" -> pieces in order
  std::vector<std::string> array_order;
  for (const auto& e : fit.estimates) {
    if (e.key.empty()) continue;
    if (const auto br = e.key.rfind('['); br != std::string::npos && e.key.back() == ']' && br > e.key.rfind('.')) {
      const std::string base = e.key.substr(0, br);
      if (!arrays.count(base)) array_order.push_back(base);
      arrays[base].push_back(&e);
      continue;
    }
    std::string comment = "calibrated";
    if (std::isfinite(e.lower) && std::isfinite(e.upper) && !e.fixed)
      comment += ", 95% CI [" + detail::fmt(e.lower) + ", " + detail::fmt(e.upper) + "]";
    if (std::isfinite(e.start)) comment += "; was " + detail::fmt(e.start, 6);
    out.push_back({e.key, num(e.estimate), comment});
  }
  for (const auto& base : array_order) {
    std::string v = "[", lo, hi;
    const auto& pieces = arrays[base];
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      v += (i ? ", " : "") + num(pieces[i]->estimate);
      lo += (i ? ", " : "") + detail::fmt(pieces[i]->lower);
      hi += (i ? ", " : "") + detail::fmt(pieces[i]->upper);
    }
    v += "]";
    out.push_back({base, v, "calibrated, 95% CI lower [" + lo + "], upper [" + hi + "]"});
  }
  return out;
}

std::string apply_edits(const std::string& text, const std::string& source_name, const std::vector<ScenarioEdit>& edits,
                        const std::string& header_comment) {
  model::detail::TextEditor ed(text, source_name);
  std::vector<Diagnostic> problems;
  for (const auto& e : edits) {
    std::string err;
    try {
      err = ed.set(model::KeyPath::parse(e.key), e.value, e.comment);
    } catch (const ModelError& bad) {
      err = bad.diagnostics().front().message;
    }
    if (!err.empty())
      problems.push_back({source_name, 0, e.key,
                          "cannot write the calibrated value: " + err +
                              (ed.has_extends() ? " (it may be defined in the base file named by `extends`; calibrate that file)" : "")});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  if (!header_comment.empty()) ed.prepend_comment(header_comment);
  return ed.text();
}

std::string calibrated_scenario_text(const model::Scenario& scenario, const FitResult& fit, const Provenance& prov) {
  std::ostringstream h;
  const char* method = fit.method == "panel"   ? "panel-data maximum likelihood (continuous-time Markov model)"
                       : fit.method == "exact" ? "event-history maximum likelihood (piecewise-constant hazards)"
                                               : "simulated method of moments against aggregate targets";
  h << "Calibrated by trede calibrate (trede " << trede::version << ", commit " << trede::git_commit() << ") on "
    << (prov.created.empty() ? trede::detail::utc_now() : prov.created) << "\n";
  if (!prov.command_line.empty()) h << "command: " << prov.command_line << "\n";
  h << "from scenario: " << (scenario.source_path.empty() ? scenario.name : scenario.source_path) << "\n";
  if (!prov.data_path.empty()) h << "data: " << prov.data_path << " (sha256 " << prov.data_sha256 << ")\n";
  h << "method: " << method << "; status " << to_string(fit.status) << " after " << fit.iterations << " iterations\n";
  if (fit.method == "targets") h << "objective (weighted sum of squares): " << detail::fmt(fit.objective, 8) << "\n";
  else h << "log-likelihood " << detail::fmt(fit.log_likelihood, 10) << ", -2 log L " << detail::fmt(fit.objective, 10)
         << ", AIC " << detail::fmt(fit.aic, 10) << "\n";
  h << "values changed below (estimate [95% interval]); every other line is as it was:\n";
  for (const auto& e : fit.estimates)
    if (!e.key.empty())
      h << "  " << e.key << " = " << detail::fmt(e.estimate, 6) << " [" << detail::fmt(e.lower) << ", "
        << detail::fmt(e.upper) << "]\n";
  if (!scenario.overrides.empty()) {
    h << "note: the scenario was read with --set overrides that are NOT in this text:\n";
    for (const auto& o : scenario.overrides) h << "  " << o << "\n";
  }
  return apply_edits(scenario.text, scenario.source_path, edits_for(fit), h.str());
}

}  // namespace trede::calib
