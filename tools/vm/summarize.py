#!/usr/bin/env python3
"""Summarize a modloadd VM test bed boot: summarize.py DIR [--json] | --table DIR...

DIR is a tools/vm/boot.sh --out directory (or its collect/ subdirectory). Prints which modules
were loaded in the guest and by which process (the module:module_load trace: comm, TGID),
which ones modloadd loaded and which others did, the load attempts (init_module/finit_module
syscall events, named by the module_lookup kprobe) per loader and per process with their
results and the modules tried more than once, the failures modloadd reported with their
reasons (MODLOADD_MODULE, ERRNO, MODLOADD_KERNEL_MESSAGE, MESSAGE), modloadd's StatusText,
the hotplug (guest/actions.d/hotplug.sh: device to module live, who loaded it, the journal),
the time from boot to the last module_load event and modloadd's resident size.

--json prints the same as one JSON object; --table DIR... prints medians per mode (stock,
modloadd) over several boots (tools/vm/compare.sh uses it).

Also a library: tests/vm/ imports load() and the helpers below. Python 3 stdlib only.
"""
import errno
import json
import os
import re
import statistics
import sys

# "   modloadd-125     (    114) [001] .....    16.001100: module_load: libchacha "
# (record-tgid adds the parenthesised TGID; without it the column is absent)
LINE_RE = re.compile(
    r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+(?:\(\s*(?P<tgid>[\d-]+)\)\s+)?\[(?P<cpu>\d+)\]\s+"
    r"\S+\s+(?P<ts>\d+\.\d+):\s+(?:(?P<event>[\w:]+):\s+)?(?P<rest>.*)$")
# The load attempts (tools/vm/boot.sh's kernel command line):
#   sys_finit_module(fd: 4, uargs: 7f7fb328befd, flags: 0)       syscalls:sys_enter_finit_module
#   sys_finit_module -> 0xffffffffffffffef                       syscalls:sys_exit_finit_module
#   (find_module_all+0x0/0xa0) name="tun" unformed=1             the modloadd_vm:module_lookup kprobe
ENTER_RE = re.compile(r"^sys_(?P<call>f?init_module)\(")
EXIT_RE = re.compile(r"^sys_(?P<call>f?init_module) -> (?P<ret>0x[0-9a-f]+|-?\d+)")
LOOKUP_RE = re.compile(r'name="(?P<name>[^"]*)"\s+unformed=(?P<unformed>\d+)')


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


def trace_lines(text):
    """Every event line of a trace: dicts with ts, comm, pid, tgid, event, rest."""
    for line in (text or "").splitlines():
        if line.startswith("#"):
            continue
        m = LINE_RE.match(line)
        if m:
            tgid = m.group("tgid")
            yield {
                "ts": float(m.group("ts")),
                "comm": m.group("comm").strip(),
                "pid": int(m.group("pid")),
                "tgid": int(tgid) if tgid and tgid.strip("-") else None,
                "event": m.group("event") or "",  # the syscall events print no name
                "rest": m.group("rest").strip(),
            }


def parse_trace(text):
    """The module_load events: ts, comm, pid, tgid, module."""
    events = []
    for ev in trace_lines(text):
        if ev["event"] == "module_load" and ev["rest"]:
            events.append({k: ev[k] for k in ("ts", "comm", "pid", "tgid")} | {"module": norm(ev["rest"].split()[0])})
    return events


def errno_name(ret):
    if ret is None:
        return None
    if ret == 0:
        return "ok"
    return errno.errorcode.get(-ret, str(ret))


def parse_attempts(text):
    """Load attempts: one dict per init_module/finit_module call, from the syscall events, with
    the module named by the lookup kprobe (or module_load) the kernel hits in the same thread
    between entry and exit. Keys: ts (entry), end (exit, None while still in the call), comm,
    pid, tgid, call, module (None when neither event named it), inserted (a module_load),
    ret (0 or -errno), error (errno name or "ok").
    None when the trace has no syscall events (a boot from before they were traced)."""
    attempts = []
    open_ = {}
    seen_syscalls = False
    for ev in trace_lines(text):
        pid, rest = ev["pid"], ev["rest"]
        m = ENTER_RE.match(rest) if not ev["event"] else None
        if m:
            seen_syscalls = True
            a = {k: ev[k] for k in ("ts", "comm", "pid", "tgid")}
            a.update(call=m.group("call"), module=None, inserted=False, end=None, ret=None, error=None)
            open_[pid] = a
            attempts.append(a)
            continue
        m = EXIT_RE.match(rest) if not ev["event"] else None
        if m:
            seen_syscalls = True
            a = open_.pop(pid, None)
            if a is None:  # the entry was before tracing began
                continue
            v = m.group("ret")
            ret = int(v, 16) if v.startswith("0x") else int(v)
            if ret >= 1 << 63:
                ret -= 1 << 64
            a.update(end=ev["ts"], ret=ret, error=errno_name(ret))
            continue
        a = open_.get(pid)
        if a is None:
            continue
        if ev["event"].endswith("module_lookup"):
            m = LOOKUP_RE.search(rest)
            if m and m.group("unformed") == "1" and a["module"] is None:
                a["module"] = norm(m.group("name"))
        elif ev["event"] == "module_load" and rest:
            a["module"] = norm(rest.split()[0])
            a["inserted"] = True
    return attempts if seen_syscalls else None


