#!/usr/bin/env python3
"""The longest silence of the watchdog while a daemon reloads many rules.

    watchdog_gap.py [--rules N] [--rounds K] [--watchdog-ms MS] DAEMON [DAEMON ...]

For each DAEMON (a modloadd executable; two builds compare side by side, alternating), on a
fixture root (tests/fixtures/make-module-tree.sh) with N rule files that do not hold: start it
with the simulated backend, NOTIFY_SOCKET and WATCHDOG_USEC, wait for its summary, send SIGHUP
and take the time of every WATCHDOG=1 from RELOADING=1 until READY=1. Prints, per daemon, the
median over K rounds of the reload's length and of the longest gap between two WATCHDOG=1
(sd-event sends one every half of WATCHDOG_USEC when its loop is free), then SIGTERM.

A benchmark, not a test: figures, no verdict. Runs as any user; builds the fixture tree in a
temporary directory (needs gcc, depmod).
"""

import argparse
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
TREE_SCRIPT = HERE.parent / "tests" / "fixtures" / "make-module-tree.sh"
KERNEL = "6.1.0-fixture"


def make_root(base, rules):
    root = pathlib.Path(base) / "root"
    subprocess.run(["bash", str(TREE_SCRIPT), str(root), KERNEL], check=True,
                   stdout=subprocess.DEVNULL)
    (root / "etc/modules-load.d").mkdir(parents=True)
    (root / "etc/modules-load.d/a.conf").write_text("fx_chain_c\n")
    # No uevents and no devices: the reload is all there is to measure.
    (root / "etc/modloadd.conf").write_text(
        "[Load]\nWatchConfiguration=no\n[Devices]\nUevents=none\n")
    rules_dir = root / "etc/modloadd/rules.d"
    rules_dir.mkdir(parents=True)
    for i in range(rules):
        (rules_dir / f"r{i:06d}.rules").write_text(
            f"[Match]\nConditionPathExists=/etc/absent-{i}\n[Load]\nModules=fx_soft\n")
    return root


def receive_until(sock, wanted, deadline, seen):
    """Datagrams until one holds WANTED (True) or the deadline (False); each as (time, text)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            data = sock.recv(65536).decode(errors="replace")
        except socket.timeout:
            return False
        seen.append((time.monotonic(), data))
        if wanted(data):
            return True


def one_round(daemon, root, watchdog_us, base):
    path = os.path.join(base, "notify")
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(watchdog_us))
    proc = subprocess.Popen([daemon, "--root", str(root), "--kernel", KERNEL, "--backend",
                             "simulated", "--log-target", "console"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        seen = []
        # The summary's STATUS (READY=1 comes earlier, with the static lists).
        if not receive_until(sock, lambda d: "STATUS=Loaded " in d, time.monotonic() + 600,
                             seen):
            raise RuntimeError(f"{daemon}: no summary within 600 s")
        time.sleep(0.5)
        seen.clear()
        begun = time.monotonic()
        proc.send_signal(signal.SIGHUP)
        if not receive_until(sock, lambda d: "RELOADING=1" in d, time.monotonic() + 60, seen):
            raise RuntimeError(f"{daemon}: no RELOADING=1")
        if not receive_until(sock, lambda d: "READY=1" in d, time.monotonic() + 600, seen):
            raise RuntimeError(f"{daemon}: no READY=1 after the reload")
        ended = time.monotonic()
        marks = [begun] + [t for t, d in seen if "WATCHDOG=1" in d] + [ended]
        gap = max(b - a for a, b in zip(marks, marks[1:]))
        return ended - begun, gap
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        sock.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("daemons", nargs="+", metavar="DAEMON")
    ap.add_argument("--rules", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--watchdog-ms", type=int, default=200)
    args = ap.parse_args()
    if not shutil.which("depmod"):
        sys.exit("watchdog_gap.py: depmod is needed for the fixture tree")
    base = tempfile.mkdtemp(prefix="modloadd-wdgap.")
    try:
        root = make_root(base, args.rules)
        results = {d: [] for d in args.daemons}
        for _ in range(args.rounds):
            for d in args.daemons:  # alternating: the machine's noise falls on both
                results[d].append(one_round(d, root, args.watchdog_ms * 1000, base))
        print(f"{args.rules} rules that do not hold, WATCHDOG_USEC={args.watchdog_ms} ms "
              f"(WATCHDOG=1 every {args.watchdog_ms // 2} ms when free), {args.rounds} rounds, "
              "medians:")
        print(f"{'daemon':50} {'reload s':>9} {'longest gap s':>14}")
        for d, rounds in results.items():
            print(f"{d:50} {statistics.median(r[0] for r in rounds):9.2f} "
                  f"{statistics.median(r[1] for r in rounds):14.2f}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
