#pragma once
// How the `trede` program writes numbers, one way for every subcommand (run, compare, sweep,
// info, calibrate): thousands separators, a sensible number of digits, never "-0"; KPIs by the
// convention of their names (`*_eur` money in whole euros, `share_*` percentages with one
// decimal). English by default; Dutch (`Lang::nl`, `trede compare --lang nl`) swaps the separators
// as Dutch writes numbers (1.234,5 · 41,3 %), says "%-punt" for percentage points and "n.b." for
// a missing value — as the HTML report's NumberFormat does.

#include <string>
#include <string_view>

namespace trede::cli {

// The language numbers are written in.
enum class Lang { en, nl };

// Four significant digits, whole from 10,000 on: 123,457 · 1,235 · 56.25 · 0.01235 · n/a (NaN) · inf.
std::string format_number(double v, Lang lang = Lang::en);
// Whole euros with thousands separators: 2,134,567,890.
std::string format_money(double eur, Lang lang = Lang::en);
// A share in [0, 1] as a percentage with one decimal: "41.3 %".
std::string format_share(double share, Lang lang = Lang::en);
// A KPI's value by its name: money, share or number.
std::string format_kpi(std::string_view kpi_name, double v, Lang lang = Lang::en);
// A difference of a KPI (compare): as format_kpi with a sign, shares in percentage points
// ("+1.2 pp").
std::string format_kpi_difference(std::string_view kpi_name, double v, Lang lang = Lang::en);
// One KPI as a row of a table: "  <name>  <value>  [<low>, <high>]", names padded to one width;
// `difference` formats the numbers as format_kpi_difference.
std::string format_kpi_row(std::string_view kpi_name, double value, double low, double high, bool difference = false);
// One KPI's variance split, as `trede run --draws` and `trede info` print it (the numbers of
// mc::shown): "  <name>  parameter 41.3% (+/- 2.1)   sd <sd>: parameter <sd>, Monte Carlo <sd>";
// "" when the KPI does not vary (sd 0 or not finite): it has nothing to split.
std::string format_variance_row(std::string_view kpi_name, double parameter_share, double share_halfwidth, double sd,
                                double sd_parameter, double sd_monte_carlo);
// A duration: "12 s", "3 min 05 s", "2 h 10 min".
std::string format_duration(double seconds);

}  // namespace trede::cli
