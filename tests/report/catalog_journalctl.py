#!/usr/bin/env python3
"""journalctl reads the catalog: every ID of message_ids.h, and no other, is in the database
that `journalctl --update-catalog` builds from docs/modloadd.catalog (under a scratch root).

  catalog_journalctl.py CATALOG MESSAGE_IDS_H     exit 77 when journalctl is missing
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main(argv):
    catalog, header = argv[1], argv[2]
    journalctl = shutil.which("journalctl")
    if not journalctl:
        print("journalctl is missing: skipped")
        return 77
    with open(header) as f:
        ids = set(re.findall(r'"([0-9a-f]{32})"', f.read()))
    with tempfile.TemporaryDirectory(prefix="modloadd-catalog-") as root:
        target = os.path.join(root, "usr/lib/systemd/catalog")
        os.makedirs(target)
        shutil.copy(catalog, os.path.join(target, "modloadd.catalog"))
        update = subprocess.run([journalctl, f"--root={root}", "--update-catalog"],
                                capture_output=True, text=True)
        if update.returncode != 0 or update.stderr.strip():
            print(f"journalctl --update-catalog: exit {update.returncode}\n{update.stderr}")
            return 1
        listing = subprocess.run([journalctl, f"--root={root}", "--list-catalog"],
                                 capture_output=True, text=True, check=True).stdout
    listed = {}
    for line in listing.splitlines():
        m = re.match(r"([0-9a-f]{32}) (\S+): (.*)", line)
        if m:
            listed[m.group(1)] = (m.group(2), m.group(3))
    problems = []
    for i in sorted(ids - set(listed)):
        problems.append(f"{i}: in message_ids.h, not in what journalctl read")
    for i in sorted(set(listed) - ids):
        problems.append(f"{i}: journalctl read it, message_ids.h has no such ID")
    for i, (by, subject) in sorted(listed.items()):
        if by != "modloadd" or subject in ("", "n/a"):
            problems.append(f"{i}: Defined-By {by!r}, Subject {subject!r}")
    for p in problems:
        print(p)
    print(f"catalog: journalctl read {len(listed)} entries, message_ids.h has {len(ids)} IDs; "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
