#!/usr/bin/env python3
"""Summarize a modloadd VM test bed boot: summarize.py DIR [--json] | --table DIR...

DIR is a tools/vm/boot.sh --out directory (or its collect/ subdirectory). Prints which modules
were loaded in the guest and by which process (the module:module_load trace: comm, TGID),
which ones modloadd loaded and which others did, the failures modloadd reported with their
reasons (MODLOADD_MODULE, ERRNO, MODLOADD_KERNEL_MESSAGE, MESSAGE), modloadd's StatusText,
the time from boot to the last module_load event and modloadd's resident size.

--json prints the same as one JSON object; --table DIR... prints medians per mode (stock,
modloadd) over several boots (tools/vm/compare.sh uses it).

Also a library: tests/vm/ imports load() and the helpers below. Python 3 stdlib only.
"""
import json
import os
import re
import statistics
import sys

# "   modloadd-125     (    114) [001] .....    16.001100: module_load: libchacha "
# (record-tgid adds the parenthesised TGID; without it the column is absent)
TRACE_RE = re.compile(
    r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+(?:\(\s*(?P<tgid>[\d-]+)\)\s+)?\[(?P<cpu>\d+)\]\s+"
    r"\S+\s+(?P<ts>\d+\.\d+):\s+module_load:\s+(?P<module>\S+)")


def norm(name):
    """Module names as the kernel spells them: '-' and '_' are the same."""
    return name.replace("-", "_")


def read(path, default=None):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


def parse_show(text):
    """`systemctl show` output → dict (first value of a repeated key wins)."""
    props = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key not in props:
            props[key] = value
    return props


def parse_journal(text):
    entries = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass
    return entries


def field(entry, name):
    """A journal field as one string (journalctl -o json gives a list when repeated)."""
    v = entry.get(name)
    if isinstance(v, list):
        v = v[0] if v else None
    if isinstance(v, list):  # a binary field (list of bytes)
        v = bytes(v).decode("utf-8", "replace")
    return v


def parse_trace(text):
    events = []
    for line in (text or "").splitlines():
        if line.startswith("#"):
            continue
        m = TRACE_RE.match(line)
        if m:
            tgid = m.group("tgid")
            events.append({
                "ts": float(m.group("ts")),
                "comm": m.group("comm").strip(),
                "pid": int(m.group("pid")),
                "tgid": int(tgid) if tgid and tgid.strip("-") else None,
                "module": norm(m.group("module")),
            })
    return events


def parse_proc_modules(text):
    return {norm(line.split()[0]) for line in (text or "").splitlines() if line.strip()}


def parse_status_rss(text, key="VmRSS"):
    m = re.search(rf"^{key}:\s+(\d+)\s+kB", text or "", re.M)
    return int(m.group(1)) if m else None


def parse_analyze_time(text):
    """'Startup finished in 3.861s (kernel) + 25.380s (userspace) = 29.241s' → seconds."""
    def seconds(s):
        total = 0.0
        for num, unit in re.findall(r"([\d.]+)(min|ms|s)", s):
            total += float(num) * {"min": 60, "s": 1, "ms": 0.001}[unit]
        return total
    out = {}
    line = (text or "").splitlines()[0] if text else ""
    for part, label in re.findall(r"([\d.]+(?:min|ms|s)(?:\s*[\d.]+(?:ms|s))?)\s+\((\w+)\)", line):
        out[label] = seconds(part)
    m = re.search(r"=\s*([\d.]+(?:min|ms|s)(?:\s*[\d.]+(?:ms|s))?)\s*$", line.strip())
    if m:
        out["total"] = seconds(m.group(1))
    return out


def parse_show_depends(text):
    """modprobe --show-depends output → [module names] in load order (None: not found)."""
    if text is None or "not found" in text and "insmod" not in text:
        return None
    mods = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "insmod":
            mods.append(norm(os.path.basename(words[1]).split(".ko")[0]))
        elif len(words) >= 2 and words[0] == "builtin":
            mods.append(norm(words[1]))
    return mods


def requested_names(etc_dir):
    """The names of the collected /etc/modules-load.d/*.conf, in file and line order."""
    names = []
    d = os.path.join(etc_dir, "modules-load.d")
    for fn in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not fn.endswith(".conf"):
            continue
        for line in (read(os.path.join(d, fn)) or "").splitlines():
            line = line.strip()
            if line and line[0] not in "#;":
                names.append(line)
    return names


