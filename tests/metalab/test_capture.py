"""Issue 2, point 5: capture.metric, log_metrics, log, artifact, data and file."""

from __future__ import annotations

import json
import logging
import re
import threading

import numpy as np
import pytest
from support.images import png_bytes

import metalab


class Point:
    """A plain object: not an array and not JSON-able."""

    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


def record_json(store, run) -> dict:
    return json.loads((store / "t_1" / "runs" / f"{run.run_id}.json").read_text())


# -- metrics ------------------------------------------------------------------------------


def test_scalar_and_stepped_metrics(sweep, store):
    @metalab.operation
    def op(capture):
        capture.metric("accuracy", 0.5)
        capture.metric("accuracy", 0.75)  # the last write wins
        for i in range(5):
            capture.metric("loss", 1.0 / (i + 1), step=i)
        capture.metric("label", "best")

    (run,) = sweep(op)
    assert run.status == "success"
    assert run.metrics == {"accuracy": 0.75, "label": "best"}
    assert record_json(store, run)["metrics"] == {"accuracy": 0.75, "label": "best"}
    assert run.data("loss") == [[i, 1.0 / (i + 1)] for i in range(5)]
    steps, values = run.stepped("loss")
    np.testing.assert_array_equal(steps, np.arange(5))
    np.testing.assert_allclose(values, [1.0 / (i + 1) for i in range(5)])


def test_log_metrics_scalar_and_stepped(sweep):
    @metalab.operation
    def op(capture):
        capture.log_metrics({"a": 1, "b": 2.5})
        for step in range(3):
            capture.log_metrics({"train": step * 2.0, "val": step * 3.0}, step=step)

    (run,) = sweep(op)
    assert run.metrics == {"a": 1, "b": 2.5}
    assert run.data("train") == [[0, 0.0], [1, 2.0], [2, 4.0]]
    assert run.data("val") == [[0, 0.0], [1, 3.0], [2, 6.0]]
    assert sorted(run.stepped_names()) == ["train", "val"]


def test_stepped_metric_logged_out_of_order_is_sorted_by_step(sweep):
    @metalab.operation
    def op(capture):
        for step in (2, 0, 1):
            capture.metric("x", float(step * 10), step=step)

    (run,) = sweep(op)
    assert run.data("x") == [[0, 0.0], [1, 10.0], [2, 20.0]]


def test_numpy_scalars_are_stored_as_plain_numbers(sweep, store):
    @metalab.operation
    def op(capture):
        capture.metric("count", np.int64(7))
        capture.metric("ratio", np.float32(0.25))
        capture.metric("ok", np.bool_(True))
        capture.metric("f64", np.float64(1.5))
        capture.log_metrics({"n32": np.int32(3), "half": np.float16(0.5)})
        for i in range(3):
            capture.metric("curve", np.float32(i / 2), step=np.int64(i))
            capture.log_metrics({"flag": np.bool_(i % 2), "k": np.int64(i)}, step=i)
        capture.artifact(
            "summary", {"best": np.float32(0.5), "n": np.int64(4), "ok": np.bool_(False)}
        )
        capture.data("scores", {"top": np.int64(1), "vals": [np.float32(0.5)]})

    (run,) = sweep(op)
    assert run.status == "success", run.error
    metrics = record_json(store, run)["metrics"]
    assert metrics == {
        "count": 7, "ratio": 0.25, "ok": True, "f64": 1.5, "n32": 3, "half": 0.5,
    }  # fmt: skip
    assert type(metrics["count"]) is int and type(metrics["n32"]) is int
    assert type(metrics["ratio"]) is float and type(metrics["half"]) is float
    assert type(metrics["ok"]) is bool
    assert run.data("curve") == [[0, 0.0], [1, 0.5], [2, 1.0]]
    assert run.data("flag") == [[0, 0], [1, 1], [2, 0]]
    assert run.data("k") == [[0, 0], [1, 1], [2, 2]]
    assert run.artifact("summary") == {"best": 0.5, "n": 4, "ok": False}
    assert run.data("scores") == {"top": 1, "vals": [0.5]}
    sealed = json.loads((store / "t_1" / "results" / run.run_id / "curve.json").read_text())
    assert sealed["data"] == [[0, 0.0], [1, 0.5], [2, 1.0]]


# -- logs ----------------------------------------------------------------------------------

LINE = re.compile(
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[(?P<level>[A-Z ]{7})\] "
    r"\[metalab\.run\.(?P<id8>[0-9a-f]{8})\.(?P<worker>(thread|process):\S+)\] (?P<msg>.*)$"
)


