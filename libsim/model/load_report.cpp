// [report] (the calendar grid of report times) and [kpi] (which states count as work and uitval).

#include <algorithm>
#include <cmath>

#include "model/loader.hpp"

namespace trede::model::detail {

void Loader::read_report(const TableReader& top) {
  const double start = s_.start_year, end = s_.end_year();
  const toml::table* t = top.subtable("report");
  if (!t) {
    if (horizon_ok_) default_grid(1.0);
    return;
  }
  TableReader r(ctx_, *t, "report", {"step_years", "times", "by"});
  if (const toml::table* by = r.subtable("by")) read_report_by(r, *by);
  if (r.has("step_years") && r.has("times")) {
    ctx_.error(*t->get("times"), r.key("times"), "give either step_years or times, not both");
    return;
  }
  if (auto times = r.numbers("times")) {
    if (times->empty()) {
      ctx_.error(*t->get("times"), r.key("times"), "must not be empty");
      return;
    }
    for (std::size_t i = 0; i < times->size(); ++i) {
      const double x = (*times)[i];
      if (x < start - 1e-9 || x > end + 1e-9) {
        ctx_.error(*t->get("times"), r.key("times") + "[" + std::to_string(i) + "]",
                   "report time " + fmt_num(x) + " is outside the simulation [" + fmt_num(start) + ", " +
                       fmt_num(end) + "] (calendar years)");
        return;
      }
      if (i > 0 && !(x > (*times)[i - 1])) {
        ctx_.error(*t->get("times"), r.key("times"), "must be strictly increasing");
        return;
      }
    }
    if (std::fabs(times->back() - end) > 1e-9) {
      ctx_.error(*t->get("times"), r.key("times"),
                 "the last report time (" + fmt_num(times->back()) + ") must be the end of the simulation, start_year + horizon_years = " +
                     fmt_num(end) + ", so that flows, person-years and costs cover the whole run");
      return;
    }
    s_.report_times = *times;
    return;
  }
  if (auto step = r.ranged("step_years", rule_of("report", "step_years"))) {
    if (horizon_ok_) {
      if (s_.horizon_years / *step > 1e6) {
        ctx_.error(*t->get("step_years"), r.key("step_years"), "gives more than a million report times");
        return;
      }
      default_grid(*step);
    }
  } else if (horizon_ok_ && !r.has("step_years")) {
    default_grid(1.0);
  }
}

// [report.by]: `<attribute> = [edges]` for age and numbers, `<attribute> = true` for a category.
void Loader::read_report_by(const TableReader& report, const toml::table& by) {
  constexpr std::size_t max_edges = 64;
  for (auto&& [k, v] : by) {
    const std::string name(k.str());  // a named copy: lambdas may not capture structured bindings (clang 14)
    const std::string key = report.key("by") + "." + name;
    const auto it = std::find_if(s_.attributes.begin(), s_.attributes.end(),
                                 [&name](const Attribute& a) { return a.name == name && !a.generated; });
    if (it == s_.attributes.end()) {
      std::vector<std::string> names;
      for (const Attribute& a : s_.attributes)
        if (!a.generated) names.push_back(a.name);
      ctx_.error(v, key, "no attribute '" + std::string(k.str()) + "'" +
                             (names.empty() ? std::string(" (the scenario declares none)")
                                            : trede::detail::did_you_mean(k.str(), names)));
      continue;
    }
    ReportBy b;
    b.attribute = static_cast<std::size_t>(it - s_.attributes.begin());
    if (it->kind == AttributeKind::category) {
      if (!v.is_boolean() || !*v.value<bool>()) {
        ctx_.error(v, key, "a category attribute is broken down by its levels: write " + std::string(k.str()) + " = true");
        continue;
      }
    } else {
      const toml::array* arr = v.as_array();
      if (!arr || arr->empty() || arr->size() > max_edges) {
        ctx_.error(v, key, "must be an array of 1 to " + std::to_string(max_edges) + " band edges" +
                               (it->kind == AttributeKind::age ? " in years, e.g. [27, 45, 55]" : ", e.g. [1, 2, 5]"));
        continue;
      }
      bool ok = true;
      for (std::size_t i = 0; i < arr->size() && ok; ++i) {
        const toml::node& e = *arr->get(i);
        if (!e.is_number() || !std::isfinite(number_value(e))) {
          ctx_.error(e, key + "[" + std::to_string(i) + "]", "must be a finite number");
          ok = false;
        } else if (i > 0 && !(number_value(e) > b.edges.back())) {
          ctx_.error(e, key, "band edges must be strictly increasing");
          ok = false;
        } else {
          b.edges.push_back(number_value(e));
        }
      }
      if (!ok) continue;
    }
    s_.report_by.push_back(std::move(b));
  }
}

void Loader::default_grid(double step) {
  if (s_.horizon_years / step > 1e6) {
    ctx_.error(*root_.get("horizon_years"), "horizon_years",
               "reporting every " + fmt_num(step) + " year" + (step == 1.0 ? "" : "s") +
                   " gives more than a million report times; shorten the horizon or give [report] step_years or times");
    return;
  }
  const auto n = static_cast<std::size_t>(std::floor(s_.horizon_years / step + 1e-9));
  for (std::size_t k = 0; k <= n; ++k) s_.report_times.push_back(s_.start_year + static_cast<double>(k) * step);
  if (s_.report_times.back() < s_.end_year() - 1e-9) s_.report_times.push_back(s_.end_year());
}

void Loader::read_kpi(const TableReader& top) {
  const toml::table* t = top.subtable("kpi");
  auto list = [&](const TableReader& r, std::string_view k, std::vector<StateIndex>& out) {
    auto names = r.strings(k);
    if (!names) return false;
    const toml::array& arr = *r.node(k)->as_array();
    for (std::size_t j = 0; j < names->size(); ++j)
      if (auto si = state_ref(arr[j], r.key(k) + "[" + std::to_string(j) + "]")) out.push_back(*si);
    return true;
  };
  bool work = false, uitval = false;
  if (t) {
    TableReader r(ctx_, *t, "kpi", {"work_states", "uitval_states"});
    work = list(r, "work_states", s_.kpi.work);
    uitval = list(r, "uitval_states", s_.kpi.uitval);
  }
  for (std::size_t i = 0; i < s_.states.size(); ++i) {
    const State& st = s_.states[i];
    if (!work && !st.absorbing && st.trede >= 5 && !st.waiting_for) s_.kpi.work.push_back(static_cast<StateIndex>(i));
    if (!uitval && !st.waiting_for && (st.functionality == "uitval" || st.name.rfind("uitval", 0) == 0))
      s_.kpi.uitval.push_back(static_cast<StateIndex>(i));
  }
}

}  // namespace trede::model::detail
