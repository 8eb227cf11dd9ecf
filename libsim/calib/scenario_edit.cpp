// Writing fitted values back into a scenario's text.
//
// The file is edited as text, not re-serialised: each value is spliced in where toml++ says the
// key's value stands (model/toml_splice.hpp), selected by the same key paths as --set, so
// comments, key order, blank lines and every value not calibrated stay byte for byte as they
// were. A missing key is added to its table.

#include <algorithm>
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

// A TOML basic string: `s` in double quotes, with backslashes, quotes and control characters (and DEL) escaped.
std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
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

UncertaintyBlock uncertainty_block(const model::Scenario& scenario, const FitResult& fit) {
  UncertaintyBlock out;
  const std::size_t P = fit.parameters;
  if (P == 0 || fit.covariance.size() != P * P) return out;
  if (fit.status != FitStatus::converged && fit.status != FitStatus::singular_information) {
    out.notes.push_back(std::string("the fit ended with status ") + to_string(fit.status) +
                        ": its covariance is not that of an optimum, so no sampling uncertainty is written");
    return out;
  }
  // One key per free parameter: the first estimate written to a key from it.
  std::vector<const Estimate*> of(P, nullptr);
  for (const auto& e : fit.estimates)
    if (!e.key.empty() && !e.fixed && e.parameter >= 0 && static_cast<std::size_t>(e.parameter) < P) {
      if (!of[static_cast<std::size_t>(e.parameter)]) of[static_cast<std::size_t>(e.parameter)] = &e;
      else out.notes.push_back(e.key + " shares its fitted value with " + of[static_cast<std::size_t>(e.parameter)]->key +
                               "; only the latter is drawn in the sampling uncertainty written into the scenario");
    }
  std::vector<std::size_t> idx;   // free parameters written
  std::vector<bool> log_scale;     // their scale
  std::vector<double> mean;        // on that scale
  for (std::size_t p = 0; p < P; ++p) {
    const Estimate* e = of[p];
    if (!e) continue;
    if (!std::isfinite(fit.covariance[p * P + p]) || !(fit.covariance[p * P + p] > 0.0)) {
      out.notes.push_back(e->key + ": no standard error, so no sampling uncertainty is written for it");
      continue;
    }
    model::Domain domain = model::Domain::real;
    try {
      domain = model::numeric_key(scenario, model::KeyPath::parse(e->key)).domain;
    } catch (const ModelError&) {
      out.notes.push_back(e->key + ": not a numeric scenario key here; no sampling uncertainty written for it");
      continue;
    }
    // theta is the log of rates and hazard pieces and the value itself otherwise; a positive
    // key fitted on the natural scale moves to the log scale by the delta method.
    const bool theta_is_log = e->kind == "rate" || e->kind == "piece";
    if (theta_is_log) {
      log_scale.push_back(true);
      mean.push_back(fit.theta[p]);
    } else if ((domain == model::Domain::positive || domain == model::Domain::non_negative) && e->estimate > 0.0) {
      log_scale.push_back(true);
      mean.push_back(std::log(e->estimate));
    } else if (domain == model::Domain::real) {
      log_scale.push_back(false);
      mean.push_back(fit.theta[p]);
    } else {
      out.notes.push_back(e->key + ": its values are bounded (" + std::string(model::to_string(domain)) +
                          "); no normal sampling uncertainty is written for it — give it a prior in [uncertainty]");
      continue;
    }
    // A log-scale standard deviation above 5 (a factor of about 150 per sd) says the data do not
    // determine the value; drawing from it would be noise, not sampling uncertainty.
    const double sd = std::sqrt(fit.covariance[p * P + p]) / (theta_is_log || !log_scale.back() ? 1.0 : e->estimate);
    if (log_scale.back() && !(sd <= 5.0)) {
      out.notes.push_back(e->key + ": the data hardly determine it (sd " + detail::fmt(sd, 3) +
                          " on the log scale); no sampling uncertainty is written for it");
      log_scale.pop_back();
      mean.pop_back();
      continue;
    }
    idx.push_back(p);
    out.keys.push_back(e->key);
  }
  const std::size_t k = idx.size();
  if (k == 0) return out;
  out.log_scale = log_scale;
  out.mean = mean;
  out.covariance.assign(k * k, 0.0);
  for (std::size_t a = 0; a < k; ++a)
    for (std::size_t b = 0; b < k; ++b) {
      const std::size_t pa = idx[a], pb = idx[b];
      double c = fit.covariance[pa * P + pb];
      const Estimate& ea = *of[pa];
      const Estimate& eb = *of[pb];
      const bool la = ea.kind == "rate" || ea.kind == "piece", lb = eb.kind == "rate" || eb.kind == "piece";
      if (log_scale[a] && !la) c /= ea.estimate;  // delta method: d log x = dx / x
      if (log_scale[b] && !lb) c /= eb.estimate;
      out.covariance[a * k + b] = c;
    }
  return out;
}

