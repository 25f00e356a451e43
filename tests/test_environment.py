"""The pinned stack: versions, one cv2, TensorFlow set up for tf.keras, quiet start-up."""

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest


def run_python(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter of this environment (TensorFlow state is per process)."""
    env = {k: v for k, v in __import__("os").environ.items() if k != "TF_USE_LEGACY_KERAS"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")


def pinned(name: str) -> str:
    """The version that requirements.txt pins for ``name``."""
    for line in REQUIREMENTS.read_text().splitlines():
        found = re.fullmatch(rf"{re.escape(name)}==(\S+)", line.strip(), flags=re.IGNORECASE)
        if found:
            return found.group(1)
    raise AssertionError(f"{name} is not pinned in requirements.txt")


def cuda_packages() -> list[str]:
    names = {dist.metadata["Name"].lower() for dist in metadata.distributions()}
    return sorted(n for n in names if n.startswith(("nvidia-", "triton")))


def test_torch_is_the_pinned_release_and_its_build_is_consistent():
    import torch

    release, _, build = torch.__version__.partition("+")
    assert release == pinned("torch")
    if build == "cpu" or not torch.version.cuda:  # the CPU build (this project's machines, PyTorch's CPU index)
        assert not torch.version.cuda
        assert not cuda_packages(), "a CPU build of torch needs none of the CUDA packages"
    else:  # PyPI's default build on Linux: CUDA libraries come as nvidia-* packages
        assert cuda_packages()


def test_python_is_a_supported_version():
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in SUPPORTED_PYTHONS


def test_exactly_one_distribution_provides_cv2():
    providers = sorted(
        dist.metadata["Name"]
        for dist in metadata.distributions()
        if any(str(f).startswith("cv2/") for f in (dist.files or []))
    )
    assert providers == ["opencv-contrib-python"]


def test_whole_stack_imports_together_with_legacy_keras():
    result = run_python(
        "import fercourse, tensorflow as tf, tf_keras, spektral, foolbox, mediapipe, cv2, torch\n"
        "import jupyter_book, nbval, anywidget, ipywidgets\n"
        "print(tf.keras.Model.__module__.split('.')[0], tf.__version__, spektral.__version__, foolbox.__version__, cv2.__version__)"
    )
    assert result.returncode == 0, result.stderr
    expected = [pinned(name) for name in ("tensorflow", "spektral", "foolbox", "opencv-contrib-python")]
    expected[-1] = ".".join(expected[-1].split(".")[:3])  # cv2 reports 4.14.0 for the wheel 4.14.0.94
    assert result.stdout.split() == ["tf_keras", *expected]


def test_tensorflow_imported_first_and_keras3_used_gives_clear_error():
    result = run_python("import tensorflow as tf\ntf.keras.layers.Dense\nimport fercourse")
    assert result.returncode != 0
    assert "EnvironmentSetupError" in result.stderr
    assert "Restart the kernel" in result.stderr and "import fercourse" in result.stderr
    assert "Keras 3" in result.stderr


def test_tensorflow_imported_first_but_keras_untouched_is_fine():
    result = run_python(
        "import tensorflow as tf\nimport fercourse\nprint(fercourse._env.keras().Model.__module__)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("tf_keras")


def test_tensorflow_start_up_is_silent():
    result = run_python(
        "import fercourse\nfrom fercourse import cnn\nm = cnn.PretrainedFER()\n"
        "import numpy as np\nprint(m.predict_proba(np.zeros((64, 64), np.uint8)).shape)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(1, 7)"
    assert result.stderr == ""


def test_show_versions_reports_the_pins():
    import fercourse

    versions = fercourse.show_versions()
    assert versions["torch"].partition("+")[0] == pinned("torch")
    assert versions["tensorflow"] == pinned("tensorflow")
    assert versions["mediapipe"] == pinned("mediapipe")
    assert versions["python"].rpartition(".")[0] in SUPPORTED_PYTHONS


@pytest.mark.parametrize("name", ["nothing_here", "_env_x"])
def test_unknown_attribute_of_package_is_an_attribute_error(name):
    import fercourse

    with pytest.raises(AttributeError):
        getattr(fercourse, name)
