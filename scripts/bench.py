"""How fast `vpcwatch check` is, against the local emulator at a realistic distance.

Usage: .venv-moto/bin/python scripts/bench.py --vpcwatch PATH [--prowler PATH]
                                             [--delay SECONDS] [--runs N]
                                             [--accounts N] [--concurrency N]

Starts the emulator (tests/emulator/server.py) on 127.0.0.1 and, in front of it, the
loopback proxy of the test suite (tests/emulator/faultproxy.py) with one rule: every
request waits `--delay` seconds (default 0.05) before it is forwarded, standing in for
the distance to AWS. Seeds a sound alert chain, then runs, `--runs` times each (default
5), and reports the median:

  1 account x 1 region       the caller's account in us-east-1
  1 account x 17 regions     the 17 regions every account has enabled by default
  N accounts x 3 regions     an organization of `--accounts` (default 50) accounts,
                             `--org` with a role session in each member

For each: wall time, AWS calls (as the proxy saw them), the sequential round trips on
the critical path (the longest chain of calls each of which started only after the one
before it had been answered) and peak memory (maximum resident set size). With
`--prowler` (or `prowler` on PATH), Prowler's four CIS checks of the same chain run on
the same single account, in one region and in 17, through the same proxy (half as many
runs: each takes tens of seconds). Prints a Markdown table.
Every process it starts listens on 127.0.0.1 only and is stopped by PID.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
EMULATOR = ROOT / "tests/emulator"
DEFAULT_ACCOUNT = "123456789012"
REGION = "us-east-1"
# Enabled in every AWS account by default (the others are opt-in).
DEFAULT_REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
    "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "sa-east-1",
]
ORGANIZATION_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
PROWLER_CHECKS = [
    "cloudwatch_changes_to_vpcs_alarm_configured",
    "cloudwatch_changes_to_network_acls_alarm_configured",
    "cloudwatch_changes_to_network_gateways_alarm_configured",
    "cloudwatch_changes_to_network_route_tables_alarm_configured",
]


class Process:
    """A helper process driven by JSON lines, stopped by PID."""

    def __init__(self, argv: list[str]):
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=EMULATOR
        )
        ready = json.loads(self.proc.stdout.readline() or "{}")
        if not ready.get("ready"):
            self.stop()
            sys.exit(f"{argv[1]} did not start")
        self.endpoint = ready["endpoint"]

    def request(self, command: dict[str, Any]) -> dict[str, Any]:
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        if not reply.get("ok"):
            sys.exit(f"emulator: {command}: {reply.get('error')}")
        return reply

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def control(proxy: str, what: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    method = "GET" if body is None else "PUT"
    request = urllib.request.Request(f"{proxy}/__faultproxy/{what}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def environment(endpoint: str, keys: dict[str, Any], home: pathlib.Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_ACCESS_KEY_ID=keys["access_key_id"],
        AWS_SECRET_ACCESS_KEY=keys["secret_access_key"],
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        HOME=str(home),
    )
    if keys.get("session_token"):
        env["AWS_SESSION_TOKEN"] = keys["session_token"]
    return env


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, exit status and peak resident memory (KiB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, proc.returncode, usage.ru_maxrss


def round_trips(calls: list[dict[str, Any]]) -> int:
    """The longest chain of calls each started after the previous one was answered."""
    depth: list[int] = []
    ordered = sorted(calls, key=lambda c: c["start"])
    for i, call in enumerate(ordered):
        before = [depth[j] for j in range(i) if ordered[j]["end"] <= call["start"]]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)


def measure(name: str, argv: list[str], env: dict[str, str], proxy: str, rules: list,
            runs: int, expect: tuple[int, ...]) -> dict[str, Any]:
    walls, memory, calls, trips = [], [], [], []
    for _ in range(runs):
        control(proxy, "rules", rules)
        wall, status, rss = timed(argv, env)
        if status not in expect:
            sys.exit(f"{name}: exit status {status}, expected {expect}: {' '.join(argv)}")
        seen = control(proxy, "calls")
        walls.append(wall)
        memory.append(rss)
        calls.append(len(seen))
        trips.append(round_trips(seen))
    return {
        "name": name,
        "wall": statistics.median(walls),
        "calls": int(statistics.median(calls)),
        "round_trips": int(statistics.median(trips)),
        "memory_mib": max(memory) / 1024,
    }


def seed_organization(emulator: Process, accounts: int) -> None:
    """The default account (already seeded) manages `accounts - 1` sound members."""
    members = emulator.request({"organization": accounts - 1})["members"]
    for account in members:
        emulator.request({"seed": "sound", "account": account, "region": REGION})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vpcwatch", required=True, type=pathlib.Path)
    parser.add_argument("--prowler", default=shutil.which("prowler"))
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    python = sys.executable
    emulator = Process([python, "server.py", str(free_port())])
    proxy_process = None
    try:
        proxy_process = Process([python, "faultproxy.py", emulator.endpoint])
        proxy = proxy_process.endpoint
        rules = [{"call": "*", "fault": "delay", "seconds": args.delay}]
        emulator.request({"seed": "sound", "account": DEFAULT_ACCOUNT, "region": REGION})
        keys = emulator.request({"credentials": DEFAULT_ACCOUNT})["credentials"]
        home = pathlib.Path(tempfile.mkdtemp(prefix="vpcwatch-bench-"))
        env = environment(proxy, keys, home)
        check = [str(args.vpcwatch), "check", "-q"]
        regions = [w for r in DEFAULT_REGIONS for w in ("--region", r)]
        rows = [
            measure("1 account x 1 region", [*check, "--region", REGION], env, proxy,
                    rules, args.runs, (0,)),
            measure("1 account x 17 regions", [*check, *regions], env, proxy, rules,
                    args.runs, (0,)),
        ]
        if args.prowler:
            prowler = [args.prowler, "aws", "--checks", *PROWLER_CHECKS, "--no-banner",
                       "--output-directory", str(home / "prowler"), "-f"]
            # Prowler exits 3 when a check fails.
            for name, where in [("1 region", [REGION]), ("17 regions", DEFAULT_REGIONS)]:
                rows.append(measure(f"Prowler, 1 account x {name}", [*prowler, *where], env,
                                    proxy, rules, max(1, args.runs // 2), (0, 3)))
        seed_organization(emulator, args.accounts)
        organization = [*check, "--org", "--concurrency", str(args.concurrency)]
        organization += [w for r in ORGANIZATION_REGIONS for w in ("--region", r)]
        rows.append(measure(f"{args.accounts} accounts x 3 regions", organization, env, proxy,
                            rules, args.runs, (0,)))
    finally:
        if proxy_process:
            proxy_process.stop()
        emulator.stop()

    print(f"{args.delay * 1000:.0f} ms per request, median of {args.runs} runs, "
          f"--concurrency {args.concurrency}\n")
    print("| run | wall time | AWS calls | round trips on the critical path | peak memory |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['name']} | {row['wall']:.2f} s | {row['calls']} | "
              f"{row['round_trips']} | {row['memory_mib']:.0f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
