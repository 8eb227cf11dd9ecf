// The KPI tables (trede/engine/kpi.hpp): the layout's names come from them, each row computes its
// KPI from the counters, and the KPI tables of docs/hdf5-schema.md say what the code says.

#include "trede/engine/kpi.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "trede/engine/simulator.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede::engine;

TEST(KpiTable, LayoutNamesComeFromTheTablesInOrder) {
  const Simulator sim(trede::model::load_scenario(std::string(TREDE_SOURCE_DIR) + "/models/ladder-bm.toml"));
  const Layout& L = sim.layout();
  ASSERT_EQ(L.K(), kpi_table.size());
  ASSERT_EQ(L.Kp(), kpi_period_table.size());
  for (std::size_t k = 0; k < L.K(); ++k) EXPECT_EQ(L.kpi_names[k], kpi_table[k].name) << k;
  for (std::size_t k = 0; k < L.Kp(); ++k) EXPECT_EQ(L.kpi_period_names[k], kpi_period_table[k].name) << k;
  EXPECT_EQ(L.kpi_names[kpi_cost_per_person_reaching_work], "cost_per_person_reaching_work_eur");
  EXPECT_EQ(L.kpi_period_names[kpp_cost_eur], "cost_eur");
}

TEST(KpiTable, NamesAreUniqueAndEveryRowIsDescribed) {
  for (std::size_t a = 0; a < kpi_table.size(); ++a) {
    EXPECT_FALSE(kpi_table[a].unit.empty()) << kpi_table[a].name;
    EXPECT_FALSE(kpi_table[a].description.empty()) << kpi_table[a].name;
    EXPECT_FALSE(kpi_table[a].computed_from.empty()) << kpi_table[a].name;
    for (std::size_t b = a + 1; b < kpi_table.size(); ++b) EXPECT_NE(kpi_table[a].name, kpi_table[b].name);
  }
  for (std::size_t a = 0; a < kpi_period_table.size(); ++a)
    for (std::size_t b = a + 1; b < kpi_period_table.size(); ++b)
      EXPECT_NE(kpi_period_table[a].name, kpi_period_table[b].name);
}

// Hand-set counters: every row's value, means and shares included.
TEST(KpiTable, RowsComputeFromTheCounters) {
  KpiCounters c;
  c.persons = 10, c.events = 40, c.arrivals = 3, c.absorbed = 2;
  c.uitstroom_werk = 5, c.uitval = 4, c.herinstroom = 1;
  c.ever_trede4 = 6, c.ever_work = 5, c.reached_work = 4, c.time_to_work_sum = 6.0;
  c.joined = 7, c.admitted = 2, c.reneged = 3, c.admitted_wait_sum = 1.5;
  c.handovers = 9, c.leaked = 1, c.cost_eur = 1000.0;
  std::vector<double> k(kpi_count);
  fill_kpis(c, k.data());
  EXPECT_EQ(k[kpi_uitstroom_werk], 5.0);
  EXPECT_EQ(k[kpi_uitval], 4.0);
  EXPECT_EQ(k[kpi_herinstroom], 1.0);
  EXPECT_EQ(k[kpi_mean_time_to_first_work], 1.5);
  EXPECT_EQ(k[kpi_share_reached_trede_ge4], 0.6);
  EXPECT_EQ(k[kpi_share_reached_work], 0.5);
  EXPECT_EQ(k[kpi_cost_total], 1000.0);
  EXPECT_EQ(k[kpi_cost_per_person_reaching_work], 250.0);  // everyone's cost over the 4 who reached work
  EXPECT_EQ(k[kpi_persons], 10.0);
  EXPECT_EQ(k[kpi_persons_reaching_work], 4.0);
  EXPECT_EQ(k[kpi_arrivals], 3.0);
  EXPECT_EQ(k[kpi_absorbed], 2.0);
  EXPECT_EQ(k[kpi_events], 40.0);
  EXPECT_EQ(k[kpi_waiting_joined], 7.0);
  EXPECT_EQ(k[kpi_waiting_admitted], 2.0);
  EXPECT_EQ(k[kpi_waiting_reneged], 3.0);
  EXPECT_EQ(k[kpi_mean_waiting_time_admitted], 0.75);
  EXPECT_EQ(k[kpi_handovers], 9.0);
  EXPECT_EQ(k[kpi_leaked], 1.0);

  const KpiCounters nobody;
  fill_kpis(nobody, k.data());
  EXPECT_TRUE(std::isnan(k[kpi_mean_time_to_first_work]));
  EXPECT_TRUE(std::isnan(k[kpi_cost_per_person_reaching_work]));
  EXPECT_TRUE(std::isnan(k[kpi_mean_waiting_time_admitted]));
  EXPECT_EQ(k[kpi_share_reached_work], 0.0);
  EXPECT_EQ(k[kpi_share_reached_trede_ge4], 0.0);
}

// The rows "| i | `name` | unit | description |" of the table that follows `heading` in `doc`.
std::vector<std::vector<std::string>> doc_table(const std::string& doc, const std::string& heading) {
  std::ifstream in(doc);
  EXPECT_TRUE(in) << doc;
  std::string line;
  bool found = false;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    if (!found) {
      found = line.rfind(heading, 0) == 0;
      continue;
    }
    if (line.rfind("| ", 0) != 0) {
      if (!rows.empty()) break;
      continue;
    }
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) {
      const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    }
    if (cells.empty() || cells[0] == "index" || cells[0].rfind("---", 0) == 0) continue;
    rows.push_back(cells);
  }
  EXPECT_TRUE(found) << heading << " in " << doc;
  return rows;
}

template <class Table>
void expect_documented(const std::string& heading, const Table& table) {
  const auto rows = doc_table(std::string(TREDE_SOURCE_DIR) + "/docs/hdf5-schema.md", heading);
  ASSERT_EQ(rows.size(), table.size()) << heading;
  for (std::size_t k = 0; k < table.size(); ++k) {
    ASSERT_EQ(rows[k].size(), 4u) << heading << " row " << k;
    EXPECT_EQ(rows[k][0], std::to_string(k));
    EXPECT_EQ(rows[k][1], "`" + std::string(table[k].name) + "`");
    EXPECT_EQ(rows[k][2], table[k].unit) << table[k].name;
    EXPECT_EQ(rows[k][3], table[k].description) << table[k].name;
  }
}

TEST(KpiTable, TheHdf5SchemaDocumentsEveryKpiAsTheCodeDoes) {
  expect_documented("The K = 19 KPIs", kpi_table);
  expect_documented("The Kp = 12 per-period KPIs", kpi_period_table);
}

}  // namespace
