#pragma once
/// \file
/// The scenario: states, transitions, capacities, population, inflow and reporting grid of one
/// model, parsed and validated. A `Scenario` is an immutable value; the engine compiles it once
/// and shares it read-only between replicates. Load one with `trede::model::load_scenario`.
///
/// Units: time in years; calendar times are calendar years as doubles (2025.0 = 1 January 2025);
/// rates per year; costs in euros per person-year.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trede/model/uncertainty.hpp"

namespace trede::model {

/// Index of a state in `Scenario::states`.
using StateIndex = std::uint32_t;
/// Index of an attribute in `Scenario::attributes`.
using AttributeIndex = std::uint32_t;

inline constexpr double infinity = std::numeric_limits<double>::infinity();

/// A step function of calendar time: `values[i]` holds from `times[i]` (calendar year) until
/// `times[i+1]`; before `times[0]` the value is `before`. An empty schedule is constant `before`.
struct StepSchedule {
  std::vector<double> times;   ///< calendar years, strictly increasing
  std::vector<double> values;  ///< same length as `times`
  double before = 1.0;         ///< value before the first time

  /// Value at calendar time `t`.
  [[nodiscard]] double at(double t) const noexcept;
  /// True when the value never changes.
  [[nodiscard]] bool constant() const noexcept { return times.empty(); }
  /// The largest value the schedule takes.
  [[nodiscard]] double largest() const noexcept;
  /// A schedule with the same value at all times.
  static StepSchedule constant_value(double v) { return StepSchedule{{}, {}, v}; }

  bool operator==(const StepSchedule&) const = default;
};

/// The product of two step schedules: `a.at(t) * b.at(t)` at every t.
[[nodiscard]] StepSchedule product(const StepSchedule& a, const StepSchedule& b);
/// The sum of two step schedules: `a.at(t) + b.at(t)` at every t.
[[nodiscard]] StepSchedule sum(const StepSchedule& a, const StepSchedule& b);

/// Family of a holding-time distribution (a hazard of leaving along one edge).
enum class HazardKind : std::uint8_t {
  exponential,  ///< constant rate `rate` per year
  weibull,      ///< cumulative hazard (x/scale)^shape, scale in years
  gamma,        ///< gamma(shape, scale) holding time, scale in years
  lognormal,    ///< log of the holding time (years) is normal(meanlog, sdlog)
  fixed,        ///< the transition happens exactly `duration` years after the clock origin
  table,        ///< piecewise-constant hazard: `rates[i]` per year from clock value `breaks[i]`
};

/// What the hazard's clock measures. All clocks advance one year per year.
enum class Clock : std::uint8_t {
  time_in_state,  ///< years since the person entered the current state
  age,            ///< the person's age in years (needs an attribute of type "age")
  calendar,       ///< calendar year
};

/// Parameters of one hazard. Which fields are used depends on `kind`.
struct Hazard {
  HazardKind kind = HazardKind::exponential;
  Clock clock = Clock::time_in_state;
  double rate = 0.0;              ///< exponential: per year
  double shape = 1.0;             ///< weibull, gamma: dimensionless
  double scale = 1.0;             ///< weibull, gamma: years
  double meanlog = 0.0;           ///< lognormal: mean of ln(years)
  double sdlog = 1.0;             ///< lognormal: sd of ln(years)
  double duration = 0.0;          ///< fixed: years
  std::vector<double> breaks;     ///< table: clock values (years) where each rate starts; breaks[0] = 0 for time_in_state
  std::vector<double> rates;      ///< table: hazard per year from breaks[i]

  bool operator==(const Hazard&) const = default;
};

/// Log-linear effect of one attribute on a transition: hazard *= exp(beta * x).
/// For a number or age attribute x = value - center; for a category x = 1 if the person's level
/// equals `level`, else 0; for a count attribute x = the count.
struct CovariateEffect {
  AttributeIndex attribute = 0;
  int level = -1;     ///< category level index, or -1 for numeric attributes
  double beta = 0.0;  ///< per unit of x

  bool operator==(const CovariateEffect&) const = default;
};

/// A directed edge between two states with its hazard.
///
/// An exponential rate given by calendar year (`rate = {2025 = 0.5, 2028 = 1}`) is a *rate
/// schedule*: `hazard.rate` is the rate at the start (start_year) and `rate_by_year` the whole
/// schedule (`rate_by_year->before == hazard.rate`); `multiplier` stays the file's own
/// multiplier. The hazard at calendar time t is `rate_by_year->at(t) * multiplier.at(t)`
/// (see `calendar_factor`).
struct Transition {
  std::string id;                        ///< "from->to" unless given
  StateIndex from = 0;
  StateIndex to = 0;
  Hazard hazard;
  std::vector<CovariateEffect> covariates;
  StepSchedule multiplier;               ///< calendar-year multiplier of the hazard (default 1)
  std::optional<StepSchedule> rate_by_year;  ///< exponential only: the rate by calendar year, when the file gives one
  int line = 0;                          ///< line in the scenario file
  bool renege = false;                   ///< generated reneging edge of a separate waiting state