std::string unused_group_name(const model::Scenario& scenario, const std::string& base) {
  const auto& groups = scenario.uncertainty.groups;
  auto taken = [&](const std::string& n) {
    return std::any_of(groups.begin(), groups.end(), [&](const model::UncertainGroup& g) { return g.name == n; });
  };
  std::string name = base;
  for (int i = 2; taken(name); ++i) name = base + " (" + std::to_string(i) + ")";
  return name;
}

std::string uncertainty_toml(const UncertaintyBlock& u, const std::string& comment, const std::string& name) {
  if (u.keys.empty()) return "";
  const std::size_t k = u.keys.size();
  std::ostringstream t;
  t << "\n# " << comment << "\n[[uncertainty.multivariate_normal]]\nname = " << toml_string(name) << "\nkeys = [";
  for (std::size_t i = 0; i < k; ++i) t << (i ? ", " : "") << "\"" << u.keys[i] << "\"";
  t << "]\nscale = [";
  for (std::size_t i = 0; i < k; ++i) t << (i ? ", " : "") << (u.log_scale[i] ? "\"log\"" : "\"natural\"");
  t << "]\nmean = [";
  for (std::size_t i = 0; i < k; ++i) t << (i ? ", " : "") << detail::fmt(u.mean[i], 17);
  t << "]\ncovariance = [\n";
  for (std::size_t i = 0; i < k; ++i) {
    t << "  [";
    for (std::size_t j = 0; j < k; ++j) t << (j ? ", " : "") << detail::fmt(u.covariance[i * k + j], 17);
    t << "],\n";
  }
  t << "]\n";
  return t.str();
}

UncertaintyBlock without_keys(const UncertaintyBlock& b, const std::vector<std::string>& drop) {
  UncertaintyBlock out;
  out.notes = b.notes;
  std::vector<std::size_t> keep;
  for (std::size_t i = 0; i < b.keys.size(); ++i)
    if (std::find(drop.begin(), drop.end(), b.keys[i]) == drop.end()) keep.push_back(i);
  const std::size_t k = b.keys.size();
  for (std::size_t i : keep) {
    out.keys.push_back(b.keys[i]);
    out.log_scale.push_back(b.log_scale[i]);
    out.mean.push_back(b.mean[i]);
    for (std::size_t j : keep) out.covariance.push_back(b.covariance[i * k + j]);
  }
  return out;
}

std::string calibrated_scenario_text(const model::Scenario& scenario, const FitResult& fit, const Provenance& prov,
                                     bool write_uncertainty) {
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
  // The sampling uncertainty of the estimates goes with them: their covariance as a multivariate
  // normal in the scenario's [uncertainty] table (docs/uncertainty.md). Entries the scenario had
  // for the fitted keys are replaced.
  const UncertaintyBlock u = write_uncertainty ? uncertainty_block(scenario, fit) : UncertaintyBlock{};
  if (!u.keys.empty())
    h << "the estimates' sampling uncertainty (covariance) is written into [uncertainty] at the end\n";
  for (const auto& n : u.notes) h << "note: " << n << "\n";
  std::string text = apply_edits(scenario.text, scenario.source_path, edits_for(fit), h.str());
  if (u.keys.empty()) return text;
  model::detail::TextEditor ed(text, scenario.source_path);
  for (const auto& key : u.keys) ed.remove(model::KeyPath({{"uncertainty", std::nullopt}, {key, std::nullopt}}));
  for (const auto& g : scenario.uncertainty.groups)
    for (const auto& key : g.keys)
      if (std::find(u.keys.begin(), u.keys.end(), key) != u.keys.end())
        throw ModelError(scenario.source_path, g.line, "uncertainty",
                         "'" + key + "' is in an [uncertainty] group and is calibrated now: remove the group (an "
                         "earlier calibration's sampling uncertainty?) and calibrate again");
  text = ed.text();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text + uncertainty_toml(u, "Sampling uncertainty of the values calibrated by trede calibrate (" + fit.method +
                                        "): the estimates with their covariance, on the log scale where noted.",
                                 unused_group_name(scenario, "calibration (" + fit.method + ")"));
}

}  // namespace trede::calib
