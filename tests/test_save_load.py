"""mg.nn.save / load keep or refuse data, never lose it silently; gradcheck refuses bad steps."""

import json
import math
import os
import stat
import sys

import pytest

import minigrad as mg
from minigrad import nn

POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits and symlinks")


class Colliding(nn.Module):
    def __init__(self):
        self.a = {"b": [mg.Parameter(1.0)], "b.0": mg.Parameter(2.0)}


def payload(state, version=1):
    return {"format": nn.FILE_FORMAT, "version": version, "module": "Neuron", "state_dict": state}


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# --- names ----------------------------------------------------------------------------------


def test_two_parameters_with_one_name_are_an_error_naming_both_paths(tmp_path):
    model = Colliding()
    both = r"'a\.b\.0': self\.a\['b'\]\[0\] and self\.a\['b\.0'\]"
    with pytest.raises(ValueError, match=both):
        model.state_dict()
    with pytest.raises(ValueError, match=both):
        nn.save(model, tmp_path / "m.json")
    assert not list(tmp_path.iterdir())  # nothing written
    with pytest.raises(ValueError, match=both):
        model.load_state_dict({"a.b.0": 5.0})
    assert [p.data for p in model.parameters()] == [1.0, 2.0]


# --- what load refuses ------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1.0, True, "1", 2, 0, None, [1]])
def test_the_version_must_be_the_integer_one(tmp_path, version):
    neuron = nn.Neuron(1, rng=0)
    path = write(tmp_path / "m.json", json.dumps(payload(neuron.state_dict(), version)))
    with pytest.raises(ValueError, match=r"m\.json has format version .*reads version 1"):
        nn.load(neuron, path)


def test_version_one_loads(tmp_path):
    neuron = nn.Neuron(1, rng=0)
    path = write(tmp_path / "m.json", json.dumps(payload({"w.0": 0.5, "b": -2}, 1)))
    nn.load(neuron, path)
    assert neuron.state_dict() == {"w.0": 0.5, "b": -2.0}


def test_deep_nesting_is_a_clear_value_error_not_a_recursion_error(tmp_path):
    depth = 10 * sys.getrecursionlimit()
    path = write(tmp_path / "deep.json", "[" * depth + "]" * depth)
    with pytest.raises(ValueError, match=r"deep\.json .*nests deeper than 64"):
        nn.load(nn.Neuron(1), path)
    inside = '{"state_dict": ' + "[" * nn.MAX_DEPTH + "]" * nn.MAX_DEPTH + "}"
    with pytest.raises(ValueError, match="nests deeper"):
        nn.load(nn.Neuron(1), write(tmp_path / "d.json", inside))
    brackets_in_strings = json.dumps(payload({"w.0": 1.0, "b": 0.0, "[" * 200: 1.0}))
    with pytest.raises(ValueError, match=r"unexpected \['\[\[\["):  # not a depth error
        nn.load(nn.Neuron(1), write(tmp_path / "s.json", brackets_in_strings))


def test_a_file_larger_than_the_bound_is_refused(tmp_path, monkeypatch):
    neuron = nn.Neuron(1, rng=0)
    text = json.dumps(payload(neuron.state_dict()))
    path = write(tmp_path / "m.json", text)
    monkeypatch.setattr(nn, "MAX_FILE_BYTES", len(text.encode()) - 1)
    with pytest.raises(ValueError, match=r"m\.json is larger than"):
        nn.load(neuron, path)
    monkeypatch.setattr(nn, "MAX_FILE_BYTES", len(text.encode()))
    nn.load(neuron, path)


def test_invalid_utf8_and_invalid_json_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"format": "\xff\xfe"}')
    with pytest.raises(ValueError, match=r"bad\.json is not a valid JSON file: not UTF-8"):
        nn.load(nn.Neuron(1), bad)
    with pytest.raises(ValueError, match=r"bad\.json is not a valid JSON file"):
        nn.load(nn.Neuron(1), write(bad, '{"format": '))


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "1.8e308"])
def test_a_number_too_large_for_a_float64_is_refused_naming_the_key(tmp_path, literal):
    neuron = nn.Neuron(1, rng=0)
    before = neuron.state_dict()
    text = json.dumps(payload({"w.0": "X", "b": 0.0})).replace('"X"', literal)
    with pytest.raises(ValueError, match=rf"state_dict\['w\.0'\] is {literal}, too large"):
        nn.load(neuron, write(tmp_path / "m.json", text))
    assert neuron.state_dict() == before


