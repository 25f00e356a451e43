"""Deterministic numerics (fercourse._env): what is set, how to turn it off, and that it works."""

import json
import os
import subprocess
import sys

import pytest

from fercourse import _env


def run_python(code: str, **env) -> dict:
    """Run ``code`` in a fresh interpreter with ``env`` added; it prints one JSON line, returned here."""
    environment = dict(os.environ, **env)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])


SETUP = (
    "import json, fercourse\n"
    "from fercourse import _env\n"
    "torch = _env.torch()\n"
    "print(json.dumps({'onednn': torch.backends.mkldnn.enabled, 'threads': torch.get_num_threads(),\n"
    "                  'cbwr': __import__('os').environ.get('MKL_CBWR'),\n"
    "                  'tf_onednn': __import__('os').environ.get('TF_ENABLE_ONEDNN_OPTS'),\n"
    "                  'isa': __import__('os').environ.get('ONEDNN_MAX_CPU_ISA')}))\n"
)


def test_settings_follow_the_processor():
    avx2 = _env.deterministic_environment({"avx2", "fma"})
    assert avx2["MKL_CBWR"] == "COMPATIBLE" and avx2["ATEN_CPU_CAPABILITY"] == "avx2"
    assert avx2["OPENBLAS_CORETYPE"] == "Haswell" and "NPY_DISABLE_CPU_FEATURES" not in avx2
    avx512 = _env.deterministic_environment({"avx2", "avx512f"})
    assert "X86_V4" in avx512["NPY_DISABLE_CPU_FEATURES"] or "AVX512F" in avx512["NPY_DISABLE_CPU_FEATURES"]
    older = _env.deterministic_environment(set())  # no AVX2 (or not x86): no instruction-set caps at all
    assert not {"ATEN_CPU_CAPABILITY", "OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES"} & set(older)
    assert older["TF_ENABLE_ONEDNN_OPTS"] == "0"


@pytest.mark.parametrize("value, expected", [("1", True), ("", True), ("0", False), ("off", False), ("False", False)])
def test_the_switch(monkeypatch, value, expected):
    monkeypatch.setenv(_env.DETERMINISTIC_ENV, value)
    assert _env.deterministic() is expected


def test_on_by_default_and_off_with_the_switch():
    on = run_python(SETUP, FERCOURSE_DETERMINISTIC="1")
    assert on == {"onednn": True, "threads": _env.TORCH_THREADS, "cbwr": "COMPATIBLE", "tf_onednn": "0", "isa": "SSE41"}
    off = run_python(SETUP, FERCOURSE_DETERMINISTIC="0", MKL_CBWR="", TF_ENABLE_ONEDNN_OPTS="", ONEDNN_MAX_CPU_ISA="")
    assert off["cbwr"] == "" and off["tf_onednn"] == "" and off["isa"] == ""


TRAIN = (
    "import hashlib, json, fercourse\n"
    "from fercourse import cnn, config, data, train\n"
    "faces = data.expressions(160, size=48, seed=0)\n"
    "config.seed_everything(0)\n"
    "model = cnn.build('simple')\n"
    "train.fit(model, train.arrays(faces, 'train'), train.arrays(faces, 'val'), epochs=1, progress=False)\n"
    "h = hashlib.sha256(b''.join(p.detach().numpy().tobytes() for p in model.state_dict().values()))\n"
    "print(json.dumps({'digest': h.hexdigest()}))\n"
)


def test_training_is_bit_identical_under_another_instruction_set_and_thread_count():
    """The emulated machines of tools/portability.py, on a one-epoch training: the weights do not change."""
    reference = run_python(TRAIN)["digest"]
    other = run_python(TRAIN, ONEDNN_MAX_CPU_ISA="AVX2", MKL_ENABLE_INSTRUCTIONS="SSE4_2", OMP_NUM_THREADS="1",
                       MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")["digest"]
    assert other == reference