def classify_loader(ev, modloadd_pids):
    """Which program inserted a module, from a trace event."""
    comm = ev["comm"]
    if (ev["tgid"] is not None and ev["tgid"] in modloadd_pids) or comm == "modloadd":
        return "modloadd"
    if comm.startswith("systemd-modules"):
        return "systemd-modules-load"
    if comm in ("(udev-worker)", "systemd-udevd") or comm.startswith("udev"):
        return "udev"
    if comm == "modprobe":
        return "modprobe"
    if comm == "systemd" and ev["pid"] == 1:
        return "systemd (PID 1)"
    return comm


def load_phase(d):
    ph = {"dir": d}
    ph["trace"] = parse_trace(read(os.path.join(d, "trace")))
    ph["proc_modules"] = parse_proc_modules(read(os.path.join(d, "proc-modules")))
    ph["uptime"] = float((read(os.path.join(d, "uptime")) or "0").split()[0] or 0)
    ph["manager"] = parse_show(read(os.path.join(d, "manager.show")))
    ph["units"] = {}
    ph["unit_journal"] = {}
    for fn in os.listdir(d):
        if fn.endswith(".show") and fn != "manager.show":
            ph["units"][fn[:-5]] = parse_show(read(os.path.join(d, fn)))
        if fn.startswith("journal-") and fn.endswith(".json"):
            ph["unit_journal"][fn[len("journal-"):-5]] = parse_journal(read(os.path.join(d, fn)))
    ph["journal"] = ph["unit_journal"].get("modloadd", [])
    ph["by_module"] = {}
    bm = os.path.join(d, "journal-by-module")
    for fn in os.listdir(bm) if os.path.isdir(bm) else []:
        ph["by_module"][fn[:-5]] = parse_journal(read(os.path.join(bm, fn)))
    ph["show_depends"] = {}
    for fn in os.listdir(d):
        if fn.startswith("show-depends-"):
            ph["show_depends"][fn[len("show-depends-"):]] = parse_show_depends(read(os.path.join(d, fn)))
    ph["rss_kb"] = {}
    ph["rss_anon_kb"] = {}
    for fn in os.listdir(d):
        if fn.startswith("status-"):
            text = read(os.path.join(d, fn))
            ph["rss_kb"][fn[len("status-"):]] = parse_status_rss(text)
            ph["rss_anon_kb"][fn[len("status-"):]] = parse_status_rss(text, "RssAnon")
    ph["analyze_time"] = parse_analyze_time(read(os.path.join(d, "analyze-time.txt")))
    ph["modprobe_units"] = sorted(set(re.findall(r"modprobe@([\w-]+)\.service", read(os.path.join(d, "units.txt")) or "")))
    return ph


def load(path):
    """Everything a boot left, as dicts and lists (see load_phase)."""
    c = path if os.path.isfile(os.path.join(path, "cmdline")) else os.path.join(path, "collect")
    if not os.path.isfile(os.path.join(c, "cmdline")):
        raise FileNotFoundError(f"{path}: no collector output (collect/cmdline)")
    r = {"dir": c}
    r["mode"] = (read(os.path.join(c, "mode")) or "?").strip()
    r["kernel"] = (read(os.path.join(c, "kernel-release")) or "?").strip()
    r["cmdline"] = (read(os.path.join(c, "cmdline")) or "").strip()
    r["requested"] = requested_names(os.path.join(c, "etc"))
    r["phases"] = {}
    for name in sorted(os.listdir(c)):
        if os.path.isfile(os.path.join(c, name, "trace")):
            r["phases"][name] = load_phase(os.path.join(c, name))
    r["actions"] = {}
    ad = os.path.join(c, "actions")
    for fn in sorted(os.listdir(ad)) if os.path.isdir(ad) else []:
        label, _, kind = fn.rpartition(".")
        if kind in ("rc", "out", "cmd", "uptime"):
            r["actions"].setdefault(label, {})[kind] = (read(os.path.join(ad, fn)) or "").strip()
    host_wall = read(os.path.join(os.path.dirname(c), "host-wall-seconds"))
    r["host_wall_seconds"] = float(host_wall) if host_wall else None
    return r