def test_log_lines_have_the_reference_format(sweep):
    @metalab.operation
    def op(capture):
        capture.log("starting")
        capture.log("careful", level="warning")
        capture.log("details", level="debug")
        capture.log("odd level", level="nonsense")
        capture.log("bad", level="ERROR")

    (run,) = sweep(op)
    lines = run.log.splitlines()
    assert len(lines) == 5
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [m["level"] for m in parsed] == ["INFO   ", "WARNING", "DEBUG  ", "INFO   ", "ERROR  "]
    assert [m["msg"] for m in parsed] == ["starting", "careful", "details", "odd level", "bad"]
    assert {m["id8"] for m in parsed} == {run.run_id[:8]}


def test_log_line_is_on_disk_as_soon_as_log_returns(sweep, store, wait_for):
    logged, release = threading.Event(), threading.Event()
    on_disk = {}

    @metalab.operation
    def op(capture, runtime):
        capture.log("first line")
        # read the file from inside the run, before anything else happens
        path = store / "t_1" / "logs" / f"{runtime.run_id}_run.log"
        on_disk["text"] = path.read_text()
        logged.set()
        release.wait(10)

    exp = metalab.Experiment("t", "1", {}, op, metalab.grid(), metalab.seeds(0))
    handle = metalab.run(exp, store=store)
    try:
        wait_for(logged.is_set)
        assert "first line" in on_disk["text"]
    finally:
        release.set()
    assert handle.result()[0].status == "success"


def test_logger_and_subscribed_loggers_write_to_the_run_log(sweep):
    @metalab.operation
    def op(capture):
        capture.logger.warning("via logger %d", 42)
        capture.subscribe_logger("thirdparty.lib")
        logging.getLogger("thirdparty.lib").info("from a library")

    (run,) = sweep(op)
    assert "[WARNING]" in run.log and "via logger 42" in run.log
    assert "from a library" in run.log
    # after the run, the library's logger no longer writes there
    logging.getLogger("thirdparty.lib").info("after the run")
    assert "after the run" not in run.log


# -- artifacts ---------------------------------------------------------------------------


def test_arrays_and_dicts_of_arrays_are_saved_as_npz(sweep, store):
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)

    @metalab.operation
    def op(capture):
        capture.artifact("weights", arr, metadata={"epoch": np.int64(3)})
        capture.artifact("pair", {"x": np.arange(3), "y": np.ones(2)})

    (run,) = sweep(op)
    folder = store / "t_1" / "artifacts" / run.run_id
    assert (folder / "weights.npz").is_file() and (folder / "pair.npz").is_file()
    loaded = run.artifact("weights")
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, arr)
    pair = run.artifact("pair")
    assert set(pair) == {"x", "y"}
    np.testing.assert_array_equal(pair["x"], np.arange(3))
    descriptors = {d.name: d for d in run.artifacts()}
    assert descriptors["weights"].kind == "numpy" and descriptors["weights"].format == "npz"
    assert descriptors["weights"].metadata == {"epoch": 3}
    with np.load(folder / "weights.npz") as npz:  # the reference's layout: one "arr" member
        assert list(npz.keys()) == ["arr"]


def test_json_able_objects_are_saved_as_json(sweep, store):
    config = {"layers": [64, 32], "name": "mlp", "dropout": 0.1, "nested": {"ok": True}}

    @metalab.operation
    def op(capture):
        capture.artifact("config", config)
        capture.artifact("ranks", [3, 1, 2])

    (run,) = sweep(op)
    path = store / "t_1" / "artifacts" / run.run_id / "config.json"
    assert json.loads(path.read_text()) == config
    assert run.artifact("config") == config
    assert run.artifact("ranks") == [3, 1, 2]
    assert {d.name: d.kind for d in run.artifacts()} == {"config": "json", "ranks": "json"}


def test_pickle_only_when_asked_for(sweep, store):
    outcome = {}

    @metalab.operation
    def op(capture):
        try:
            capture.artifact("point", Point(1, 2))
        except ValueError as exc:
            outcome["refused"] = str(exc)
        capture.artifact("point_pickled", Point(3, 4), kind="pickle")

    (run,) = sweep(op)
    assert run.status == "success"
    assert "pickle" in outcome["refused"]
    folder = store / "t_1" / "artifacts" / run.run_id
    assert not list(folder.glob("point.*"))
    assert (folder / "point_pickled.pkl").is_file()
    assert run.artifact("point_pickled") == Point(3, 4)
    assert [d.name for d in run.artifacts()] == ["point_pickled"]


