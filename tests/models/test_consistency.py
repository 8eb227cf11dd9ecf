"""Consistency of the shipped models: they validate, generated files are current, the
organisation-model variants differ from their base only in the model, and the 35 regions split
the national population and add up to the total."""

import os
import subprocess
import sys
import tomllib

import h5py
import numpy as np
import pytest

from conftest import MODELS, TREDE, all_models

PW = MODELS / "participatiewet"
FIVE = ["gecombineerd", "integraal", "partieel", "bedrijf_beschut_werk", "klassiek"]


@pytest.mark.parametrize("model", all_models())
def test_validates(model):
    p = subprocess.run([TREDE, "validate", str(MODELS / model)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def test_generated_policy_file_is_current():
    p = subprocess.run([sys.executable, str(PW / "tools" / "make_policy.py"), "--check"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("m", FIVE)
def test_organisation_variant_only_sets_the_model(m):
    with open(PW / f"nederland-{m}.toml", "rb") as f:
        doc = tomllib.load(f)
    assert doc == {"extends": "nederland.toml", "name": f"nederland-{m}", "organisation_model": m}


def test_arbeidsmarktregios_mix_and_shares():
    with open(PW / "arbeidsmarktregios.toml", "rb") as f:
        doc = tomllib.load(f)
    regions = doc["region"]
    assert len(regions) == 35
    assert abs(sum(r["share"] for r in regions) - 1.0) < 1e-9
    counts = {m: sum(r["organisation_model"] == m for r in regions) for m in FIVE}
    # Hilversum 2025: about 20 / 20 / 50 / 6 / 4 % of the SOBs
    assert counts == {"gecombineerd": 7, "integraal": 7, "partieel": 18, "bedrijf_beschut_werk": 2, "klassiek": 1}


def test_regions_add_up(tmp_path):
    out = tmp_path / "amr.h5"
    cmd = [TREDE, "run", str(PW / "arbeidsmarktregios.toml"), "-n", "1", "--seed", "7", "-o", str(out), "-q",
           "--set", "horizon_years=2"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    with h5py.File(out, "r") as f:
        occ = f["replicates/occupancy"][()]
        occ_r = f["replicates/region/occupancy"][()]          # [R, T, G, S]
        assert occ_r.shape[2] == 35
        np.testing.assert_array_equal(occ_r.sum(axis=2), occ)
        cost_r = f["replicates/region/cost_eur"][()]          # [R, P, G]
        np.testing.assert_allclose(cost_r.sum(axis=2), f["replicates/cost_eur"][()], rtol=1e-9)
    # the regions together hold the national population (shares of each group, rounded per region)
    p = subprocess.run([TREDE, "validate", str(PW / "nederland.toml")], capture_output=True, text=True)
    q = subprocess.run([TREDE, "validate", str(PW / "arbeidsmarktregios.toml")], capture_output=True, text=True)
    people = lambda s: int(s.split("population at start: ")[1].split(" ")[0])
    assert abs(people(q.stdout) - people(p.stdout)) <= 35 * 30


def test_instance_tables_in_the_readme_are_what_the_model_gives():
    """The README quotes tools/check_instances.py (20 replicates, seed 11) under each local
    instance; every row it prints must stand in the README verbatim. After a deliberate model
    change, rerun the script and paste its tables into models/participatiewet/README.md."""
    env = dict(os.environ, TREDE_CLI=TREDE)
    p = subprocess.run([sys.executable, str(PW / "tools" / "check_instances.py"), "-n", "20", "--seed", "11"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    rows = [line for line in p.stdout.splitlines() if line.startswith("| ") and not line.startswith("| figure")]
    assert len(rows) >= 20, p.stdout
    readme = (PW / "README.md").read_text()
    stale = [r for r in rows if r not in readme]
    assert not stale, "rows of check_instances.py not in models/participatiewet/README.md:\n" + "\n".join(stale)


def test_national_benchmark_is_current_and_runs(tmp_path):
    """bench/national/gemeenten-342.toml (issue 6's national-scale benchmark) is what its
    generator writes, and it runs: 342 regions, about 1.5 million people (one year here)."""
    national = MODELS.parent / "bench" / "national"
    fresh = tmp_path / "gemeenten-342.toml"
    p = subprocess.run([sys.executable, str(national / "make_gemeenten.py"), "--out", str(fresh)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert fresh.read_text() == (national / "gemeenten-342.toml").read_text(), "rerun bench/national/make_gemeenten.py"
    out = tmp_path / "national.h5"
    p = subprocess.run([TREDE, "run", str(national / "gemeenten-342.toml"), "-n", "1", "--seed", "3", "-q",
                        "--set", "horizon_years=1", "-o", str(out)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    with h5py.File(out, "r") as f:
        occ_r = f["replicates/region/occupancy"][()]          # [R, T, G, S]
        assert occ_r.shape[2] == 342
        people = occ_r[0, 0].sum()
        assert 1.4e6 < people < 1.6e6, people
        np.testing.assert_array_equal(occ_r.sum(axis=2), f["replicates/occupancy"][()])


def test_effects_at_their_prior_medians_change_nothing(tmp_path):
    """nederland-effects.toml runs its organisation effects at their prior medians (1): the same
    results as nederland.toml, bit for bit, under a model where all three apply."""
    arrays = []
    for model in ("nederland.toml", "nederland-effects.toml"):
        out = tmp_path / model.replace(".toml", ".h5")
        cmd = [TREDE, "run", str(PW / model), "-n", "2", "--seed", "5", "-q", "-o", str(out),
               "--set", "region[Nederland].share=0.01", "--set", "organisation_model=gecombineerd"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        with h5py.File(out, "r") as f:
            arrays.append({k: f[f"replicates/{k}"][()] for k in ("occupancy", "flows", "kpi", "cost_eur")})
    for k in arrays[0]:
        np.testing.assert_array_equal(arrays[0][k], arrays[1][k], err_msg=k)


@pytest.mark.parametrize("future", ["werkgever", "netwerkorganisatie", "ontwikkelaar"])
def test_wedeka_futures_change_only_the_organisation(future):
    """Each of Wedeka's three futures keeps Wedeka's people, inflow and places: it sets its
    organisation model and organisation effects, each effect applies under that model only, and
    each has a prior (README.md "Organisation effects")."""
    with open(PW / f"wedeka-{future}.toml", "rb") as f:
        doc = tomllib.load(f)
    assert doc["extends"] == "wedeka.toml"
    assert set(doc) <= {"extends", "name", "description", "organisation_model", "organisation_effect", "uncertainty"}
    model = f"sob_{future}"
    assert doc["organisation_model"] == model
    priors = doc["uncertainty"]
    for effect in doc["organisation_effect"]:
        assert effect["organisation_model"] == model, effect["name"]
        assert f"organisation_effect[{effect['name']}].multiplier" in priors, effect["name"]


def test_a_cohort_of_the_national_model_runs(tmp_path):
    """The cohort runs of tools/validate_nederland.py (herinstroom, LKS starters) replace the
    national model's population and inflows; nederland.toml's calibration group names keys of
    those, so the cohort drops the groups (it once failed to load with 11 problems)."""
    sys.path.insert(0, str(PW / "tools"))
    import pwlib
    r = pwlib.cohort(PW / "nederland.toml", "regulier_werk", 2015.0, 200, tmp_path / "c.h5", n=1, horizon=1.0,
                     sets=pwlib.trap_bijstand_sets())
    assert r.stock(["regulier_werk"], 2015.0).mean() == 200
