#include "trede/mc/sweep.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "random/philox_inline.hpp"
#include "text.hpp"
#include "trede/error.hpp"

namespace trede::mc {
namespace {

double as_number(const std::string& s) {
  return trede::detail::parse_finite(s).value_or(std::numeric_limits<double>::quiet_NaN());
}

std::string format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Design streams use their own purpose word, apart from every simulation stream.
constexpr auto design_purpose = random::Purpose::design;

}  // namespace

std::vector<std::string> Design::overrides(std::size_t i) const {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < keys.size(); ++k) out.push_back(keys[k] + "=" + values[i][k]);
  return out;
}

std::string Design::fingerprint() const {
  std::string f = kind;
  for (const auto& k : keys) f += "|" + k;
  for (const auto& row : values) {
    f += "\n";
    for (const auto& v : row) f += v + "|";
  }
  return f;
}

Design grid_design(const std::vector<std::pair<std::string, std::vector<std::string>>>& axes) {
  std::vector<Diagnostic> problems;
  std::set<std::string> seen;
  if (axes.empty()) problems.push_back({"--grid", 0, "", "a grid needs at least one key=v1,v2,..."});
  for (const auto& [key, values] : axes) {
    if (values.empty()) problems.push_back({"--grid", 0, key, "no values"});
    if (!seen.insert(key).second) problems.push_back({"--grid", 0, key, "key given twice"});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  Design d;
  d.kind = "grid";
  std::size_t n = 1;
  for (const auto& [key, values] : axes) {
    d.keys.push_back(key);
    n *= values.size();
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::string> row(axes.size());
    std::size_t rest = i;
    for (std::size_t k = axes.size(); k-- > 0;) {
      row[k] = axes[k].second[rest % axes[k].second.size()];
      rest /= axes[k].second.size();
    }
    std::vector<double> num;
    for (const auto& v : row) num.push_back(as_number(v));
    d.values.push_back(std::move(row));
    d.numeric.push_back(std::move(num));
  }
  return d;
}

Design lhs_design(const std::vector<LhsRange>& ranges, std::size_t points, std::uint64_t seed) {
  std::vector<Diagnostic> problems;
  std::set<std::string> seen;
  if (ranges.empty()) problems.push_back({"--lhs", 0, "", "a Latin hypercube needs at least one key=lo:hi"});
  if (points == 0) problems.push_back({"--points", 0, "", "must be >= 1"});
  for (const auto& r : ranges) {
    if (!(std::isfinite(r.lo) && std::isfinite(r.hi) && r.lo <= r.hi))
      problems.push_back({"--lhs", 0, r.key, "needs finite lo <= hi"});
    if (!seen.insert(r.key).second) problems.push_back({"--lhs", 0, r.key, "key given twice"});
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  Design d;
  d.kind = "lhs";
  for (const auto& r : ranges) d.keys.push_back(r.key);
  d.values.assign(points, std::vector<std::string>(ranges.size()));
  d.numeric.assign(points, std::vector<double>(ranges.size()));
  const random::StreamKey key{seed, 0};
  for (std::size_t k = 0; k < ranges.size(); ++k) {
    // Fisher–Yates shuffle of the strata, one Philox block per step; then a position in each.
    std::vector<std::size_t> stratum(points);
    for (std::size_t i = 0; i < points; ++i) stratum[i] = i;
    for (std::size_t i = points; i-- > 1;) {
      const auto u = random::detail::philox(key, k, i, design_purpose, 0);
      const auto j = static_cast<std::size_t>(random::uniform_closed0(u[0]) * static_cast<double>(i + 1));
      std::swap(stratum[i], stratum[std::min(j, i)]);
    }
    for (std::size_t i = 0; i < points; ++i) {
      const auto u = random::detail::philox(key, k, i, design_purpose, 1);
      const double x = (static_cast<double>(stratum[i]) + random::uniform_closed0(u[0])) / static_cast<double>(points);
      double v = ranges[k].lo + x * (ranges[k].hi - ranges[k].lo);
      if (ranges[k].whole)  // lo..hi inclusive, each integer with the same probability
        v = std::min(ranges[k].hi, std::floor(ranges[k].lo + x * (ranges[k].hi - ranges[k].lo + 1.0)));
      d.numeric[i][k] = v;
      d.values[i][k] = format(v);
    }
  }
  return d;
}

SweepPoint sweep_point(const Ensemble& e) {
  SweepPoint p;
  p.kpi = e.kpi_summary;
  p.kpi_period = e.kpi_period_summary;
  p.occupancy = e.occupancy_summary;
  p.trede = e.trede_summary;
  p.waiting = e.waiting_summary;
  p.cost_cumulative = e.cost_cumulative_summary;
  p.kpi_replicates = e.kpi;
  p.events = e.total_events();
  p.wall_seconds = e.wall_seconds;
  return p;
}

}  // namespace trede::mc