def test_an_unsaveable_artifact_fails_the_run(sweep):
    @metalab.operation
    def op(capture):
        capture.artifact("point", Point(1, 2))

    (run,) = sweep(op)
    assert run.status == "failed"
    assert run.error["type"] == "ValueError"


def test_saving_an_artifact_twice_replaces_it_with_a_warning(sweep):
    @metalab.operation
    def op(capture):
        capture.artifact("v", np.zeros(2))
        capture.artifact("v", np.ones(3))

    (run,) = sweep(op)
    np.testing.assert_array_equal(run.artifact("v"), np.ones(3))
    assert [d.name for d in run.artifacts()] == ["v"]
    assert any("'v'" in w for w in run.record.warnings)


def test_missing_artifact_raises_file_not_found(sweep):
    @metalab.operation
    def op(capture):
        capture.artifact("a", [1])

    (run,) = sweep(op)
    with pytest.raises(FileNotFoundError, match="nope"):
        run.artifact("nope")


# -- data and file ----------------------------------------------------------------------


def test_data_round_trips_arrays_and_plain_values(sweep, store):
    grid_values = np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3)

    @metalab.operation
    def op(capture):
        capture.data("grid_values", grid_values)
        capture.data("table", {"rows": [[1, "a"], [2, "b"]]}, metadata={"source": "unit"})
        capture.data("counts", [1, 2, 3])

    (run,) = sweep(op)
    back = run.data("grid_values")
    assert isinstance(back, np.ndarray)
    assert back.dtype == np.float32 and back.shape == (2, 3)
    np.testing.assert_array_equal(back, grid_values)
    assert run.data("table") == {"rows": [[1, "a"], [2, "b"]]}
    assert run.data("counts") == [1, 2, 3]
    assert sorted(run.list_data()) == ["counts", "grid_values", "table"]
    stored = json.loads((store / "t_1" / "results" / run.run_id / "table.json").read_text())
    assert stored["metadata"] == {"source": "unit"}
    assert stored["dtype"] is None and stored["shape"] is None
    with pytest.raises(KeyError):
        run.data("absent")


def test_file_copies_an_existing_file_into_the_artifacts(sweep, store, tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("all good\n")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01\x02")

    @metalab.operation
    def op(capture):
        capture.file("report", report)
        capture.file("blob", str(blob), metadata={"why": "test"})

    (run,) = sweep(op)
    assert run.status == "success", run.error
    folder = store / "t_1" / "artifacts" / run.run_id
    assert (folder / "report.txt").read_text() == "all good\n"
    assert run.artifact("report") == "all good\n"
    assert run.artifact("blob") == b"\x00\x01\x02"
    descriptors = {d.name: d for d in run.artifacts()}
    assert descriptors["report"].kind == "file" and descriptors["report"].format == "txt"
    assert descriptors["blob"].metadata == {"why": "test"}
    report.unlink()  # the copy is the run's own
    assert run.artifact("report") == "all good\n"


class _PngFigure:
    """Stands in for a matplotlib figure (matplotlib is not installed here): savefig
    writes a real 2 x 1 PNG and records how it was asked to."""

    def __init__(self) -> None:
        self.saved: list[dict] = []

    def savefig(self, fh, *, format, dpi, bbox_inches):  # noqa: A002
        self.saved.append({"format": format, "dpi": dpi, "bbox_inches": bbox_inches})
        fh.write(png_bytes(np.array([[[255, 0, 0], [0, 0, 255]]], dtype=np.uint8)))


def test_figure_saves_an_image_artifact(sweep, store):
    fig = _PngFigure()

    @metalab.operation
    def op(capture):
        capture.figure("loss_plot", fig, dpi=72, metadata={"what": "loss"})

    (run,) = sweep(op)
    assert run.status == "success", run.error
    (descriptor,) = run.artifacts()
    assert (descriptor.name, descriptor.kind, descriptor.format) == ("loss_plot", "image", "png")
    assert descriptor.metadata == {"what": "loss"}
    path = run.artifact_path("loss_plot")
    assert path.name == "loss_plot.png" and path.read_bytes().startswith(b"\x89PNG")
    assert fig.saved == [{"format": "png", "dpi": 72, "bbox_inches": "tight"}]


def test_file_of_a_missing_path_raises_in_the_operation(sweep, tmp_path):
    caught = {}

    @metalab.operation
    def op(capture):
        try:
            capture.file("x", tmp_path / "missing.txt")
        except FileNotFoundError as exc:
            caught["error"] = str(exc)

    (run,) = sweep(op)
    assert run.status == "success"
    assert "missing.txt" in caught["error"]
