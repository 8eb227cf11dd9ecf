"""The stated assumptions of a result, read back from the scenario stored in the file: the
organisation model and population share of every region, the handover rules (delay and
leakage), the organisation costs, uncertain parameters (an ``[uncertainty]`` table) and the
``--set`` overrides.

The file holds the scenario text, the texts of its base files (``extends``) and the overrides,
not the merged document. :func:`document` rebuilds it the way the loader does: bases laid under
the file (tables merged key by key, everything else replaced; docs/scenario-format.md §14),
then the overrides applied (§19). Only the override paths that reach the keys listed here need
to resolve; an override that cannot be applied in Python is still listed verbatim.

The library's key-path module is the owner of the override grammar; this reader follows its
documented form (``a.b``, ``array[N]``, ``array[name]``, ``array[id]``, ``array[from->to]``) for
display only and never feeds a simulation.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ._results import Result, _as_str_list

__all__ = ["Assumptions", "document", "read_assumptions", "delay_text", "delay_mean", "uncertain_rows"]


def _merge(base: Dict[str, Any], top: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _split_path(key: str) -> List[Tuple[str, Optional[str]]]:
    """``region[Noord].population[0].count`` -> [("region", "Noord"), ("population", "0"), ("count", None)]."""
    parts: List[Tuple[str, Optional[str]]] = []
    rest = key.strip()
    while rest:
        i = 0
        while i < len(rest) and rest[i] not in ".[":
            i += 1
        name, sel = rest[:i], None
        rest = rest[i:]
        if rest.startswith("["):
            j = rest.index("]")
            sel, rest = rest[1:j], rest[j + 1:]
        parts.append((name, sel))
        if rest.startswith("."):
            rest = rest[1:]
        elif rest:
            raise ValueError(f"cannot read the key {key!r}")
    return parts


def _select(items: List[Any], sel: str) -> Dict[str, Any]:
    if sel.isdigit():
        return items[int(sel)]
    for it in items:
        if isinstance(it, dict) and (it.get("name") == sel or it.get("id") == sel):
            return it
    if "->" in sel:
        a, b = (s.strip() for s in sel.split("->", 1))
        for it in items:
            if isinstance(it, dict) and it.get("from") == a and it.get("to") == b:
                return it
    raise KeyError(sel)


def _apply_override(doc: Dict[str, Any], text: str) -> None:
    key, _, raw = text.partition("=")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # as the loader: a value that is not TOML is a plain string
    node: Any = doc
    parts = _split_path(key)
    for n, (name, sel) in enumerate(parts):
        last = n == len(parts) - 1
        if sel is not None:
            node = _select(node[name], sel)
            if last:
                raise ValueError("a whole element cannot be replaced")
            continue
        if last:
            node[name] = value
        else:
            node = node.setdefault(name, {})


def document(result: Result) -> Tuple[Dict[str, Any], List[str]]:
    """The scenario document of ``result`` as the loader saw it (bases merged, overrides
    applied) and the overrides that could not be applied here. Raises ValueError when a text
    is not TOML."""
    texts = list(reversed(_as_str_list(result["scenario_bases"]))) if "scenario_bases" in result else []
    texts.append(result.scenario_text)
    doc: Dict[str, Any] = {}
    for text in texts:
        try:
            doc = _merge(doc, tomllib.loads(text))
        except tomllib.TOMLDecodeError as e:
            raise ValueError(str(e)) from e
    skipped = []
    for line in overrides(result):
        try:
            _apply_override(doc, line)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            skipped.append(line)
    return doc, skipped


def overrides(result: Result) -> List[str]:
    """The ``--set`` overrides of ``result``, in the order applied."""
    return [line for line in str(result.attrs.get("scenario_overrides", "")).splitlines() if line.strip()]


# ---- distributions of delays ----------------------------------------------------------------------

def delay_mean(spec: Any) -> float:
    """The mean of a delay given as a number or a distribution table (years); NaN if unknown."""
    if isinstance(spec, (int, float)):
        return float(spec)
    if not isinstance(spec, dict):
        return math.nan
    d = spec.get("dist")
    try:
        if d == "fixed":
            return float(spec["value"])
        if d == "exponential":
            return float(spec["mean"])
        if d == "gamma":
            return float(spec["shape"]) * float(spec["scale"])
        if d == "uniform":
            return (float(spec["min"]) + float(spec["max"])) / 2
        if d == "lognormal":
            return math.exp(float(spec["meanlog"]) + float(spec["sdlog"]) ** 2 / 2)
        if d == "normal" and "min" not in spec and "max" not in spec:
            return float(spec["mean"])
    except (KeyError, TypeError, ValueError):
        return math.nan
    return math.nan


def delay_text(spec: Any, number: Any = str) -> str:
    """``gamma (shape 2, scale 0.05)`` or ``0.02``; ``number`` formats each number."""
    if isinstance(spec, (int, float)):
        return number(float(spec))
    if isinstance(spec, dict):
        d = spec.get("dist", "?")
        args = ", ".join(f"{k} {number(v) if isinstance(v, (int, float)) else v}" for k, v in spec.items() if k != "dist")
        return f"{d} ({args})" if args else str(d)
    return str(spec)


def uncertain_rows(table: Dict[str, Any], number: Any = str) -> List[Tuple[str, str, str]]:
    """The ``[uncertainty]`` table as rows (kind, keys, distribution text): kind ``parameter``
    for a key with its own distribution ("lognormal (median 0.3, sd_log 0.25)"),
    ``correlated`` for a group correlating keys that have their own distributions (keys joined
    by ", ", text "correlation [[1, 0.6], [0.6, 1]]"), ``multivariate_normal`` for a
    multivariate normal group (text "log scale, mean [...], covariance [[...]]"; with more than
    four keys the standard deviations in place of the matrix: "log scale, mean [...], sd [...]
    (covariance 29 x 29)"); a group with a ``name`` has it first, in quotes: "'calibration': k1,
    k2". ``number`` formats each number."""
    def matrix(m: Any) -> str:
        if isinstance(m, list):
            return "[" + ", ".join(matrix(x) for x in m) + "]"
        return number(float(m)) if isinstance(m, (int, float)) else str(m)
    def members(g: Dict[str, Any]) -> str:
        keys = ", ".join(map(str, g.get("keys", [])))
        return f"'{g['name']}': {keys}" if isinstance(g.get("name"), str) else keys
    rows: List[Tuple[str, str, str]] = []
    for key, spec in table.items():
        if key in ("correlated", "multivariate_normal"):
            continue
        rows.append(("parameter", key, delay_text(spec, number)))
    for g in table.get("correlated", []) if isinstance(table.get("correlated"), list) else []:
        if isinstance(g, dict):
            rows.append(("correlated", members(g), "correlation " + matrix(g.get("correlation"))))
    for g in table.get("multivariate_normal", []) if isinstance(table.get("multivariate_normal"), list) else []:
        if isinstance(g, dict):
            cov = g.get("covariance")
            k = len(cov) if isinstance(cov, list) else 0
            try:
                spread = f"sd {matrix([math.sqrt(float(cov[i][i])) for i in range(k)])} (covariance {k} x {k})" \
                    if k > 4 else f"covariance {matrix(cov)}"
            except (TypeError, ValueError, IndexError):
                spread = f"covariance {matrix(cov)}"
            rows.append(("multivariate_normal", members(g), f"{g.get('scale', 'log')} scale, mean {matrix(g.get('mean'))}, {spread}"))
    return rows


# ---- what the report lists --------------------------------------------------------------------------

@dataclass
class Assumptions:
    """The assumptions of one scenario (one :class:`Result`)."""
    name: str
    regions: List[Tuple[str, str, float]] = field(default_factory=list)  # (region, organisation model, share)
    handovers: List[Dict[str, Any]] = field(default_factory=list)       # [[handover]] tables, in rule order
    organisation_costs: Dict[str, Dict[str, float]] = field(default_factory=dict)
    uncertain: Dict[str, Any] = field(default_factory=dict)             # [uncertainty] table, if any
    overrides: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)                    # overrides not applied here
    error: str = ""                                                     # the text could not be read


