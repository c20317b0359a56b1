"""Sweep parameters are checked (each error names the parameter) and expanded into a plan."""
import pytest

from harness.errors import ConfigError
from harness.sweep import expand
from harness.sweep_params import SweepParams


@pytest.mark.parametrize("values, names", [
    ({"scenarios": ["healthy", "meteor-strike"]}, "unknown fault scenario 'meteor-strike'"),
    ({"duration_s": -1}, "duration_s=-1"),
    ({"warmup_s": -0.5}, "warmup_s=-0.5"),
    ({"breakers": ["NetworkErrorRatio() > 0"]}, "parameter breakers: invalid breaker expression"),
    ({"breaker_metric": "NetworkErrorRatio()", "breaker_thresholds": [0.1, 1]}, "parameter breaker_thresholds"),
    ({"users": [0]}, "users=0"),
    ({"users": "[1, 2"}, "parameter users='[1, 2' looks like a list but does not parse"),
    ({"load_mode": "open"}, "rates=[]"),
    ({"runtime": "kubernetes"}, "runtime='kubernetes'"),
    ({"replicas": 2, "scenarios": ["brownout"]}, "needs replicas 0..2 but the stack has 2"),
    ({"fallback_duration": "ten seconds"}, "fallback_duration='ten seconds' is not a Go duration"),
    ({"levels": [1, 2]}, "unknown sweep parameter(s) ['levels']"),
    ({"scenarios": [{"name": "x", "steps": [{"at_s": 1, "replica": 0, "fault": {"eror_rate": 1}}]}]},
     "unknown fault field(s) ['eror_rate']"),
])
def test_bad_parameters_fail_naming_the_parameter(values, names):
    with pytest.raises(ConfigError) as err:
        SweepParams.of(values)
    assert names in str(err.value)


def test_lists_given_as_strings_are_parsed():
    params = SweepParams.of({"users": "[1, 2]", "scenarios": "healthy", "breakers": "NetworkErrorRatio() > 0.5"})
    assert params.users == [1, 2] and params.scenarios == ["healthy"] and params.breakers == ["NetworkErrorRatio() > 0.5"]


def test_grid_expands_with_unique_ids_and_one_direct_baseline():
    params = SweepParams.of({"breaker_metric": "NetworkErrorRatio()", "breaker_thresholds": ["none", 0.2, 0.5],
                             "scenarios": ["healthy", "seed-2025-06-27"], "users": [1, 4], "repetitions": 2})
    plan = expand(params)
    ids = [p["point_id"] for p in plan]
    assert len(ids) == len(set(ids))
    proxied = [p for p in plan if p["target"] == "proxy"]
    direct = [p for p in plan if p["target"] == "direct"]
    assert len(proxied) == 3 * 2 * 2 * 2  # thresholds x (healthy, seed-traefik) x users x repetitions
    assert len(direct) == 2 * 2 and all(p["breaker"] is None for p in direct)  # measured once, not per threshold
    assert {p["breaker"] for p in proxied} == {None, "NetworkErrorRatio() > 0.2", "NetworkErrorRatio() > 0.5"}
    assert {p["threshold"] for p in proxied} == {None, 0.2, 0.5}


def test_randomised_order_is_a_seeded_permutation():
    values = {"breakers": ["none", "NetworkErrorRatio() > 0.5"], "users": [1, 2, 3], "randomize": True, "seed": 3}
    first, again = expand(SweepParams.of(values)), expand(SweepParams.of(values))
    ordered = expand(SweepParams.of({**values, "randomize": False}))
    assert first == again and first != ordered and sorted(map(str, first)) == sorted(map(str, ordered))


def test_the_sweep_notebook_defaults_are_the_library_defaults():
    """A YAML file means the same through `make sweep` (notebook) and run_sweep (library)."""
    import ast
    import json

    from harness.paths import PROJECT_DIR

    cells = json.loads((PROJECT_DIR / "notebooks" / "01_sweep.ipynb").read_text())["cells"]
    source = next("".join(c["source"]) for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
    notebook = {s.targets[0].id: ast.literal_eval(s.value) for s in ast.parse(source).body}
    assert notebook == SweepParams().to_dict()


@pytest.mark.parametrize("values, names", [
    ({"invalid_share": "0.3"}, "invalid_share='0.3'"),
    ({"duration_s": float("inf")}, "duration_s=inf"),
    ({"randomize": "no"}, "randomize='no'"),
    ({"seed": "abc"}, "seed='abc'"),
    ({"rates": [10]}, "rates=[10] is invalid: expected empty with load_mode='closed'"),
    ({"breaker_metric": "NetworkErrorRatio()", "breaker_thresholds": [0.5], "breakers": ["none"]}, "breakers=['none']"),
    ({"users": [2, 2]}, "users=[2, 2]"),
    ({"scenarios": ["healthy", "healthy"]}, "distinct names"),
    ({"run_id": ".."}, "run_id='..'"),
    ({"scenarios": [{"name": "x", "steps": [{"at_s": "1", "replica": 0}]}]}, "at_s must be a number"),
    ({"scenarios": [{"name": "x", "steps": [{"at_s": 100, "replica": 0}]}]}, "after the point ends"),
    ({"scenarios": [{"name": "x", "steps": [{"at_s": 1, "replica": "replica-1"}]}]}, "replica must be a replica index"),
])
def test_wrong_types_and_silent_misuses_are_refused(values, names):
    with pytest.raises(ConfigError) as err:
        SweepParams.of(values)
    assert names in str(err.value)
