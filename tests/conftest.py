"""Small fixtures shared by the metalab tests (the TUI's tests keep their own), and a
private state home for every test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Trees built once per session are opened before any test's own homes exist: keep
    the index caches they leave (under ``$XDG_CACHE_HOME``) out of the real home too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
        yield


@pytest.fixture(autouse=True)
def _private_state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep what the browser remembers between sessions (under ``$XDG_STATE_HOME``) and
    its index caches (under ``$XDG_CACHE_HOME``) in each test's own folder, never in the
    real home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state-home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A collection root for one test's results tree (not created: metalab makes it)."""
    return tmp_path / "store"


def _wait_for(predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.02):
    """Poll ``predicate`` until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture
def wait_for() -> Callable[..., object]:
    """``wait_for(predicate, timeout=20)``: poll until truthy, or fail the test."""
    return _wait_for


@pytest.fixture
def sweep(store: Path) -> Callable[..., object]:
    """``sweep(op, params=None, seeds=None, name="t", context=None, **run_kwargs)``:
    run a small experiment into the ``store`` fixture and return its Results."""
    import metalab

    def _sweep(op, params=None, seeds=None, name="t", context=None, **run_kwargs):
        exp = metalab.Experiment(
            name, "1", {} if context is None else context, op,
            params if params is not None else metalab.grid(),
            seeds if seeds is not None else metalab.seeds(0),
        )  # fmt: skip
        run_kwargs.setdefault("store", store)
        return metalab.run(exp, **run_kwargs).result(timeout=120)

    return _sweep
