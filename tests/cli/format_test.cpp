// cli/format: one way to write numbers in every subcommand; never "-0".

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "format.hpp"

namespace {

using namespace trede::cli;

TEST(Format, NumbersHaveFourSignificantDigitsAndThousandsSeparators) {
  EXPECT_EQ(format_number(123456.7), "123,457");
  EXPECT_EQ(format_number(-1234567.0), "-1,234,567");
  EXPECT_EQ(format_number(1234.5), "1,234");  // %.4g rounds half to even on this value's binary form
  EXPECT_EQ(format_number(1000.0), "1,000");
  EXPECT_EQ(format_number(56.25), "56.25");
  EXPECT_EQ(format_number(0.012345), "0.01235");
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "n/a");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(Format, NoNegativeZero) {
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_money(-0.3), "0");
  EXPECT_EQ(format_share(-1e-6), "0.0 %");
  EXPECT_EQ(format_kpi_difference("share_reached_work", -1e-6), "0.0 pp");
  EXPECT_EQ(format_kpi_difference("cost_total_eur", -0.4), "0");
  EXPECT_EQ(format_kpi_difference("uitval", 0.0), "0");
}

TEST(Format, KpisFollowTheirNames) {
  EXPECT_EQ(format_kpi("share_reached_work", 0.41349), "41.3 %");
  EXPECT_EQ(format_kpi("share_reached_trede_ge4", 0.5), "50.0 %");
  EXPECT_EQ(format_kpi("cost_total_eur", 2134567890.4), "2,134,567,890");
  EXPECT_EQ(format_kpi("cost_per_person_reaching_work_eur", 56.7), "57");
  EXPECT_EQ(format_kpi("uitstroom_werk", 92574.2), "92,574");
  EXPECT_EQ(format_kpi_difference("share_reached_work", 0.0123), "+1.2 pp");
  EXPECT_EQ(format_kpi_difference("cost_total_eur", -2100000000.0), "-2,100,000,000");
  EXPECT_EQ(format_kpi_difference("uitstroom_werk", 31600.0), "+31,600");
}

TEST(Format, KpiRowsLineUp) {
  const auto a = format_kpi_row("uitval", 1.0, 0.5, 2.0), b = format_kpi_row("share_reached_work", 0.5, 0.4, 0.6);
  EXPECT_EQ(a.find('['), b.find('[')) << a << "\n" << b;
  EXPECT_EQ(b, "  share_reached_work                             50.0 %  [40.0 %, 60.0 %]");
}

TEST(Format, DutchSwapsTheSeparators) {
  EXPECT_EQ(format_number(1234.5, Lang::nl), "1.234");
  EXPECT_EQ(format_number(56.25, Lang::nl), "56,25");
  EXPECT_EQ(format_number(-1234567.0, Lang::nl), "-1.234.567");
  EXPECT_EQ(format_money(2134567890.4, Lang::nl), "2.134.567.890");
  EXPECT_EQ(format_share(0.41349, Lang::nl), "41,3 %");
  EXPECT_EQ(format_kpi_difference("share_reached_work", 0.0123, Lang::nl), "+1,2 %-punt");
  EXPECT_EQ(format_kpi_difference("uitstroom_werk", 31600.0, Lang::nl), "+31.600");
  EXPECT_EQ(format_kpi_difference("cost_total_eur", -0.4, Lang::nl), "0");
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN(), Lang::nl), "n.b.");
  EXPECT_EQ(format_number(1234.5, Lang::en), format_number(1234.5));  // English stays the default
}

TEST(Format, Durations) {
  EXPECT_EQ(format_duration(0.4), "0 s");
  EXPECT_EQ(format_duration(59.4), "59 s");
  EXPECT_EQ(format_duration(185), "3 min 05 s");
  EXPECT_EQ(format_duration(7860), "2 h 11 min");
  EXPECT_EQ(format_duration(std::nan("")), "?");
}

}  // namespace
