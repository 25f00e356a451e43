"""The webcam widget in a real browser: JupyterLab in headless Chromium with a fake camera.

Chromium (Debian's package, at /usr/bin/chromium; `.ci/run` installs it) plays a
video file as its camera: a .y4m made here from the astronaut photo.  Playwright
opens a small demo notebook in JupyterLab, runs it, presses Start on the widget,
and checks that frames reached the kernel and that the overlay shows the kernel's
prediction.  A screenshot goes to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="Debian's Chromium is not installed at /usr/bin/chromium (`apt-get install chromium`; .ci/run does it)",
)


def write_y4m(frames, path: Path, fps: int = 10) -> Path:
    """Write RGB frames as an uncompressed YUV 4:2:0 .y4m video, the format Chromium's fake camera reads."""
    import cv2

    height, width = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def astronaut_video(path: Path) -> Path:
    """Ten 640 x 480 frames of the astronaut photo, drifting a few pixels (a face that moves a little)."""
    from skimage.data import astronaut

    from fercourse import live

    base = live.fit_frame(astronaut(), live.FRAME_SIZE)
    return write_y4m([np.roll(base, shift, axis=1) for shift in range(0, 20, 2)], path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode} before it served {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer {url} within {timeout:.0f} s")


DEMO_CELLS = [
    "from fercourse import live\n"
    "pipe = live.Pipeline()\n"
    "result = live.demo(pipe)\n",
]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on a free localhost port, in a temporary root, shut down afterwards."""
    root = tmp_path_factory.mktemp("lab")
    home = tmp_path_factory.mktemp("jupyter")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in DEMO_CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "webcam_demo.ipynb")
    token, port = secrets.token_hex(16), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "FERCOURSE_LIVE"},  # the lab's kernels detect the page
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    log = open(home / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly", "--allow-root"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}", process)
        except RuntimeError as error:
            log.flush()
            raise RuntimeError(f"{error}; its log ends:\n{(home / 'server.log').read_text()[-2000:]}") from None
        yield {"url": f"http://localhost:{port}", "token": token, "notebook": "webcam_demo.ipynb", "log": home / "server.log"}
    finally:
        try:  # the server's own shutdown also stops the kernels it started
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=5).close()
            process.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_webcam_widget_streams_frames_to_the_kernel_and_draws_its_prediction(jupyterlab, tmp_path):
    from playwright.sync_api import sync_playwright

    video = astronaut_video(tmp_path / "astronaut.y4m")
    ARTIFACTS.mkdir(exist_ok=True)
    console = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"],
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.goto(f"{jupyterlab['url']}/lab/tree/{jupyterlab['notebook']}?token={jupyterlab['token']}")
            # Wait until the notebook's kernel is up and idle, then run every cell.
            page.wait_for_function(
                """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                           const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                           return k && k.status === 'idle'; }""",
                timeout=60_000,
            )
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            start = page.locator(".fercourse-webcam .fc-start")
            start.wait_for(timeout=120_000)  # the kernel first imports TensorFlow and MediaPipe
            assert "Frames go from this page to this notebook's kernel only" in page.locator(".fercourse-webcam .fc-notice").inner_text()
            start.click()
            label = page.locator(".fercourse-webcam .fc-label[data-label]")
            label.wait_for(timeout=60_000)
            # Let a few more frames through, then read what the kernel sent back.
            page.wait_for_function(
                "() => Number(document.querySelector('.fercourse-webcam .fc-status').dataset.received) >= 3",
                timeout=30_000,
            )
            received = int(page.locator(".fercourse-webcam .fc-status").get_attribute("data-received"))
            prediction = label.get_attribute("data-label")
            painted = page.evaluate(
                """() => { const c = document.querySelector('.fercourse-webcam .fc-overlay');
                           const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                           let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
            )
            page.locator(".fercourse-webcam").screenshot(path=str(ARTIFACTS / "browser_webcam.png"))
            error = page.locator(".fercourse-webcam .fc-error").inner_text()
        finally:
            browser.close()
    details = json.dumps({"console": console[-20:], "error": error}, indent=1)
    assert received >= 3, f"only {received} frames reached the kernel; {details}"
    assert prediction == "happy", f"the overlay shows {prediction!r} for the smiling astronaut; {details}"
    assert painted > 500, f"the overlay canvas has only {painted} painted pixels: no box or label drawn; {details}"
    assert error == "", details
