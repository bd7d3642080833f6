#!/usr/bin/env python3
"""The tree is the data flow: checks daemon/ against the layout of DESIGN.md ("Layout").

  check_layering.py [DAEMON_DIR]           fail (exit 1) on any breach, naming file and line
  check_layering.py --graph [DAEMON_DIR]   print the include graph by folder
  check_layering.py --self-test            show that every rule catches its breach

Rules:
  - every folder of daemon/ is a stage, and every #include "STAGE/..." goes along the flow;
  - no file over MAX_LINES lines, main.cpp under MAIN_MAX_LINES;
  - no C handle released by hand outside base/ (base/handles.h owns them);
  - each folder's meson.build lists every source of the folder, and only those.
"""
import os
import re
import sys
import tempfile

# What each stage may include besides itself: base/ and system/ are below everything; the
# sources (config, uevent, rules) produce requests; resolve turns them into a graph; load runs
# it; report may read every stage but service/ctl; only service, ctl and main.cpp wire stages.
ALLOWED = {
    "base": set(),
    "system": {"base"},
    "config": {"base", "system"},
    "uevent": {"base", "system", "config"},
    "rules": {"base", "system", "config", "uevent"},
    "resolve": {"base", "system", "config"},
    "load": {"base", "system", "resolve"},
    "report": {"base", "system", "config", "uevent", "rules", "resolve", "load"},
    "service": {"base", "system", "config", "uevent", "rules", "resolve", "load", "report"},
    "ctl": {"base", "system", "config", "uevent", "rules", "resolve", "load", "report", "service"},
}
ALLOWED["main"] = ALLOWED["ctl"]

MAX_LINES = 450
MAIN_MAX_LINES = 200

# Calls that release a C handle: the types of base/handles.h do it.
RELEASE = re.compile(
    r"(?<![\w.>])(?:::)?(closedir|globfree|fclose|pclose|close|free|kmod_\w*unref\w*|"
    r"kmod_\w*free\w*|sd_\w*unref\w*|udev_\w*unref\w*|inotify_rm_watch_all)\s*\(")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]+"')


def stage_of(daemon, path):
    rel = os.path.relpath(path, daemon)
    parts = rel.split(os.sep)
    return "main" if len(parts) == 1 else parts[0]


def sources(daemon):
    for folder, dirs, files in os.walk(daemon):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".cpp", ".h")):
                yield os.path.join(folder, name)


def code_lines(path):
    """(number, text) with // comments and string literals blanked."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
            yield n, line.split("//", 1)[0]


def check(daemon):
    problems = []
    folders = sorted(d for d in os.listdir(daemon) if os.path.isdir(os.path.join(daemon, d)))
    for d in folders:
        if d not in ALLOWED:
            problems.append(f"{d}/: a folder that is no stage of the flow "
                            f"({', '.join(s for s in ALLOWED if s != 'main')})")
    for path in sources(daemon):
        rel = os.path.relpath(path, daemon)
        stage = stage_of(daemon, path)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        lines = text.count("\n")
        if rel == "main.cpp" and lines >= MAIN_MAX_LINES:
            problems.append(f"{rel}: {lines} lines (it must stay under {MAIN_MAX_LINES})")
        elif lines > MAX_LINES:
            problems.append(f"{rel}: {lines} lines (the bound is {MAX_LINES})")
        if stage not in ALLOWED:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if m and m.group(1) != stage and m.group(1) not in ALLOWED[stage]:
                problems.append(f"{rel}:{n}: {stage}/ includes {m.group(1)}/, against the flow")
        if stage != "base":
            for n, line in code_lines(path):
                m = RELEASE.search(line)
                if m:
                    problems.append(f"{rel}:{n}: {m.group(1)}() by hand; own the handle with a "
                                    f"type of base/handles.h")
    for d in folders:
        build = os.path.join(daemon, d, "meson.build")
        listed = set()
        if os.path.exists(build):
            with open(build) as f:
                listed = set(re.findall(r"'([\w./-]+\.cpp)'", f.read()))
        present = {n for n in os.listdir(os.path.join(daemon, d)) if n.endswith(".cpp")}
        for name in sorted(present - listed):
            problems.append(f"{d}/{name}: not listed in {d}/meson.build")
        for name in sorted(listed - present):
            problems.append(f"{d}/meson.build lists {name}, which is not in {d}/")
    return problems


def graph(daemon):
    edges = {}
    for path in sources(daemon):
        stage = stage_of(daemon, path)
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = INCLUDE.match(line)
                if m and m.group(1) != stage:
                    edges[(stage, m.group(1))] = edges.get((stage, m.group(1)), 0) + 1
    order = ["main", "ctl", "service", "report", "load", "resolve", "rules", "uevent",
             "config", "system", "base"]
    for stage in order:
        targets = sorted((t for (s, t) in edges if s == stage), key=order.index)
        if targets:
            print(f"{stage:>8} -> " + ", ".join(f"{t} ({edges[(stage, t)]})" for t in targets))


def self_test():
    """Each rule, broken on purpose in a small tree, must be caught; the clean tree must pass."""
    def tree(files):
        root = tempfile.mkdtemp(prefix="layering-")
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        return root

    clean = {
        "main.cpp": '#include "service/daemon.h"\nint main() {}\n',
        "base/meson.build": "base_sources = files('strings.cpp')\n",
        "base/strings.cpp": "void f() { closedir(d); }\n",
        "service/meson.build": "service_sources = files('daemon.cpp')\n",
        "service/daemon.cpp": '#include "base/strings.h"\n// closedir( in a comment\n'
                              'const char *s = "close(fd)";\nvoid g() { fd.reset(); }\n',
    }
    breaches = {
        "include against the flow": {"base/strings.cpp": '#include "service/daemon.h"\n'},
        "folder outside the stages": {"session/x.h": "\n"},
        "file too long": {"service/daemon.cpp": "\n" * (MAX_LINES + 1)},
        "main.cpp too long": {"main.cpp": "\n" * MAIN_MAX_LINES},
        "handle by hand": {"service/daemon.cpp": "void g() { ::closedir(dir); }\n"},
        "raw close": {"service/daemon.cpp": "void g() { close(fd); }\n"},
        "unref by hand": {"service/daemon.cpp": "void g() { sd_event_source_unref(s); }\n"},
        "source not listed": {"service/other.cpp": "\n"},
    }
    failures = 0
    problems = check(tree(clean))
    if problems:
        print("self-test: the clean tree was refused:", *problems, sep="\n  ")
        failures += 1
    for name, change in breaches.items():
        problems = check(tree({**clean, **change}))
        print(f"self-test: {name}: {'caught' if problems else 'MISSED'}"
              + (f" ({problems[0]})" if problems else ""))
        failures += not problems
    return 1 if failures else 0


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "daemon")
    if argv[1:2] == ["--self-test"]:
        return self_test()
    if argv[1:2] == ["--graph"]:
        graph(argv[2] if len(argv) > 2 else default)
        return 0
    daemon = argv[1] if len(argv) > 1 else default
    problems = check(daemon)
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} problems in {os.path.normpath(daemon)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