  bool operator==(const Transition&) const = default;
};

/// The calendar factor on the hazard of `t`: its multiplier, times its rate schedule when the
/// rate is given by calendar year. A transition with a rate schedule runs with hazard rate 1
/// times this factor, so the engine multiplies exactly the numbers of the file.
[[nodiscard]] StepSchedule calendar_factor(const Transition& t);

/// Where a person waits when the place they chose is full.
enum class WaitingMode : std::uint8_t {
  stay,      ///< stays in the current state, still subject to its other transitions
  separate,  ///< moves to the waiting state `Capacity::waiting_state`
};

/// Order in which waiting people get a freed place.
enum class Discipline : std::uint8_t {
  fifo,      ///< first come, first served
  priority,  ///< by an attribute value at the time of joining; ties first come, first served
};

/// Capacity rules of a state, and its waiting list. The places themselves are per region
/// (`Region::places`).
struct Capacity {
  WaitingMode waiting = WaitingMode::stay;
  StateIndex waiting_state = 0;                ///< separate mode: the state waiting people occupy
  Discipline discipline = Discipline::fifo;
  AttributeIndex priority_attribute = 0;       ///< priority discipline only
  bool priority_descending = true;             ///< highest value first
  double renege_rate = 0.0;                    ///< per year, while on the list
  std::optional<StateIndex> renege_to;         ///< stay mode: none = give up waiting, stay put
  std::optional<double> budget_cost_per_place; ///< set when places come from a budget (euros/place/year)

  bool operator==(const Capacity&) const = default;
};

/// One node of the state graph.
struct State {
  std::string name;
  int trede = 0;                    ///< participatieladder rung 1..6, or 0 for off the ladder (exits)
  std::string functionality;        ///< "A".."H", "inkomen", "wsw", "uitval" or "none"
  double cost_eur_per_year = 0.0;   ///< cost per person-year spent in the state
  bool absorbing = false;           ///< ends a person's path
  std::optional<Capacity> capacity;
  std::optional<StateIndex> waiting_for;  ///< set on separate-mode waiting states: the capacity state
  bool generated = false;           ///< created by the loader (waiting states), not in the file
  int line = 0;

  bool operator==(const State&) const = default;
};

/// Kind of a person attribute.
enum class AttributeKind : std::uint8_t {
  number,    ///< a fixed real value
  category,  ///< one of `levels`, stored as the level index
  age,       ///< age in years, increasing with time
  count,     ///< number of entries into `counted_states` so far (history, e.g. earlier uitval spells)
};

/// A person attribute.
struct Attribute {
  std::string name;
  AttributeKind kind = AttributeKind::number;
  std::vector<std::string> levels;            ///< category only
  double center = 0.0;                        ///< subtracted before covariate effects (number, age)
  std::optional<double> default_value;        ///< used where a population or inflow gives none
  std::vector<StateIndex> counted_states;     ///< count only
  /// Created by the loader, not in the file: the category attribute holding the organisation
  /// model of each person's region (`Scenario::organisation_attribute`).
  bool generated = false;

  bool operator==(const Attribute&) const = default;
};

/// A distribution for drawing attribute values and times in state. Draws are by inversion of a
/// single uniform, so common random numbers carry over between scenarios.
struct Distribution {
  enum class Kind : std::uint8_t { fixed, uniform, normal, categorical, exponential, gamma, lognormal };
  Kind kind = Kind::fixed;
  double a = 0.0;   ///< fixed: the value; uniform: min; normal: mean; exponential: mean; gamma: shape; lognormal: meanlog
  double b = 0.0;   ///< uniform: max; normal: sd; gamma: scale; lognormal: sdlog
  double lo = -infinity;  ///< normal: truncation bounds
  double hi = infinity;
  std::vector<double> values;   ///< categorical: values (category level indices for categories)
  std::vector<double> weights;  ///< categorical: non-negative weights, positive sum

  bool operator==(const Distribution&) const = default;
};

/// How one attribute is drawn for a group of people.
struct AttributeDraw {
  AttributeIndex attribute = 0;
  Distribution distribution;

