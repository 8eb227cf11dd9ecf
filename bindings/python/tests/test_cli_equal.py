"""The same scenario, seed and replicates give the same results from Python as from the trede
program, bit for bit: in memory, and in the files `save` writes."""

import trede
from conftest import (BM2, BM2_SMALL, assert_same, assert_same_attr, cli, describe, organisation_variants, read_all,
                      set_args)

# Attributes that differ between two writes of the same result.
VOLATILE = {"created", "command_line"}


def test_run_equals_the_cli(cli_run_file, tmp_path):
    r = trede.run(trede.load_scenario(BM2, BM2_SMALL), 6, seed=42)
    cli_data, cli_attrs = read_all(cli_run_file)

    # In memory: every dataset of the CLI's file, with the same values, and nothing else.
    assert sorted(r.keys()) == sorted(cli_data)
    for key in cli_data:
        assert_same(r[key], cli_data[key], key)
    for k, v in cli_attrs.items():
        if k not in VOLATILE:
            assert_same_attr(r.attrs[k], v, f"attribute {k}")
    assert r.attrs["scenario_overrides"].splitlines() == trede.format_overrides(BM2_SMALL)

    # Saved by Python: the same file contents.
    r.save(tmp_path / "py.h5")
    py_data, py_attrs = read_all(tmp_path / "py.h5")
    assert sorted(py_data) == sorted(cli_data)
    for key in cli_data:
        assert_same(py_data[key], cli_data[key], key)
    assert set(py_attrs) - VOLATILE == set(cli_attrs) - VOLATILE


def test_another_seed_differs(cli_run_file):
    r = trede.run(trede.load_scenario(BM2, BM2_SMALL), 6, seed=43)
    cli_data, _ = read_all(cli_run_file)
    assert r["replicates/occupancy"].tobytes() != cli_data["replicates/occupancy"].tobytes()


def test_compare_equals_the_cli(cli_compare_file, tmp_path):
    scenarios = [trede.parse_scenario(text, name=f"{m}.toml", overrides=BM2_SMALL, base_dir=tmp_path)
                 for m, text in organisation_variants().items()]
    c = trede.compare(scenarios, 5, seed=7)
    cli_data, cli_attrs = read_all(cli_compare_file)
    assert sorted(c.keys()) == sorted(cli_data)
    for key in cli_data:
        assert_same(c[key], cli_data[key], key)
    for k, v in cli_attrs.items():
        if k not in VOLATILE:
            assert_same_attr(c.attrs[k], v, f"attribute {k}")
    for i, res in enumerate(c.scenarios):
        data, attrs = read_all(cli_compare_file, f"scenarios/{i}")
        assert sorted(res.keys()) == sorted(data)
        for key in data:
            assert_same(res[key], data[key], f"scenarios/{i}/{key}")
        for k in ("master_seed", "replicates", "scenario_name", "scenario_hash", "scenario_overrides"):
            assert_same_attr(res.attrs[k], attrs[k], f"scenarios/{i} attribute {k}")

    c.save(tmp_path / "py-cmp.h5")
    py_data, _ = read_all(tmp_path / "py-cmp.h5")
    for key in cli_data:
        assert_same(py_data[key], cli_data[key], key)
    py0, _ = read_all(tmp_path / "py-cmp.h5", "scenarios/2")
    cli0, _ = read_all(cli_compare_file, "scenarios/2")
    for key in cli0:
        assert_same(py0[key], cli0[key], f"scenarios/2/{key}")


def test_a_file_saved_by_python_is_read_by_the_cli(tmp_path):
    r = trede.run(trede.load_scenario(BM2, {**BM2_SMALL, "horizon_years": 3}), 3, seed=1)
    r.save(tmp_path / "py.h5")
    p = cli("info", "py.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert "master_seed" in p.stdout and "uitstroom_werk" in p.stdout


def test_traced_run_equals_the_cli(tmp_path):
    p = cli("run", BM2, *set_args(BM2_SMALL), "-n", 3, "--seed", 8, "-q",
            "--trajectories", 120, "-o", tmp_path / "cli.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    cli_data, _ = read_all(tmp_path / "cli.h5")
    r = trede.run(trede.load_scenario(BM2, BM2_SMALL), 3, seed=8, trajectories=120)
    assert sorted(r.keys()) == sorted(cli_data)
    for key in cli_data:
        assert_same(r[key], cli_data[key], key)
    t = r.trajectories()
    assert list(t.columns) == ["replicate", "person", "time", "from_state", "to_state"]
    assert t.groupby("replicate")["person"].nunique().tolist() == [120, 120, 120]
    first = t.groupby(["replicate", "person"]).head(1)
    assert first["from_state"].isna().all(), "a person's first row is the entry"
    assert t.equals(trede.read(tmp_path / "cli.h5").trajectories())


def test_traced_compare_follows_the_same_people_and_equals_the_cli(tmp_path):
    """With common random numbers, person k is the same person in every scenario: a traced
    comparison shows where the organisation models send the same people differently."""
    variants = organisation_variants(("gecombineerd", "partieel"))
    scenarios = [trede.parse_scenario(text, name=f"{m}.toml", overrides=BM2_SMALL, base_dir=tmp_path)
                 for m, text in variants.items()]
    for m, text in variants.items():
        (tmp_path / f"{m}.toml").write_text(text)
    p = cli("compare", *[f"{m}.toml" for m in variants], *set_args(BM2_SMALL), "-n", 2, "--seed", 4, "-q", "--trajectories", 80,
            "-o", tmp_path / "cmp.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    c = trede.compare(scenarios, 2, seed=4, trajectories=80)
    f = trede.read(tmp_path / "cmp.h5")
    a, b = c[0].trajectories(), c[1].trajectories()
    assert a.equals(f[0].trajectories()) and b.equals(f[1].trajectories())
    assert set(a["person"]) == set(b["person"]) and len(set(a["person"])) == 80
    entry_a = a[a["from_state"].isna()].set_index(["replicate", "person"])
    entry_b = b[b["from_state"].isna()].set_index(["replicate", "person"])
    assert entry_a["to_state"].equals(entry_b["to_state"]), "the same people start in the same states"
    assert not a.equals(b), "the organisation models send them on differently"
