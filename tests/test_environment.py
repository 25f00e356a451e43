"""The pinned stack: versions, one cv2, TensorFlow set up for tf.keras, quiet start-up."""

import subprocess
import sys
from importlib import metadata

import pytest


def run_python(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter of this environment (TensorFlow state is per process)."""
    env = {k: v for k, v in __import__("os").environ.items() if k != "TF_USE_LEGACY_KERAS"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_torch_is_the_pinned_cpu_build():
    import torch

    assert torch.__version__ == "2.13.0+cpu"
    assert not torch.version.cuda


def test_exactly_one_distribution_provides_cv2():
    providers = sorted(
        dist.metadata["Name"]
        for dist in metadata.distributions()
        if any(str(f).startswith("cv2/") for f in (dist.files or []))
    )
    assert providers == ["opencv-contrib-python"]


def test_no_cuda_packages_installed():
    names = {dist.metadata["Name"].lower() for dist in metadata.distributions()}
    assert not sorted(n for n in names if n.startswith(("nvidia-", "triton")))


def test_whole_stack_imports_together_with_legacy_keras():
    result = run_python(
        "import fercourse, tensorflow as tf, tf_keras, spektral, foolbox, mediapipe, cv2, torch\n"
        "import jupyter_book, nbval, anywidget, ipywidgets\n"
        "print(tf.keras.Model.__module__.split('.')[0], tf.__version__, spektral.__version__, foolbox.__version__, cv2.__version__)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["tf_keras", "2.21.0", "1.3.1", "3.3.4", "4.14.0"]


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
    assert versions["torch"] == "2.13.0+cpu"
    assert versions["tensorflow"] == "2.21.0"
    assert versions["mediapipe"] == "1.2.2"
    assert versions["python"].startswith("3.11")


@pytest.mark.parametrize("name", ["nothing_here", "_env_x"])
def test_unknown_attribute_of_package_is_an_attribute_error(name):
    import fercourse

    with pytest.raises(AttributeError):
        getattr(fercourse, name)
