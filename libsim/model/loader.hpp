#pragma once
// The scenario loader (private to libtrede): reads a merged TOML document (model/document.hpp)
// into a validated Scenario. One member function per section of the file; each section lives in
// its own source file:
//
//   loader.cpp              the order of the sections, state references, year tables
//   load_states.cpp         [[state]], capacities and waiting lists, waiting states
//   load_attributes.cpp     [attributes], [exit_age]
//   load_transitions.cpp    [[transition]]: hazards and covariates
//   load_population.cpp     distributions, [[population]] and [[inflow]] (the template)
//   load_organisations.cpp  organisation models, [[handover]], [organisation_costs]
//   load_effects.cpp        [[organisation_effect]]: rates by organisation (model/organisation_effects.hpp)
//   load_regions.cpp        [[region]]: the template expanded into every region
//   load_report.cpp         [report], [kpi]
//
// Every problem is collected in the LoadContext (file, line, key, message) and reported
// together; nothing is thrown until the whole document has been read. Every table is read
// through a TableReader that knows its allowed keys, so a misspelt key is an error with a
// suggestion, never silently ignored.

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/load_context.hpp"
#include "model/table_reader.hpp"
#include "trede/model/scenario.hpp"

namespace trede::model::detail {

// True when a draw from `d` can be negative.
[[nodiscard]] bool can_be_negative(const Distribution& d);

class Loader {
 public:
  Loader(LoadContext& ctx, const toml::table& root, std::string base_dir)
      : ctx_(ctx), root_(root), base_dir_(std::move(base_dir)) {}

  Scenario load();

 private:
  // Directory of the file a node was read from (a file this one extends, or this one): paths in
  // a base scenario are relative to the base.
  std::filesystem::path file_dir(const toml::node& n) const;

  std::optional<StateIndex> state_ref(const toml::node& n, const std::string& key, bool allow_absorbing = true,
                                      bool allow_generated = false);

  std::optional<StateIndex> state_ref(const TableReader& r, std::string_view k, bool required,
                                      bool allow_absorbing = true, bool allow_generated = false);

  // A value that is either a number or a table {year = value, ...} (step function of calendar
  // year). `must_cover_start`: the table's first year must be at or before start_year.
  std::optional<StepSchedule> year_schedule(const TableReader& r, std::string_view k, bool required,
                                            double default_before, bool must_cover_start,
                                            const NumericRule& rule);

  void read_states(const TableReader& top);

  // Capacities are read after attributes (priority by attribute) and create waiting states.
  void read_capacities();

  void read_attributes(const TableReader& top);

  void read_transitions(const TableReader& top);

  void read_hazard(const TableReader& r, Hazard& h, std::optional<StepSchedule>& rate_by_year);

  std::optional<AttributeIndex> age_attribute() const;

  void read_covariates(const TableReader& r, Transition& tr);

  // The largest rate of `tr` times its largest multiplier is at most limits::max_rate_per_year.
  void check_largest_rate(const TableReader& r, const Transition& tr);

  // Separate-mode waiting states: their trede (the lowest of the states people wait from) and
  // their reneging edge, which is an ordinary exponential transition of the waiting state.
  void finish_waiting_states();

  void read_exit_age(const TableReader& top);

  std::optional<Distribution> distribution(const toml::node& n, const std::string& key,
                                           const Attribute* attr);

  // Attribute draws for a population group or inflow: given ones, then defaults.
  std::vector<AttributeDraw> attribute_draws(const TableReader& r, const toml::table& owner);

  void read_population(const TableReader& top);

  // An array of [[population]] tables (`key` names it in messages) into groups and individuals.
  void read_groups(const toml::node* n, const std::string& key, std::vector<InitialGroup>& initial,
                   std::vector<Individual>& individuals);

  void read_inflows(const TableReader& top);

  void read_inflow_list(const toml::node* n, const std::string& key, std::vector<Inflow>& inflows);

  static const std::vector<std::string_view>& functionalities();

  // The five organisation models of organisation-model table of docs/scenario-format.md §16.1
  // (SER/Berenschot functionalities). "SOB / werkgever" is read as SOB, "sociale dienst / werkgever" as
  // sociale_dienst, "sociale dienst (elsewhere)" as sociale_dienst, and "—" (the SOB does not
  // offer it) as `extern`, another provider. These are defaults a scenario may redefine.
  void builtin_models();

  std::optional<std::uint32_t> find_model(std::string_view name) const;

  std::optional<std::uint32_t> model_ref(const TableReader& r, std::string_view k);

  static bool valid_organisation(std::string_view o);

  void read_organisation_models(const TableReader& top);

  void read_handovers(const TableReader& top);

  void read_organisation_costs(const TableReader& top);

  // Handover rules and organisation costs must name organisations some model uses, and need a
  // region with an organisation model to mean anything.
  void check_organisations(const TableReader& top);

  // Organisation effects, read after the regions (their models), the transitions and the KPI
  // states (`into = "work"`); they add the generated organisation-model attribute.
  void read_organisation_effects(const TableReader& top);

  // Places of every capacity state from the top-level declarations, scaled by `share`.
  std::vector<StepSchedule> template_places(double share) const;

  static bool valid_region_name(std::string_view n);

  void read_regions(const TableReader& top);
  void apply_sample_share(const TableReader& top);

  void read_report(const TableReader& top);
  void read_report_by(const TableReader& report, const toml::table& by);

  void default_grid(double step);

  void read_kpi(const TableReader& top);

  LoadContext& ctx_;
  const toml::table& root_;
  std::string base_dir_;
  Scenario s_;
  bool horizon_ok_ = true;
  std::optional<std::uint32_t> default_model_;
  std::vector<const toml::table*> state_tables_;
  // The top-level template, expanded into the regions by read_regions.
  std::vector<InitialGroup> template_initial_;
  std::vector<Individual> template_individuals_;
  std::vector<Inflow> template_inflows_;
  std::map<StateIndex, StepSchedule> template_places_;
  std::vector<int> state_lines_;
  std::vector<std::string> state_files_;
};

}  // namespace trede::model::detail