def parse_uevents(text):
    """`udevadm monitor --kernel --property` output → [{ts, action, devpath, subsystem, props}]."""
    out = []
    cur = None
    for line in (text or "").splitlines():
        m = re.match(r"^(KERNEL|UDEV)\[(\d+\.\d+)\]\s+(\w+)\s+(\S+)\s+\((\S+)\)", line)
        if m:
            cur = {"source": m.group(1), "ts": float(m.group(2)), "action": m.group(3),
                   "devpath": m.group(4), "subsystem": m.group(5), "props": {}}
            out.append(cur)
        elif cur is not None and "=" in line:
            k, _, v = line.partition("=")
            cur["props"][k] = v
        elif not line.strip():
            cur = None
    return out


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


# modloadd.rules(5): the directories of rule files, first wins for one file name.
RULE_DIRS = ("etc/modloadd/rules.d", "run/modloadd/rules.d", "usr/local/lib/modloadd/rules.d",
             "usr/lib/modloadd/rules.d")


def load_rules(c):
    """The rule files the collector copied (what of RULE_DIRS the guest had), as modloadd reads
    them: {name (file name without .rules): {"file": path in the guest, "modules": {word of
    Modules=: its line}}}. Enough for the tests to know what each rule names and where."""
    rules = {}
    for d in RULE_DIRS:
        path = os.path.join(c, d)
        for fn in sorted(os.listdir(path)) if os.path.isdir(path) else []:
            name = fn[:-len(".rules")]
            if not fn.endswith(".rules") or name in rules:
                continue
            mods = {}
            section = None
            for no, line in enumerate((read(os.path.join(path, fn)) or "").splitlines(), 1):
                line = line.strip()
                if line.startswith("["):
                    section = line
                elif section == "[Load]" and line.startswith("Modules="):
                    for w in line[len("Modules="):].split():
                        mods[norm(w)] = no
            rules[name] = {"file": "/" + d + "/" + fn, "modules": mods}
    return rules


def classify_loader(ev, modloadd_pids):
    """Which program inserted a module, from a trace event."""
    comm = ev["comm"]
    # modloadd-insert: the daemon's helper processes, which make its insertions
    if (ev["tgid"] is not None and ev["tgid"] in modloadd_pids) or comm in ("modloadd", "modloadd-insert"):
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


def trace_lost(d):
    """Events the trace may lack: ring buffer overruns, kprobe misses (None: not recorded)."""
    stats, prof = read(os.path.join(d, "trace-stats")), read(os.path.join(d, "kprobe-profile"))
    if stats is None and prof is None:
        return None
    lost = {}
    for m in re.finditer(r"cpu(\d+)/stats:(?:commit )?overrun: (\d+)", stats or ""):
        if int(m.group(2)):
            lost[f"cpu{m.group(1)} overrun"] = lost.get(f"cpu{m.group(1)} overrun", 0) + int(m.group(2))
    for line in (prof or "").splitlines():
        w = line.split()
        if len(w) == 3 and w[2].isdigit() and int(w[2]):
            lost[f"{w[0]} missed"] = int(w[2])
    return lost


