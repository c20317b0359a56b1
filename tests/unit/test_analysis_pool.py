"""Runs from different environments are never pooled."""
import pytest

from analysis.pool import PoolError
from analysis.synthetic import requests_table, write_manifest, write_point
from analysis.tables import Tables


def make(tmp_path, name, **env):
    run_dir = write_manifest(tmp_path / name, **env)
    write_point(run_dir, "p", requests_table({"status": [200]}))
    return run_dir


def test_same_environment_pools(tmp_path):
    tables = Tables([make(tmp_path, "a"), make(tmp_path, "b")])
    assert sorted(tables.points["key"]) == ["a/p", "b/p"]
    assert tables.sql("SELECT count(*) AS n FROM requests")["n"][0] == 2


@pytest.mark.parametrize("env, named", [({"traefik": "3.6.0"}, "traefik version"), ({"cpu_count": 8}, "cpu count"),
                                        ({"hostname": "elsewhere"}, "host")])
def test_a_different_environment_is_refused(tmp_path, env, named):
    with pytest.raises(PoolError, match=named):
        Tables([make(tmp_path, "a"), make(tmp_path, "b", **env)])


def test_a_folder_that_is_not_a_run_is_named(tmp_path):
    from analysis.runs import RunFolderError
    with pytest.raises(RunFolderError, match="no manifest.json"):
        Tables(tmp_path)
