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


def test_embedded_is_the_default_mode():
    assert config.mode() == "embedded"
    assert not config.use_real_data()
    assert config.pick(embedded=5, real=60) == 5


def test_real_mode_switches_every_budget():
    config.set_mode("REAL ")
    assert config.use_real_data()
    assert config.pick(embedded=5, real=60) == 60


def test_unknown_mode_is_refused_with_the_choices():
    with pytest.raises(InvalidInputError, match="must be one of embedded, real"):
        config.set_mode("fast")


def test_bad_mode_in_the_environment_names_the_variable():
    env = dict(os.environ, FERCOURSE_MODE="gpu")
    result = subprocess.run([sys.executable, "-c", "import fercourse"], capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert "FERCOURSE_MODE is 'gpu'" in result.stderr


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