def modloadd_pids(phase):
    """PIDs the modloadd daemon had in this boot: journal _PID, and MainPID."""
    pids = set()
    for e in phase["journal"]:
        if field(e, "SYSLOG_IDENTIFIER") == "modloadd" or field(e, "_COMM") == "modloadd":
            try:
                pids.add(int(field(e, "_PID")))
            except (TypeError, ValueError):
                pass
    main = phase["units"].get("modloadd", {}).get("MainPID")
    if main and main != "0":
        pids.add(int(main))
    return pids


def expected_modules(r, phase=None):
    """{requested name: [modules it needs, in order]} from the guest's modprobe --show-depends
    (None for a name the kernel does not have)."""
    phase = phase or r["phases"]["boot"]
    return {n: phase["show_depends"].get(n) for n in r["requested"]}


def outcomes(phase):
    """{module: [journal entries of modloadd about it]}"""
    out = {}
    for e in phase["journal"]:
        m = field(e, "MODLOADD_MODULE")
        if m:
            out.setdefault(norm(m), []).append(e)
    return out


def summary(r, phase_name="boot"):
    """The numbers and lists the report prints (JSON-friendly)."""
    ph = r["phases"][phase_name]
    pids = modloadd_pids(ph)
    loads = []
    for ev in ph["trace"]:
        loads.append(dict(ev, loader=classify_loader(ev, pids)))
    by_loader = {}
    for ev in loads:
        by_loader.setdefault(ev["loader"], []).append(ev["module"])
    exp = expected_modules(r, ph)
    wanted = sorted({m for mods in exp.values() if mods for m in mods})
    ust = int(ph["manager"].get("UserspaceTimestampMonotonic", "0") or 0) / 1e6
    fin = int(ph["manager"].get("FinishTimestampMonotonic", "0") or 0) / 1e6
    last = max((ev["ts"] for ev in loads), default=None)
    last_wanted = max((ev["ts"] for ev in loads if ev["module"] in wanted), default=None)
    failures = []
    for e in ph["journal"]:
        prio = int(field(e, "PRIORITY") or 6)
        if field(e, "MODLOADD_MODULE") and prio <= 4:
            failures.append({
                "module": field(e, "MODLOADD_MODULE"),
                "outcome": field(e, "MODLOADD_OUTCOME"),
                "errno": field(e, "ERRNO"),
                "kernel_message": field(e, "MODLOADD_KERNEL_MESSAGE"),
                "message": field(e, "MESSAGE"),
                "priority": prio,
            })
    unit = ph["units"].get("modloadd", {})
    sml = ph["units"].get("systemd-modules-load", {})
    rss = dict(ph["rss_kb"])
    # The loader of modules-load.d: when it started, inserted its first module, and was done
    # (modloadd: READY=1, the unit's activation; systemd-modules-load: its exit).
    mono = lambda props, key: (int(props.get(key, "0") or 0) / 1e6) or None
    if r["mode"] == "modloadd":
        lname, lstart, ldone = "modloadd", mono(unit, "ExecMainStartTimestampMonotonic"), mono(unit, "ActiveEnterTimestampMonotonic")
    else:
        lname, lstart, ldone = "systemd-modules-load", mono(sml, "ExecMainStartTimestampMonotonic"), mono(sml, "ExecMainExitTimestampMonotonic")
    lfirst = min((ev["ts"] for ev in loads if ev["loader"] == lname), default=None)
    return {
        "mode": r["mode"],
        "kernel": r["kernel"],
        "phase": phase_name,
        "loads": loads,
        "by_loader": by_loader,
        "requested": r["requested"],
        "requested_modules": wanted,
        "loaded_now": sorted(ph["proc_modules"]),
        "failures": failures,
        "modloadd": {k: unit.get(k) for k in ("LoadState", "ActiveState", "SubState", "Result", "StatusText", "NRestarts", "MainPID", "ExecMainStatus")},
        "systemd_modules_load": {k: sml.get(k) for k in ("LoadState", "ActiveState", "SubState", "Result", "ExecMainStatus")},
        "rss_kb": rss,
        "rss_anon_kb": dict(ph["rss_anon_kb"]),
        "times": {
            "kernel_s": ph["analyze_time"].get("kernel"),
            "userspace_s": ph["analyze_time"].get("userspace"),
            "boot_total_s": ph["analyze_time"].get("total"),
            "pid1_start_s": ust or None,
            "boot_finished_s": fin or None,
            "last_module_load_s": last,
            "last_requested_load_s": last_wanted,
            "last_module_load_after_pid1_s": (last - ust) if last is not None and ust else None,
            "last_requested_load_after_pid1_s": (last_wanted - ust) if last_wanted is not None and ust else None,
            "loader_start_s": lstart,
            "loader_first_insert_after_start_s": (lfirst - lstart) if lfirst is not None and lstart else None,
            "loader_done_after_start_s": (ldone - lstart) if ldone and lstart else None,
            "uptime_at_collection_s": ph["uptime"],
            "host_wall_s": r["host_wall_seconds"],
        },
    }


