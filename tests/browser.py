"""Headless Chromium for the tests that look at pages the way a browser shows them (the public site,
the Data Docs and plugin pages with hostile values, the daily report), and a live server for an app.

Tests skip when ``CHROMIUM`` is None (``apt-get install chromium fonts-wqy-microhei``)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _run(url: str, tmp: Path, *flags: str, text: bool = False) -> subprocess.CompletedProcess:
    """One headless Chromium run with a fresh profile (no state between runs, nothing fetched on its own)."""
    profile = tmp / f"profile-{time.monotonic_ns()}"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", *flags, url]
    return subprocess.run(command, check=True, timeout=120, capture_output=True, text=text)


def dom(url: str, tmp: Path, *flags: str) -> str:
    """The page's DOM after its scripts ran (3 s of virtual time)."""
    return _run(url, tmp, "--virtual-time-budget=3000", *flags, "--dump-dom", text=True).stdout


def screenshot(url: str, out: Path, size: str, tmp: Path, *flags: str) -> Path:
    """A PNG of the page in a window of ``size`` ("width,height")."""
    _run(url, tmp, f"--window-size={size}", *flags, f"--screenshot={out}")
    return out


@contextlib.contextmanager
def serve_app(app):
    """Run an ASGI app with uvicorn on a free local port; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
