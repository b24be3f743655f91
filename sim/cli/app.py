"""``crisis-sim app``: serve the planner app (``sim/app/main.py``) with Streamlit.

It serves on 127.0.0.1 (this computer only) unless ``--address`` says otherwise, prints
the address to open, and then becomes the Streamlit server (the same process, so stopping
it stops the server). The app is not imported here: the command line sits below it in the
layers (``pyproject.toml``) and only starts it. Needs the optional extra:
``pip install -e ".[app]"``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app" / "main.py"
"""The app's entry script."""

DEFAULT_PORT = 8501
MAX_UPLOAD_MB = 1
"""Largest upload Streamlit accepts, in MB (the scenario loader's limit is 1 MiB)."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="crisis-sim app",
        description="Serve the planner app in a browser: build scenarios, run and compare "
                    "them, read the funding case (docs/app.md).")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to serve on (default {DEFAULT_PORT})")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to serve on (default 127.0.0.1: this computer only; "
                        "0.0.0.0 would let other computers in)")
    return p


def command(address: str, port: int) -> list[str]:
    """The ``streamlit run`` command line that serves the app."""
    return [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.address", address, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", str(MAX_UPLOAD_MB), "--server.fileWatcherType", "none",
            "--client.toolbarMode", "minimal", "--global.developmentMode", "false"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``crisis-sim app``; returns the exit status (if it returns)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not 1 <= args.port <= 65535:
        print(f"crisis-sim app: --port must be 1 to 65535, got {args.port}", file=sys.stderr)
        return 2
    if importlib.util.find_spec("streamlit") is None:
        print("crisis-sim app: Streamlit is not installed; install the app's extra: "
              "pip install -e \".[app]\"", file=sys.stderr)
        return 2
    host = f"[{args.address}]" if ":" in args.address else args.address
    print(f"Crisis response planner: open http://{host}:{args.port} in a browser "
          "(Ctrl+C stops it)", flush=True)
    cmd = command(args.address, args.port)
    if os.name == "posix":
        sys.stderr.flush()
        os.execv(cmd[0], cmd)  # become the server: stopping this process stops it
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 130
