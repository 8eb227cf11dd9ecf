"""Words of the report and the figures in English and Dutch: one table of texts, one catalogue
of the KPIs (label and kind of number), the names of the treden. Dutch uses the field's own
words (treden, uitstroom naar werk, beschut werk, wachtlijst, uitval, herinstroom, kosten).

>>> L = Language("nl")
>>> L.t("people_reaching_work")
'personen naar werk'
>>> L.fmt.value("eur", 1.2e6)
'€ 1,2 mln'
"""

from __future__ import annotations

from typing import Dict, Tuple

from ._format import NumberFormat

__all__ = ["Language", "LANGUAGES", "KPIS", "TEXT", "kpi_kind", "kpi_unit"]

LANGUAGES = ("en", "nl")

#: Every KPI (per replicate and per period): the kind of number (_format.KINDS), its unit (as
#: in docs/hdf5-schema.md) and its label in English and Dutch.
KPIS: Dict[str, Tuple[str, str, str, str]] = {
    "uitstroom_werk": ("count", "moves", "moves into work (uitstroom naar werk)", "uitstroom naar werk (overgangen)"),
    "persons_reaching_work": ("count", "people", "people reaching work", "personen naar werk"),
    "share_reached_work": ("share", "fraction", "share reaching work", "aandeel naar werk"),
    "share_reached_trede_ge4": ("share", "fraction", "share reaching trede ≥ 4", "aandeel op trede ≥ 4"),
    "mean_time_to_first_work_years": ("years", "years", "years to first work", "jaren tot eerste werk"),
    "uitval": ("count", "moves", "uitval (drop-outs)", "uitval"),
    "herinstroom": ("count", "moves", "herinstroom (re-entries)", "herinstroom"),
    "cost_total_eur": ("eur", "EUR", "total public cost", "totale publieke kosten"),
    "cost_per_person_reaching_work_eur": ("eur", "EUR per person", "total cost ÷ people reaching work",
                                          "totale kosten ÷ personen naar werk"),
    "persons": ("count", "people", "people in the model", "personen in het model"),
    "arrivals": ("count", "people", "arrivals", "instroom"),
    "absorbed": ("count", "moves", "exits (pension, death, moving away)", "vertrek (AOW, overlijden, verhuizing)"),
    "events": ("count", "events", "events", "gebeurtenissen"),
    "waiting_joined": ("count", "people", "joined a waiting list", "op een wachtlijst gezet"),
    "waiting_admitted": ("count", "people", "admitted from a waiting list", "geplaatst vanaf een wachtlijst"),
    "waiting_reneged": ("count", "people", "gave up waiting", "afgehaakt op een wachtlijst"),
    "mean_waiting_time_admitted_years": ("years", "years", "years waited by those admitted",
                                         "wachttijd van geplaatsten (jaren)"),
    "handovers": ("count", "transitions", "handovers between organisations", "overdrachten tussen organisaties"),
    "leaked": ("count", "people", "lost at a handover", "verloren bij een overdracht"),
    "cost_eur": ("eur", "EUR", "public cost", "publieke kosten"),
}

_TREDE = {
    "en": ["isolated", "social contacts outside the home", "organised activities", "unpaid work",
           "paid work with support", "paid work without support"],
    "nl": ["geïsoleerd", "sociale contacten buitenshuis", "georganiseerde activiteiten", "onbetaald werk",
           "betaald werk met ondersteuning", "betaald werk zonder ondersteuning"],
}

