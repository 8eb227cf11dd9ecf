#include "format.hpp"

#include <cmath>
#include <cstdio>

namespace trede::cli {
namespace {

bool is_share(std::string_view name) { return name.substr(0, 6) == "share_"; }
bool is_money(std::string_view name) { return name.size() >= 4 && name.substr(name.size() - 4) == "_eur"; }

// printf-formatted `v`, with thousands separators in the integer part and no sign on a zero
// ("-0", "-0.0": a value that rounds to zero is zero).
std::string grouped(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  std::string s = buf;
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  const std::size_t begin = s[0] == '-' ? 1 : 0;
  std::size_t end = s.find_first_not_of("0123456789", begin);
  if (end == std::string::npos) end = s.size();
  if (s.find('e') != std::string::npos) return s;  // exponent notation: leave as is
  for (std::ptrdiff_t i = static_cast<std::ptrdiff_t>(end) - 3; i > static_cast<std::ptrdiff_t>(begin); i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

// Dutch separators: "1,234.5" -> "1.234,5".
std::string localised(std::string s, Lang lang) {
  if (lang == Lang::nl)
    for (char& c : s) c = c == ',' ? '.' : c == '.' ? ',' : c;
  return s;
}

std::string special(double v, Lang lang = Lang::en) {
  if (std::isnan(v)) return lang == Lang::nl ? "n.b." : "n/a";
  return v > 0 ? "inf" : "-inf";
}

// "+" before a positive difference that does not print as zero.
std::string with_sign(std::string s, double v) {
  const bool zero = s.find_first_of("123456789") == std::string::npos;
  return v > 0 && !zero ? "+" + s : s;
}

}  // namespace

std::string format_number(double v, Lang lang) {
  if (!std::isfinite(v)) return special(v, lang);
  // Four significant digits, and whole numbers from 10,000 on.
  return localised(grouped(std::fabs(v) >= 1e4 ? "%.0f" : "%.4g", v), lang);
}

std::string format_money(double eur, Lang lang) {
  if (!std::isfinite(eur)) return special(eur, lang);
  return localised(grouped("%.0f", eur), lang);
}

std::string format_share(double share, Lang lang) {
  if (!std::isfinite(share)) return special(share, lang);
  return localised(grouped("%.1f", 100.0 * share), lang) + " %";
}

std::string format_kpi(std::string_view name, double v, Lang lang) {
  if (is_share(name)) return format_share(v, lang);
  if (is_money(name)) return format_money(v, lang);
  return format_number(v, lang);
}

std::string format_kpi_difference(std::string_view name, double v, Lang lang) {
  if (!std::isfinite(v)) return special(v, lang);
  if (is_share(name))
    return with_sign(localised(grouped("%.1f", 100.0 * v), lang) + (lang == Lang::nl ? " %-punt" : " pp"), v);
  return with_sign(format_kpi(name, v, lang), v);
}

std::string format_kpi_row(std::string_view name, double value, double low, double high, bool difference) {
  const auto f = [&](double v) { return difference ? format_kpi_difference(name, v) : format_kpi(name, v); };
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %-36.*s %16s  [%s, %s]", static_cast<int>(name.size()), name.data(), f(value).c_str(),
                f(low).c_str(), f(high).c_str());
  return buf;
}

std::string format_variance_row(std::string_view name, double parameter_share, double share_halfwidth, double sd,
                                double sd_parameter, double sd_monte_carlo) {
  if (!std::isfinite(sd) || sd == 0.0) return "";
  char buf[320];
  std::snprintf(buf, sizeof buf, "  %-36.*s parameter %5.1f%% (+/- %.1f)   sd %s: parameter %s, Monte Carlo %s",
                static_cast<int>(name.size()), name.data(), 100.0 * parameter_share, 100.0 * share_halfwidth,
                format_number(sd).c_str(), format_number(sd_parameter).c_str(), format_number(sd_monte_carlo).c_str());
  return buf;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char buf[48];
  if (s < 60) std::snprintf(buf, sizeof buf, "%ld s", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
  return buf;
}

}  // namespace trede::cli