def fmt_s(v):
    return "-" if v is None else f"{v:.2f}s"


def print_summary(s, out=sys.stdout):
    p = lambda *a: print(*a, file=out)
    p(f"mode {s['mode']}, kernel {s['kernel']}, phase {s['phase']}")
    p(f"\nmodule loads in the trace ({len(s['loads'])}), time since boot, loader (comm-pid, tgid):")
    wanted = set(s["requested_modules"])
    for ev in s["loads"]:
        mark = "*" if ev["module"] in wanted else " "
        p(f"  {ev['ts']:9.3f} {mark} {ev['module']:<24} {ev['loader']:<20} ({ev['comm']}-{ev['pid']}, tgid {ev['tgid']})")
    p("  (* = asked for by modules-load.d, or a dependency of such a module)")
    p("\nby loader:")
    for loader, mods in sorted(s["by_loader"].items()):
        p(f"  {loader:<20} {len(mods):3}  {' '.join(mods)}")
    missing = [m for m in s["requested_modules"] if m not in s["loaded_now"]]
    p(f"\nmodules-load.d asks for: {' '.join(s['requested'])}")
    p(f"  with dependencies: {len(s['requested_modules'])} modules; not in /proc/modules: {' '.join(missing) or 'none'}")
    if s["mode"] == "modloadd":
        u = s["modloadd"]
        p(f"\nmodloadd.service: {u['ActiveState']}/{u['SubState']} result={u['Result']} "
          f"NRestarts={u['NRestarts']} MainPID={u['MainPID']}")
        p(f"  StatusText: {u['StatusText']}")
    else:
        u = s["systemd_modules_load"]
        p(f"\nsystemd-modules-load.service: {u['ActiveState']}/{u['SubState']} result={u['Result']} status={u['ExecMainStatus']}")
    p("\nfailures and warnings modloadd reported:" + ("" if s["failures"] else " none"))
    for f in s["failures"]:
        p(f"  {f['module']}: {f['outcome']} ERRNO={f['errno']} priority={f['priority']}")
        if f["kernel_message"]:
            p(f"    kernel: {f['kernel_message']}")
        p(f"    {f['message']}")
    t = s["times"]
    p("\ntimes (CLOCK_MONOTONIC of the guest; TCG emulation, so slow):")
    p(f"  systemd-analyze: kernel {fmt_s(t['kernel_s'])} + userspace {fmt_s(t['userspace_s'])} = {fmt_s(t['boot_total_s'])}")
    p(f"  PID 1 started at {fmt_s(t['pid1_start_s'])}, boot finished at {fmt_s(t['boot_finished_s'])}")
    p(f"  last module_load at {fmt_s(t['last_module_load_s'])} ({fmt_s(t['last_module_load_after_pid1_s'])} after PID 1)")
    p(f"  last module_load of the modules-load.d set at {fmt_s(t['last_requested_load_s'])} "
      f"({fmt_s(t['last_requested_load_after_pid1_s'])} after PID 1)")
    p(f"  the modules-load.d loader started at {fmt_s(t['loader_start_s'])}, inserted its first module "
      f"{fmt_s(t['loader_first_insert_after_start_s'])} later and was done after {fmt_s(t['loader_done_after_start_s'])}")
    p(f"  host wall clock for the whole VM run: {fmt_s(t['host_wall_s'])}")
    p("\nresident memory, VmRSS (of which RssAnon, the process's own): " + ", ".join(
        f"{k} {v} kB ({s['rss_anon_kb'].get(k)} kB)" for k, v in sorted(s["rss_kb"].items()) if v is not None))


