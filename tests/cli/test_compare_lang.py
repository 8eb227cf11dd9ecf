"""The answer table of `trede compare` in Dutch (`--lang nl`): the domain's words and Dutch number
formatting (1.234,5 · 62,5 % · [1,5; 2]), the same numbers as the English table; English stays the default
(no --lang and --lang en print the same bytes); an unknown language is bad input (exit 2)."""

import re

import pytest

from conftest import EXIT_BAD_INPUT, MODELS, describe, trede

GRONINGEN = MODELS / "participatiewet" / "groningen.toml"
UNCERTAIN = MODELS / "participatiewet" / "groningen-uncertain.toml"
# A number as the table prints it: English "1,234", "-27,718", "+176.2", "62.5 %"; Dutch swaps the separators.
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def answer_rows(text, names):
    """{scenario: the rest of its row} of the answer table."""
    rows = {}
    for line in text.splitlines():
        for n in names:
            if line.startswith(n + " "):  # the names column is as wide as the longest name
                rows[n] = line[len(n):]
    return rows


def swap(number):
    return number.translate(str.maketrans({",": ".", ".": ","}))


@pytest.mark.parametrize("scenario,extra", [(GRONINGEN, ["-n", "3"]), (UNCERTAIN, ["--draws", "8", "-n", "1"])],
                         ids=["replicates", "draws"])
def test_dutch_answer_table_has_the_english_numbers_in_dutch(tmp_path, scenario, extra):
    args = ["compare", scenario, "--organisation-models", "all", *extra, "--set", "horizon_years=2", "--seed", "5"]
    en = trede(*args, cwd=tmp_path)
    nl = trede(*args, "--lang", "nl", cwd=tmp_path)
    default = trede(*args, "--lang", "en", cwd=tmp_path)
    for p in (en, nl, default):
        assert p.returncode == 0, describe(p)
    assert default.stdout == en.stdout, "--lang en must print what no --lang prints"
    text = nl.stdout
    for words in ("vergelijking van 5 scenario's", "referentie:", "personen naar werk", "uitstroom naar werk",
                  "totale kosten (EUR)", "extra kosten per extra persoon naar werk", "P(beste)", "(referentie)",
                  "kans op de grootste netto-opbrengst", "onzekerheid in de 95%-intervallen"):
        assert words in text, (words, text)
    for english in ("comparison of", "reference:", "probability of the largest", "P(best)"):
        assert english not in text, english
    assert re.search(r"\d\.\d{3}\.\d{3}", text), "Dutch thousands separators (588.201.559)"
    assert re.search(r"\d,\d %", text), "Dutch decimal comma in percentages (62,5 %)"
    assert re.search(r"\[[^]]*\d; [+-]?\d[^]]*\]", text), "Dutch intervals separate their ends with '; '"
    names = [f"groningen{'-uncertain' if scenario == UNCERTAIN else ''} ({m})"
             for m in ("partieel", "gecombineerd", "integraal", "bedrijf_beschut_werk", "klassiek")]
    rows_en, rows_nl = answer_rows(en.stdout, names), answer_rows(text, names)
    assert set(rows_en) == set(rows_nl) == set(names)
    for n in names:
        numbers_en, numbers_nl = NUMBER.findall(rows_en[n]), NUMBER.findall(rows_nl[n])
        assert len(numbers_en) >= 8, rows_en[n]
        assert [swap(x) for x in numbers_en] == numbers_nl, (n, rows_en[n], rows_nl[n])


def test_unknown_language_is_bad_input(tmp_path):
    p = trede("compare", GRONINGEN, "--organisation-models", "all", "-n", "2", "--lang", "de", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "--lang" in p.stderr and not p.stdout.strip()