def load_phase(d):
    ph = {"dir": d}
    trace = read(os.path.join(d, "trace"))
    ph["trace"] = parse_trace(trace)
    ph["attempts"] = parse_attempts(trace)
    ph["trace_lost"] = trace_lost(d)
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
    devs = read(os.path.join(d, "devices"))
    ph["devices"] = None if devs is None else {tuple(line.split(" ", 1)) for line in devs.splitlines() if " " in line}
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
    r["rules"] = load_rules(c)
    info = read(os.path.join(c, "etc", "modloadd-vm", "mode.info")) or ""
    m = re.search(r"^udev_drivers=(\w+)", info, re.M)
    r["udev_drivers"] = m.group(1) if m else None
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
    r["hotplug"] = load_hotplug(os.path.join(c, "hotplug"))
    host_wall = read(os.path.join(os.path.dirname(c), "host-wall-seconds"))
    r["host_wall_seconds"] = float(host_wall) if host_wall else None
    return r


def fields(entry, name):
    """All values of a journal field (repeated fields are lists in journalctl -o json)."""
    v = entry.get(name)
    if v is None:
        return []
    if isinstance(v, list) and v and isinstance(v[0], int):  # one binary value
        return [bytes(v).decode("utf-8", "replace")]
    vals = v if isinstance(v, list) else [v]
    return [bytes(x).decode("utf-8", "replace") if isinstance(x, list) else x for x in vals]


def load_hotplug(d):
    """What guest/actions.d/hotplug.sh recorded (None: the action did not run)."""
    if not os.path.isdir(d):
        return None
    h = {"dir": d}
    h["uevents"] = parse_uevents(read(os.path.join(d, "uevents")))
    h["poll"] = []
    for line in (read(os.path.join(d, "poll")) or "").splitlines():
        w = line.split()
        if len(w) >= 2 and re.fullmatch(r"\d+\.\d+", w[0]):
            h["poll"].append((float(w[0]), w[1], w[2] if len(w) > 2 else None))
    h["journal"] = parse_journal(read(os.path.join(d, "journal.json")))
    req = (read(os.path.join(d, "requested")) or "").strip()
    h["requested_realtime"] = float(req) if req else None
    h["before"] = read(os.path.join(d, "before"))
    h["after"] = read(os.path.join(d, "after"))
    # CLOCK_REALTIME - CLOCK_MONOTONIC, from the marker entry (both stamps of one moment).
    h["realtime_offset"] = None
    for e in h["journal"]:
        if field(e, "SYSLOG_IDENTIFIER") == "modloadd-vm-hotplug":
            h["realtime_offset"] = int(field(e, "__REALTIME_TIMESTAMP")) / 1e6 - int(field(e, "__MONOTONIC_TIMESTAMP")) / 1e6
    return h


HOTPLUG_MODULE = "vmxnet3"
HOTPLUG_PCI_ID = "15AD:07B0"


