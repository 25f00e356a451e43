"""Set-up of the library reference page (book/api.md), run by Sphinx before autodoc imports fercourse.

PyPI's CUDA build of PyTorch (the default on Linux) ships Triton, its GPU compiler, and
``torch.use_deterministic_algorithms`` imports it. Loading Triton's native library inside the
Sphinx process crashes the build with a segmentation fault (seen with Python 3.13). The reference
only reads docstrings and compiles nothing, so Triton is marked as absent for the build: PyTorch
then treats it as not installed, as on its CPU build.
"""

import sys


def setup(app):
    sys.modules.setdefault("triton", None)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