  bool operator==(const AttributeDraw&) const = default;
};

/// A group of people present at the start, all in one state.
struct InitialGroup {
  StateIndex state = 0;
  std::uint64_t count = 0;
  std::vector<AttributeDraw> attributes;   ///< one per attribute (defaults filled in)
  Distribution time_in_state;              ///< years already spent in the state (default 0)
  int line = 0;

  bool operator==(const InitialGroup&) const = default;
};

/// One person read from a population CSV file.
struct Individual {
  StateIndex state = 0;
  double time_in_state = 0.0;       ///< years already spent in the state
  std::vector<double> attributes;   ///< one value per attribute (category: level index; age: years)

  bool operator==(const Individual&) const = default;
};

/// Poisson arrivals into an entry state.
struct Inflow {
  StateIndex state = 0;
  StepSchedule rate_per_year;              ///< expected arrivals per year, by calendar year
  std::vector<AttributeDraw> attributes;   ///< one per attribute (defaults filled in)
  int line = 0;

  bool operator==(const Inflow&) const = default;
};

/// Exit at a configured age (AOW): a person reaching `age` moves to `to`.
struct ExitAge {
  double age = 67.0;
  StateIndex to = 0;
  AttributeIndex attribute = 0;  ///< the age attribute

  bool operator==(const ExitAge&) const = default;
};

/// Which organisation runs each functionality (docs/scenario-format.md §16.1): a row of the
/// organisation-model table.
struct OrganisationModel {
  std::string name;
  /// (functionality, organisation) pairs; a functionality not listed is run by nobody
  /// (moves to or from it are never handovers).
  std::vector<std::pair<std::string, std::string>> runs;
  int line = 0;  ///< 0 for the built-in models

  /// The organisation running `functionality`, or "" when nobody does.
  [[nodiscard]] std::string organisation_of(std::string_view functionality) const;

  bool operator==(const OrganisationModel&) const = default;
};

/// What happens when a transition moves a person between two different organisations.
/// Rules are tried in file order; the first whose `from` and `to` match applies.
struct HandoverRule {
  std::string from = "*";                ///< organisation handing over, "*" = any
  std::string to = "*";                  ///< organisation taking over, "*" = any
  Distribution delay;                    ///< years between the decision and arrival (default 0)
  double leakage = 0.0;                  ///< probability of being lost at the handover
  std::optional<StateIndex> leak_to;     ///< where the lost go (required when leakage > 0)
  int line = 0;

  bool operator==(const HandoverRule&) const = default;
};

/// Organisation-level costs, on top of the costs per state.
struct OrganisationCost {
  std::string organisation;
  double fixed_eur_per_year = 0.0;       ///< per region in which the organisation runs any state
  double eur_per_person_year = 0.0;      ///< overhead per person-year spent in the states it runs
  int line = 0;

  bool operator==(const OrganisationCost&) const = default;
};

/// An organisation effect (`[[organisation_effect]]`, docs/scenario-format.md §16.6): the hazards of
/// `transitions` are multiplied by `multiplier` for the people of regions whose organisation
/// model is one of `models`. The loader turns it into covariate effects on the generated
/// attribute `Scenario::organisation_attribute` (beta = ln multiplier, one per transition and
/// model), so the engine runs it as any category covariate: exact for every hazard family.
struct OrganisationEffect {
  std::string name;                         ///< "" when the file gives none
  std::string description;
  /// The condition as the file gives it: a functionality and the organisation running it
  /// (both "" when the effect names organisation models instead).
  std::string functionality;
  std::string organisation;
  std::vector<std::uint32_t> models;        ///< indices into Scenario::organisation_models, increasing
  std::vector<std::uint32_t> transitions;   ///< indices into Scenario::transitions, increasing
  double multiplier = 1.0;                  ///< > 0; 1 changes nothing
  int line = 0;

  bool operator==(const OrganisationEffect&) const = default;
};

/// One region (gemeente or arbeidsmarktregio): its own people, inflow, places, waiting lists and
/// organisation model, sharing the states and transitions of the scenario. This is what runs:
/// the loader has already expanded the top-level [[population]], [[inflow]] and state
/// capacities (the template) into every region that takes them.
struct Region {
  std::string name;
  std::optional<std::uint32_t> organisation_model;  ///< index into Scenario::organisation_models
  std::vector<InitialGroup> initial;
  std::vector<Individual> individuals;
  std::vector<Inflow> inflows;
  std::vector<StepSchedule> places;  ///< per state index; used for states with a capacity
  /// The share of the top-level population, inflow and capacities the region takes (counts
  /// rounded to whole people, places to whole places); 1 for the single region of a scenario
  /// without [[region]] tables; none when the region gives its own population and inflow.
  std::optional<double> share;
  /// Per state index: true when the region's own [region.capacity] gives its places, false when
  /// they are the state's `capacity` (times `share`, or 1).
  std::vector<bool> own_places;
  int line = 0;