@pytest.mark.parametrize(
    "number", [math.inf, -math.inf, math.nan, -0.0, 5e-324, 1.7976931348623157e308]
)
def test_non_finite_and_extreme_parameters_round_trip(tmp_path, number):
    neuron = nn.Neuron(1, rng=0)
    neuron.w[0].data = number
    nn.save(neuron, tmp_path / "m.json")
    other = nn.Neuron(1, rng=1)
    nn.load(other, tmp_path / "m.json")
    got = other.w[0].data
    assert math.isnan(got) if math.isnan(number) else got == number
    assert math.copysign(1.0, got) == math.copysign(1.0, number) or math.isnan(number)


# --- how save writes --------------------------------------------------------------------------


@POSIX
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_open_would_give(tmp_path, umask):
    old = os.umask(umask)
    try:
        nn.save(nn.Neuron(1), tmp_path / "m.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "m.json").st_mode) == 0o666 & ~umask


@POSIX
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_an_existing_file_keeps_its_mode(tmp_path, mode):
    path = write(tmp_path / "m.json", "old")
    os.chmod(path, mode)
    nn.save(nn.Neuron(1), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert json.loads(path.read_text())["format"] == nn.FILE_FORMAT


@POSIX
def test_save_writes_through_a_symlink_and_the_link_stays(tmp_path):
    target = write(tmp_path / "real.json", "old")
    os.chmod(target, 0o644)
    (tmp_path / "sub").mkdir()
    link = tmp_path / "sub" / "link.json"
    link.symlink_to(target)
    neuron = nn.Neuron(1, rng=3)
    nn.save(neuron, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["state_dict"] == neuron.state_dict()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["link.json", "real.json", "sub"]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = write(tmp_path / "m.json", "old")

    def fail(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.Neuron(1), path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


# --- the call -------------------------------------------------------------------------------


def test_load_with_only_a_path_says_how_to_call_it(tmp_path):
    path = tmp_path / "m.json"
    model = nn.MLP(2, [2, 1])
    nn.save(model, path)
    with pytest.raises(TypeError, match=r"load\(module, path\): pass the model to load into first"):
        nn.load(path)
    with pytest.raises(TypeError, match="wrong order"):
        nn.load(str(path), model)
    with pytest.raises(TypeError, match="wrong order"):
        nn.save(path, model)
    with pytest.raises(TypeError, match="the path is missing"):
        nn.load(model)


# --- gradcheck --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"eps": 0}, ValueError, "eps must be finite and > 0; got 0"),
        ({"eps": 0.0}, ValueError, "eps must be finite and > 0"),
        ({"eps": -1e-6}, ValueError, "eps must be finite and > 0"),
        ({"eps": math.nan}, ValueError, "eps must be finite and > 0"),
        ({"eps": math.inf}, ValueError, "eps must be finite and > 0"),
        ({"eps": "1e-6"}, TypeError, "eps must be a real number"),
        ({"eps": True}, TypeError, "eps must be a real number"),
        ({"atol": -1.0}, ValueError, "atol must be finite and >= 0"),
        ({"atol": math.nan}, ValueError, "atol must be finite and >= 0"),
        ({"rtol": math.nan}, ValueError, "rtol must be finite and >= 0"),
        ({"rtol": None}, TypeError, "rtol must be a real number"),
        ({"eps": 1e-300}, ValueError, "too small to move input 0"),
    ],
)
def test_gradcheck_refuses_a_bad_step_or_tolerance(kwargs, error, message):
    with pytest.raises(error, match=message):
        mg.gradcheck(lambda x: x * x, [1.0], **kwargs)


def test_gradcheck_accepts_zero_tolerances_and_a_given_step():
    assert mg.gradcheck(lambda x: 2.0 * x, [0.5], eps=0.25, atol=0.0, rtol=0.0)
