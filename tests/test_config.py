"""fercourse.config: the data directory, the embedded/real switch, seeding."""

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fercourse import config
from fercourse.errors import InvalidInputError


@pytest.fixture(autouse=True)
def restore_state():
    saved = dict(config._state)
    yield
    config._state.update(saved)


def test_embedded_data_and_small_budget_are_the_default():
    assert config.mode() == config.data_source() == "embedded"
    assert config.budget() == "small"
    assert not config.use_real_data()
    assert config.pick(small=5, full=60) == 5
    assert config.describe() == "data: embedded (synthetic faces) | budget: small"


def test_real_mode_is_real_data_with_the_full_budget():
    config.set_mode("REAL ")
    assert config.use_real_data()
    assert config.budget() == "full"
    assert config.pick(small=5, full=60) == 60


def test_data_and_budget_switch_separately():
    config.set_data("real")
    assert config.use_real_data() and config.budget() == "small"
    assert config.pick(small=5, full=60) == 5
    config.set_data("embedded")
    config.set_budget("full")
    assert not config.use_real_data() and config.pick(small=5, full=60) == 60


def test_unknown_values_are_refused_with_the_choices():
    with pytest.raises(InvalidInputError, match="must be one of embedded, real"):
        config.set_mode("fast")
    with pytest.raises(InvalidInputError, match="must be one of small, full"):
        config.set_budget("huge")
    with pytest.raises(InvalidInputError, match="set_data's argument is 'synthetic'"):
        config.set_data("synthetic")


def _settings_in_a_new_process(**variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERCOURSE_")} | variables
    code = "from fercourse import config; print(config.data_source(), config.budget())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    "variables, expected",
    [
        ({}, "embedded small"),
        ({"FERCOURSE_MODE": "real"}, "real full"),
        ({"FERCOURSE_DATA": "real"}, "real small"),
        ({"FERCOURSE_MODE": "real", "FERCOURSE_BUDGET": "small"}, "real small"),
        ({"FERCOURSE_DATA": "embedded", "FERCOURSE_BUDGET": "full"}, "embedded full"),
    ],
)
def test_environment_variables_set_the_two_switches(variables, expected):
    result = _settings_in_a_new_process(**variables)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected.split()


@pytest.mark.parametrize("name, value", [("FERCOURSE_MODE", "gpu"), ("FERCOURSE_DATA", "fer"),
                                         ("FERCOURSE_BUDGET", "tiny")])
def test_bad_value_in_the_environment_names_the_variable(name, value):
    result = _settings_in_a_new_process(**{name: value})
    assert result.returncode != 0
    assert f"{name} is {value!r}" in result.stderr


def test_data_dir_defaults_to_the_repository_data_folder():
    assert config.data_dir() == Path(__file__).resolve().parents[1] / "data"


def test_data_dir_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path))
    assert config.data_dir() == tmp_path.resolve()


def test_set_data_dir_refuses_a_file(tmp_path):
    file = tmp_path / "fer2013.csv"
    file.write_text("emotion,pixels,Usage\n")
    with pytest.raises(InvalidInputError, match="is a file"):
        config.set_data_dir(file)
    assert config.set_data_dir(tmp_path) == tmp_path.resolve()
    assert config.set_data_dir(None) != tmp_path.resolve()


def test_seed_everything_makes_every_generator_repeat():
    import torch

    def draw():
        rng = config.seed_everything(123)
        return random.random(), np.random.rand(), rng.random(), torch.rand(1).item()

    assert draw() == draw()
    assert config.last_seed() == 123


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "0", True])
def test_seed_must_be_a_valid_integer(bad):
    with pytest.raises(InvalidInputError, match="seed must be an integer"):
        config.seed_everything(bad)
