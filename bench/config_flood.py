#!/usr/bin/env python3
"""How long a plan and a boot take when one module is named by very many modules-load.d files.

    config_flood.py [--files N] [--rounds K] BUILD [BUILD ...]

For each BUILD (a meson build directory holding daemon/modloadd and daemon/ctl/modloadctl; two
builds compare side by side, alternating), on a fixture root (tests/fixtures/make-module-tree.sh)
whose /etc/modules-load.d holds N files that each name fx_soft: the time of
`modloadctl plan --no-devices` and of `modloadd --once --backend simulated` (read, resolve,
load, exit). Prints the median over K rounds of each.

A benchmark, not a test: figures, no verdict. Runs as any user; builds the fixture tree in a
temporary directory (needs gcc, depmod).
"""

import argparse
import pathlib
import statistics
import subprocess
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
TREE_SCRIPT = HERE.parent / "tests" / "fixtures" / "make-module-tree.sh"
KERNEL = "6.1.0-fixture"


def make_root(base, files):
    root = pathlib.Path(base) / "root"
    subprocess.run(["bash", str(TREE_SCRIPT), str(root), KERNEL], check=True,
                   stdout=subprocess.DEVNULL)
    conf = root / "etc/modules-load.d"
    conf.mkdir(parents=True)
    for i in range(files):
        (conf / f"f{i:06d}.conf").write_text("fx_soft\n")
    return root


def timed(command):
    start = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("builds", nargs="+")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as base:
        root = make_root(base, args.files)
        plans = {b: [] for b in args.builds}
        boots = {b: [] for b in args.builds}
        for _ in range(args.rounds):
            for b in args.builds:
                build = pathlib.Path(b)
                plans[b].append(timed([str(build / "daemon/ctl/modloadctl"), "plan", "--root",
                                       str(root), "--kernel", KERNEL, "--no-devices"]))
                boots[b].append(timed([str(build / "daemon/modloadd"), "--once", "--root",
                                       str(root), "--kernel", KERNEL, "--backend",
                                       "simulated", "--log-target", "console"]))
        print(f"{args.files} modules-load.d files naming one module, medians of {args.rounds}:")
        for b in args.builds:
            print(f"  {b}: plan {statistics.median(plans[b]):.2f} s, "
                  f"modloadd --once {statistics.median(boots[b]):.2f} s")


if __name__ == "__main__":
    main()