  bool operator==(const Region&) const = default;
};

/// Which states the per-replicate KPIs treat as work and as uitval.
struct KpiStates {
  std::vector<StateIndex> work;    ///< default: non-absorbing states with trede >= 5
  std::vector<StateIndex> uitval;  ///< default: states whose name starts with "uitval"

  bool operator==(const KpiStates&) const = default;
};

/// A parsed, validated scenario. Immutable once loaded.
/// One breakdown of the results by a person attribute (`[report.by]`): age or a number in bands
/// (`edges` e_0 < ... < e_{n-1} give the groups (-inf, e_0), [e_0, e_1), ..., [e_{n-1}, inf)),
/// or a category by its levels (`edges` empty).
struct ReportBy {
  std::size_t attribute = 0;  ///< index into Scenario::attributes
  std::vector<double> edges;  ///< band edges (years for age); empty for a category

  bool operator==(const ReportBy&) const = default;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source_path;      ///< file it was read from ("" when parsed from a string)
  /// The directory `extends` and population CSV paths were resolved against: the file's own
  /// directory, or the `base_dir` given to parse_scenario. Every re-reading (`reparse`) uses it.
  std::string base_dir = ".";
  std::string text;             ///< the scenario text exactly as read
  std::vector<std::string> overrides;  ///< the --set key=value overrides applied, in order
  std::vector<std::string> base_paths; ///< files named by `extends`, nearest first
  std::vector<std::string> base_texts; ///< their texts exactly as read
  std::vector<std::string> data_paths; ///< population CSV files read, as resolved against their scenario file
  double start_year = 2025.0;   ///< calendar time at the start of the simulation
  double horizon_years = 10.0;  ///< length of the simulation
  /// The share of the population the scenario simulates (`sample_share`, 0 < s <= 1): people,
  /// inflow, places and fixed organisation costs are scaled by it, so every extensive result
  /// (counts, moves, costs) is s times its full-scale value and intensive ones (shares, times,
  /// costs per person) are estimates of the full-scale values. 1 = the whole population.
  double sample_share = 1.0;
  std::vector<double> report_times;  ///< calendar years, increasing, within [start, start + horizon]
  /// Results by person attribute (`[report.by]`): occupancy and flows per group as well.
  std::vector<ReportBy> report_by;

  std::vector<Attribute> attributes;
  std::vector<State> states;
  std::vector<Transition> transitions;
  std::optional<ExitAge> exit_age;
  KpiStates kpi;

  /// The regions, with the people, inflow and places that run. Always at least one: a scenario
  /// without [[region]] tables is one region "all" holding the top-level population, inflow and
  /// capacities.
  std::vector<Region> regions;
  std::vector<OrganisationModel> organisation_models;  ///< the five built-in models, then the file's
  std::vector<HandoverRule> handovers;
  std::vector<OrganisationCost> organisation_costs;
  /// Organisation effects on rates, in file order.
  std::vector<OrganisationEffect> organisation_effects;
  /// With organisation effects: the generated category attribute whose level is the index of
  /// the person's region's organisation model in `organisation_models` (the last level, "(none)",
  /// for a region without one). None without organisation effects.
  std::optional<AttributeIndex> organisation_attribute;
  /// Uncertain parameters (the `[uncertainty]` table): what a probabilistic sensitivity
  /// analysis draws. Empty when every value is taken as known.
  Uncertainty uncertainty;

  /// End of the simulation as a calendar year.
  [[nodiscard]] double end_year() const noexcept { return start_year + horizon_years; }
  /// The state called `name`, or nullptr.
  [[nodiscard]] const State* find_state(std::string_view name) const noexcept;
  /// Index of the state called `name`; throws ModelError when there is none.
  [[nodiscard]] StateIndex state_index(std::string_view name) const;
  /// The attribute called `name`, or nullptr.
  [[nodiscard]] const Attribute* find_attribute(std::string_view name) const noexcept;
  /// Number of people present at the start (groups and individuals).
  [[nodiscard]] std::uint64_t initial_population() const noexcept;
  /// Places of state `i` summed over the regions, by calendar year (all zero for a state
  /// without capacity).
  [[nodiscard]] StepSchedule total_places(StateIndex i) const;

  bool operator==(const Scenario&) const = default;
};

/// Mean of the holding time of a hazard acting alone, in years (infinity when it may never fire).
[[nodiscard]] double hazard_mean(const Hazard& h);
/// Variance of the holding time of a hazard acting alone, in years².
[[nodiscard]] double hazard_variance(const Hazard& h);

}  // namespace trede::model