def hotplug_summary(r):
    """The hotplugged NIC: when it appeared, when its module went live, who loaded it, and what
    the journal says (None: no hotplug action in this boot). Times: guest CLOCK_MONOTONIC."""
    h = r.get("hotplug")
    if not h:
        return None
    out = {"module": HOTPLUG_MODULE, "device_add_s": None, "uevent_read_s": None, "devpath": None, "modalias": None,
           "bound_s": None, "driver": None, "module_live_s": None, "latency_s": None, "reaction_s": None,
           "requested_s": None, "poll": {}, "loads": [], "attempts": [], "journal": []}
    off = h["realtime_offset"]
    if off is not None and h["requested_realtime"]:
        out["requested_s"] = h["requested_realtime"] - off
    for u in h["uevents"]:
        if u["source"] != "KERNEL":
            continue
        if u["subsystem"] == "pci" and u["props"].get("PCI_ID", "").upper() == HOTPLUG_PCI_ID:
            if u["action"] == "add" and out["device_add_s"] is None:
                out.update(device_add_s=u["ts"], devpath=u["devpath"], modalias=u["props"].get("MODALIAS"))
            elif u["action"] == "bind" and out["bound_s"] is None:
                out.update(bound_s=u["ts"], driver=u["props"].get("DRIVER"))
        elif u["subsystem"] == "module" and u["action"] == "add" and u["devpath"] == f"/module/{HOTPLUG_MODULE}":
            out["module_live_s"] = out["module_live_s"] or u["ts"]
    # udevadm monitor stamps a uevent when it reads it; the pci_device_add kprobe (hotplug.sh)
    # is the kernel's moment: the device appeared then, its add uevent was sent right after.
    out["uevent_read_s"] = out["device_add_s"]
    ph = r["phases"].get("after-hotplug") or r["phases"]["boot"]
    probe = [ev["ts"] for ev in trace_lines(read(os.path.join(ph["dir"], "trace")))
             if ev["event"] == "pci_device_add" and (out["uevent_read_s"] is None or ev["ts"] <= out["uevent_read_s"])]
    out["device_add_from"] = "add uevent read" if out["device_add_s"] is not None else None
    if probe:
        out["device_add_s"] = probe[-1]
        out["device_add_from"] = "pci_device_add"
    if out["device_add_s"] is not None and out["module_live_s"] is not None:
        out["latency_s"] = out["module_live_s"] - out["device_add_s"]
    for t, kind, arg in h["poll"]:
        if off is not None:
            out["poll"][kind] = {"s": t - off, "arg": arg}
    pids = modloadd_pids(ph) | modloadd_pids(r["phases"]["boot"])
    out["loads"] = [dict(ev, loader=classify_loader(ev, pids)) for ev in ph["trace"] if ev["module"] == HOTPLUG_MODULE]
    out["attempts"] = [dict(a, loader=classify_loader(a, pids)) for a in ph["attempts"] or [] if a["module"] == HOTPLUG_MODULE]
    # The loader's part: from the device's arrival to its load attempt (the rest is the kernel
    # inserting the module and running its init, which probes the device).
    out["reaction_s"] = None
    if out["attempts"] and out["device_add_s"] is not None:
        out["reaction_s"] = out["attempts"][0]["ts"] - out["device_add_s"]
    for e in h["journal"]:
        if norm(field(e, "MODLOADD_MODULE") or "") != HOTPLUG_MODULE:
            continue
        out["journal"].append({
            "s": int(field(e, "__MONOTONIC_TIMESTAMP") or 0) / 1e6,
            "unit": field(e, "_SYSTEMD_UNIT"), "pid": field(e, "_PID"),
            "outcome": field(e, "MODLOADD_OUTCOME"), "origin": fields(e, "MODLOADD_ORIGIN"),
            "devpath": fields(e, "MODLOADD_DEVPATH"), "modalias": fields(e, "MODLOADD_MODALIAS"),
            "message": field(e, "MESSAGE"),
        })
    return out


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
    # its helper processes at the snapshot (the collector's `ps --ppid MainPID`)
    pids.update(int(p) for p in (read(os.path.join(phase["dir"], "modloadd-children")) or "").split() if p.isdigit())
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


# The loaders a mode configures to load modules at boot, whose load attempts are counted
# against the distinct modules they tried: stock Debian's udev (its workers), systemd-modules-load
# and modprobe (systemd's modprobe@ units, and the kernel's requests through modprobe); modloadd
# alone when it has taken over (plus udev when make-image.sh --keep-udev-drivers left it loading).
# PID 1's own loads (kmod-setup) are the same in both modes and not counted.
MODE_LOADERS = {
    "stock": ("udev", "systemd-modules-load", "modprobe"),
    "modloadd": ("modloadd",),
    "modloadd-keep-udev-drivers": ("modloadd", "udev"),
}


