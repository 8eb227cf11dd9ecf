"""Comparison files with decision summaries, made by the trede program, shared by the report and
export tests: the Groningen example with its uncertain parameters under the five organisation
models, with parameter draws (a PSA comparison) — small enough for the test suite: half the
population (``sample_share = 0.5``), 3 years, 40 draws x 1 replicate, seed 11."""

from conftest import MODELS, cli, describe

PSA_COMPARE_SCENARIO = MODELS / "participatiewet" / "groningen-uncertain.toml"
PSA_COMPARE_ARGS = ("--organisation-models", "all", "--draws", 40, "-n", 1, "--set", "horizon_years=3",
                    "--set", "sample_share=0.5", "--seed", 11)
PSA_COMPARE_DRAWS = 40


def psa_comparison(work):
    """Runs `trede compare` of the five organisation models with parameter draws into
    ``work/psa-cmp.h5`` and returns its path."""
    p = cli("compare", PSA_COMPARE_SCENARIO, *PSA_COMPARE_ARGS, "-q", "-o", "psa-cmp.h5", cwd=work, timeout=600)
    assert p.returncode == 0, describe(p)
    return work / "psa-cmp.h5"
