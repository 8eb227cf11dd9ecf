"""Shared settings of the model tests: which models exist and how each is run small.

TREDE_CLI (the built program) and TREDE_SOURCE_DIR come from the CMake test registration.
"""

import os
from pathlib import Path

TREDE = os.environ.get("TREDE_CLI", "")
SOURCE_DIR = Path(os.environ.get("TREDE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
MODELS = SOURCE_DIR / "models"
GOLDEN = Path(__file__).resolve().parent / "golden"
SEED = 20240601


def all_models():
    """Every scenario file under models/ (hidden files and tools/ excluded), relative paths."""
    out = []
    for p in sorted(MODELS.rglob("*.toml")):
        rel = p.relative_to(MODELS)
        if any(part.startswith(".") or part == "tools" for part in rel.parts):
            continue
        out.append(rel.as_posix())
    return out


def golden_name(model):
    return model.replace("/", "__").removesuffix(".toml") + ".json"


# The national models run a 2% sample (people, inflow and places scaled through the region's
# share); places given per region in absolute numbers are scaled here by hand. The 35-region
# model runs five years. Everything else runs as it is.
_NL = ["--set", "region[Nederland].share=0.02"]
_BESCHUT_2PCT = ("{ 2015 = 21, 2016 = 43, 2017 = 35, 2018 = 61, 2019 = 80, 2020 = 91, 2021 = 102, 2022 = 113, "
                 "2023 = 124, 2024 = 135, 2025 = 219, 2026 = 236, 2027 = 252, 2028 = 269, 2029 = 286, 2030 = 302, "
                 "2031 = 319, 2032 = 335, 2033 = 352, 2034 = 368, 2035 = 385 }")
_TUSSEN_2PCT = "{ 2015 = 40, 2025 = 240 }"
RUN_ARGS = {
    "participatiewet/nederland.toml": _NL,
    "participatiewet/nederland-gecombineerd.toml": _NL,
    "participatiewet/nederland-integraal.toml": _NL,
    "participatiewet/nederland-partieel.toml": _NL,
    "participatiewet/nederland-bedrijf_beschut_werk.toml": _NL,
    "participatiewet/nederland-klassiek.toml": _NL,
    "participatiewet/nederland-effects.toml": _NL,
    "participatiewet/beleid-impulsbudget.toml": _NL,
    "participatiewet/beleid-tussengroep.toml": _NL + ["--set", f"region[Nederland].capacity.tussengroep={_TUSSEN_2PCT}"],
    "participatiewet/beleid-beschut-ingroeipad.toml": _NL + ["--set", f"region[Nederland].capacity.beschut_werk={_BESCHUT_2PCT}"],
    "participatiewet/beleid-combinatie.toml": _NL + [
        "--set", f"region[Nederland].capacity.tussengroep={_TUSSEN_2PCT}",
        "--set", f"region[Nederland].capacity.beschut_werk={_BESCHUT_2PCT}"],
    "participatiewet/arbeidsmarktregios.toml": ["--set", "horizon_years=5"],
}
REPLICATES = {"participatiewet/arbeidsmarktregios.toml": 2}
DEFAULT_REPLICATES = 3
