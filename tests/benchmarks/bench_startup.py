"""How long `staffroom` takes to start, against `python3 -c pass` on the same machine.

Run on demand (not collected by pytest):

    python -m tests.benchmarks.bench_startup [--runs 15]

Each command runs as its own process, the way an operator runs it (the installed
`staffroom` script when there is one next to this Python, else `python -m bot`), with
output discarded; the figure is the median wall-clock time of the runs. Target: `--help`
and the short commands within 0.35 s. `import bot.app` (everything a command that opens
the database loads) is shown for comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.35


def staffroom_command() -> list[str]:
    script = Path(sys.executable).with_name("staffroom")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                       check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    env = {k: v for k, v in os.environ.items() if not k.startswith("STAFFROOM_")}
    with tempfile.TemporaryDirectory() as folder:
        env["STAFFROOM_DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
        staffroom = staffroom_command()
        cases = [
            ("python3 -c pass (baseline)", [sys.executable, "-c", "pass"]),
            ("staffroom --help", [*staffroom, "--help"]),
            ("staffroom --version", [*staffroom, "--version"]),
            ("staffroom config example", [*staffroom, "config", "example"]),
            ("staffroom backup --help", [*staffroom, "backup", "--help"]),
            ("python3 -c 'import bot.app' (all of it)",
             [sys.executable, "-c", "import bot.app"]),
        ]
        baseline = None
        print(f"{'command':<42} {'median':>8} {'over baseline':>14}  ({runs} runs each)")
        for name, argv in cases:
            seconds = median_seconds(argv, runs, env)
            baseline = seconds if baseline is None else baseline
            verdict = ""
            if name.startswith("staffroom"):
                verdict = "  ok" if seconds <= TARGET_SECONDS else "  OVER TARGET"
            print(f"{name:<42} {seconds:>7.3f}s {seconds - baseline:>+13.3f}s{verdict}")


if __name__ == "__main__":
    main()
