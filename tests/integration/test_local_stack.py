"""The local runtime with the real Traefik binary and real replica processes; tests taking
`make_stack` run against the Docker runtime too (marked `docker`)."""
from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import psutil
import pytest

from harness import BreakerConfig, ConfigError, LocalStack, StackError
from harness.demo import VALID_BODY
from harness.ports import is_free

pytestmark = pytest.mark.integration

BREAKER_CODE = 599  # not a status any replica sends, so every 599 is the breaker


def post(client: httpx.Client, stack: LocalStack, body=VALID_BODY) -> httpx.Response:
    return client.post(f"{stack.entry_url}/api/v1/predict", json=body)


def stack_ports(stack: LocalStack) -> list[int]:
    urls = [r.url for r in stack.replicas] + [r.control_url for r in stack.replicas]
    return [stack.web_port, stack.api_port] + [int(u.rsplit(":", 1)[1]) for u in urls]


def assert_all_gone(stack: LocalStack, ports: list[int]) -> None:
    status = stack._runtime_status()
    pids = [status["traefik"]["pid"]] + [r["pid"] for r in status["replicas"]]
    alive = [pid for pid in pids if pid and psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"still alive: {alive}"
    assert [p for p in ports if not is_free(p)] == []


@pytest.fixture
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def test_healthy_stack_spreads_requests_over_all_replicas(make_stack, tmp_path, client, no_orphans):
    with make_stack(run_dir=tmp_path) as stack:
        seen = Counter(post(client, stack).headers["x-replica"] for _ in range(300))
        status = stack.status()
    assert set(seen) == {"replica-1", "replica-2", "replica-3"}
    for name, count in seen.items():
        assert 0.20 * 300 <= count <= 0.47 * 300, seen
    assert status["router"]["status"] == "enabled"
    assert list(status["servers"].values()) == ["UP"] * 3
    assert (tmp_path / "traefik" / "access.log").stat().st_size > 0


def test_breaker_trips_rejects_without_touching_replicas_and_recovers(make_stack, tmp_path, client, no_orphans):
    breaker = BreakerConfig("ResponseCodeRatio(500, 600, 0, 600) > 0.25", check_period="100ms",
                            fallback_duration="3s", recovery_duration="2s", response_code=BREAKER_CODE)
    with make_stack(breaker=breaker, run_dir=tmp_path) as stack:
        stack.set_fault(0, error_rate=0.9)
        statuses = []
        while BREAKER_CODE not in statuses and len(statuses) < 500:
            statuses.append(post(client, stack).status_code)
        assert statuses[-1] == BREAKER_CODE, f"never tripped: {Counter(statuses)}"
        assert 500 in statuses  # it tripped because of the replica's errors

        before = stack.replica_counts()
        tripped = [post(client, stack) for _ in range(30)]  # well inside the 3 s fallback
        assert {r.status_code for r in tripped} == {BREAKER_CODE}
        assert all("x-replica" not in r.headers for r in tripped)
        assert stack.replica_counts() == before, "a replica saw traffic while the breaker was tripped"

        stack.clear_faults()
        time.sleep(3.2)  # the fallback; recovery starts with the first request after it
        recovering = Counter()
        deadline = time.monotonic() + 2 + 0.3
        while time.monotonic() < deadline:
            recovering[post(client, stack).status_code] += 1
        after = Counter(post(client, stack).status_code for _ in range(100))
    assert set(recovering) == {200, BREAKER_CODE}, recovering  # the ramp lets a growing share through
    assert after == {200: 100}


def test_refused_replica_gives_502_until_health_check_marks_it_down(make_stack, tmp_path, client, no_orphans):
    with make_stack(run_dir=tmp_path, health_interval="1s", health_timeout="300ms") as stack:
        refused_url = stack.replicas[0].url
        stack.set_fault(0, refuse=True)
        before_down = Counter()
        deadline = time.monotonic() + 10
        while stack.server_status().get(refused_url) != "DOWN" and time.monotonic() < deadline:
            before_down.update(post(client, stack).status_code for _ in range(5))
        assert stack.server_status()[refused_url] == "DOWN"
        after_down = Counter(post(client, stack).status_code for _ in range(200))
    assert set(before_down) <= {200, 502} and before_down[502] > 0, before_down
    assert after_down == {200: 200}


def test_apply_breaker_changes_the_threshold_without_restarting_traefik(make_stack, tmp_path, client, no_orphans):
    # A ratio never exceeds 1.0 (a first request answered 500 alone makes it 1.0: no minimum count)
    lenient = BreakerConfig("ResponseCodeRatio(500, 600, 0, 600) > 1.0", response_code=BREAKER_CODE)
    strict = BreakerConfig("ResponseCodeRatio(500, 600, 0, 600) > 0.1", response_code=BREAKER_CODE)
    with make_stack(breaker=lenient, run_dir=tmp_path) as stack:
        traefik = stack.status()["traefik"]  # pid or container id: the same process throughout
        stack.set_fault(0, error_rate=0.9)
        under_lenient = Counter(post(client, stack).status_code for _ in range(200))
        stack.apply_breaker(strict)
        assert stack.status()["breaker"]["circuitBreaker"]["expression"] == strict.expression
        under_strict = Counter(post(client, stack).status_code for _ in range(200))
        assert stack.status()["traefik"] == traefik
    assert BREAKER_CODE not in under_lenient and under_lenient[500] > 0
    assert under_strict[BREAKER_CODE] > 0


def test_stop_leaves_nothing_running(tmp_path, no_orphans):
    stack = LocalStack(run_dir=tmp_path).start()
    ports = stack_ports(stack)
    stack.stop()
    assert_all_gone(stack, ports)
    stack.stop()  # stopping twice is harmless


def test_stop_after_a_replica_crashed_leaves_nothing_running(tmp_path, client, no_orphans):
    with LocalStack(run_dir=tmp_path) as stack:
        ports = stack_ports(stack)
        stack.set_fault(1, crash=True)
        time.sleep(0.5)
        assert not stack.status()["replicas"][1]["alive"]
        stack.wait_for_servers(up=2, timeout_s=10)
        assert Counter(post(client, stack).status_code for _ in range(50)) == {200: 50}
    assert_all_gone(stack, ports)


def test_crashed_replica_can_be_restarted(tmp_path, client, no_orphans):
    with LocalStack(run_dir=tmp_path) as stack:
        stack.set_fault(2, crash=True)
        stack.wait_for_servers(up=2, timeout_s=10)
        stack.restart_replica(2)
        stack.wait_for_servers(up=3, timeout_s=10)
        seen = Counter(post(client, stack).headers["x-replica"] for _ in range(60))
    assert seen["replica-3"] > 0


def test_failed_start_up_cleans_up_the_replicas_it_started(tmp_path, monkeypatch, no_orphans):
    monkeypatch.setenv("BREAKERLAB_TRAEFIK", "/bin/false")  # replicas start, then "Traefik" exits
    stack = LocalStack(run_dir=tmp_path)
    with pytest.raises(StackError, match="Traefik: the process exited with code 1"):
        stack.start()
    assert_all_gone(stack, stack_ports(stack))


def test_busy_port_is_refused_before_anything_starts(tmp_path, no_orphans):
    with LocalStack(run_dir=tmp_path / "first") as first:
        with pytest.raises(ConfigError, match=f"web_port 127.0.0.1:{first.web_port} is already in use"):
            LocalStack(run_dir=tmp_path / "second", web_port=first.web_port)


def test_missing_traefik_binary_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("BREAKERLAB_TRAEFIK", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="BREAKERLAB_TRAEFIK=.*nope.* is not an executable file"):
        LocalStack(run_dir=tmp_path)
    monkeypatch.delenv("BREAKERLAB_TRAEFIK")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    with pytest.raises(ConfigError, match="make setup"):
        LocalStack(run_dir=tmp_path)


@pytest.mark.parametrize("settings, says", [
    ({"health_interval": "banana"}, "health_interval='banana' is not a Go duration"),
    ({"log_level": "LOUD"}, "log_level must be one of"),
    ({"replicas": True}, "replicas must be an integer"),
    ({"faults": [{}]}, "faults must be a dict"),
])
def test_bad_settings_are_refused_before_anything_starts(tmp_path, settings, says):
    with pytest.raises(ConfigError, match=says):
        LocalStack(run_dir=tmp_path, **settings)


def test_run_dir_must_be_a_fresh_folder(tmp_path, no_orphans):
    (tmp_path / "afile").write_text("")
    with pytest.raises(ConfigError, match="is a file"):
        LocalStack(run_dir=tmp_path / "afile")
    with LocalStack(replicas=1, run_dir=tmp_path / "used"):
        pass
    with pytest.raises(ConfigError, match="already holds a stack's logs"):
        LocalStack(run_dir=tmp_path / "used")


def test_starting_twice_is_refused(tmp_path, no_orphans):
    with LocalStack(replicas=1, run_dir=tmp_path) as stack:
        with pytest.raises(StackError, match="already running"):
            stack.start()


def test_a_stack_started_in_a_worker_thread_outlives_the_thread(tmp_path, client, no_orphans):
    stack = LocalStack(replicas=1, run_dir=tmp_path)
    worker = threading.Thread(target=stack.start)
    worker.start()
    worker.join()
    try:
        time.sleep(0.3)
        assert post(client, stack).status_code == 200
    finally:
        stack.stop()


def test_startup_fault_and_health_only_fault(tmp_path, client, no_orphans):
    with LocalStack(run_dir=tmp_path, faults={1: {"error_rate": 1.0, "error_status": 503, "scope": "health"}}) as stack:
        stack.wait_for_servers(up=2, timeout_s=10)  # /health fails, so Traefik takes it out
        assert stack.server_status()[stack.replicas[1].url] == "DOWN"
        direct = client.post(f"{stack.replicas[1].url}/api/v1/predict", json=VALID_BODY)
        assert direct.status_code == 200  # ...while predict itself still works
        stack.clear_faults()
        stack.wait_for_servers(up=3, timeout_s=10)


def test_hang_and_latency_faults(tmp_path, client, no_orphans):
    with LocalStack(replicas=1, run_dir=tmp_path) as stack:
        stack.set_fault(0, latency_ms=200)
        started = time.monotonic()
        assert post(client, stack).status_code == 200
        assert time.monotonic() - started >= 0.2
        stack.set_fault(0, hang=True)
        with pytest.raises(httpx.ReadTimeout):
            client.post(f"{stack.entry_url}/api/v1/predict", json=VALID_BODY, timeout=0.5)
        stack.clear_faults()
        assert post(client, stack).status_code == 200


def test_invalid_body_gets_422_with_field_errors(tmp_path, client, no_orphans):
    with LocalStack(replicas=1, run_dir=tmp_path) as stack:
        response = post(client, stack, {**VALID_BODY, "prior_gpa": 5.2})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "prior_gpa"]
