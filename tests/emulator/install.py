"""Makes the emulator's virtual environment, .venv-moto at the repository root, if needed.

Run with the system python3: `python3 tests/emulator/install.py`. Used by the Rust test
harness, scripts/demo.sh and .ci/run, possibly several at once (parallel test binaries),
so the check and the install run under an exclusive lock on .venv-moto/.install-lock;
the kernel drops the lock if the holder dies. The venv counts as ready when its python
imports moto and boto3 and it was installed from the current requirements.txt.
Prints the venv's python path on stdout; progress and errors go to stderr.
"""

from __future__ import annotations

import fcntl
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-moto"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "tests" / "emulator" / "requirements.txt"
STAMP = VENV / "requirements.installed"


def is_ready() -> bool:
    if not PYTHON.exists() or not STAMP.exists():
        return False
    if STAMP.read_bytes() != REQUIREMENTS.read_bytes():
        return False
    probe = subprocess.run([PYTHON, "-c", "import moto, boto3"], capture_output=True)
    return probe.returncode == 0


def install() -> None:
    start = time.monotonic()
    print(f"installing the moto emulator into {VENV} ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run(
        [PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q",
         "-r", REQUIREMENTS],
        check=True,
        stdout=sys.stderr,
    )  # fmt: skip
    STAMP.write_bytes(REQUIREMENTS.read_bytes())
    took = time.monotonic() - start
    print(f"installed the moto emulator in {took:.0f}s", file=sys.stderr, flush=True)


def main() -> int:
    VENV.mkdir(exist_ok=True)
    with open(VENV / ".install-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_ready():
            try:
                install()
            except subprocess.CalledProcessError as err:
                cmd = " ".join(str(a) for a in err.cmd)
                print(f"emulator install failed: `{cmd}` exited {err.returncode}",
                      file=sys.stderr)  # fmt: skip
                return 1
    print(PYTHON)
    return 0


if __name__ == "__main__":
    sys.exit(main())