TABLE_ROWS = [
    ("kernel (systemd-analyze)", "kernel_s"),
    ("userspace (systemd-analyze)", "userspace_s"),
    ("boot total (systemd-analyze)", "boot_total_s"),
    ("PID 1 start", "pid1_start_s"),
    ("last module_load, any", "last_module_load_s"),
    ("  ... after PID 1 start", "last_module_load_after_pid1_s"),
    ("last module_load, modules-load.d set", "last_requested_load_s"),
    ("  ... after PID 1 start", "last_requested_load_after_pid1_s"),
    ("modules-load.d loader: start", "loader_start_s"),
    ("  ... first insertion after its start", "loader_first_insert_after_start_s"),
    ("  ... done after its start (READY/exit)", "loader_done_after_start_s"),
    ("host wall clock per VM run", "host_wall_s"),
]


def print_table(dirs, out=sys.stdout):
    groups = {}
    for d in dirs:
        try:
            s = summary(load(d))
        except (FileNotFoundError, KeyError) as e:
            print(f"skipping {d}: {e}", file=sys.stderr)
            continue
        groups.setdefault(s["mode"], []).append(s)
    modes = [m for m in ("stock", "modloadd") if m in groups] + [m for m in groups if m not in ("stock", "modloadd")]
    if not modes:
        print("no boots to compare", file=out)
        return 1

    def med(mode, key, sub="times"):
        vals = [s[sub][key] for s in groups[mode] if s[sub].get(key) is not None]
        return statistics.median(vals) if vals else None

    head = f"{'median over boots':<38}" + "".join(f"{m + ' (n=' + str(len(groups[m])) + ')':>18}" for m in modes)
    print(head, file=out)
    print("-" * len(head), file=out)
    for label, key in TABLE_ROWS:
        print(f"{label:<38}" + "".join(f"{fmt_s(med(m, key)):>18}" for m in modes), file=out)
    for label, fn in (("modules in the trace", lambda s: len(s["loads"])),
                      ("modules-load.d set (with deps)", lambda s: len(s["requested_modules"])),
                      ("modloadd VmRSS kB", lambda s: s["rss_kb"].get("modloadd")),
                      ("  ... RssAnon kB", lambda s: s["rss_anon_kb"].get("modloadd")),
                      ("systemd-udevd VmRSS kB", lambda s: s["rss_kb"].get("systemd-udevd")),
                      ("  ... RssAnon kB", lambda s: s["rss_anon_kb"].get("systemd-udevd"))):
        cells = []
        for m in modes:
            vals = [fn(s) for s in groups[m] if fn(s) is not None]
            cells.append(f"{statistics.median(vals):>18g}" if vals else f"{'-':>18}")
        print(f"{label:<38}" + "".join(cells), file=out)
    print("\nper boot (last module_load of the modules-load.d set after PID 1 start; boot total):", file=out)
    for m in modes:
        vals = ", ".join(f"{fmt_s(s['times']['last_requested_load_after_pid1_s'])}/{fmt_s(s['times']['boot_total_s'])}" for s in groups[m])
        print(f"  {m}: {vals}", file=out)
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--table":
        return print_table(argv[2:])
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    r = load(args[0])
    phases = [p for p in r["phases"] if p != "boot"]
    if "--json" in argv:
        data = {"boot": summary(r)}
        for p in phases:
            data[p] = summary(r, p)
        data["actions"] = r["actions"]
        json.dump(data, sys.stdout, indent=1, default=sorted)
        print()
        return 0
    print_summary(summary(r))
    for label, a in r["actions"].items():
        print(f"\naction {label}: `{a.get('cmd')}` exit {a.get('rc')}" + (f": {a.get('out')}" if a.get("out") else ""))
    for p in phases:
        s = summary(r, p)
        u = s["modloadd"]
        print(f"\nafter phase {p}: modloadd {u['ActiveState']}/{u['SubState']} result={u['Result']} "
              f"NRestarts={u['NRestarts']} StatusText={u['StatusText']!r}; {len(s['loads'])} module loads in the trace")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