#: Every text of the report and the figures: key -> (English, Dutch). ``{name}`` fields are
#: filled by :meth:`Language.t`.
TEXT: Dict[str, Tuple[str, str]] = {
    # page and navigation
    "lang": ("en", "nl"),
    "result_title": ("{name}: Monte Carlo result", "{name}: Monte Carlo-resultaat"),
    "comparison_title": ("Comparison: {names}", "Vergelijking: {names}"),
    "result_subtitle": ("{R} replicates, seed {seed}, {start}–{end}, {S} states",
                        "{R} replicaties, seed {seed}, {start}–{end}, {S} toestanden"),
    "comparison_subtitle": ("{N} scenarios with common random numbers, {R} replicates each, seed {seed}",
                            "{N} scenario's met gemeenschappelijke toevalsgetallen, elk {R} replicaties, seed {seed}"),
    "figure": ("Figure", "Figuur"),
    "made_by": ("Made by trede {version} on {date}.", "Gemaakt met trede {version} op {date}."),
    "file": ("file", "bestand"),
    "in_memory": ("(in memory)", "(in het geheugen)"),
    "scenario_file": ("Scenario file", "Scenariobestand"),
    "overrides": ("Overrides (--set)", "Aanpassingen (--set)"),
    # common words
    "year": ("year", "jaar"),
    "people": ("people", "personen"),
    "moves": ("moves", "overgangen"),
    "state": ("state", "toestand"),
    "scenario": ("scenario", "scenario"),
    "kpi": ("KPI", "indicator"),
    "mean": ("mean", "gemiddelde"),
    "sd": ("sd", "sd"),
    "median": ("median", "mediaan"),
    "q05": ("5 %", "5 %"),
    "q95": ("95 %", "95 %"),
    "trede": ("trede", "trede"),
    "trede_n": ("trede {r}", "trede {r}"),
    "reference": ("reference", "referentie"),
    "organisation_model": ("organisation model", "organisatiemodel"),
    "cost": ("cost", "kosten"),
    "none": ("—", "—"),
    "end_of_period": ("end of period", "einde periode"),
    "off_ladder": ("off the ladder", "buiten de ladder"),
    "organisations": ("organisations", "organisaties"),
    # run report
    "sec_kpis": ("Headline KPIs", "Kerncijfers"),
    "note_kpis": ("Per replicate over the whole run, mean over {R} replicates; the range holds 90 % of the replicates.",
                  "Per replicatie over de hele looptijd, gemiddeld over {R} replicaties; de marge bevat 90 % van de "
                  "replicaties."),
    "range_90": ("90 % of replicates: {range}", "90 % van de replicaties: {range}"),
    "sec_ladder": ("Participatieladder", "Participatieladder"),
    "note_ladder": ("People per trede (1 isolated … 6 paid work without support), mean over replicates.",
                    "Personen per trede (1 geïsoleerd … 6 betaald werk zonder ondersteuning), gemiddeld over "
                    "de replicaties."),
    "people_per_trede": ("people per trede", "personen per trede"),
    "share_per_trede": ("share per trede", "aandeel per trede"),
    "share_on_ladder": ("share of people on the ladder", "aandeel van de personen op de ladder"),
    "people_mean": ("people (mean over replicates)", "personen (gemiddeld over replicaties)"),
    "cap_ladder": ("The participatieladder over time: people (left) and shares (right) per trede, stacked.",
                   "De participatieladder in de tijd: personen (links) en aandelen (rechts) per trede, gestapeld."),
    "sec_occupancy": ("Occupancy", "Bezetting"),
    "note_occupancy": ("Fan charts: the median over replicates (line) and the bands holding 50 %, 80 % and 90 % of them.",
                       "Waaiergrafieken: de mediaan over de replicaties (lijn) en de banden met 50 %, 80 % en 90 % "
                       "ervan."),
    "by_group_at": ("People by {attr} at {year}: mean over replicates, and the share of the state's people",
                    "Personen naar {attr} in {year}: gemiddelde over de replicaties, en het aandeel van de toestand"),
    "note_by_group": ("From the scenario's [report.by]; exits hold everyone who left that way, in the group they had then.",
                      "Uit [report.by] van het scenario; uitstroomtoestanden tellen iedereen die zo vertrok, in de groep "
                      "die ze toen hadden."),
    "cap_occupancy": ("People in each state over time (states nobody ever occupies and exits are left out).",
                      "Personen per toestand in de tijd (lege toestanden en uitstroom uit het model weggelaten)."),
    "sec_waiting": ("Waiting lists and waiting times", "Wachtlijsten en wachttijden"),
    "waiting_length": ("waiting-list length", "lengte van de wachtlijst"),
    "waiting_time_admitted": ("waiting time of those admitted, per period", "wachttijd van geplaatsten, per periode"),
    "people_waiting": ("people waiting", "wachtenden"),
    "years_waited": ("years waited (admitted)", "jaren gewacht (geplaatst)"),
    "cap_waiting": ("Left: people on each waiting list (fan chart). Right: mean years waited by those admitted in "
                    "each period (median over replicates and the 5–95 % band).",
                    "Links: wachtenden per wachtlijst (waaiergrafiek). Rechts: gemiddelde wachttijd in jaren van wie "
                    "in de periode geplaatst werd (mediaan over replicaties en de 5–95 %-band)."),
    "waiting_over_run": ("Waiting lists over the run (mean per replicate)",
                         "Wachtlijsten over de hele looptijd (gemiddeld per replicatie)"),
    "capacity_state": ("capacity state", "toestand met plaatsen"),
    "joined": ("joined", "op de lijst"),
    "admitted": ("admitted", "geplaatst"),
    "gave_up": ("gave up", "afgehaakt"),
    "left_otherwise": ("left otherwise", "anders vertrokken"),
    "no_capacity": ("This scenario has no capacity-limited states, so there are no waiting lists.",
                    "Dit scenario heeft geen toestanden met een beperkt aantal plaatsen, dus geen wachtlijsten."),
    "sec_flows": ("Flows between states", "Stromen tussen toestanden"),
    "cap_flow_matrix": ("Mean moves per year from each state (rows; (inflow) = arrivals) to each state (columns), "
                        "over the whole run.",
                        "Gemiddeld aantal overgangen per jaar van elke toestand (rijen; (instroom) = nieuwe "
                        "personen) naar elke toestand (kolommen), over de hele looptijd."),
    "from": ("from", "van"),
    "inflow_row": ("(inflow)", "(instroom)"),
    "to": ("to", "naar"),
    "moves_per_year_log": ("log10(1 + moves per year)", "log10(1 + overgangen per jaar)"),
    "cap_flows_time": ("Uitstroom naar werk, uitval and herinstroom per year (median and 5–95 % band).",
                       "Uitstroom naar werk, uitval en herinstroom per jaar (mediaan en 5–95 %-band)."),
    "moves_per_year": ("moves per year", "overgangen per jaar"),
    "sec_trajectories": ("Traced people", "Gevolgde personen"),
    "cap_trajectories": ("Life courses of the first {n} traced people of the first replicate, coloured by the trede "
                         "of their state (blank after an exit or before arrival).",
                         "Levenslopen van de eerste {n} gevolgde personen van de eerste replicatie, gekleurd naar de "
                         "trede van hun toestand (leeg na vertrek of voor instroom)."),
    "traced_people": ("{n} traced people (replicate {r})", "{n} gevolgde personen (replicatie {r})"),
    "sec_costs": ("Costs", "Kosten"),
    "cumulative_cost": ("cumulative cost", "cumulatieve kosten"),
    "cost_per_year_by_state": ("cost per year by state", "kosten per jaar per toestand"),
    "cost_per_year": ("cost per year", "kosten per jaar"),
    "other_states": ("other states", "overige toestanden"),
    "cap_costs": ("Left: cumulative cost (fan chart). Right: mean cost per year, by state (person-years × cost per "
                  "person-year) and organisation overhead.",
                  "Links: cumulatieve kosten (waaiergrafiek). Rechts: gemiddelde kosten per jaar, per toestand "
                  "(persoonsjaren × kosten per persoonsjaar) en organisatiekosten."),
    "no_costs": ("The scenario sets no costs (every <code>cost_eur_per_year</code> is 0 and there are no organisation "
                 "costs).", "Het scenario kent geen kosten (elke <code>cost_eur_per_year</code> is 0 en er zijn geen "
                 "organisatiekosten)."),
    "sec_tables": ("All KPIs", "Alle indicatoren"),
    "sec_assumptions": ("Assumptions", "Aannames"),
    # comparison report
    "sec_answer": ("Answer: the organisation models side by side", "Antwoord: de organisatiemodellen naast elkaar"),
    "note_answer": ("Totals over the whole run, {start}–{end}, mean over {R} replicates with its {level} % interval; "
                    "below each, the difference with <b>{ref}</b> (paired: the same people and random numbers in "
                    "every scenario). ▲ / ▼: the interval lies wholly above / below zero.",
                    "Totalen over de hele looptijd, {start}–{end}, gemiddelde over {R} replicaties met het "
                    "{level} %-interval; daaronder het verschil met <b>{ref}</b> (gepaard: dezelfde personen en "
                    "toevalsgetallen in elk scenario). ▲ / ▼: het interval ligt geheel boven / onder nul."),
    "uncertainty_mc": ("Intervals include <b>Monte Carlo uncertainty only</b> ({R} replicates): the parameters, "
                       "handover rules and costs are taken as known (see Assumptions), so the intervals say how "
                       "precisely the model was run, not how sure the answer is.",
                       "De intervallen bevatten <b>alleen Monte Carlo-onzekerheid</b> ({R} replicaties): parameters, "
                       "overdrachtsregels en kosten worden als bekend verondersteld (zie Aannames); de intervallen "
                       "zeggen dus hoe nauwkeurig het model is doorgerekend, niet hoe zeker het antwoord is."),
    "uncertainty_from_file": ("Intervals include: <b>{sources}</b>.", "De intervallen bevatten: <b>{sources}</b>."),
    "note_answer_psa": ("Totals over the whole run, {start}–{end}, over {D} parameter draws × {r} replicate(s): people "
                        "reaching work, moves into work and cost with their {level} % range over the draws (parameter "
                        "and Monte Carlo uncertainty); below each, the difference with <b>{ref}</b> and its range "
                        "(paired: the same people, random numbers and parameter draws in every scenario). ▲ / ▼: the "
                        "range lies wholly above / below zero.",
                        "Totalen over de hele looptijd, {start}–{end}, over {D} parametertrekkingen × {r} "
                        "replicatie(s): personen naar werk, uitstroom naar werk en kosten met hun {level} %-bereik "
                        "over de trekkingen (parameter- en Monte Carlo-onzekerheid); daaronder het verschil met "
                        "<b>{ref}</b> en zijn bereik (gepaard: dezelfde personen, toevalsgetallen en "
                        "parametertrekkingen in elk scenario). ▲ / ▼: het bereik ligt geheel boven / onder nul."),
    "uncertainty_col": ("uncertainty included", "meegenomen onzekerheid"),
    "monte_carlo": ("Monte Carlo", "Monte Carlo"),
    "people_reaching_work": ("people reaching work", "personen naar werk"),
    "people_reaching_work_note": ("people whose first move into work falls in the run",
                                  "personen die tijdens de looptijd voor het eerst aan het werk gaan"),
    "moves_into_work": ("moves into work", "uitstroom naar werk (overgangen)"),
    "moves_into_work_note": ("every move into work, a person may count more than once",
                             "elke overgang naar werk; iemand kan vaker meetellen"),
    "total_public_cost": ("total public cost", "totale publieke kosten"),
    "people_per_trede_at": ("People per trede at {year}", "Personen per trede in {year}"),
    "note_trede_at": ("Mean over replicates at the horizon; below it the difference with {ref} and its {level} % "
                      "interval.", "Gemiddelde over de replicaties aan het einde; daaronder het verschil met {ref} en "
                      "het {level} %-interval."),
    "incremental_cost_per_person": ("extra cost per extra person in work", "extra kosten per extra persoon naar werk"),
    "probability_best": ("probability best", "kans op de beste uitkomst"),
    "diff_with": ("difference with {ref}", "verschil met {ref}"),
    "common_prefix": ("Scenario names are shown without their common prefix <code>{prefix}</code>.",
                      "Scenarionamen staan zonder het gemeenschappelijke begin <code>{prefix}</code>."),
    "sec_differences": ("Differences from the reference", "Verschillen met de referentie"),
    "cap_kpi_differences": ("Difference with {ref} and its {level} % interval (filled: the interval excludes zero). "
                            "Shares in percentage points, costs in euros.",
                            "Verschil met {ref} en het {level} %-interval (gevuld: het interval sluit nul uit). "
                            "Aandelen in procentpunten, kosten in euro."),
    "difference_title": ("difference with {ref}, {level} % intervals (paired, common random numbers)",
                         "verschil met {ref}, {level} %-intervallen (gepaard, gemeenschappelijke toevalsgetallen)"),
    "cap_cumulative_differences": ("Cumulative difference with {ref} over time: people reaching work, moves into "
                                   "work and public cost, with {level} % bands.",
                                   "Cumulatief verschil met {ref} in de tijd: personen naar werk, uitstroom naar "
                                   "werk en publieke kosten, met {level} %-banden."),
    "cumulative_difference": ("cumulative difference", "cumulatief verschil"),
    "sec_ladder_cmp": ("Participatieladder", "Participatieladder"),
    "cap_ladder_reference": ("The reference, {ref}: people per trede over time (stacked, mean over replicates).",
                             "De referentie, {ref}: personen per trede in de tijd (gestapeld, gemiddeld over "
                             "replicaties)."),
    "cap_trede_differences": ("Difference with {ref} in people per trede over time, one panel per scenario (same "
                              "scale), with {level} % bands.",
                              "Verschil met {ref} in personen per trede in de tijd, één paneel per scenario (zelfde "
                              "schaal), met {level} %-banden."),
    "trede_difference_title": ("difference with {ref} in people per trede", "verschil met {ref} in personen per trede"),
    "sec_variance": ("Variance reduction from common random numbers", "Variantiereductie door gemeenschappelijke "
                     "toevalsgetallen"),
    "note_variance": ("var(independent differences) / var(paired differences) over the KPIs; above 1 means common "
                      "random numbers narrowed the intervals.",
                      "var(onafhankelijke verschillen) / var(gepaarde verschillen) over de indicatoren; boven 1 "
                      "betekent dat gemeenschappelijke toevalsgetallen de intervallen smaller maakten."),
    "min": ("min", "min"),
    "max": ("max", "max"),
    "sec_occupancy_cmp": ("Occupancy per scenario", "Bezetting per scenario"),
    "cap_occupancy_cmp": ("People in key states: median over replicates and the 5–95 % band, one colour per scenario.",
                          "Personen in belangrijke toestanden: mediaan over de replicaties en de 5–95 %-band, één "
                          "kleur per scenario."),
    "same_everywhere": ("Not shown, because they are the same in every scenario (medians within 1 %): {states}.",
                        "Niet getoond, want gelijk in elk scenario (medianen binnen 1 %): {states}."),
    "sec_waiting_cmp": ("Waiting lists per scenario", "Wachtlijsten per scenario"),
    "cap_waiting_cmp": ("Waiting-list lengths per scenario (median and 5–95 % band).",
                        "Lengte van de wachtlijsten per scenario (mediaan en 5–95 %-band)."),
    "waiting_for": ("waiting for {state}", "wachtlijst {state}"),
    "no_capacity_cmp": ("No capacity-limited states, so no waiting lists.",
                        "Geen toestanden met beperkte plaatsen, dus geen wachtlijsten."),
    "empty_waiting": ("No one waits for {states} in any scenario.", "Niemand wacht op {states}, in geen enkel scenario."),
    "sec_costs_cmp": ("Costs per scenario", "Kosten per scenario"),
    "cap_costs_cmp": ("Left: cumulative public cost of the reference, {ref} (fan chart). Right: the cumulative "
                      "difference of each scenario with it, with {level} % bands.",
                      "Links: cumulatieve publieke kosten van de referentie, {ref} (waaiergrafiek). Rechts: het "
                      "cumulatieve verschil van elk scenario daarmee, met {level} %-banden."),
    "cost_difference": ("difference in cumulative cost", "verschil in cumulatieve kosten"),
    "no_costs_cmp": ("The scenarios set no costs.", "De scenario's kennen geen kosten."),
    "note_all_kpis": ("Mean per replicate; below it the difference with {ref} and its {level} % interval.",
                      "Gemiddelde per replicatie; daaronder het verschil met {ref} en het {level} %-interval."),
    # assumptions
    "note_assumptions": ("What the results rest on, read from the scenario text stored in the file (with its base "
                         "files and the <code>--set</code> overrides). These values are stated, not estimated: the "
                         "intervals above do not include their uncertainty.",
                         "Waar de uitkomsten op rusten, gelezen uit de scenariotekst in het bestand (met de "
                         "basisbestanden en de <code>--set</code>-aanpassingen). Deze waarden zijn aangenomen, niet "
                         "geschat: de intervallen hierboven bevatten hun onzekerheid niet."),
    "asm_models": ("Organisation model and population share per scenario", "Organisatiemodel en populatieaandeel per scenario"),
    "asm_region": ("region", "regio"),
    "asm_share": ("population share", "populatieaandeel"),
    "asm_share_note": ("A share below 100 % runs a sample: people, inflow and places are scaled; fixed organisation "
                       "costs are not, so cost differences between organisation models are overstated by about "
                       "1 / share.",
                       "Een aandeel onder 100 % rekent een steekproef door: personen, instroom en plaatsen worden "
                       "geschaald, vaste organisatiekosten niet; kostenverschillen tussen organisatiemodellen zijn "
                       "daardoor ongeveer 1 / aandeel te groot."),
    "asm_handover": ("Handover rules (delay and leakage at a change of organisation)",
                     "Overdrachtsregels (vertraging en weglek bij wisseling van organisatie)"),
    "asm_handover_note": ("The first rule that matches a handover applies. Same in every scenario unless a column "
                          "says otherwise.", "De eerste regel die op een overdracht past geldt. Gelijk in elk "
                          "scenario tenzij een kolom anders zegt."),
    "asm_from_org": ("from organisation", "van organisatie"),
    "asm_to_org": ("to organisation", "naar organisatie"),
    "asm_delay": ("delay (years)", "vertraging (jaren)"),
    "asm_leakage": ("leakage", "weglek"),
    "asm_leak_to": ("lost to", "weglek naar"),
    "asm_costs": ("Organisation costs", "Organisatiekosten"),
    "asm_fixed": ("fixed (€ per year)", "vast (€ per jaar)"),
    "asm_per_py": ("€ per person-year in its states", "€ per persoonsjaar in haar toestanden"),
    "asm_org": ("organisation", "organisatie"),
    "asm_none": ("none", "geen"),
    "asm_uncertain": ("Uncertain parameters", "Onzekere parameters"),
    "asm_key": ("key", "sleutel"),
    "asm_distribution": ("distribution", "verdeling"),
    "asm_overrides": ("Overrides given with --set", "Aanpassingen met --set"),
    "asm_unreadable": ("The scenario text in the file could not be read as TOML ({error}); see the scenario file "
                       "below.", "De scenariotekst in het bestand kon niet als TOML worden gelezen ({error}); zie het "
                       "scenariobestand hieronder."),
    "asm_no_handover": ("No handover rules: moves between organisations have no delay or leakage.",
                        "Geen overdrachtsregels: overgangen tussen organisaties hebben geen vertraging of weglek."),
    "asm_mean": ("mean {mean}", "gemiddeld {mean}"),
    "scenario_texts": ("Scenario files", "Scenariobestanden"),
    # uncertainty: which sources the intervals include (run, PSA)
    "uncertainty_run": ("Ranges and intervals include <b>Monte Carlo uncertainty only</b> ({R} replicates): every "
                        "parameter, handover rule and cost is taken as known (see Assumptions), so they say how much "
                        "the outcome varies by chance in a model whose parameters are right, not how sure the answer "
                        "is. A probabilistic sensitivity analysis (<code>trede run --draws</code>) adds the "
                        "uncertainty of the parameters.",
                        "Marges en intervallen bevatten <b>alleen Monte Carlo-onzekerheid</b> ({R} replicaties): elke "
                        "parameter, overdrachtsregel en kostenpost wordt als bekend verondersteld (zie Aannames); ze "
                        "zeggen dus hoeveel de uitkomst door toeval varieert in een model met de juiste parameters, "
                        "niet hoe zeker het antwoord is. Een probabilistische gevoeligheidsanalyse (<code>trede run "
                        "--draws</code>) voegt de onzekerheid van de parameters toe."),
    "uncertainty_psa": ("Ranges, intervals and bands include <b>parameter uncertainty</b> ({k} uncertain parameters, "
                        "{D} draws) <b>and Monte Carlo uncertainty</b> ({R} per draw): every figure and table below "
                        "pools all {N} runs. Not included: the uncertainty of every value taken as known (all but the "
                        "uncertain parameters) and of the model's structure (what it leaves out).",
                        "Marges, intervallen en banden bevatten <b>parameteronzekerheid</b> ({k} onzekere parameters, "
                        "{D} trekkingen) <b>en Monte Carlo-onzekerheid</b> ({R} per trekking): elke figuur en tabel "
                        "hieronder neemt alle {N} doorrekeningen samen. Niet meegenomen: de onzekerheid van alle "
                        "waarden die als bekend gelden (alles behalve de onzekere parameters) en van de structuur van "
                        "het model (wat het weglaat)."),
    # probabilistic sensitivity analysis
    "psa_title": ("{name}: probabilistic sensitivity analysis", "{name}: probabilistische gevoeligheidsanalyse"),
    "psa_subtitle": ("{D} parameter draws ({design}) × {R} replicates, {streams}, seed {seed}, {start}–{end}, {S} states",
                     "{D} parametertrekkingen ({design}) × {R} replicaties, {streams}, seed {seed}, {start}–{end}, "
                     "{S} toestanden"),
    "streams_independent": ("independent random streams per draw", "eigen toevalsgetallen per trekking"),
    "streams_common": ("the same random streams in every draw", "dezelfde toevalsgetallen in elke trekking"),
    "design_sobol": ("a scrambled Sobol sequence", "een gescrambelde Sobol-reeks"),
    "design_lhs": ("a Latin hypercube", "een Latijnse hyperkubus"),
    "note_kpis_psa": ("Per run over the whole period, mean over all {N} runs ({D} draws × {R} replicates); the range "
                      "holds 90 % of the runs.",
                      "Per doorrekening over de hele looptijd, gemiddeld over alle {N} doorrekeningen ({D} trekkingen "
                      "× {R} replicaties); de marge bevat 90 % van de doorrekeningen."),
    "range_90_psa": ("90 % of runs: {range}", "90 % van de doorrekeningen: {range}"),
    "sec_variance_split": ("Parameter and Monte Carlo variance", "Parameter- en Monte Carlo-variantie"),
    "note_variance_split": ("The variance of each KPI over single runs, Var(Y) = Var<sub>θ</sub>(E[Y | θ]) + "
                            "E<sub>θ</sub>[Var(Y | θ)], split into the part the uncertain parameters θ cause (parameter "
                            "part) and the part chance causes in a run whose parameters are known (Monte Carlo part), "
                            "by {method} over {D} draws × {R} replicates. Intervals: 95 %, jackknife over the draws.",
                            "De variantie van elke indicator over afzonderlijke doorrekeningen, Var(Y) = "
                            "Var<sub>θ</sub>(E[Y | θ]) + E<sub>θ</sub>[Var(Y | θ)], gesplitst in het deel dat de "
                            "onzekere parameters θ veroorzaken (parameterdeel) en het deel dat toeval veroorzaakt bij "
                            "bekende parameters (Monte Carlo-deel), met {method} over {D} trekkingen × {R} "
                            "replicaties. Intervallen: 95 %, jackknife over de trekkingen."),
    "method_one_way": ("a one-way analysis of variance", "een eenweg-variantieanalyse"),
    "method_two_way": ("a two-way analysis of variance (draws crossed with the shared streams)",
                       "een tweeweg-variantieanalyse (trekkingen gekruist met de gedeelde toevalsgetallen)"),
    "psa_common_caveat": ("Common streams: the Monte Carlo part rests on the {R} streams every draw shares, and its "
                          "interval is too narrow. Independent streams per draw (the default) estimate it far better.",
                          "Gedeelde toevalsgetallen: het Monte Carlo-deel rust op de {R} reeksen die elke trekking "
                          "deelt, en het interval ervan is te smal. Eigen toevalsgetallen per trekking (de standaard) "
                          "schatten het veel beter."),
    "psa_no_split": ("One replicate per draw: the variance cannot be split into its parameter and Monte Carlo parts "
                     "(run with <code>-n 2</code> or more). The ranges above include both.",
                     "Eén replicatie per trekking: de variantie kan niet in een parameter- en een Monte Carlo-deel "
                     "worden gesplitst (reken met <code>-n 2</code> of meer). De marges hierboven bevatten beide."),
    "cap_variance_split": ("Share of the variance of each KPI that comes from the uncertain parameters (dark, with its "
                           "95 % interval) and from Monte Carlo noise (light).",
                           "Aandeel van de variantie van elke indicator dat uit de onzekere parameters komt (donker, "
                           "met het 95 %-interval) en uit Monte Carlo-ruis (licht)."),
    "psa_parameter_part": ("parameter part", "parameterdeel"),
    "psa_mc_part": ("Monte Carlo part", "Monte Carlo-deel"),
    "psa_share_of_variance": ("share of the variance of one run", "aandeel in de variantie van één doorrekening"),
    "psa_sd_total": ("sd of one run", "sd van één doorrekening"),
    "psa_sd_parameter": ("sd: parameter part", "sd: parameterdeel"),
    "psa_sd_mc": ("sd: Monte Carlo part", "sd: Monte Carlo-deel"),
    "psa_share": ("parameter share [95 % interval]", "aandeel parameters [95 %-interval]"),
    "sec_parameters": ("Uncertain parameters", "Onzekere parameters"),
    "note_parameters": ("The parameters drawn from the scenario's <code>[uncertainty]</code> table: {D} parameter sets "
                        "from {design} (seed {seed}). Every other value of the scenario is the same in every draw.",
                        "De parameters getrokken uit de <code>[uncertainty]</code>-tabel van het scenario: {D} "
                        "parametersets uit {design} (seed {seed}). Elke andere waarde van het scenario is in elke "
                        "trekking gelijk."),
    "cap_parameters": ("Drawn values of each uncertain parameter (histogram) and its declared distribution (line); "
                       "parameters drawn together share a colour.",
                       "Getrokken waarden van elke onzekere parameter (histogram) en de opgegeven verdeling (lijn); "
                       "samen getrokken parameters hebben dezelfde kleur."),
    "psa_key": ("parameter (key)", "parameter (sleutel)"),
    "psa_distribution": ("declared distribution", "opgegeven verdeling"),
    "psa_drawn_with": ("drawn with", "getrokken met"),
    "psa_drawn_mean": ("mean of the draws", "gemiddelde van de trekkingen"),
    "psa_drawn_range": ("5 % – 95 % of the draws", "5 % – 95 % van de trekkingen"),
    "psa_alone": ("on its own", "los"),
    "psa_group_size": ("group of {n} keys", "groep van {n} sleutels"),
    "psa_correlation": ("Drawn together: {keys}. Rank correlation of their draws (Spearman): {rho}.",
                        "Samen getrokken: {keys}. Rangcorrelatie van de trekkingen (Spearman): {rho}."),
    "psa_correlation_many": ("Drawn together as {name} ({k} keys): the rank correlations of their draws (Spearman) lie "
                             "between {lo} and {hi}; the strongest is {rho}, between {a} and {b}.",
                             "Samen getrokken als {name} ({k} sleutels): de rangcorrelaties van de trekkingen (Spearman) "
                             "liggen tussen {lo} en {hi}; de sterkste is {rho}, tussen {a} en {b}."),
    "psa_drawn": ("{D} draws", "{D} trekkingen"),
    "psa_declared": ("declared", "opgegeven"),
    "sec_drivers": ("What drives the spread", "Wat de spreiding veroorzaakt"),
    "note_drivers": ("For each headline KPI, the first-order index of each uncertain parameter: the share of the "
                     "variance of the per-draw means that the parameter alone explains (how much of the spread "
                     "would go if that parameter were known). Estimated from the {D} draws as the adjusted R² of a "
                     "cubic regression spline of the draw means on the parameter (on the normal score of its rank), "
                     "so effects that are not straight lines count too; bars show ± 2 standard errors. A parameter "
                     "drawn together with others also gets credit for what it reveals about them.",
                     "Voor elke kernindicator de eerste-orde-index van elke onzekere parameter: het aandeel van de "
                     "variantie van de trekkingsgemiddelden dat die parameter alleen verklaart (hoeveel van de "
                     "spreiding zou verdwijnen als die parameter bekend was). Geschat uit de {D} trekkingen als de "
                     "gecorrigeerde R² van een kubische regressiespline van de trekkingsgemiddelden op de parameter "
                     "(op de normale score van zijn rang), zodat ook niet-rechtlijnige effecten meetellen; de balken "
                     "tonen ± 2 standaardfouten. Een parameter die samen met andere wordt getrokken krijgt ook "
                     "krediet voor wat hij over die andere zegt."),
    "cap_first_order": ("First-order index of each uncertain parameter for {kpis}, ± 2 standard errors.",
                        "Eerste-orde-index van elke onzekere parameter voor {kpis}, ± 2 standaardfouten."),
    "cap_driver_scatter": ("{kpi} per draw (mean over its replicates) against each parameter's drawn value, with the "
                           "regression spline the index is computed from.",
                           "{kpi} per trekking (gemiddeld over de replicaties) tegen de getrokken waarde van elke "
                           "parameter, met de regressiespline waaruit de index berekend is."),
    "psa_first_order_axis": ("first-order index: share of the variance of the draw means explained",
                             "eerste-orde-index: verklaard aandeel van de variantie van de trekkingsgemiddelden"),
    "psa_index_short": ("index", "index"),
    "psa_index_table": ("first-order index ± 2 se", "eerste-orde-index ± 2 sf"),
    "note_all_kpis_psa": ("Over all {N} runs ({D} draws × {R} replicates): parameter and Monte Carlo uncertainty.",
                          "Over alle {N} doorrekeningen ({D} trekkingen × {R} replicaties): parameter- en Monte "
                          "Carlo-onzekerheid."),
    "note_assumptions_psa": ("What the results rest on, read from the scenario text stored in the file (with its base "
                             "files and the <code>--set</code> overrides). The intervals above include the "
                             "uncertainty of the drawn parameters (Uncertain parameters); every other value here is "
                             "stated, not estimated, and its uncertainty is not included.",
                             "Waar de uitkomsten op rusten, gelezen uit de scenariotekst in het bestand (met de "
                             "basisbestanden en de <code>--set</code>-aanpassingen). De intervallen hierboven bevatten "
                             "de onzekerheid van de getrokken parameters (Onzekere parameters); elke andere waarde hier "
                             "is aangenomen, niet geschat, en haar onzekerheid zit er niet in."),
    "asm_uncertain_not_drawn": ("This run used the values in the scenario: the distributions below are drawn only by a "
                                "probabilistic sensitivity analysis (<code>trede run --draws</code>).",
                                "Deze doorrekening gebruikte de waarden in het scenario: de verdelingen hieronder "
                                "worden alleen getrokken in een probabilistische gevoeligheidsanalyse (<code>trede "
                                "run --draws</code>)."),
    "asm_uncertain_drawn": ("Drawn in this analysis: see Uncertain parameters above.",
                            "Getrokken in deze analyse: zie Onzekere parameters hierboven."),
    "asm_correlated": ("correlated: {keys}", "gecorreleerd: {keys}"),
    "asm_mvn": ("multivariate normal ({scale} scale): {keys}", "multivariaat normaal ({scale} schaal): {keys}"),
    # the decision (comparison report)
    "sec_decision": ("Decision: extra effect and extra cost", "Besluit: extra effect en extra kosten"),
    "note_decision": ("Every option against <b>{ref}</b>, paired: the same people, random numbers{draws} in every "
                      "option. The unit of the decision is one {unit}; there are {U}. Sources of uncertainty: "
                      "{uncertainty}.",
                      "Elke optie tegenover <b>{ref}</b>, gepaard: dezelfde personen en toevalsgetallen{draws} in "
                      "elke optie. De eenheid van het besluit is één {unit}; het zijn er {U}. Bronnen van "
                      "onzekerheid: {uncertainty}."),
    "dec_common_draws": (" and parameter draws", " en parametertrekkingen"),
    "dec_unit_replicate": ("replicate", "replicatie"),
    "dec_unit_draw": ("parameter draw (its replicates averaged)", "parametertrekking (gemiddelde van haar replicaties)"),
    "dec_effect_years": ("person-years in work", "persoonsjaren in werk"),
    "dec_per_person": ("per extra person in work", "per extra persoon naar werk"),
    "dec_per_year": ("per extra person-year in work", "per extra persoonsjaar in werk"),
    "dec_wtp_line": ("{wtp} {per}", "{wtp} {per}"),
    "dec_extra_effect": ("extra {effect}", "extra {effect}"),
    "dec_extra_cost": ("extra total public cost", "extra totale publieke kosten"),
    "dec_plane_title": ("each option minus {ref}", "elke optie min {ref}"),
    "cap_ce_plane": ("The cost-effectiveness plane: each small point is one {unit}, at the option's difference from "
                     "{ref} in people reaching work (right: more) and in total public cost (up: dearer); the large "
                     "points are the means. Below the dashed line an option is worth its cost at {wtp} {per}; "
                     "bottom right: more people in work for less money.",
                     "Het kosteneffectiviteitsvlak: elk klein punt is één {unit}, op het verschil van de optie met "
                     "{ref} in personen naar werk (rechts: meer) en in totale publieke kosten (omhoog: duurder); de "
                     "grote punten zijn de gemiddelden. Onder de stippellijn is een optie haar kosten waard bij "
                     "{wtp} {per}; rechtsonder: meer mensen aan het werk voor minder geld."),
    "dec_frontier": ("frontier (largest expected net benefit)", "grens (grootste verwachte netto-opbrengst)"),
    "dec_probability_best": ("probability of the largest net benefit", "kans op de grootste netto-opbrengst"),
    "dec_wtp_axis": ("willingness to pay (€)\n{per}", "betalingsbereidheid (€)\n{per}"),
    "dec_ceac_title": ("acceptability curves", "aanvaardbaarheidscurven"),
    "dec_evpi_axis": ("value of perfect information", "waarde van perfecte informatie"),
    "dec_evpi_title": ("EVPI: what certainty would be worth", "EVPI: wat zekerheid waard zou zijn"),
    "cap_acceptability": ("Left: for each willingness to pay (€ {per}) the probability that an option has the "
                          "largest net benefit (value of its effect minus its cost) over the {U} units; the grey "
                          "band follows the option with the largest expected net benefit (the frontier), dotted "
                          "lines mark where the frontier changes option, the dashed line is {wtp}. Right: the "
                          "expected value of perfect information (EVPI) with ± 2 standard errors: what removing "
                          "all uncertainty in the choice would be worth.",
                          "Links: voor elke betalingsbereidheid (€ {per}) de kans dat een optie de grootste "
                          "netto-opbrengst heeft (waarde van het effect min de kosten) over de {U} eenheden; de "
                          "grijze band volgt de optie met de grootste verwachte netto-opbrengst (de grens), "
                          "stippellijnen markeren waar de grens van optie wisselt, de streeplijn is {wtp}. Rechts: "
                          "de verwachte waarde van perfecte informatie (EVPI) met ± 2 standaardfouten: wat het "
                          "wegnemen van alle onzekerheid in de keuze waard zou zijn."),
    "dec_icer_heading": ("Extra cost per extra person in work", "Extra kosten per extra persoon naar werk"),
    "note_icer": ("The ratio of the mean extra cost to the mean extra effect, with its {level} % Fieller interval "
                  "(and a bootstrap interval over the units). A negative ratio with more people in work: the option "
                  "saves money and gets more people into work. When the extra effect may be zero the ratio has no "
                  "bounded interval, and the table says so.",
                  "De verhouding van de gemiddelde extra kosten tot het gemiddelde extra effect, met het {level} "
                  "%-Fieller-interval (en een bootstrapinterval over de eenheden). Een negatieve verhouding met "
                  "meer mensen aan het werk: de optie bespaart geld en helpt meer mensen aan werk. Als het extra "
                  "effect nul kan zijn, heeft de verhouding geen begrensd interval; de tabel zegt dat."),
    "dec_extra_people": ("extra people reaching work", "extra personen naar werk"),
    "dec_extra_years": ("extra person-years in work", "extra persoonsjaren in werk"),
    "dec_extra_cost_h": ("extra total public cost", "extra totale publieke kosten"),
    "dec_ratio_person": ("extra cost per extra person in work", "extra kosten per extra persoon naar werk"),
    "dec_ratio_year": ("extra cost per extra person-year in work", "extra kosten per extra persoonsjaar in werk"),
    "dec_fieller": ("{level} % Fieller interval", "{level} %-Fieller-interval"),
    "dec_bootstrap": ("bootstrap", "bootstrap"),
    "fieller_exclusive": ("not bounded: the extra effect may be 0 (below {lo} or above {hi})",
                          "niet begrensd: het extra effect kan 0 zijn (onder {lo} of boven {hi})"),
    "fieller_unbounded": ("unbounded: the data cannot bound the ratio",
                          "onbegrensd: de gegevens begrenzen de verhouding niet"),
    "dec_evpi_at": ("Expected value of perfect information at {wtp} {per}: <b>{evpi}</b> (± {se}), for the people "
                    "simulated over the whole run: the most that removing every uncertainty in this choice could be "
                    "worth.",
                    "Verwachte waarde van perfecte informatie bij {wtp} {per}: <b>{evpi}</b> (± {se}), voor de "
                    "gesimuleerde personen over de hele looptijd: het meeste dat het wegnemen van alle onzekerheid "
                    "in deze keuze waard kan zijn."),
    "dec_notes": ("Left out: {notes}", "Weggelaten: {notes}"),
    "dec_missing": ("This comparison file has no decision summaries (written by an older trede): run trede compare "
                    "again to get the cost-effectiveness plane and the acceptability curve.",
                    "Dit vergelijkingsbestand heeft geen besluitsamenvattingen (geschreven door een oudere trede): "
                    "draai trede compare opnieuw voor het kosteneffectiviteitsvlak en de aanvaardbaarheidscurve."),
    "dec_plain_drivers": ("These intervals include Monte Carlo uncertainty only. Which uncertain parameter drives the "
                          "answer needs parameter draws: <code>trede compare … --draws D</code>.",
                          "Deze intervallen bevatten alleen Monte Carlo-onzekerheid. Welke onzekere parameter het "
                          "antwoord bepaalt, vraagt om parametertrekkingen: <code>trede compare … --draws D</code>."),
    "sec_dec_drivers": ("What drives the answer", "Wat het antwoord bepaalt"),
    "note_dec_drivers": ("For each group of uncertain parameters (parameters drawn together form one group): its "
                         "first-order index, the share of the variance over the {D} draws of an option's difference "
                         "from the reference that the group alone explains (a regression of the difference on the "
                         "group's values), and its expected value of partial perfect information (EVPPI, by "
                         "regression as well): what knowing that group exactly would be worth at {wtp} {per}.",
                         "Voor elke groep onzekere parameters (samen getrokken parameters vormen één groep): de "
                         "eerste-orde-index, het aandeel van de variantie over de {D} trekkingen van het verschil van "
                         "een optie met de referentie dat de groep alleen verklaart (een regressie van het verschil "
                         "op de waarden van de groep), en de verwachte waarde van gedeeltelijke perfecte informatie "
                         "(EVPPI, ook door regressie): wat het exact kennen van die groep waard zou zijn bij {wtp} "
                         "{per}."),
    "dec_index_effect": ("first-order index: difference in {effect}", "eerste-orde-index: verschil in {effect}"),
    "dec_index_cost": ("first-order index: difference in cost", "eerste-orde-index: verschil in kosten"),
    "dec_evppi_title": ("EVPPI at {wtp}", "EVPPI bij {wtp}"),
    "cap_dec_drivers": ("What drives the answer: per group of uncertain parameters the first-order index of each "
                        "option's difference from {ref} (bars in the option's colour) and the EVPPI at {wtp}, the "
                        "group with the largest index on top.",
                        "Wat het antwoord bepaalt: per groep onzekere parameters de eerste-orde-index van het "
                        "verschil van elke optie met {ref} (staven in de kleur van de optie) en de EVPPI bij {wtp}, "
                        "de groep met de grootste index bovenaan."),
    "dec_group": ("parameter group", "parametergroep"),
    "dec_index_range": ("index: {what}", "index: {what}"),
    "dec_diff_effect": ("difference in {effect}", "verschil in {effect}"),
    "dec_diff_cost": ("difference in cost", "verschil in kosten"),
    "dec_evppi_col": ("EVPPI at {wtp}", "EVPPI bij {wtp}"),
    "dec_evppi_share": ("share of EVPI", "aandeel van EVPI"),
    "dec_not_estimated": ("not estimated", "niet geschat"),
    "asm_sample": ("simulated share", "gesimuleerd aandeel"),
    "asm_sample_note": ("Simulated share (<code>sample_share</code>): the scenario runs this share of the population "
                        "(people, inflow and places scaled); counts and costs are of the people simulated.",
                        "Gesimuleerd aandeel (<code>sample_share</code>): het scenario rekent dit aandeel van de "
                        "bevolking door (personen, instroom en plaatsen geschaald); aantallen en kosten zijn van de "
                        "gesimuleerde personen."),
    "asm_uncertain_drawn_cmp": ("Drawn in this comparison: {D} parameter sets from the distributions below, the same "
                                "draws for every option.",
                                "Getrokken in deze vergelijking: {D} parametersets uit de verdelingen hieronder, "
                                "dezelfde trekkingen voor elke optie."),
    # variants of labels in figures
    "per_year": ("{what} per year", "{what} per jaar"),
    "significant_filled": ("filled: interval excludes 0", "gevuld: interval sluit 0 uit"),
}


def kpi_kind(name: str) -> str:
    """The kind of number of a KPI (_format.KINDS); "count" for names not in the catalogue."""
    return KPIS.get(name, ("count", "", name, name))[0]


def kpi_unit(name: str) -> str:
    """The unit of a KPI ("" for names not in the catalogue)."""
    return KPIS.get(name, ("count", "", name, name))[1]


class Language:
    """The texts and the number format of one language."""

    def __init__(self, lang: str = "en") -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
        self.lang = lang
        self._i = LANGUAGES.index(lang)
        self.fmt = NumberFormat(lang)

    def t(self, key: str, **fields: object) -> str:
        """The text ``key`` in this language with ``fields`` filled in."""
        text = TEXT[key][self._i]
        return text.format(**fields) if fields else text

    def kpi(self, name: str) -> str:
        """The label of a KPI (its name when it is not in the catalogue)."""
        entry = KPIS.get(name)
        return entry[2 + self._i] if entry else name

    def trede(self, r: int, long: bool = False) -> str:
        """"trede 3" (``long``: "trede 3 georganiseerde activiteiten")."""
        short = self.t("trede_n", r=r)
        return f"{short} {_TREDE[self.lang][r - 1]}" if long and 1 <= r <= 6 else short