def attempt_stats(attempts, loaders=None):
    """Counts over load attempts (of the given loader classes, or all)."""
    sel = [a for a in attempts if loaders is None or a["loader"] in loaders]
    named = {a["module"] for a in sel if a["module"]}
    errors = {}
    for a in sel:
        errors[a["error"] or "unfinished"] = errors.get(a["error"] or "unfinished", 0) + 1
    return {
        "attempts": len(sel),
        "distinct_modules": len(named),
        "unnamed_attempts": sum(1 for a in sel if not a["module"]),
        "inserted": sum(1 for a in sel if a["inserted"]),
        "distinct_inserted": len({a["module"] for a in sel if a["inserted"]}),
        "per_module": (len(sel) / len(named)) if named else None,
        "results": errors,
    }


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
    attempts = None
    if ph["attempts"] is not None:
        attempts = [dict(a, loader=classify_loader(a, pids)) for a in ph["attempts"]]
    mode_key = r["mode"] + ("-keep-udev-drivers" if r["mode"] == "modloadd" and r.get("udev_drivers") == "kept" else "")
    mode_loaders = MODE_LOADERS.get(mode_key, ())
    att = None
    if attempts is not None:
        by_mod = {}
        for a in attempts:
            if a["module"]:
                by_mod.setdefault(a["module"], []).append(a)
        procs = {}
        for a in attempts:
            k = f"{a['loader']} ({a['comm']}, tgid {a['tgid']})"
            procs[k] = procs.get(k, 0) + 1
        att = {
            "loaders": list(mode_loaders),
            "mode_loaders": attempt_stats(attempts, mode_loaders),
            "by_loader": {lo: attempt_stats(attempts, (lo,)) for lo in sorted({a["loader"] for a in attempts})},
            "all": attempt_stats(attempts),
            "list": attempts,
            "by_process": procs,
            "repeated": {m: [{"loader": a["loader"], "comm": a["comm"], "pid": a["pid"], "ts": a["ts"],
                              "result": a["error"] or "unfinished", "inserted": a["inserted"]} for a in v]
                         for m, v in sorted(by_mod.items()) if len(v) > 1},
            "last_end_s": max((a["end"] for a in attempts if a["end"] is not None), default=None),
        }
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
    last_att = att["last_end_s"] if att else None
    return {
        "mode": r["mode"],
        "kernel": r["kernel"],
        "phase": phase_name,
        "loads": loads,
        "by_loader": by_loader,
        "requested": r["requested"],
        "requested_modules": wanted,
        "loaded_now": sorted(ph["proc_modules"]),
        "distinct_modules_loaded": len({ev["module"] for ev in loads}),
        "attempts": att,
        "trace_lost": ph.get("trace_lost"),
        "hotplug": hotplug_summary(r) if phase_name == "boot" else None,
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
            # the targets' ActiveEnterTimestampMonotonic: when the boot reached them
            "sysinit_s": mono(ph["units"].get("sysinit.target", {}), "ActiveEnterTimestampMonotonic"),
            "multi_user_s": mono(ph["units"].get("multi-user.target", {}), "ActiveEnterTimestampMonotonic"),
            "last_module_load_s": last,
            "last_requested_load_s": last_wanted,
            "last_module_load_after_pid1_s": (last - ust) if last is not None and ust else None,
            "last_requested_load_after_pid1_s": (last_wanted - ust) if last_wanted is not None and ust else None,
            "last_attempt_end_after_pid1_s": (last_att - ust) if last_att is not None and ust else None,
            "loader_start_s": lstart,
            "loader_first_insert_after_start_s": (lfirst - lstart) if lfirst is not None and lstart else None,
            "loader_done_after_start_s": (ldone - lstart) if ldone and lstart else None,
            "uptime_at_collection_s": ph["uptime"],
            "host_wall_s": r["host_wall_seconds"],
        },
    }


def fmt_s(v):
    return "-" if v is None else f"{v:.2f}s"