def read_assumptions(result: Result, name: Optional[str] = None) -> Assumptions:
    """The assumptions of ``result``. Organisation models per region come from the file's
    ``/region_models`` (what ran); shares, handovers and costs from the scenario document."""
    a = Assumptions(name or result.name, overrides=overrides(result))
    regions = result.regions if "regions" in result else ["all"]
    models = _as_str_list(result["region_models"]) if "region_models" in result else [""] * len(regions)
    try:
        doc, a.skipped = document(result)
    except ValueError as e:
        a.error = str(e)
        a.regions = [(g, m, math.nan) for g, m in zip(regions, models)]
        return a
    tables = doc.get("region", [])
    shares = {t.get("name"): float(t.get("share", 1.0)) for t in tables if isinstance(t, dict)}
    a.regions = [(g, m, shares.get(g, 1.0)) for g, m in zip(regions, models)]
    uses_organisations = any(m for m in models)
    if uses_organisations:
        a.handovers = [h for h in doc.get("handover", []) if isinstance(h, dict)]
        a.organisation_costs = {k: {kk: float(vv) for kk, vv in v.items() if isinstance(vv, (int, float))}
                                for k, v in doc.get("organisation_costs", {}).items() if isinstance(v, dict)}
    u = doc.get("uncertainty", {})
    a.uncertain = dict(u) if isinstance(u, dict) else {}
    return a