def fmt_r(v):
    return "-" if v is None else f"{v:.2f}"


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
    p(f"\ndistinct modules inserted (module_load): {s['distinct_modules_loaded']}; live at collection: {len(s['loaded_now'])}")
    a = s["attempts"]
    if a is None:
        p("load attempts: not traced in this boot (no syscall events in the trace)")
    else:
        ml = a["mode_loaders"]
        p(f"load attempts (init_module/finit_module calls) of the {s['mode']} boot's loaders "
          f"({', '.join(a['loaders'])}): {ml['attempts']} for {ml['distinct_modules']} distinct modules = "
          f"{fmt_r(ml['per_module'])} per module" + (f"; {ml['unnamed_attempts']} attempts unnamed" if ml["unnamed_attempts"] else ""))
        p("  by loader              attempts modules per-module  results")
        for lo, st in sorted(a["by_loader"].items()):
            res = " ".join(f"{k}:{v}" for k, v in sorted(st["results"].items()))
            p(f"  {lo:<22} {st['attempts']:8} {st['distinct_modules']:7} {fmt_r(st['per_module']):>10}  {res}")
        p("  by process: " + ", ".join(f"{k}: {v}" for k, v in sorted(a["by_process"].items())))
        p("  modules with more than one attempt:" + ("" if a["repeated"] else " none"))
        for m, v in a["repeated"].items():
            p(f"    {m:<22} " + ", ".join(f"{x['loader']}/{x['pid']} {x['result']}" for x in v))
    if s.get("trace_lost"):
        p(f"WARNING: the trace lost events: {s['trace_lost']}")
    h = s.get("hotplug")
    if h:
        p(f"\nhotplug of a {h['module']} NIC (device_add from the host):")
        p(f"  requested at {fmt_s(h['requested_s'])}; device appeared ({h['device_add_from']}) at {fmt_s(h['device_add_s'])}, "
          f"its add uevent read at {fmt_s(h['uevent_read_s'])}: {h['devpath']} {h['modalias']}")
        p(f"  driver bound at {fmt_s(h['bound_s'])} ({h['driver']}); module live (module add uevent) at {fmt_s(h['module_live_s'])}: "
          f"{fmt_s(h['latency_s'])} after the device appeared")
        if h["poll"]:
            p("  polled from sysfs (every 20 ms): " + ", ".join(f"{k} at {fmt_s(v['s'])}" for k, v in h["poll"].items()))
        for x in h["attempts"]:
            p(f"  load attempt by {x['loader']} ({x['comm']}-{x['pid']}) at {x['ts']:.3f}s "
              f"({fmt_s(x['ts'] - h['device_add_s'] if h['device_add_s'] is not None else None)} after the device appeared), "
              f"returned at {fmt_s(x['end'])}: {x['error']}" + (" (inserted)" if x["inserted"] else ""))
        p(f"  journal entries with MODLOADD_MODULE={h['module']}:" + ("" if h["journal"] else " none"))
        for j in h["journal"]:
            p(f"    at {j['s']:.3f}s {j['unit']} {j['outcome']}: MODLOADD_DEVPATH={j['devpath']} MODLOADD_MODALIAS={j['modalias']}")
    t = s["times"]
    p("\ntimes (CLOCK_MONOTONIC of the guest; TCG emulation, so slow):")
    p(f"  systemd-analyze: kernel {fmt_s(t['kernel_s'])} + userspace {fmt_s(t['userspace_s'])} = {fmt_s(t['boot_total_s'])}")
    p(f"  PID 1 started at {fmt_s(t['pid1_start_s'])}, boot finished at {fmt_s(t['boot_finished_s'])}")
    p(f"  sysinit.target reached at {fmt_s(t['sysinit_s'])}, multi-user.target at {fmt_s(t['multi_user_s'])}")
    p(f"  last module_load at {fmt_s(t['last_module_load_s'])} ({fmt_s(t['last_module_load_after_pid1_s'])} after PID 1)")
    p(f"  last load attempt ended {fmt_s(t['last_attempt_end_after_pid1_s'])} after PID 1")
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
    ("sysinit.target reached", "sysinit_s"),
    ("multi-user.target reached", "multi_user_s"),
    ("last module_load, any", "last_module_load_s"),
    ("  ... after PID 1 start", "last_module_load_after_pid1_s"),
    ("last module_load, modules-load.d set", "last_requested_load_s"),
    ("  ... after PID 1 start", "last_requested_load_after_pid1_s"),
    ("modules-load.d loader: start", "loader_start_s"),
    ("  ... first insertion after its start", "loader_first_insert_after_start_s"),
    ("  ... done after its start (READY/exit)", "loader_done_after_start_s"),
    ("last load attempt ended, after PID 1", "last_attempt_end_after_pid1_s"),
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
    att = lambda s, k: s["attempts"]["mode_loaders"][k] if s["attempts"] else None
    for label, fn in (("modules in the trace", lambda s: len(s["loads"])),
                      ("distinct modules inserted", lambda s: s["distinct_modules_loaded"]),
                      ("load attempts, the mode's loaders", lambda s: att(s, "attempts")),
                      ("  ... distinct modules they tried", lambda s: att(s, "distinct_modules")),
                      ("  ... attempts per distinct module", lambda s: att(s, "per_module")),
                      ("hotplug: device to module live, s", lambda s: (s["hotplug"] or {}).get("latency_s")),
                      ("  ... device to load attempt, s", lambda s: (s["hotplug"] or {}).get("reaction_s")),
                      ("modules-load.d set (with deps)", lambda s: len(s["requested_modules"])),
                      ("modloadd VmRSS kB", lambda s: s["rss_kb"].get("modloadd")),
                      ("  ... RssAnon kB", lambda s: s["rss_anon_kb"].get("modloadd")),
                      ("systemd-udevd VmRSS kB", lambda s: s["rss_kb"].get("systemd-udevd")),
                      ("  ... RssAnon kB", lambda s: s["rss_anon_kb"].get("systemd-udevd"))):
        cells = []
        for m in modes:
            vals = [fn(s) for s in groups[m] if fn(s) is not None]
            cells.append(f"{round(statistics.median(vals), 3):>18g}" if vals else f"{'-':>18}")
        print(f"{label:<38}" + "".join(cells), file=out)
    print("\nper boot (last module_load of the modules-load.d set after PID 1 start; multi-user.target; "
          "boot total), in boot order:", file=out)
    for m in modes:
        vals = ", ".join(f"{fmt_s(s['times']['last_requested_load_after_pid1_s'])}/{fmt_s(s['times']['multi_user_s'])}"
                         f"/{fmt_s(s['times']['boot_total_s'])}" for s in groups[m])
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
