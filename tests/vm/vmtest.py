#!/usr/bin/env python3
"""Tier 3 tests of modloadd: a real kernel in a VM (meson suite 'vm').

    vmtest.py CHECK          run one check (the meson tests are vm-CHECK)
    vmtest.py --list         the checks

A check needs the results of one or two boots ("scenarios"):
    main     modloadd image (modloadd.service enabled, systemd-modules-load masked, udev's
             module loading rules shadowed), plain boot
    actions  the same image, booted with the restart-stop actions (systemctl restart, SIGHUP,
             a modules-load.d file written at run time, systemctl reload, systemctl stop, a
             snapshot after each; at the end Uevents=udev and a device's event through udevd)
    hotplug  the same image, booted with the hotplug action (a vmxnet3 NIC device_add'ed once
             the system runs)
    stock    stock image: systemd-modules-load and udev load modules, the baseline; it runs the
             hotplug action too (after the boot snapshot), for udev's hotplug latency
All boots have the same devices (tools/vm/boot.sh). Boots are expensive (TCG), so the checks of
one `meson test` run share them: the first check that needs a scenario builds its image and
boots it, under a lock; the others wait and read the results. "One run" is one meson process;
outside meson every invocation boots afresh, unless MODLOADD_VM_REUSE=1 (then the last results
are read again, whatever changed since). MODLOADD_VM_RESULTS=SCENARIO=DIR[,SCENARIO=DIR]
reads those scenarios from boot.sh output directories instead (no boot; e.g. the boots of
tools/vm/compare.sh, or stock=DIR,main=DIR2 with two stock boots to try a check's logic).

Everything lives in $MODLOADD_VM_WORKDIR (meson: BUILDDIR/tests/vm/work): the guest build of
the project (guest-build/, --prefix=/usr), the images and runs/SCENARIO/ (boot.sh's output:
console.log, collect/). The debootstrap base and the kernel are cached in
$MODLOADD_VM_CACHE / $MODLOADD_CACHE (default /var/cache/modloadd-test), the kernel root is
$MODLOADD_DEBIAN_ROOT when set (tools/test.sh sets it).

Exit status: 0 all assertions hold, 1 one failed (each assertion prints "ok" or "FAIL" with its
evidence), 77 qemu-system-x86_64 is not installed (tools/test.sh installs it).
"""
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time

SRC = os.environ.get("MODLOADD_SOURCE_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = os.path.join(SRC, "tools", "vm")
sys.path.insert(0, TOOLS)
import summarize as S  # noqa: E402

WORK = os.environ.get("MODLOADD_VM_WORKDIR") or os.path.join(SRC, "build-vm-tests")
BOOT_TIMEOUT = int(os.environ.get("MODLOADD_VM_BOOT_TIMEOUT", "300"))

SCENARIOS = {
    "main": {"image": "modloadd", "actions": None},
    "actions": {"image": "modloadd", "actions": "restart-stop"},
    "hotplug": {"image": "modloadd", "actions": "hotplug"},
    "stock": {"image": "stock", "actions": "hotplug"},
    # its action waits two watchdog periods (60 s) with the insert stuck, and at most 60 s more
    # for modloadd_vm_slow's late answer, before it stops the daemon
    "faults": {"image": "modloadd-faults", "actions": "faults", "timeout": 180},
    "restart": {"image": "modloadd", "actions": None, "append": "modloadd_vm.kill_coldplug=1"},
}
# make-image.sh's arguments for each image.
IMAGES = {
    "modloadd": ["--mode", "modloadd"],
    "stock": ["--mode", "stock"],
    "modloadd-faults": ["--mode", "modloadd", "--faults"],
}
# The hotplug target: the module of a device that arrives while the system runs is live
# within this many seconds of the kernel announcing the device (TCG; udev needs ~1.3 s here).
HOTPLUG_BOUND_S = 2.0
# Of which the daemon's part: from the device's arrival to its load attempt. The rest is the
# kernel inserting vmxnet3 and its init probing the NIC: 0.4-1.5 s under TCG, depending on how
# busy the host is.
HOTPLUG_REACTION_BOUND_S = 1.0

MISSING = "modloadd_no_such_module"
REFUSED = "nbd"        # options nbd nbds_max=not_a_number: EINVAL from the kernel
UNKNOWN_PARAM = "tun"  # options tun no_such_param=1: the kernel ignores it and loads tun
# The test rules (tools/vm/guest/rules.d, /etc/modloadd/rules.d in the modloadd image) and the
# module each names: textsearch algorithms, small and needing no hardware, that nothing else in
# the guest loads.
RULE_VM = "modloadd-vm-virt"              # ConditionVirtualization=vm: holds (QEMU)
RULE_MICROSOFT = "modloadd-vm-microsoft"  # ConditionVirtualization=microsoft: never holds here
RULE_VMXNET3 = "modloadd-vm-vmxnet3"      # ConditionPCIDevice=15ad:07b0: the hotplugged NIC
TEST_RULES = {RULE_VM: "ts_kmp", RULE_MICROSOFT: "ts_fsm", RULE_VMXNET3: "ts_bm"}
# The shipped rules (conf/rules.d) that hold in the guest: 50-virtio (QEMU); its modules are
# those the virtio devices want anyway. The others (clouds, Hyper-V, NVIDIA, LVS) do not.
SHIPPED_HOLDING = {"50-virtio"}
# guest/actions.d/restart-stop.sh writes this modules-load.d file while the daemon runs, naming
# a module nothing else loads; the daemon's configuration watch (inotify) loads it within this
# many seconds of the write, without being asked (TCG; the watch waits 100 ms for more changes).
RUNTIME_CONF = "/etc/modules-load.d/modloadd-vm-runtime.conf"
RUNTIME_MODULE = "crc7"
RUNTIME_CONF_BOUND_S = 2.0
RUNTIME_MARKER = f"modloadd-vm: writing {RUNTIME_CONF}"
# systemd's own modprobe@.service instances (wanted by mounts and services of systemd 252) load
# these with modprobe whoever else is configured; modloadd then finds them live.
# PID 1 itself loads autofs4, ipv6, ip_tables, virtio_rng and qemu_fw_cfg (kmod-setup).
OTHER_LOADERS_OK = {"modprobe", "systemd (PID 1)"}
# The daemon inserts through helper processes of its own (one per worker, exec'd, so the trace
# names them by their comm and their own TGID): what they insert, the daemon inserts.
HELPER_COMM = "modloadd-insert"


def by_daemon(ev, main_pid):
    """A trace event (module_load, load attempt) of modloadd's process MAIN_PID or its helpers."""
    return ev["loader"] == "modloadd" and (str(ev["tgid"]) == str(main_pid) or ev["comm"] == HELPER_COMM)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- shared boots --------------------------------------------------------------------------

def run_key():
    """Identifies this `meson test` run: the parent meson process and its start time."""
    if os.environ.get("MODLOADD_VM_REUSE") == "1":
        return "reuse"
    ppid = os.getppid()
    try:
        cmd = open(f"/proc/{ppid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
        start = open(f"/proc/{ppid}/stat").read().rsplit(")", 1)[1].split()[19]
    except OSError:
        return f"pid-{os.getpid()}-{time.time()}"
    if "meson" not in cmd:
        return f"pid-{os.getpid()}-{time.time()}"  # not under meson: a run of its own
    return f"meson-{ppid}-{start}"


class Lock:
    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "w")

    def __enter__(self):
        try:
            fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"==> waiting for {self.f.name} (another vm test is building or booting)")
            fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)


def sh(argv, what):
    log(f"==> {what}: {' '.join(argv)}")
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stderr.write(r.stdout)
    return r.returncode, r.stdout


def stamp_read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def stamp_write(path, data):
    with open(path + ".tmp", "w") as f:
        json.dump(data, f)
    os.replace(path + ".tmp", path)


def ensure_image(name, key):
    """The image NAME (modloadd|stock), built once per run. Returns (path, error)."""
    img = os.path.join(WORK, "images", f"{name}.img")
    stamp = img + ".stamp"
    st = stamp_read(stamp)
    if st and (st["key"] == key or key == "reuse"):
        return img, st.get("error")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    argv = ["bash", os.path.join(TOOLS, "make-image.sh"), *IMAGES[name], "--out", img]
    if IMAGES[name][1] == "modloadd":
        argv += ["--build-dir", os.path.join(WORK, "guest-build")]
    rc, out = sh(argv, f"building the {name} image")
    err = None
    if rc != 0:
        last = out.strip().splitlines()[-1] if out.strip() else ""
        err = f"make-image.sh --mode {name} failed (exit {rc}): {last}"
    stamp_write(stamp, {"key": key, "error": err})
    return img, err


def result_overrides():
    """MODLOADD_VM_RESULTS=SCENARIO=DIR,...: scenarios read from existing boot directories."""
    out = {}
    for item in filter(None, os.environ.get("MODLOADD_VM_RESULTS", "").split(",")):
        name, _, d = item.partition("=")
        out[name.strip()] = d.strip()
    return out


def ensure_scenario(name):
    """Boot scenario NAME once per run; returns (results dir, loaded results or None, error)."""
    over = result_overrides()
    if name in over:
        log(f"==> scenario {name}: reading {over[name]} (MODLOADD_VM_RESULTS)")
        try:
            return over[name], S.load(over[name]), None
        except (OSError, KeyError, ValueError) as e:
            return over[name], None, f"cannot read the results in {over[name]}: {e}"
    sc = SCENARIOS[name]
    key = run_key()
    out = os.path.join(WORK, "runs", name)
    stamp = os.path.join(WORK, "runs", f"{name}.stamp")
    with Lock(os.path.join(WORK, "vm.lock")):
        st = stamp_read(stamp)
        if not (st and (st["key"] == key or key == "reuse")):
            img, err = ensure_image(sc["image"], key)
            if not err:
                argv = ["bash", os.path.join(TOOLS, "boot.sh"), "--image", img, "--out", out,
                        "--timeout", str(BOOT_TIMEOUT + sc.get("timeout", 0))]
                if sc["actions"]:
                    argv += ["--actions", sc["actions"]]
                if sc.get("append"):
                    argv += ["--append", sc["append"]]
                rc, text = sh(argv, f"booting scenario {name}")
                if rc != 0:
                    err = (text.strip().splitlines() or [f"boot.sh exit {rc}"])[-1]
                    # the interesting line is boot.sh's own verdict
                    for line in text.splitlines():
                        if line.startswith("boot.sh:"):
                            err = line
                            break
            st = {"key": key, "error": err}
            stamp_write(stamp, st)
        else:
            log(f"==> scenario {name}: reusing the boot of this run ({out})")
    if st.get("error"):
        return out, None, st["error"]
    try:
        return out, S.load(out), None
    except (OSError, KeyError, ValueError) as e:
        return out, None, f"cannot read the results in {out}: {e}"


# --- assertions ----------------------------------------------------------------------------

class Check:
    def __init__(self, name):
        self.name = name
        self.failed = 0
        self.passed = 0
        self.dirs = []

    def ok(self, cond, what, evidence=""):
        if cond:
            self.passed += 1
            print(f"ok   - {what}")
        else:
            self.failed += 1
            print(f"FAIL - {what}")
            for line in str(evidence).splitlines():
                print(f"       {line}")
        return cond

    def scenario(self, name):
        out, r, err = ensure_scenario(name)
        self.dirs.append(out)
        if err:
            self.ok(False, f"scenario '{name}' booted and its collector reported", err)
            return None
        return r

    def finish(self):
        print(f"\n{self.name}: {self.passed} passed, {self.failed} failed")
        if self.failed:
            for d in self.dirs:
                print(f"  evidence: {d}/console.log, {d}/collect/ "
                      f"(python3 {TOOLS}/summarize.py {d})")
        return 1 if self.failed else 0


def entries_for(phase, module, pid=None):
    out = []
    for e in phase["journal"]:
        if S.norm(S.field(e, "MODLOADD_MODULE") or "") == S.norm(module):
            if pid is None or S.field(e, "_PID") == str(pid):
                out.append(e)
    return out


def describe(entries):
    return "\n".join(f"{S.field(e, 'PRIORITY')} {S.field(e, 'MODLOADD_OUTCOME')} ERRNO={S.field(e, 'ERRNO')} "
                     f"_PID={S.field(e, '_PID')}: {S.field(e, 'MESSAGE')}" for e in entries) or "(no journal entries)"


def expected_loaded(r):
    """Modules that must be live after boot: the modules-load.d names and their dependencies,
    except the missing name and the module the kernel refuses."""
    exp = S.expected_modules(r)
    mods = []
    for name, deps in exp.items():
        if name in (MISSING, REFUSED) or not deps:
            continue
        for m in deps:
            if m not in mods:
                mods.append(m)
    return mods


def later_loads(before, after, live_before, live_after):
    """module_load events in summary AFTER that BEFORE has not: (bad, retried). Retried: modules
    that were not live and are not live now (inserted again, init refused again)."""
    new = [ev for ev in after["loads"] if ev not in before["loads"]]
    bad = [ev for ev in new if ev["module"] in live_before or ev["module"] in live_after]
    retried = sorted({ev["module"] for ev in new if ev not in bad})
    return bad, retried


def loads_by_module(summary):
    by = {}
    for ev in summary["loads"]:
        by.setdefault(ev["module"], []).append(ev)
    return by


def rule_entries(phase, rule):
    """The daemon's "Rule 'NAME' holds" entries of RULE (MODLOADD_RULE=NAME)."""
    return [e for e in phase["journal"] if S.field(e, "MODLOADD_RULE") == rule]


def rule_origin(r, rule, module):
    """FILE:LINE of the Modules= that names MODULE in RULE (None: the guest lacks the rule)."""
    f = r["rules"].get(rule)
    if not f or module not in f["modules"]:
        return None
    return f"{f['file']}:{f['modules'][module]}"


def test_rule_modules(r):
    """The modules the test's own rules name (/etc/modloadd/rules.d of the modloadd image)."""
    return {m for name, f in r["rules"].items() if f["file"].startswith("/etc/") for m in f["modules"]}


def check_rule_loaded(c, r, phase, rule, module, main_pid):
    """RULE held once and its MODULE was inserted by modloadd's MAIN_PID, journaled with the rule's
    file and line (all in the snapshot PHASE). Returns the rule's entry (None unless just one)."""
    ph = r["phases"][phase]
    f = r["rules"].get(rule, {})
    es = rule_entries(ph, rule)
    c.ok(len(es) == 1, f"one journal entry MODLOADD_RULE={rule} (the rule holds, once)", describe(es))
    e = es[0] if len(es) == 1 else None
    if e:
        msg = S.field(e, "MESSAGE") or ""
        c.ok(S.field(e, "CONFIG_FILE") == f.get("file") and msg.startswith(f"Rule '{rule}' holds")
             and msg.endswith(f": 1 modules to load ({f.get('file')})"),
             f"it has CONFIG_FILE={S.field(e, 'CONFIG_FILE')} and says {msg!r}", json.dumps(e, indent=1))
    c.ok(module in ph["proc_modules"], f"{module} is live")
    evs = [ev for ev in S.summary(r, phase)["loads"] if ev["module"] == module]
    c.ok(len(evs) == 1 and by_daemon(evs[0], main_pid),
         f"one module_load of {module}, by modloadd's MainPID {main_pid} or its helper", json.dumps(evs))
    origin = rule_origin(r, rule, module)
    mine = entries_for(ph, module)
    c.ok([S.field(x, "MODLOADD_OUTCOME") for x in mine] == ["inserted"]
         and all(origin in S.fields(x, "MODLOADD_ORIGIN") for x in mine),
         f"its entry says inserted, MODLOADD_ORIGIN={origin} (the rule file and its Modules= line)",
         "\n".join(json.dumps(x, indent=1) for x in mine) or "(no journal entries)")
    return e


def context(c, s):
    u = s["modloadd"] if s["mode"] == "modloadd" else s["systemd_modules_load"]
    print(f"# {s['mode']} boot: {json.dumps(u)}")
    print("# loads by loader: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(s["by_loader"].items())))


# --- the checks ----------------------------------------------------------------------------

def check_unit_ready(c):
    """modloadd.service reaches active via READY=1 and its status carries the summary."""
    r = c.scenario("main")
    if not r:
        return
    s = S.summary(r)
    context(c, s)
    ph = r["phases"]["boot"]
    u = ph["units"].get("modloadd", {})
    c.ok(u.get("Type") == "notify", "modloadd.service is Type=notify", f"Type={u.get('Type')}")
    c.ok(u.get("ActiveState") == "active" and u.get("SubState") == "running",
         "modloadd.service is active (running) after boot",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} Result={u.get('Result')}")
    c.ok(u.get("Result") == "success" and u.get("NRestarts") == "0",
         "it started once, successfully (Result=success, NRestarts=0)",
         f"Result={u.get('Result')} NRestarts={u.get('NRestarts')}")
    status = u.get("StatusText", "")
    m = re.match(r"Loaded (\d+) modules \((\d+) already loaded, (\d+) builtin", status)
    c.ok(bool(m), "StatusText carries the summary ('Loaded N modules (...)')", f"StatusText={status!r}")
    # module_load is traced before the module's init runs: count the insertions that stayed.
    mine = [x for x in s["by_loader"].get("modloadd", []) if x in ph["proc_modules"]]
    if m:
        c.ok(int(m.group(1)) == len(mine),
             f"the summary's count of inserted modules ({m.group(1)}) matches the trace ({len(mine)} module_load events by modloadd)",
             " ".join(mine))
    # READY=1: for Type=notify systemd logs "Started" only once READY=1 arrived. The daemon
    # sends READY=1 once the command-line and modules-load.d modules are in, and its summary
    # once everything settled, the devices' modules included: READY=1 comes no later.
    summ = [e for e in ph["journal"] if S.field(e, "MESSAGE_ID") and (S.field(e, "MESSAGE") or "").startswith("Loaded ")]
    started = [e for e in ph["journal"] if S.field(e, "_PID") == "1" and (S.field(e, "MESSAGE") or "").startswith("Started modloadd.service")]
    c.ok(bool(summ), "the journal has the summary entry", describe(ph["journal"][-5:]))
    c.ok(bool(started), "systemd logged 'Started modloadd.service' (the start job completed: READY=1 arrived)",
         "no such entry; last unit entries:\n" + describe(ph["journal"][-5:]))
    if summ and started:
        # 1 s: systemd may log "Started" just after the summary when both come at once
        c.ok(int(S.field(started[0], "__MONOTONIC_TIMESTAMP")) <= int(S.field(summ[0], "__MONOTONIC_TIMESTAMP")) + 1e6,
             "the start completed no later than the summary (device modules do not hold up READY=1)",
             f"summary at {S.field(summ[0], '__MONOTONIC_TIMESTAMP')} us, Started at {S.field(started[0], '__MONOTONIC_TIMESTAMP')} us")
    # READY=1 means the command-line and modules-load.d modules are in (what ordering after
    # systemd-modules-load.service promises); the devices' modules may come later.
    active = int(u.get("ActiveEnterTimestampMonotonic", "0") or 0)
    wanted = set(expected_loaded(r))
    last = max((ev["ts"] for ev in s["loads"] if ev["loader"] == "modloadd" and ev["module"] in wanted), default=0)
    c.ok(active >= last * 1e6, "the unit became active after its last insertion of the modules-load.d set",
         f"ActiveEnterTimestampMonotonic={active / 1e6:.3f}s, last module_load of that set by modloadd at {last:.3f}s")
    sysinit = ph["units"].get("sysinit.target", {})
    si = int(sysinit.get("ActiveEnterTimestampMonotonic", "0") or 0)
    c.ok(si >= active > 0, "sysinit.target was reached after modloadd.service became active (Before=sysinit.target)",
         f"modloadd active at {active / 1e6:.3f}s, sysinit.target at {si / 1e6:.3f}s")
    # Nothing in a plain boot changes the configuration; the daemon's own state files
    # (/run/modloadd) are no change in /run/modloadd/rules.d.
    rl = reloads(ph)
    c.ok(not rl, "no reload during the boot (nothing changed the configuration)", describe(rl))
    rss = ph["rss_kb"].get("modloadd")
    c.ok(rss is not None, f"modloadd's VmRSS was read ({rss} kB; systemd-udevd {ph['rss_kb'].get('systemd-udevd')} kB)")


def check_modules_loaded(c):
    """Every modules-load.d module and its dependencies is live, inserted once, by modloadd."""
    r = c.scenario("main")
    if not r:
        return
    s = S.summary(r)
    context(c, s)
    ph = r["phases"]["boot"]
    exp = expected_loaded(r)
    c.ok(len(exp) >= 15, f"the guest's modprobe --show-depends expands the configuration to {len(exp)} modules",
         json.dumps(S.expected_modules(r)))
    missing = [m for m in exp if m not in ph["proc_modules"]]
    c.ok(not missing, "all of them are in /proc/modules", "missing: " + " ".join(missing))
    by = loads_by_module(s)
    outs = S.outcomes(ph)
    for m in exp:
        evs = by.get(m, [])
        loaders = [ev["loader"] for ev in evs]
        if len(evs) != 1:
            c.ok(False, f"{m}: exactly one module_load in the trace", f"{len(evs)} events: {evs}")
            continue
        if loaders[0] == "modloadd":
            kinds = [S.field(e, "MODLOADD_OUTCOME") for e in outs.get(m, [])]
            c.ok(kinds == ["inserted"], f"{m}: inserted by modloadd (trace comm {evs[0]['comm']}, tgid {evs[0]['tgid']}) and reported once as inserted",
                 describe(outs.get(m, [])))
        elif loaders[0] in OTHER_LOADERS_OK:
            kinds = [S.field(e, "MODLOADD_OUTCOME") for e in outs.get(m, [])]
            # systemd's modprobe@ units and PID 1 run alongside modloadd: whoever comes first
            # inserts, the other finds the module live (or gets EEXIST).
            c.ok(kinds == ["already loaded"],
                 f"{m}: inserted by {loaders[0]} ({evs[0]['comm']}-{evs[0]['pid']}: systemd's own modprobe@{m}.service"
                 f" or PID 1), and modloadd reported it as already loaded",
                 describe(outs.get(m, [])) + f"\ntrace: {evs[0]}")
        else:
            c.ok(False, f"{m}: inserted by modloadd", f"inserted by {loaders[0]}: {evs[0]}")
    for bad in ("systemd-modules-load", "udev"):
        c.ok(bad not in s["by_loader"], f"no module was inserted by {bad} (takeover: an alias of modloadd / udev's kmod load rules shadowed)",
             " ".join(s["by_loader"].get(bad, [])))
    twice = {m: len(v) for m, v in by.items() if len(v) > 1}
    c.ok(not twice, "no module has two module_load events", json.dumps(twice))
    sml = ph["units"].get("systemd-modules-load", {})
    c.ok(sml.get("LoadState") == "loaded" and sml.get("Id") == "modloadd.service",
         "systemd-modules-load.service is an alias of modloadd.service (the takeover's symlink)",
         f"LoadState={sml.get('LoadState')} Id={sml.get('Id')} Names={sml.get('Names')}")
    threads = {ev["pid"] for ev in s["loads"] if ev["loader"] == "modloadd"}
    comms = sorted({ev["comm"] for ev in s["loads"] if ev["loader"] == "modloadd"})
    c.ok(set(comms) <= {"modloadd", HELPER_COMM},
         f"the trace names modloadd's inserting threads {' or '.join(repr(x) for x in comms)} "
         f"(threads {sorted(threads)}, processes {sorted(S.modloadd_pids(ph))})", " ".join(comms))


def check_missing_module(c):
    """A name no module has is reported (MODLOADD_MODULE=...) and does not fail the unit."""
    r = c.scenario("main")
    if not r:
        return
    ph = r["phases"]["boot"]
    es = entries_for(ph, MISSING)
    c.ok(len(es) == 1, f"one journal entry of modloadd.service has MODLOADD_MODULE={MISSING}", describe(es))
    if es:
        e = es[0]
        c.ok(S.field(e, "MODLOADD_OUTCOME") == "not found" and S.field(e, "ERRNO") == "2",
             "it says 'not found', ERRNO=2 (ENOENT)", describe(es))
        c.ok(S.field(e, "PRIORITY") == "4", "at warning priority (4)", describe(es))
        origin = S.field(e, "MODLOADD_ORIGIN") or ""
        c.ok(re.fullmatch(r"/etc/modules-load\.d/modloadd-vm\.conf:\d+", origin) is not None,
             f"MODLOADD_ORIGIN names the file and line that asked for it ({origin})", json.dumps(e, indent=1))
        c.ok(bool(S.field(e, "MESSAGE_ID")), f"it has a MESSAGE_ID ({S.field(e, 'MESSAGE_ID')})")
    q = ph["by_module"].get(MISSING, [])
    c.ok(any(S.field(e, "_SYSTEMD_UNIT") == "modloadd.service" for e in q),
         f"`journalctl MODLOADD_MODULE={MISSING}` in the guest finds it", describe(q))
    u = ph["units"].get("modloadd", {})
    c.ok(u.get("ActiveState") == "active", "modloadd.service is still active", f"ActiveState={u.get('ActiveState')}")
    c.ok("1 not found" in (u.get("StatusText") or ""), "StatusText counts it ('1 not found')", u.get("StatusText"))
    c.ok(MISSING not in (u.get("StatusText") or "").split("failed:")[-1] or "failed:" not in (u.get("StatusText") or ""),
         "it is not among the failed modules of StatusText", u.get("StatusText"))


def check_refused_module(c):
    """A module the kernel refuses is reported failed with ERRNO and the kernel's reason.

    The refusal: an invalid parameter value from modprobe.d (nbd nbds_max=not_a_number). The
    other modules still load. An unknown parameter (tun no_such_param=1) is only a kernel warning.
    """
    r = c.scenario("main")
    if not r:
        return
    ph = r["phases"]["boot"]
    es = entries_for(ph, REFUSED)
    c.ok(len(es) == 1, f"one journal entry for {REFUSED}", describe(es))
    if es:
        e = es[0]
        c.ok(S.field(e, "MODLOADD_OUTCOME") == "failed" and S.field(e, "ERRNO") == "22",
             f"{REFUSED} is reported failed with ERRNO=22 (EINVAL)", describe(es))
        c.ok(S.field(e, "PRIORITY") == "3", "at error priority (3)", describe(es))
        km = S.field(e, "MODLOADD_KERNEL_MESSAGE") or ""
        c.ok("invalid for parameter" in km and "nbds_max" in km,
             f"MODLOADD_KERNEL_MESSAGE carries the kernel's reason ({km!r})", json.dumps(e, indent=1))
        c.ok((S.field(e, "MODLOADD_OPTIONS") or "") == "nbds_max=not_a_number",
             f"MODLOADD_OPTIONS shows the options from modprobe.d ({S.field(e, 'MODLOADD_OPTIONS')!r})")
    q = ph["by_module"].get(REFUSED, [])
    c.ok(any(S.field(x, "MODLOADD_OUTCOME") == "failed" for x in q),
         f"`journalctl MODLOADD_MODULE={REFUSED}` in the guest finds the failure", describe(q))
    c.ok(REFUSED not in ph["proc_modules"], f"{REFUSED} is not in /proc/modules")
    u = ph["units"].get("modloadd", {})
    st = u.get("StatusText") or ""
    c.ok(re.search(rf"(^|; )1 failed: {REFUSED}(;|$)", st) is not None, f"StatusText names it as the one failure ({st!r})")
    c.ok(u.get("ActiveState") == "active", "modloadd.service is still active (a failed module does not fail the unit)",
         f"ActiveState={u.get('ActiveState')} Result={u.get('Result')}")
    others = [m for m in expected_loaded(r) if m not in ph["proc_modules"]]
    c.ok(not others, "every other configured module and dependency still loaded", "missing: " + " ".join(others))
    # tun no_such_param=1: Linux 6.1 ignores unknown parameters (a warning), the module loads.
    t = entries_for(ph, UNKNOWN_PARAM)
    c.ok([S.field(x, "MODLOADD_OUTCOME") for x in t] == ["inserted"] and UNKNOWN_PARAM in ph["proc_modules"],
         f"{UNKNOWN_PARAM} (options {UNKNOWN_PARAM} no_such_param=1) is inserted: the kernel ignores unknown parameters",
         describe(t))
    c.ok(any((S.field(x, "MODLOADD_OPTIONS") or "") == "no_such_param=1" for x in t),
         f"modloadd passed the modprobe.d option to {UNKNOWN_PARAM} (MODLOADD_OPTIONS=no_such_param=1)", describe(t))
    dmesg = S.read(os.path.join(r["dir"], "dmesg.txt")) or S.read(os.path.join(ph["dir"], "dmesg.txt")) or ""
    c.ok(f"{UNKNOWN_PARAM}: unknown parameter 'no_such_param' ignored" in dmesg,
         "the kernel logged \"tun: unknown parameter 'no_such_param' ignored\"")


def reloads(phase, trigger=None):
    """The daemon's "Reloaded the configuration" entries (MODLOADD_RELOAD=N), of one trigger."""
    return [e for e in phase["journal"] if S.field(e, "MODLOADD_RELOAD")
            and (trigger is None or S.field(e, "MODLOADD_RELOAD_TRIGGER") == trigger)]


def check_restart_stop(c):
    """Restart, SIGHUP (a reload) and stop: no errors, nothing inserted twice, 'already loaded' after restart."""
    r = c.scenario("actions")
    if not r:
        return
    boot = r["phases"].get("boot")
    acts = r["actions"]
    for label in ("restart", "hup", "reload", "stop"):
        a = acts.get(label, {})
        c.ok(a.get("rc") == "0", f"`{a.get('cmd', label)}` exits 0", f"exit {a.get('rc')}: {a.get('out')}")
    for p in ("after-restart", "after-hup", "after-conf", "after-reload", "after-stop"):
        c.ok(p in r["phases"], f"the collector took the {p} snapshot", ", ".join(r["phases"]))
    if not boot or "after-restart" not in r["phases"]:
        return
    b = S.summary(r, "boot")
    context(c, b)
    c.ok(b["modloadd"]["ActiveState"] == "active", "boot: modloadd.service active", json.dumps(b["modloadd"]))
    pid0 = b["modloadd"]["MainPID"]

    ar = r["phases"]["after-restart"]
    sr = S.summary(r, "after-restart")
    u = ar["units"].get("modloadd", {})
    pid1 = u.get("MainPID")
    c.ok(u.get("ActiveState") == "active" and u.get("SubState") == "running" and pid1 not in (None, "0", pid0),
         f"after restart: active (running) with a new MainPID ({pid0} -> {pid1})",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} Result={u.get('Result')}")
    c.ok(u.get("NRestarts") == "0", "a manual restart is not counted as an automatic one (NRestarts=0)", f"NRestarts={u.get('NRestarts')}")
    # A new daemon finds every live module live, and the modules the kernel refused earlier in
    # this boot (device drivers whose init found no device: ENODEV) in /run/modloadd/refused:
    # it tries none of them again, so the trace has no new module_load at all.
    bad, retried = later_loads(b, sr, boot["proc_modules"], ar["proc_modules"])
    c.ok(not bad and not retried, f"after restart no module_load at all "
         f"({len(b['loads'])} -> {len(sr['loads'])} module_load events"
         + (f"; retried: {' '.join(retried)}" if retried else "") + ")",
         json.dumps(bad))
    if sr["attempts"] is not None and b["attempts"] is not None:
        seen = {(a["ts"], a["pid"]) for a in b["attempts"]["list"]}
        again = [a for a in sr["attempts"]["list"] if (a["ts"], a["pid"]) not in seen]
        c.ok(not again, "after restart no load attempt at all (live or refused earlier)",
             json.dumps(again, indent=1))
    exp = [n for n in r["requested"] if n not in (MISSING, REFUSED)]
    for n in exp:
        es = entries_for(ar, n, pid1)
        c.ok([S.field(e, "MODLOADD_OUTCOME") for e in es] == ["already loaded"],
             f"after restart the new daemon reports {n} as already loaded", describe(es))
    inserted = [e for e in ar["journal"] if S.field(e, "_PID") == pid1 and S.field(e, "MODLOADD_OUTCOME") == "inserted"]
    c.ok(not inserted, "after restart the new daemon inserted nothing", describe(inserted))
    st = u.get("StatusText") or ""
    m = re.match(r"Loaded 0 modules \((\d+) already loaded", st)
    c.ok(bool(m) and int(m.group(1)) >= len(exp),
         f"after restart StatusText says 0 inserted, at least {len(exp)} already loaded ({st!r})")
    errs_old = [e for e in ar["journal"] if S.field(e, "_PID") == pid0 and int(S.field(e, "PRIORITY") or 6) <= 3
                and S.field(e, "MODLOADD_MODULE") != REFUSED]
    c.ok(not errs_old, "the old daemon logged no error (besides the refused module at boot), stopping included", describe(errs_old))

    if "after-hup" in r["phases"]:
        ah = r["phases"]["after-hup"]
        u = ah["units"].get("modloadd", {})
        c.ok(u.get("ActiveState") == "active" and u.get("MainPID") == pid1,
             "after SIGHUP: still active, same process", f"ActiveState={u.get('ActiveState')} MainPID={u.get('MainPID')}")
        # SIGHUP means reload: the configuration read again, nothing in it new.
        hup = [e for e in reloads(ah, "signal") if S.field(e, "_PID") == pid1]
        c.ok(len(hup) == 1 and S.field(hup[0], "MODLOADD_RELOAD") == "1"
             and (S.field(hup[0], "MESSAGE") or "").startswith("Reloaded the configuration (SIGHUP")
             and (S.field(hup[0], "MESSAGE") or "").endswith(": 0 modules new to this run"),
             "after SIGHUP: one entry 'Reloaded the configuration (SIGHUP ...): 0 modules new to this run' "
             "(MODLOADD_RELOAD=1, MODLOADD_RELOAD_TRIGGER=signal)",
             describe(reloads(ah)) + "\n" + "\n".join(json.dumps(e) for e in reloads(ah)) or describe(ah["journal"][-3:]))
        bad, retried = later_loads(sr, S.summary(r, "after-hup"), ar["proc_modules"], ah["proc_modules"])
        c.ok(not bad and not retried, "after SIGHUP: no module_load (nothing new)", json.dumps(bad + retried))

    if "after-stop" in r["phases"]:
        st_ph = r["phases"]["after-stop"]
        ss = S.summary(r, "after-stop")
        u = st_ph["units"].get("modloadd", {})
        c.ok(u.get("ActiveState") == "inactive" and u.get("Result") == "success" and u.get("ExecMainStatus") == "0",
             "after stop: inactive, Result=success, exit status 0",
             f"ActiveState={u.get('ActiveState')} Result={u.get('Result')} ExecMainStatus={u.get('ExecMainStatus')} ExecMainCode={u.get('ExecMainCode')}")
        gone = [m for m in expected_loaded(r) if m not in st_ph["proc_modules"]]
        c.ok(not gone, "stopping the daemon leaves the modules loaded", "gone: " + " ".join(gone))
        # From the restart on, the only module inserted is the one of the modules-load.d file
        # written at run time (vm-runtime-conf checks that one).
        bad, retried = later_loads(sr, ss, ar["proc_modules"], st_ph["proc_modules"])
        bad = [ev for ev in bad if ev["module"] != RUNTIME_MODULE]
        c.ok(not bad and not retried, f"after restart, reloads and stop: no module_load but {RUNTIME_MODULE}'s",
             json.dumps(bad + retried))
        errs = [e for e in st_ph["journal"] if S.field(e, "_PID") == pid1 and int(S.field(e, "PRIORITY") or 6) <= 3
                and S.field(e, "MODLOADD_MODULE") != REFUSED]
        c.ok(not errs, "no error entries from the daemon besides the refused module", describe(errs))


def check_runtime_conf(c):
    """A modules-load.d file written at run time loads within 2 s, unasked; systemctl reload works.

    guest/actions.d/restart-stop.sh (after the restart and the SIGHUP) writes a trace marker,
    then /etc/modules-load.d/modloadd-vm-runtime.conf naming crc7, and nothing else: the daemon
    watches its configuration directories with inotify. Then `systemctl reload modloadd`.
    """
    r = c.scenario("actions")
    if not r:
        return
    need = ("after-hup", "after-conf", "after-reload")
    if not c.ok(all(p in r["phases"] for p in need), "the collector took the after-hup, after-conf and after-reload snapshots",
                ", ".join(r["phases"])):
        return
    before, ph, rl = (r["phases"][p] for p in need)
    u = ph["units"].get("modloadd", {})
    pid = before["units"].get("modloadd", {}).get("MainPID")
    c.ok(RUNTIME_MODULE not in before["proc_modules"] and not any(ev["module"] == RUNTIME_MODULE for ev in before["trace"]),
         f"{RUNTIME_MODULE} was not live before the file (nothing else loads it)")
    marks = [ev for ev in S.trace_lines(S.read(os.path.join(ph["dir"], "trace")))
             if ev["event"] == "tracing_mark_write" and ev["rest"] == RUNTIME_MARKER]
    if not c.ok(len(marks) == 1, f"the trace has the marker written right before the file ({RUNTIME_MARKER!r})",
                f"{len(marks)} markers"):
        return
    t0 = marks[0]["ts"]
    c.ok(RUNTIME_MODULE in ph["proc_modules"], f"{RUNTIME_MODULE} is live after the file was written")
    evs = [ev for ev in S.summary(r, "after-conf")["loads"] if ev["module"] == RUNTIME_MODULE]
    c.ok(len(evs) == 1 and by_daemon(evs[0], pid),
         f"one module_load of {RUNTIME_MODULE}, by modloadd's MainPID {pid} or its helper", json.dumps(evs))
    if evs:
        dt = evs[0]["ts"] - t0
        c.ok(0 <= dt <= RUNTIME_CONF_BOUND_S,
             f"{RUNTIME_MODULE}'s module_load came {dt:.3f}s after the file was written (bound {RUNTIME_CONF_BOUND_S:.1f}s)",
             f"marker at {t0:.6f}s, module_load at {evs[0]['ts']:.6f}s")
    # Nobody asked: the reload that loaded it came from the watch, no signal since SIGHUP's.
    new = [e for e in reloads(ph) if e not in reloads(before)]
    c.ok(not [e for e in new if S.field(e, "MODLOADD_RELOAD_TRIGGER") != "watch"] and new,
         f"no reload was asked for: the new reloads are the watch's ({len(new)}: "
         + "; ".join(f"#{S.field(e, 'MODLOADD_RELOAD')} {S.field(e, 'MODLOADD_RELOAD_TRIGGER')}" for e in new) + ")",
         describe(new) + "\n" + "\n".join(json.dumps(e) for e in new))
    watch = [e for e in new if "a change in /etc/modules-load.d" in (S.field(e, "MESSAGE") or "")]
    c.ok(bool(watch) and all(int(S.field(e, "__MONOTONIC_TIMESTAMP")) / 1e6 > t0 for e in watch),
         "the watch's reload names the directory ('Reloaded the configuration (a change in /etc/modules-load.d...') "
         "and came after the write", describe(new))
    origin = f"{RUNTIME_CONF}:2"
    mine = entries_for(ph, RUNTIME_MODULE)
    c.ok([S.field(x, "MODLOADD_OUTCOME") for x in mine] == ["inserted"]
         and all(origin in S.fields(x, "MODLOADD_ORIGIN") for x in mine),
         f"its entry says inserted, MODLOADD_ORIGIN={origin} (the new file and line)",
         "\n".join(json.dumps(x, indent=1) for x in mine) or "(no journal entries)")
    c.ok(u.get("ActiveState") == "active" and u.get("MainPID") == pid,
         f"the daemon is still active, the same process (MainPID {pid})",
         f"ActiveState={u.get('ActiveState')} MainPID={u.get('MainPID')}")

    # systemctl reload: ExecReload=modloadctl reload, SIGHUP and wait until the daemon reloaded
    a = r["actions"].get("reload", {})
    c.ok(a.get("rc") == "0", f"`{a.get('cmd', 'systemctl reload')}` exits 0", f"exit {a.get('rc')}: {a.get('out')}")
    u = rl["units"].get("modloadd", {})
    c.ok(u.get("ActiveState") == "active" and u.get("SubState") == "running" and u.get("MainPID") == pid,
         f"after the reload: active (running), the same MainPID {pid}",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} MainPID={u.get('MainPID')}")
    new = [e for e in reloads(rl) if e not in reloads(ph)]
    c.ok(len(new) == 1 and S.field(new[0], "MODLOADD_RELOAD_TRIGGER") == "signal" and S.field(new[0], "_PID") == pid,
         "the journal has its reload, MODLOADD_RELOAD_TRIGGER=signal: "
         + "; ".join(f"#{S.field(e, 'MODLOADD_RELOAD')} {S.field(e, 'MESSAGE')!r}" for e in new),
         describe(new) + "\n" + "\n".join(json.dumps(e) for e in new))
    c.ok(any("modloadctl" in (S.field(e, "MESSAGE") or "") for e in new),
         "the signal came from modloadctl (the unit's ExecReload=)", describe(new))
    bad, retried = later_loads(S.summary(r, "after-conf"), S.summary(r, "after-reload"), ph["proc_modules"], rl["proc_modules"])
    c.ok(not bad and not retried, "the reload inserted nothing (nothing new)", json.dumps(bad + retried))


def check_stock_baseline(c):
    """Stock Debian's systemd-modules-load loads the same set (the comparison baseline)."""
    r = c.scenario("stock")
    if not r:
        return
    s = S.summary(r)
    context(c, s)
    ph = r["phases"]["boot"]
    exp = expected_loaded(r)
    missing = [m for m in exp if m not in ph["proc_modules"]]
    c.ok(not missing, f"stock: the {len(exp)} configured modules and dependencies are in /proc/modules", "missing: " + " ".join(missing))
    by = loads_by_module(s)
    wrong = {m: [ev["loader"] for ev in by.get(m, [])] for m in exp
             if [ev["loader"] for ev in by.get(m, [])] not in (["systemd-modules-load"], ["modprobe"], ["systemd (PID 1)"])}
    c.ok(not wrong, "stock: each was inserted once, by systemd-modules-load (or systemd's modprobe@ units / PID 1)", json.dumps(wrong))
    c.ok("modloadd" not in s["by_loader"], "stock: modloadd did not run")
    sml = ph["units"].get("systemd-modules-load", {})
    c.ok(sml.get("ActiveState") == "failed" and sml.get("Result") == "exit-code",
         "stock: systemd-modules-load.service fails on the missing name and the refused module (as expected)",
         f"ActiveState={sml.get('ActiveState')} Result={sml.get('Result')}")
    c.ok(REFUSED not in ph["proc_modules"], f"stock: {REFUSED} is refused by the kernel too")
    main = c.scenario("main")
    if main:
        m = S.summary(main)
        a = set(exp) & ph["proc_modules"]
        b = set(expected_loaded(main)) & main["phases"]["boot"]["proc_modules"]
        c.ok(a == b, f"modloadd and stock end with the same configured set live ({len(a)} modules)",
             f"only stock: {sorted(a - b)}; only modloadd: {sorted(b - a)}")
        print(f"# udev drivers (stock; modloadd loads them in the modloadd image): {' '.join(s['by_loader'].get('udev', []))}")
        print("# timing, one boot each (tools/vm/compare.sh takes medians):")
        for label, key in S.TABLE_ROWS:
            print(f"#   {label:<38} stock {S.fmt_s(s['times'][key]):>8}   modloadd {S.fmt_s(m['times'][key]):>8}")


def check_journal_fields(c):
    """Each modloadd journal entry carries one value per field (no duplicated CODE_* fields)."""
    r = c.scenario("main")
    if not r:
        return
    ph = r["phases"]["boot"]
    mine = [e for e in ph["journal"] if S.field(e, "_PID") != "1"]
    c.ok(bool(mine), f"modloadd wrote {len(mine)} journal entries")
    need = ("MESSAGE_ID", "MODLOADD_MODULE", "MODLOADD_OUTCOME")
    lacking = [e for e in mine if S.field(e, "MODLOADD_MODULE") and not all(S.field(e, k) for k in need)]
    c.ok(not lacking, f"every per-module entry has {', '.join(need)}", describe(lacking))
    single = {"MESSAGE", "PRIORITY", "MESSAGE_ID", "MODLOADD_MODULE", "MODLOADD_OUTCOME", "ERRNO",
              "CODE_FILE", "CODE_LINE", "CODE_FUNC", "MODLOADD_KERNEL_MESSAGE", "MODLOADD_OPTIONS"}
    dup = {}
    for e in mine:
        for k in single:
            if isinstance(e.get(k), list) and e[k] and not isinstance(e[k][0], int):
                dup.setdefault(k, e[k])
    c.ok(not dup, "no field that has one meaning appears twice in an entry",
         "\n".join(f"{k}={v}" for k, v in sorted(dup.items())))


# Buses whose devices the firmware and the PCI enumeration present without any module.
MACHINE_BUSES = ("pci", "acpi", "cpu", "dmi", "platform", "serio")


def device_driven(stock):
    """The modules devices bring in: live after the stock boot and inserted there by udev (for a
    MODALIAS, or sg for a SCSI device), with their dependencies. Not the modules-load.d set
    (systemd-modules-load), nor what PID 1 and systemd's modprobe@ units load in either mode."""
    s = S.summary(stock)
    live = stock["phases"]["boot"]["proc_modules"]
    return sorted({ev["module"] for ev in s["loads"] if ev["loader"] == "udev" and ev["module"] in live})


def check_device_set(c):
    """The modloadd boot ends with the same live modules as the stock boot (same guest, same devices)."""
    stock = c.scenario("stock")
    main = c.scenario("main")
    if not stock or not main:
        return
    a, b = stock["phases"]["boot"], main["phases"]["boot"]
    print(f"# devices: {'?' if a['devices'] is None else len(a['devices'])} with a MODALIAS in the stock boot; "
          f"stock udev inserted {len(device_driven(stock))} live modules for them")
    if a["devices"] is None or b["devices"] is None:
        print("# (a boot without collect/boot/devices: the device lists are not compared)")
    else:
        # The machine's own devices, which exist before any module is loaded: SCSI disks,
        # input devices, virtio devices appear only once their bus driver is there, so they
        # differ when the module sets differ (that is the next assertion).
        da, db = ({d for d in x if d[1].split(":")[0] in MACHINE_BUSES} for x in (a["devices"], b["devices"]))
        c.ok(da == db, f"both boots saw the same {len(da)} {'/'.join(MACHINE_BUSES)} devices (DEVPATH and MODALIAS)",
             "only stock: " + "; ".join(" ".join(x) for x in sorted(da - db)) +
             "\nonly modloadd: " + "; ".join(" ".join(x) for x in sorted(db - da)))
        if a["devices"] != b["devices"]:
            print(f"# devices that exist once a driver is there: {len(a['devices'] - da)} in stock, {len(b['devices'] - db)} with modloadd")
    # The modloadd image's test rules (/etc/modloadd/rules.d) load modules nothing in stock Debian
    # asks for: that is their point (vm-rules), so they are left out. The shipped rules
    # (/usr/lib/modloadd/rules.d) stay in: they must load nothing the stock boot does not.
    own = test_rule_modules(main)
    sa, sb = a["proc_modules"] - own, b["proc_modules"] - own
    c.ok(sa == sb, f"/proc/modules after boot: the same {len(sa)} modules in both modes"
         + (f" (besides the test rules' {' '.join(sorted(own & b['proc_modules']))})" if own & b["proc_modules"] else ""),
         f"only in stock: {' '.join(sorted(sa - sb)) or '-'}\nonly with modloadd: {' '.join(sorted(sb - sa)) or '-'}")


def check_device_modules_once(c):
    """Every device-driven module is inserted once, by modloadd, which tries each module once."""
    stock = c.scenario("stock")
    r = c.scenario("main")
    if not stock or not r:
        return
    want = device_driven(stock)
    s = S.summary(r)
    context(c, s)
    ph = r["phases"]["boot"]
    c.ok(len(want) >= 20, f"the stock boot's udev inserted {len(want)} modules for devices (live after boot)",
         " ".join(want))
    missing = [m for m in want if m not in ph["proc_modules"]]
    c.ok(not missing, f"all {len(want)} are live after the modloadd boot", "missing: " + " ".join(missing))
    by = loads_by_module(s)
    main_pid = s["modloadd"]["MainPID"]
    counts = {m: len(by.get(m, [])) for m in want if len(by.get(m, [])) != 1}
    c.ok(not counts, "each has exactly one module_load in the modloadd boot's trace",
         "\n".join(f"{m}: {n} module_load events" for m, n in counts.items()))
    wrong, others = {}, {}
    for m in want:
        for ev in by.get(m, []):
            if by_daemon(ev, main_pid):
                continue
            if ev["loader"] in OTHER_LOADERS_OK:
                others[m] = f"{ev['loader']} ({ev['comm']}-{ev['pid']})"
            else:
                wrong[m] = f"{ev['loader']} ({ev['comm']}-{ev['pid']}, tgid {ev['tgid']})"
    c.ok(not wrong, f"each was inserted by modloadd's MainPID {main_pid} or its helpers"
         + (f" or by PID 1 / systemd's modprobe@ units ({', '.join(f'{k}: {v}' for k, v in others.items())})" if others else ""),
         "\n".join(f"{m}: {v}" for m, v in wrong.items()))
    att = s["attempts"]
    if not c.ok(att is not None, "the trace has the load attempts (init_module/finit_module syscall events)",
                "no syscall events in the trace: a boot.sh without them?"):
        return
    st = att["by_loader"].get("modloadd")
    if not c.ok(st is not None, "modloadd made load attempts", json.dumps(att["by_loader"], indent=1)):
        return
    rep = {m: v for m, v in att["repeated"].items() if any(x["loader"] == "modloadd" for x in v)}
    c.ok(st["attempts"] == st["distinct_modules"] and not st["unnamed_attempts"],
         f"modloadd's load attempts per distinct module: {S.fmt_r(st['per_module'])} "
         f"({st['attempts']} attempts, {st['distinct_modules']} modules; results {st['results']})",
         "more than one attempt:\n" + "\n".join(
             f"  {m}: " + ", ".join(f"{x['loader']}/{x['pid']} {x['result']}" for x in v) for m, v in rep.items())
         + (f"\n{st['unnamed_attempts']} attempts without a module name (the lookup kprobe missed them)" if st["unnamed_attempts"] else ""))
    ss = S.summary(stock)
    if ss["attempts"]:
        sm = ss["attempts"]["mode_loaders"]
        print(f"# stock, for comparison: {sm['attempts']} attempts by {', '.join(ss['attempts']['loaders'])} "
              f"for {sm['distinct_modules']} modules = {S.fmt_r(sm['per_module'])} per module; "
              f"{len(ss['attempts']['repeated'])} modules tried more than once")


def check_hotplug(c):
    """A NIC hotplugged at run time: its module is live within 2 s, loaded by modloadd, journaled."""
    r = c.scenario("hotplug")
    if not r:
        return
    h = S.hotplug_summary(r)
    if not c.ok(h is not None, "the hotplug action ran (collect/hotplug/)", f"actions: {r['actions']}"):
        return
    ph = r["phases"].get("after-hotplug")
    c.ok(ph is not None, "the collector took the after-hotplug snapshot", ", ".join(r["phases"]))
    mon = S.read(os.path.join(os.path.dirname(r["dir"]), "monitor.log")) or "(no monitor.log)"
    if not c.ok(h["device_add_s"] is not None,
                f"the device appeared: PCI {S.HOTPLUG_PCI_ID} at {S.fmt_s(h['device_add_s'])} ({h['device_add_from']}; "
                f"add uevent read at {S.fmt_s(h['uevent_read_s'])}), {h['devpath']} {h['modalias']}", f"monitor-relay: {mon}\nuevents: {len(S.load_hotplug(os.path.join(r['dir'], 'hotplug'))['uevents'])}"):
        return
    c.ok(h["module_live_s"] is not None, f"{h['module']} went live (module add uevent at {S.fmt_s(h['module_live_s'])})",
         (S.read(os.path.join(r["dir"], "hotplug", "after")) or "")[-300:])
    first = h["attempts"][0] if h["attempts"] else None
    split = (f"device at {h['device_add_s']:.3f}s, load attempt at {first['ts']:.3f}s (returned at {S.fmt_s(first['end'])}), "
             if first else f"device at {h['device_add_s']:.3f}s, no load attempt, ")
    if h["latency_s"] is not None:
        c.ok(h["latency_s"] <= HOTPLUG_BOUND_S,
             f"{h['module']} was live {h['latency_s']:.2f}s after the device appeared (bound {HOTPLUG_BOUND_S:.1f}s; "
             f"load attempt after {S.fmt_s(h['reaction_s'])}, driver bound after "
             f"{S.fmt_s(h['bound_s'] - h['device_add_s'] if h['bound_s'] else None)})",
             split + f"driver bound at {S.fmt_s(h['bound_s'])}, module live at {h['module_live_s']:.3f}s")
    c.ok(h["reaction_s"] is not None and h["reaction_s"] <= HOTPLUG_REACTION_BOUND_S,
         f"the load attempt began {S.fmt_s(h['reaction_s'])} after the device appeared (bound {HOTPLUG_REACTION_BOUND_S:.1f}s)",
         split + json.dumps(h["attempts"]))
    main_pid = (ph or r["phases"]["boot"])["units"].get("modloadd", {}).get("MainPID")
    boot_pid = r["phases"]["boot"]["units"].get("modloadd", {}).get("MainPID")
    c.ok(len(h["loads"]) == 1 and by_daemon(h["loads"][0], main_pid),
         f"one module_load of {h['module']}, by modloadd (MainPID {main_pid} or its helper)", json.dumps(h["loads"]))
    tried = ", ".join(f"{a['loader']} {a['error']}" for a in h["attempts"])
    c.ok(len(h["attempts"]) == 1, f"one load attempt for {h['module']} ({tried})", json.dumps(h["attempts"], indent=1))
    mine = [j for j in h["journal"] if j["unit"] == "modloadd.service"]
    c.ok(bool(mine), f"modloadd.service journaled MODLOADD_MODULE={h['module']}", json.dumps(h["journal"], indent=1))
    good = [j for j in mine if h["devpath"] in j["devpath"] and h["modalias"] in j["modalias"]]
    c.ok(bool(good), f"the entry names the device: MODLOADD_DEVPATH={h['devpath']} MODLOADD_MODALIAS={h['modalias']}",
         json.dumps(mine, indent=1))
    c.ok(any((j["modalias"] or [""])[0].startswith("pci:v000015ADd000007B0") for j in mine),
         "MODLOADD_MODALIAS is the NIC's PCI alias (pci:v000015ADd000007B0...)", json.dumps(mine, indent=1))
    c.ok(any(j["outcome"] == "inserted" for j in mine), "MODLOADD_OUTCOME=inserted", json.dumps(mine, indent=1))
    if ph:
        u = ph["units"].get("modloadd", {})
        c.ok(u.get("ActiveState") == "active" and main_pid == boot_pid,
             f"modloadd.service is still active, the same process (MainPID {boot_pid} -> {main_pid})",
             f"ActiveState={u.get('ActiveState')} Result={u.get('Result')}")


def check_rules(c):
    """Rules at start: a machine rule that holds loads its module, one that does not loads nothing.

    The test rules (tools/vm/guest/rules.d): ConditionVirtualization=vm holds in the guest and
    loads ts_kmp; ConditionVirtualization=microsoft does not (ts_fsm); ConditionPCIDevice=15ad:07b0
    has no device at boot (ts_bm: the hotplug boot adds the NIC, vm-rule-hotplug). Of the shipped
    rules only 50-virtio holds, and its modules are live.
    """
    r = c.scenario("main")
    if not r:
        return
    ph = r["phases"]["boot"]
    s = S.summary(r)
    context(c, s)
    main_pid = s["modloadd"]["MainPID"]
    missing = [n for n in list(TEST_RULES) + sorted(SHIPPED_HOLDING) if n not in r["rules"]]
    if not c.ok(not missing, f"the guest has the test rules and the shipped ones ({len(r['rules'])} rule files: "
                f"{' '.join(sorted(r['rules']))})", "missing: " + " ".join(missing)):
        return
    for rule, module in TEST_RULES.items():
        c.ok(r["rules"][rule]["modules"] == {module: r["rules"][rule]["modules"].get(module)},
             f"{r['rules'][rule]['file']} names {module}", json.dumps(r["rules"][rule]))
    # the rule that holds
    check_rule_loaded(c, r, "boot", RULE_VM, TEST_RULES[RULE_VM], main_pid)
    # the rules that do not hold (yet): no entry, no module
    for rule, why in ((RULE_MICROSOFT, "QEMU is not Hyper-V"), (RULE_VMXNET3, "no vmxnet3 NIC at boot")):
        module = TEST_RULES[rule]
        es = rule_entries(ph, rule)
        c.ok(not es, f"{rule} does not hold ({why}): no MODLOADD_RULE={rule} entry", describe(es))
        loads = [ev for ev in s["loads"] if ev["module"] == module]
        mine = entries_for(ph, module)
        c.ok(module not in ph["proc_modules"] and not loads and not mine,
             f"{module} is not live, has no module_load and no journal entry", json.dumps(loads) + "\n" + describe(mine))
    vmxnet3 = [d for d in ph["devices"] or [] if d[1].upper().startswith("PCI:V000015ADD000007B0")]
    c.ok(ph["devices"] is not None and not vmxnet3, "the boot had no vmxnet3 device (PCI 15ad:07b0)", json.dumps(vmxnet3))
    # the shipped rules
    held = {S.field(e, "MODLOADD_RULE") for e in ph["journal"] if S.field(e, "MODLOADD_RULE")}
    want = {RULE_VM} | SHIPPED_HOLDING
    c.ok(held == want, f"the rules that held at boot: {' '.join(sorted(held))} (expected {' '.join(sorted(want))})",
         f"unexpected: {sorted(held - want)}; missing: {sorted(want - held)}")
    for rule in sorted(SHIPPED_HOLDING):
        f = r["rules"][rule]
        gone = [m for m in f["modules"] if m not in ph["proc_modules"]]
        c.ok(not gone, f"{rule}: its modules are live ({' '.join(f['modules'])})", "not live: " + " ".join(gone))


def check_rule_hotplug(c):
    """A device rule fires on a hotplugged device: its module live within 2 s, loaded by modloadd."""
    r = c.scenario("hotplug")
    if not r:
        return
    h = S.hotplug_summary(r)
    if not c.ok(h is not None and "after-hotplug" in r["phases"], "the hotplug action ran and took its snapshot",
                f"actions: {r['actions']}; phases: {', '.join(r['phases'])}"):
        return
    rule, module = RULE_VMXNET3, TEST_RULES[RULE_VMXNET3]
    boot, ph = r["phases"]["boot"], r["phases"]["after-hotplug"]
    if not c.ok(h["device_add_s"] is not None, f"the vmxnet3 device appeared at {S.fmt_s(h['device_add_s'])} "
                f"({h['device_add_from']})", "no add uevent of the device"):
        return
    dev = h["device_add_s"]
    c.ok(module not in boot["proc_modules"] and not rule_entries(boot, rule),
         f"before the device: {module} not live, {rule} had not held", describe(rule_entries(boot, rule)))
    main_pid = ph["units"].get("modloadd", {}).get("MainPID")
    e = check_rule_loaded(c, r, "after-hotplug", rule, module, main_pid)
    if e:
        at = int(S.field(e, "__MONOTONIC_TIMESTAMP")) / 1e6
        c.ok(at > dev, f"the rule was journaled {at - dev:.2f}s after the device appeared (at {at:.3f}s)")
    evs = [ev for ev in ph["trace"] if ev["module"] == module]
    if evs:
        c.ok(evs[0]["ts"] > dev, f"{module}'s module_load came {evs[0]['ts'] - dev:.2f}s after the device")
    # live: the kernel's module add uevent, sent once the module's init returned
    live = [u["ts"] for u in S.load_hotplug(os.path.join(r["dir"], "hotplug"))["uevents"]
            if u["source"] == "KERNEL" and u["subsystem"] == "module" and u["action"] == "add"
            and u["devpath"] == f"/module/{module}"]
    if c.ok(bool(live), f"the kernel announced {module} live (module add uevent)",
            "udevadm monitor saw no add of /module/" + module):
        c.ok(live[0] - dev <= HOTPLUG_BOUND_S,
             f"{module} was live {live[0] - dev:.2f}s after the device appeared (bound {HOTPLUG_BOUND_S:.1f}s)",
             f"device at {dev:.3f}s, {module} live at {live[0]:.3f}s")


# --- issue 12: a module that hangs or fails, the takeover's ordering, a restart -------------

# The fault modules of the faults image (tools/vm/modules, guest/faults/): name -> (what the
# kernel prints, the errno of the refusal). modloadd_vm_hang's init blocks for 240 s, past
# InsertTimeoutSec=20; modloadd_vm_after_hang depends on it. modloadd_vm_slow's init takes 35 s
# and succeeds: timed out, then answered late.
FAULT_HANG = "modloadd_vm_hang"
FAULT_AFTER_HANG = "modloadd_vm_after_hang"
FAULT_EIO = "modloadd_vm_eio"
FAULT_NOSYM = "modloadd_vm_nosym"
FAULT_SLOW = "modloadd_vm_slow"
FAULT_TEXT = {
    FAULT_HANG: "modloadd_vm_hang: init blocks for 240 s",
    FAULT_EIO: "modloadd_vm_eio: test device does not answer, giving up (EIO)",
    FAULT_NOSYM: "modloadd_vm_nosym: Unknown symbol modloadd_vm_no_such_symbol",
    FAULT_SLOW: "modloadd_vm_slow: init takes 35 s",
}
FAULT_SLOW_RETURN = "modloadd_vm_slow: init returns after 35 s"
FAULT_MODULES = (FAULT_HANG, FAULT_AFTER_HANG, FAULT_EIO, FAULT_NOSYM, FAULT_SLOW)
INSERT_TIMEOUT_S = 20
SLOW_INIT_S = 35
# the faults image's ReadyTimeoutSec= (guest/faults/modloadd.conf.d): above the two timeouts
READY_TIMEOUT_S = 60
# MESSAGE_ID of the entry for an insert that returned after its timeout (daemon/report/
# message_ids.h, kFinishedLate; these never change).
MESSAGE_ID_FINISHED_LATE = "f517c30c9c234e739b014ab19bfd3015"
# `systemctl stop modloadd` with an insert stuck in a module's init returns within this bound
# (the unit's short TimeoutStopSec=, KillMode=process: the stuck helper is left behind).
STOP_BOUND_S = 10.0
# The sysctl.d key of the guest that br_netfilter owns (guest/sysctl.d; the kernel's default: 1).
SYSCTL_KEY = "net.bridge.bridge-nf-call-iptables"


def mono_s(props, key):
    """A unit's ...TimestampMonotonic property in seconds (None: unset)."""
    v = int(props.get(key, "0") or 0)
    return v / 1e6 if v else None


def timespan_s(text):
    """systemd's time span as `systemctl show` prints it ("30s", "1min 30s", "500ms") in seconds."""
    total = 0.0
    for num, unit in re.findall(r"([\d.]+)\s*(min|ms|us|s|h)", text or ""):
        total += float(num) * {"h": 3600, "min": 60, "s": 1, "ms": 1e-3, "us": 1e-6}[unit]
    return total or None


def initstates(text):
    """{module: initstate} from `grep -H . /sys/module/*/initstate`."""
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"/sys/module/([^/]+)/initstate:(\w+)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def kernel_text(e):
    """The kernel's words a journal entry carries (MODLOADD_KERNEL_MESSAGE, or the MESSAGE)."""
    return "\n".join(S.fields(e, "MODLOADD_KERNEL_MESSAGE")) + "\n" + (S.field(e, "MESSAGE") or "")


def check_faults(c):
    """Faulty modules (init blocks, -EIO, unknown symbol, init returns late): each reported, the rest of the boot goes on.

    The faults image: modules built against the guest kernel's headers, InsertTimeoutSec=20.
    """
    r = c.scenario("faults")
    if not r:
        return
    main = c.scenario("main")
    stock = c.scenario("stock")
    ph = r["phases"]["boot"]
    s = S.summary(r)
    context(c, s)
    missing = [m for m in FAULT_MODULES if m not in r["requested"]]
    if not c.ok(not missing, f"the guest's modules-load.d names the fault modules ({' '.join(FAULT_MODULES)})",
                "missing: " + " ".join(missing)):
        return
    mu = ph["units"].get("multi-user.target", {})
    c.ok(mu.get("ActiveState") == "active" and mono_s(mu, "ActiveEnterTimestampMonotonic"),
         f"multi-user.target was reached (at {S.fmt_s(mono_s(mu, 'ActiveEnterTimestampMonotonic'))})",
         f"ActiveState={mu.get('ActiveState')}")
    u = ph["units"].get("modloadd", {})
    c.ok(u.get("ActiveState") == "active" and u.get("NRestarts") == "0",
         f"modloadd.service is active, never restarted (StatusText {u.get('StatusText')!r})",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} Result={u.get('Result')} NRestarts={u.get('NRestarts')}")
    started = [e for e in ph["journal"] if S.field(e, "_PID") == "1"
               and (S.field(e, "MESSAGE") or "").startswith("Started modloadd.service")]
    ready = mono_s(u, "ActiveEnterTimestampMonotonic")
    start = mono_s(u, "ExecMainStartTimestampMonotonic")
    c.ok(bool(started) and ready and start,
         f"READY=1 came {S.fmt_s(ready - start if ready and start else None)} after the start (systemd: 'Started')",
         describe(ph["journal"][-8:]))
    bound = [e for e in ph["journal"] if re.search(r"ready bound|ReadyTimeoutSec", S.field(e, "MESSAGE") or "")]
    c.ok(not bound, f"not through the ready bound (ReadyTimeoutSec={READY_TIMEOUT_S}): the stuck inserts timed out after "
         f"InsertTimeoutSec={INSERT_TIMEOUT_S}",
         describe(bound))
    # every other configured module, and every device module of the stock boot, is live
    exp = [m for m in expected_loaded(r) if m not in FAULT_MODULES]
    if main:
        want = [m for m in expected_loaded(main) if m not in exp]
        c.ok(not want, f"the faults image asks for the main scenario's modules-load.d set too ({len(exp)} modules)",
             "only in main: " + " ".join(want))
    gone = [m for m in exp if m not in ph["proc_modules"]]
    c.ok(not gone, f"every other modules-load.d module and dependency is live ({len(exp)})", "missing: " + " ".join(gone))
    if stock:
        dev = device_driven(stock)
        gone = [m for m in dev if m not in ph["proc_modules"]]
        c.ok(not gone, f"every device module of the stock boot is live ({len(dev)})", "missing: " + " ".join(gone))
    dmesg = S.read(os.path.join(r["dir"], "dmesg.txt")) or ""
    for m, text in FAULT_TEXT.items():
        c.ok(text in dmesg, f"the kernel logged {text!r} (the module was built for this kernel and tried)")
    # one entry each, with the kernel's own words
    want_outcome = {FAULT_HANG: ("timed out", None), FAULT_EIO: ("failed", "5"), FAULT_NOSYM: ("failed", "2")}
    for m, (outcome, errno) in want_outcome.items():
        es = entries_for(ph, m)
        c.ok(len(es) == 1, f"{m}: one journal entry", describe(es))
        if len(es) != 1:
            continue
        e = es[0]
        c.ok(S.field(e, "MODLOADD_OUTCOME") == outcome and (errno is None or S.field(e, "ERRNO") == errno),
             f"{m}: MODLOADD_OUTCOME={outcome}" + (f", ERRNO={errno}" if errno else ""), describe(es))
        c.ok(FAULT_TEXT[m].split(": ", 1)[1] in kernel_text(e),
             f"{m}: the entry carries the kernel's text ({FAULT_TEXT[m].split(': ', 1)[1]!r})", json.dumps(e, indent=1))
    # the hung insert: still in the kernel's init, one attempt; its dependent not attempted
    att = (s["attempts"] or {}).get("list", [])
    hang = [a for a in att if a["module"] == FAULT_HANG]
    c.ok(len(hang) == 1 and hang[0]["loader"] == "modloadd",
         f"{FAULT_HANG}: one load attempt, by modloadd, never retried", json.dumps(hang, indent=1))
    after = [a for a in att if a["module"] == FAULT_AFTER_HANG]
    c.ok(not after and FAULT_AFTER_HANG not in ph["proc_modules"],
         f"{FAULT_AFTER_HANG} (depends on {FAULT_HANG}) was not attempted", json.dumps(after, indent=1))
    es = entries_for(ph, FAULT_AFTER_HANG)
    c.ok(len(es) == 1 and S.field(es[0], "MODLOADD_OUTCOME") not in ("inserted", "timed out")
         and FAULT_HANG in (S.field(es[0], "MESSAGE") or "") + " ".join(S.fields(es[0], "MODLOADD_CAUSE")),
         f"{FAULT_AFTER_HANG}: one entry saying it was not attempted because of {FAULT_HANG}", describe(es))
    for m in (FAULT_EIO, FAULT_NOSYM):
        tried = [a for a in att if a["module"] == m]
        c.ok(len(tried) == 1, f"{m}: one load attempt ({', '.join(str(a['error']) for a in tried)})", json.dumps(tried, indent=1))
    others = [m for m, v in ((s["attempts"] or {}).get("repeated") or {}).items() if any(x["loader"] == "modloadd" for x in v)]
    c.ok(not others, "no module attempted twice by modloadd", " ".join(others))
    check_late_answer(c, r)


def entry_s(e):
    """A journal entry's time on the monotonic clock, in seconds (the trace's clock: trace_clock=mono)."""
    return int(S.field(e, "__MONOTONIC_TIMESTAMP") or 0) / 1e6


# How far apart journald and PID 1 may time one moment of the daemon's (two readers).
READY_SLACK_S = 0.5


def check_late_answer(c, r):
    """modloadd_vm_slow: timed out after InsertTimeoutSec=, then journaled again when its init returned.

    Read at the faults action's "hung" snapshot, which waits (bounded) for the late entry.
    """
    hung = r["phases"].get("hung")
    if not c.ok(hung is not None, f"{FAULT_SLOW}: the faults action took its hung snapshot", ", ".join(r["phases"])):
        return
    es = entries_for(hung, FAULT_SLOW)
    timed = [e for e in es if S.field(e, "MODLOADD_LATE") != "1"]
    late = [e for e in es if S.field(e, "MODLOADD_LATE") == "1"]
    c.ok(len(timed) == 1 and S.field(timed[0], "MODLOADD_OUTCOME") == "timed out",
         f"{FAULT_SLOW}: one entry MODLOADD_OUTCOME=timed out", describe(es))
    if timed:
        c.ok(FAULT_TEXT[FAULT_SLOW].split(": ", 1)[1] in kernel_text(timed[0]),
             f"{FAULT_SLOW}: the timed-out entry carries the kernel's text so far "
             f"({FAULT_TEXT[FAULT_SLOW].split(': ', 1)[1]!r})", json.dumps(timed[0], indent=1))
    # the daemon writes the late entry with the outcome's word ("inserted") and no kernel text
    # for a success (it keeps the kernel's lines for failures)
    c.ok(len(late) == 1 and S.field(late[0], "MODLOADD_OUTCOME") == "inserted"
         and S.field(late[0], "MESSAGE_ID") == MESSAGE_ID_FINISHED_LATE and not S.field(late[0], "ERRNO")
         and "finished initialising after its timeout" in (S.field(late[0], "MESSAGE") or ""),
         f"{FAULT_SLOW}: one late entry, MODLOADD_LATE=1, MODLOADD_OUTCOME=inserted, "
         f"MESSAGE_ID={MESSAGE_ID_FINISHED_LATE}", describe(es))
    dmesg = S.read(os.path.join(r["dir"], "dmesg.txt")) or ""
    c.ok(FAULT_SLOW_RETURN in dmesg, f"the kernel logged {FAULT_SLOW_RETURN!r}")
    st = initstates(S.read(os.path.join(r["dir"], "faults", "initstate-hung")))
    c.ok(FAULT_SLOW in hung["proc_modules"] and st.get(FAULT_SLOW) == "live",
         f"{FAULT_SLOW} is live at the hung snapshot (/proc/modules, initstate {st.get(FAULT_SLOW)})", json.dumps(st))
    hs = S.summary(r, "hung")
    att = (hs["attempts"] or {}).get("list", [])
    slow = [a for a in att if a["module"] == FAULT_SLOW]
    c.ok(len(slow) == 1 and slow[0]["loader"] == "modloadd" and slow[0]["error"] == "ok" and slow[0]["inserted"],
         f"{FAULT_SLOW}: one load attempt, by modloadd, that returned 0", json.dumps(slow, indent=1))
    if len(slow) == 1 and len(timed) == 1 and len(late) == 1 and slow[0]["end"] is not None:
        a, t, lt = slow[0], entry_s(timed[0]), entry_s(late[0])
        print(f"# {FAULT_SLOW}: insert began at {a['ts']:.2f}s, timed out entry at {t:.2f}s (+{t - a['ts']:.2f}s), "
              f"init returned at {a['end']:.2f}s (+{a['end'] - a['ts']:.2f}s), late entry at {lt:.2f}s "
              f"(+{lt - a['ts']:.2f}s)")
        # the daemon's clock starts when it hands the job to its helper, a little before the syscall
        c.ok(t - a["ts"] >= INSERT_TIMEOUT_S - 1 and a["end"] - a["ts"] >= SLOW_INIT_S and t < a["end"] <= lt,
             f"{FAULT_SLOW}: timed out after InsertTimeoutSec={INSERT_TIMEOUT_S}, answered late once its init returned "
             f"({SLOW_INIT_S} s)", f"insert {a['ts']:.2f}s, timed out {t:.2f}s, returned {a['end']:.2f}s, late entry {lt:.2f}s")
        # READY=1 waits for the modules-load.d set to settle: the timeout settles it, the late
        # answer is not waited for. The daemon journals the timeout before it sends READY=1, but
        # the two times are taken by two readers (journald's reception, PID 1's), which may take
        # them in either order: a few hundred milliseconds of slack
        ready = mono_s(hung["units"].get("modloadd", {}), "ActiveEnterTimestampMonotonic")
        c.ok(ready is not None and t - READY_SLACK_S <= ready < lt,
             f"READY=1 came at {S.fmt_s(ready)}: after {FAULT_SLOW} timed out, before its late answer",
             f"timed out {t:.2f}s, late entry {lt:.2f}s")
    # nothing else was touched by it. Another module whose own init runs past InsertTimeoutSec=
    # times out and answers late too (kvm_amd's, under TCG on a busy host): its load attempt in
    # the trace shows that slowness is its own
    took = {a["module"]: (a["end"] if a["end"] is not None else hung["uptime"]) - a["ts"]
            for a in att if a["module"] and a["loader"] == "modloadd"}
    timed_out = {S.norm(S.field(e, "MODLOADD_MODULE") or "") for e in hung["journal"]
                 if S.field(e, "MODLOADD_OUTCOME") == "timed out"} - {FAULT_HANG, FAULT_SLOW}
    own = sorted(m for m in timed_out if took.get(m, 0) >= INSERT_TIMEOUT_S - 1)
    if own:
        print("# also timed out, their own inits past InsertTimeoutSec= on this host: "
              + ", ".join(f"{m} ({took[m]:.1f}s)" for m in own))
    others = [e for e in hung["journal"] if S.field(e, "MODLOADD_OUTCOME") == "timed out"
              and S.norm(S.field(e, "MODLOADD_MODULE") or "") in timed_out - set(own)]
    c.ok(not others, f"no module but {FAULT_HANG} and {FAULT_SLOW} timed out (but for those whose own insert ran "
         f"{INSERT_TIMEOUT_S}s or more in the trace)", describe(others))
    others = [e for e in hung["journal"] if S.field(e, "MODLOADD_LATE") == "1"
              and S.norm(S.field(e, "MODLOADD_MODULE") or "") not in [FAULT_SLOW, *own]]
    c.ok(not others, "no other module has a late entry (but for those)", describe(others))
    others = [e for e in hung["journal"] if S.field(e, "MODLOADD_MODULE") != FAULT_SLOW
              and FAULT_SLOW in " ".join(S.fields(e, "MODLOADD_CAUSE"))]
    c.ok(not others, f"no entry blames {FAULT_SLOW} for another module", describe(others))
    exp = [m for m in expected_loaded(r) if m not in FAULT_MODULES]
    gone = [m for m in exp if m not in hung["proc_modules"]]
    c.ok(not gone, f"every other modules-load.d module and dependency is still live at the hung snapshot ({len(exp)})",
         "missing: " + " ".join(gone))
    twice = [m for m, v in ((hs["attempts"] or {}).get("repeated") or {}).items() if any(x["loader"] == "modloadd" for x in v)]
    c.ok(not twice, "no module attempted twice by modloadd up to the hung snapshot", " ".join(twice))


def check_stop_stuck(c):
    """With an insert stuck in a module's init: the watchdog is served, `systemctl stop` returns within 10 s."""
    r = c.scenario("faults")
    if not r:
        return
    fd = os.path.join(r["dir"], "faults")
    hung = r["phases"].get("hung")
    if not c.ok(hung is not None and "after-stop" in r["phases"], "the faults action took the hung and after-stop snapshots",
                ", ".join(r["phases"])):
        return
    st = initstates(S.read(os.path.join(fd, "initstate-hung")))
    c.ok(st.get(FAULT_HANG) == "coming", f"{FAULT_HANG}'s init was still running at the hung snapshot "
         f"(initstate {st.get(FAULT_HANG)}, uptime {hung['uptime']:.1f}s)", json.dumps(st))
    u = hung["units"].get("modloadd", {})
    wd = timespan_s(u.get("WatchdogUSec"))
    start = mono_s(u, "ExecMainStartTimestampMonotonic")
    last = mono_s(u, "WatchdogTimestampMonotonic")
    c.ok(bool(wd), f"the unit has a watchdog (WatchdogUSec={u.get('WatchdogUSec')})")
    if wd and start:
        c.ok(hung["uptime"] - start >= 2 * wd,
             f"the daemon had run {hung['uptime'] - start:.1f}s (two watchdog periods: {2 * wd:.0f}s) with the insert stuck",
             f"started at {start:.1f}s, snapshot at {hung['uptime']:.1f}s")
    c.ok(u.get("ActiveState") == "active" and u.get("SubState") == "running" and u.get("NRestarts") == "0"
         and u.get("Result") == "success",
         "modloadd.service still active (running), never restarted, Result=success",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} Result={u.get('Result')} NRestarts={u.get('NRestarts')}")
    if wd:
        c.ok(last is not None and hung["uptime"] - last <= wd,
             f"its last WATCHDOG=1 came {S.fmt_s(hung['uptime'] - last if last else None)} before the snapshot "
             f"(within WatchdogSec={wd:.0f}s)", f"WatchdogTimestampMonotonic={u.get('WatchdogTimestampMonotonic')}")
    wdt = [e for e in hung["journal"] if "watchdog timeout" in (S.field(e, "MESSAGE") or "").lower()]
    c.ok(not wdt, "systemd reported no watchdog timeout", describe(wdt))
    # the stop
    a = r["actions"].get("stop", {})
    begin = S.read(os.path.join(fd, "stop-begin"))
    end = a.get("uptime")
    took = float(end.split()[0]) - float(begin.split()[0]) if begin and end else None
    c.ok(a.get("rc") == "0", f"`{a.get('cmd', 'systemctl stop modloadd.service')}` exits 0", f"exit {a.get('rc')}: {a.get('out')}")
    c.ok(took is not None and took <= STOP_BOUND_S,
         f"it returned after {S.fmt_s(took)} (bound {STOP_BOUND_S:.0f}s) with {FAULT_HANG}'s init still blocking",
         f"stop began at uptime {begin}, ended at {end}")
    st = initstates(S.read(os.path.join(fd, "initstate-after-stop")))
    c.ok(st.get(FAULT_HANG) == "coming", f"{FAULT_HANG}'s init was still running after the stop (initstate {st.get(FAULT_HANG)}): "
         "the stop did not wait for it", json.dumps(st))
    ph = r["phases"]["after-stop"]
    u = ph["units"].get("modloadd", {})
    c.ok(u.get("ActiveState") in ("inactive", "failed") and u.get("MainPID") == "0",
         f"after stop: {u.get('ActiveState')}, no main process (Result={u.get('Result')})",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} MainPID={u.get('MainPID')}")
    pid = hung["units"].get("modloadd", {}).get("MainPID")
    b = float(begin.split()[0]) if begin else 0
    final = [e for e in ph["journal"] if S.field(e, "_PID") == pid and int(S.field(e, "__MONOTONIC_TIMESTAMP") or 0) / 1e6 >= b
             and FAULT_HANG in (S.field(e, "MESSAGE") or "") + " ".join(S.fields(e, "MODLOADD_MODULE"))]
    c.ok(bool(final), f"on SIGTERM the daemon journaled an entry naming the insert still stuck ({FAULT_HANG})",
         describe([e for e in ph["journal"] if int(S.field(e, "__MONOTONIC_TIMESTAMP") or 0) / 1e6 >= b]))
    ps = S.read(os.path.join(fd, "ps-after-stop")) or ""
    print("# left after the stop: " + "; ".join(line.strip() for line in ps.splitlines() if "modloadd" in line))


# --- modloadctl in the guest: list, status, explain, doctor ----------------------------------

# The faults image's module whose file the faults action replaces with its second build
# (make-test-modules.sh: another source line, another srcversion) while it is live.
REBUILT = "modloadd_vm_rebuilt"
# The phases a daemon's state names (report/daemon_state.h).
STATE_PHASES = {"starting", "loading", "settled", "reloading", "disabled", "stopping"}


class Ctl:
    """What the faults action's modloadctl commands left in collect/faults/ctl/: LABEL.out, .err, .rc."""

    def __init__(self, r):
        self.dir = os.path.join(r["dir"], "faults", "ctl")

    def ran(self):
        return os.path.isdir(self.dir)

    def file(self, name):
        return (S.read(os.path.join(self.dir, name)) or "").strip()

    def rc(self, label):
        return self.file(f"{label}.rc")

    def out(self, label):
        return S.read(os.path.join(self.dir, f"{label}.out")) or ""

    def json(self, label):
        """LABEL's standard output as JSON (None: not JSON)."""
        try:
            return json.loads(self.out(label))
        except ValueError:
            return None

    def evidence(self, label):
        return (f"{self.dir}/{label}.*: exit {self.rc(label) or '?'}\nstdout:\n{self.out(label)[:3000]}"
                f"\nstderr:\n{self.file(label + '.err')}")


def ctl_scenario(c):
    """The faults boot and its modloadctl answers (None when either is missing)."""
    r = c.scenario("faults")
    if not r:
        return None, None
    ctl = Ctl(r)
    if not c.ok(ctl.ran(), "the faults action ran modloadctl in the guest (collect/faults/ctl/)",
                f"no {ctl.dir}; phases: {', '.join(r['phases'])}"):
        return r, None
    print(f"# modloadctl's questions ran from uptime {ctl.file('begin') or '?'} s to {ctl.file('end') or '?'} s")
    return r, ctl


def explained(ctl, label):
    """The one module of `modloadctl explain --json REBUILT` (None: not one)."""
    doc = ctl.json(label)
    mods = doc.get("modules") if isinstance(doc, dict) else None
    return mods[0] if isinstance(mods, list) and len(mods) == 1 and isinstance(mods[0], dict) else None


def findings(doc, ident):
    """The findings of `modloadctl doctor --json` with id IDENT."""
    fs = doc.get("findings") if isinstance(doc, dict) else None
    return [f for f in fs if isinstance(f, dict) and f.get("id") == ident] if isinstance(fs, list) else []


def check_ctl_list_failed(c):
    """`modloadctl list --failed` in the faults guest: each failure with its errno and the kernel's own line."""
    r, ctl = ctl_scenario(c)
    if not ctl:
        return
    c.ok(ctl.rc("list-failed") == "0" and ctl.rc("list-failed-json") == "0",
         "`modloadctl list --failed` and `... --json` exit 0 while the daemon runs",
         ctl.evidence("list-failed") + "\n" + ctl.evidence("list-failed-json"))
    doc = ctl.json("list-failed-json")
    mods = doc.get("modules") if isinstance(doc, dict) else None
    if not c.ok(isinstance(mods, list), "--json prints an object with a modules array", ctl.evidence("list-failed-json")):
        return
    by = {m.get("name"): m for m in mods if isinstance(m, dict)}
    print("# listed: " + ", ".join(f"{n} {m.get('outcome')} errno {m.get('errno')}" for n, m in by.items()))
    for m, outcome, errno in ((FAULT_NOSYM, "failed", 2), (FAULT_EIO, "failed", 5)):
        x = by.get(m, {})
        text = FAULT_TEXT[m].split(": ", 1)[1]
        c.ok(x.get("outcome") == outcome and x.get("errno") == errno,
             f"{m}: listed {outcome}, errno {errno}", json.dumps(x, indent=1) or "(not listed)")
        c.ok(text in (x.get("kernel_message") or ""),
             f"{m}: its kernel_message is the kernel's line ({x.get('kernel_message')!r})", json.dumps(x, indent=1))
    x = by.get(FAULT_HANG, {})
    c.ok(x.get("outcome") == "timed_out", f"{FAULT_HANG}: listed timed_out", json.dumps(x, indent=1))
    others = {n: m.get("outcome") for n, m in by.items() if m.get("outcome") not in ("failed", "timed_out")}
    c.ok(not others, "every module listed failed or timed out", json.dumps(others))
    c.ok(REBUILT not in by, f"{REBUILT} (inserted) is not listed", json.dumps(by.get(REBUILT)))
    # the table: the row, then the kernel's line under it
    table = ctl.out("list-failed")
    for m in (FAULT_NOSYM, FAULT_EIO):
        text = FAULT_TEXT[m].split(": ", 1)[1]
        row = re.search(rf"^{m}\s+failed\b.*\n((?:\s+\S.*\n)*)", table, re.M)
        c.ok(row is not None and re.search(rf"^\s+kernel: .*{re.escape(text)}", row.group(1), re.M) is not None,
             f"the table's row of {m} says failed and shows the kernel's line ({text!r})", ctl.evidence("list-failed"))
    n = len(mods)
    c.ok(re.search(rf"^{n} of \d+ modules failed\.$", table, re.M) is not None,
         f"the table ends with the count of the {n} failures", ctl.evidence("list-failed"))


def check_ctl_explain_live(c):
    """`modloadctl explain` of a module modloadd inserted from its file: live, the running copy matches the file."""
    r, ctl = ctl_scenario(c)
    if not ctl:
        return
    ph = r["phases"]["boot"]
    es = entries_for(ph, REBUILT)
    c.ok([S.field(e, "MODLOADD_OUTCOME") for e in es] == ["inserted"] and REBUILT in ph["proc_modules"],
         f"{REBUILT} was inserted by modloadd at boot (its entry says inserted) and is live", describe(es))
    live = ctl.file("srcversion-live")
    booted = ctl.file("srcversion-booted")
    c.ok(bool(re.fullmatch(r"[0-9A-F]{16,32}", live)) and live == booted,
         f"/sys/module/{REBUILT}/srcversion ({live}) is the booted file's (modinfo: {booted})")
    c.ok(ctl.rc("explain-live-json") == "0", f"`modloadctl explain --json {REBUILT}` exits 0", ctl.evidence("explain-live-json"))
    m = explained(ctl, "explain-live-json")
    if not c.ok(m is not None and m.get("name") == REBUILT, f"it explains one module, {REBUILT}",
                ctl.evidence("explain-live-json")):
        return
    c.ok((m.get("path") or "").endswith(f"updates/{REBUILT}.ko"), f"its file is updates/{REBUILT}.ko ({m.get('path')})")
    c.ok(m.get("live") is True and m.get("live_matches_file") is True,
         f"live: {m.get('live')}, live_matches_file: {m.get('live_matches_file')}", json.dumps(m, indent=1))
    c.ok(m.get("srcversion") == m.get("live_srcversion") == live,
         f"srcversion {m.get('srcversion')} = live_srcversion {m.get('live_srcversion')} = the running copy's",
         json.dumps(m, indent=1))
    text = ctl.out("explain-live")
    c.ok(ctl.rc("explain-live") == "0" and f"live: yes; srcversion running {live}, file {live}" in text
         and "another build" not in text,
         f"the text says 'live: yes; srcversion running {live}, file {live}' and warns of nothing", ctl.evidence("explain-live"))


def check_ctl_live_differs(c):
    """Once the live module's file is another build (depmod run): explain says so, doctor finds live-differs."""
    r, ctl = ctl_scenario(c)
    if not ctl:
        return
    live, booted, replaced = ctl.file("srcversion-live"), ctl.file("srcversion-booted"), ctl.file("srcversion-replaced")
    c.ok(ctl.file("replace.rc") == "0", f"the second build was copied over {REBUILT}'s file and depmod -a ran",
         ctl.file("replace.out"))
    c.ok(bool(replaced) and replaced != booted and booted == live,
         f"the file's srcversion is now {replaced}, the running copy's still {live}", f"booted file: {booted}")
    c.ok(ctl.rc("explain-differs-json") == "0", f"`modloadctl explain --json {REBUILT}` exits 0",
         ctl.evidence("explain-differs-json"))
    m = explained(ctl, "explain-differs-json")
    if c.ok(m is not None and m.get("name") == REBUILT, f"it explains one module, {REBUILT}",
            ctl.evidence("explain-differs-json")):
        c.ok(m.get("live") is True and m.get("live_matches_file") is False,
             f"live: {m.get('live')}, live_matches_file: {m.get('live_matches_file')}", json.dumps(m, indent=1))
        c.ok(m.get("srcversion") == replaced and m.get("live_srcversion") == live,
             f"srcversion {m.get('srcversion')} (the file), live_srcversion {m.get('live_srcversion')} (the running copy)",
             json.dumps(m, indent=1))
    text = ctl.out("explain-differs")
    c.ok(f"live: yes; srcversion running {live}, file {replaced}" in text
         and "the running copy is another build" in text,
         "the text shows both srcversions and warns that the running copy is another build", ctl.evidence("explain-differs"))
    # doctor: the booted guest has no such finding; the replaced file gives one, for this module
    # only (every other live module came from its file in this boot)
    before = ctl.json("doctor-booted-json")
    c.ok(isinstance(before, dict) and isinstance(before.get("findings"), list) and not findings(before, "live-differs"),
         "before the replacement `modloadctl doctor --json` prints its findings, none live-differs",
         ctl.evidence("doctor-booted-json"))
    doc = ctl.json("doctor-differs-json")
    c.ok(ctl.rc("doctor-differs") == "1" and ctl.rc("doctor-differs-json") == "1",
         "after it `modloadctl doctor` and `... --json` exit 1 (findings)",
         ctl.evidence("doctor-differs") + "\n" + ctl.evidence("doctor-differs-json"))
    fs = findings(doc, "live-differs")
    mine = [f for f in fs if f.get("module") == REBUILT]
    c.ok(len(mine) == 1 and all(isinstance(mine[0].get(k), str) and mine[0].get(k) for k in ("severity", "message", "fix")),
         f"one finding {{\"id\": \"live-differs\", \"module\": \"{REBUILT}\"}} with severity, message and fix"
         + (f": {mine[0].get('message')!r}, fix {mine[0].get('fix')!r}" if mine else ""), ctl.evidence("doctor-differs-json"))
    c.ok(len(fs) == len(mine), "no other module is live-differs", json.dumps(fs, indent=1))
    stale = findings(doc, "depmod-stale")
    c.ok(not stale, "no depmod-stale finding: the index is current, only the build differs", json.dumps(stale, indent=1))
    text = ctl.out("doctor-differs")
    c.ok("live-differs" in text and REBUILT in text, f"the text names live-differs and {REBUILT}",
         ctl.evidence("doctor-differs"))


def check_ctl_status_unprivileged(c):
    """`modloadctl status` as the user nobody: the running daemon's phase, counts, failures."""
    r, ctl = ctl_scenario(c)
    if not ctl:
        return
    ident = ctl.file("id-nobody")
    c.ok(re.match(r"uid=[1-9]\d*\(nobody\)", ident) is not None, f"the commands ran as {ident!r}")
    hung = r["phases"].get("hung") or r["phases"]["boot"]
    pid = hung["units"].get("modloadd", {}).get("MainPID")
    c.ok(ctl.rc("status-nobody") == "0" and ctl.rc("status-nobody-json") == "0" and not ctl.file("status-nobody.err")
         and not ctl.file("status-nobody-json.err"),
         "`runuser -u nobody -- modloadctl status` and `... --json` exit 0, nothing on stderr",
         ctl.evidence("status-nobody") + "\n" + ctl.evidence("status-nobody-json"))
    doc = ctl.json("status-nobody-json")
    if not c.ok(isinstance(doc, dict), "--json prints one object", ctl.evidence("status-nobody-json")):
        return
    counts = doc.get("counts") or {}
    print(f"# status: phase {doc.get('phase')}, ready {doc.get('ready')}, {doc.get('modules_settled')} of "
          f"{doc.get('modules_total')} settled, counts {json.dumps(counts)}")
    c.ok(str(doc.get("pid")) == pid and doc.get("phase") in STATE_PHASES and doc.get("ready") is True,
         f"it names the daemon (PID {doc.get('pid')}, the unit's MainPID {pid}), phase {doc.get('phase')!r}, ready",
         json.dumps(doc, indent=1))
    total, settled = doc.get("modules_total"), doc.get("modules_settled")
    c.ok(isinstance(total, int) and isinstance(settled, int) and 0 < settled <= total
         and sum(v for v in counts.values() if isinstance(v, int)) == settled,
         f"{settled} of {total} modules settled, the counts add up to them", json.dumps(doc, indent=1))
    c.ok(counts.get("failed", 0) >= 2 and counts.get("timed_out", 0) >= 2 and counts.get("inserted", 0) >= 1,
         f"the counts: {counts.get('inserted')} inserted, {counts.get('failed')} failed ({FAULT_EIO}, {FAULT_NOSYM}), "
         f"{counts.get('timed_out')} timed out ({FAULT_HANG}, {FAULT_SLOW})", json.dumps(counts))
    failed, timed = doc.get("failed") or [], doc.get("timed_out") or []
    c.ok({FAULT_EIO, FAULT_NOSYM} <= set(failed) and FAULT_HANG in timed and FAULT_HANG in (doc.get("inserting") or [])
         and "modules" not in doc,
         f"failed names {FAULT_EIO} and {FAULT_NOSYM}, timed_out and inserting {FAULT_HANG}; no module list",
         json.dumps({k: doc.get(k) for k in ("failed", "timed_out", "inserting")}))
    text = ctl.out("status-nobody")
    c.ok(re.match(rf"modloadd: {re.escape(str(doc.get('phase')))}, ready \(PID {pid}\)\n", text) is not None
         and re.search(rf"^ +Failed: .*{FAULT_NOSYM}", text, re.M) is not None
         and re.search(rf"^ +Timed out: .*{FAULT_HANG} \(still inserting\)", text, re.M) is not None,
         f"the text names the phase and PID, the failures and {FAULT_HANG} (still inserting)", ctl.evidence("status-nobody"))


def check_sysctl(c):
    """The takeover keeps systemd's ordering: systemd-sysctl runs after modloadd; br_netfilter's sysctl key holds."""
    r = c.scenario("main")
    stock = c.scenario("stock")
    for name, x in (("stock", stock), ("modloadd", r)):
        if not x:
            continue
        ph = x["phases"]["boot"]
        v = (S.read(os.path.join(ph["dir"], "sysctl-bridge-nf-call-iptables")) or "").strip()
        c.ok(v == "0", f"{name}: {SYSCTL_KEY} reads {v!r} after boot (sysctl.d says 0, the kernel's default is 1)")
    if not r:
        return
    ph = r["phases"]["boot"]
    sml = ph["units"].get("systemd-modules-load", {})
    c.ok(sml.get("LoadState") == "loaded" and sml.get("Id") == "modloadd.service",
         "systemd-modules-load.service is an alias of modloadd.service (Id=modloadd.service)",
         f"LoadState={sml.get('LoadState')} Id={sml.get('Id')} Names={sml.get('Names')}")
    s = S.summary(r)
    c.ok("systemd-modules-load" not in s["by_loader"], "nothing was inserted by systemd-modules-load",
         " ".join(s["by_loader"].get("systemd-modules-load", [])))
    u = ph["units"].get("modloadd", {})
    sy = ph["units"].get("systemd-sysctl", {})
    ready, sysctl_start = mono_s(u, "ActiveEnterTimestampMonotonic"), mono_s(sy, "ExecMainStartTimestampMonotonic")
    c.ok("modloadd.service" in (sy.get("After") or "").split() or "systemd-modules-load.service" in (sy.get("After") or "").split(),
         "systemd-sysctl.service is ordered after systemd-modules-load.service, that is modloadd", f"After={sy.get('After')}")
    c.ok(ready and sysctl_start and sysctl_start >= ready,
         f"systemd-sysctl started at {S.fmt_s(sysctl_start)}, after modloadd's READY=1 at {S.fmt_s(ready)}",
         f"modloadd ActiveEnterTimestampMonotonic={u.get('ActiveEnterTimestampMonotonic')}, "
         f"systemd-sysctl ExecMainStartTimestampMonotonic={sy.get('ExecMainStartTimestampMonotonic')}")
    br = [ev for ev in s["loads"] if ev["module"] == "br_netfilter"]
    c.ok(len(br) == 1 and sysctl_start and br[0]["ts"] < sysctl_start,
         f"br_netfilter was inserted ({S.fmt_s(br[0]['ts'] if br else None)}) before systemd-sysctl started",
         json.dumps(br))
    trig = ph["units"].get("systemd-udev-trigger", {})
    c.ok("modloadd.service" not in (trig.get("After") or "").split(),
         "systemd-udev-trigger.service does not wait for modloadd (device modules do not hold up udev's trigger)",
         f"After={trig.get('After')}")


def check_kill_coldplug(c):
    """kill -9 during coldplug: restarted, the stock boot's modules live, no module attempted twice, the restart journaled."""
    r = c.scenario("restart")
    stock = c.scenario("stock")
    if not r:
        return
    kd = os.path.join(r["dir"], "kill-coldplug")
    killed = (S.read(os.path.join(kd, "killed")) or "").strip()
    if not c.ok(bool(killed), f"the killer ran: kill -9 of modloadd's MainPID {killed or '?'}",
                S.read(os.path.join(kd, "gave-up")) or "no kill-coldplug/killed (modloadd_vm.kill_coldplug=1 not honoured?)"):
        return
    present = (S.read(os.path.join(kd, "present")) or "").split("\n")
    absent = (S.read(os.path.join(kd, "absent")) or "").split()
    c.ok(bool(absent), f"the kill came during coldplug: device modules present {'; '.join(p for p in present if p)}, "
         f"not yet: {' '.join(absent)}", "every watched device module was in already: the kill came after coldplug")
    ph = r["phases"]["boot"]
    s = S.summary(r)
    context(c, s)
    u = ph["units"].get("modloadd", {})
    pid = u.get("MainPID")
    c.ok(u.get("ActiveState") == "active" and u.get("SubState") == "running" and u.get("NRestarts") == "1" and pid not in ("0", killed),
         f"restarted by systemd: active (running), NRestarts=1, MainPID {killed} -> {pid}",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} NRestarts={u.get('NRestarts')} Result={u.get('Result')}")
    pid1 = [e for e in ph["journal"] if S.field(e, "_PID") == "1" and "status=9/KILL" in (S.field(e, "MESSAGE") or "")]
    c.ok(bool(pid1), "systemd logged the main process killed (status=9/KILL)", describe(ph["journal"][:5]))
    if stock:
        own = test_rule_modules(r)
        a, b = stock["phases"]["boot"]["proc_modules"] - own, ph["proc_modules"] - own
        c.ok(a == b, f"/proc/modules: the stock boot's {len(a)} modules, no more, no fewer (besides the test rules')",
             f"only in stock: {' '.join(sorted(a - b)) or '-'}\nonly after the restart: {' '.join(sorted(b - a)) or '-'}")
    by = loads_by_module(s)
    twice = {m: len(v) for m, v in by.items() if len(v) > 1}
    c.ok(not twice, "no module has two module_load events", json.dumps(twice))
    att = s["attempts"]
    if c.ok(att is not None, "the trace has the load attempts"):
        rep = {m: v for m, v in att["repeated"].items() if sum(1 for x in v if x["loader"] == "modloadd") > 1}
        mine = att["by_loader"].get("modloadd", {})
        c.ok(not rep, f"no module attempted twice by modloadd, over both processes ({mine.get('attempts')} attempts, "
             f"{mine.get('distinct_modules')} modules)",
             "\n".join(f"{m}: " + ", ".join(f"{x['loader']}/{x['pid']} {x['result']} at {x['ts']:.3f}" for x in v)
                       for m, v in rep.items()))
        pids = sorted({a["tgid"] for a in att["list"] if a["loader"] == "modloadd"})
        print(f"# modloadd's load attempts came from the processes {pids} (killed {killed}, now {pid})")
    new = [e for e in ph["journal"] if S.field(e, "_PID") == pid
           and (S.field(e, "MODLOADD_PREVIOUS_PID") == killed
                or re.search(r"restart|started again", S.field(e, "MESSAGE") or "", re.I))]
    c.ok(bool(new), f"the new daemon (PID {pid}) journaled that it is a restart"
         + (f": {S.field(new[0], 'MESSAGE')!r}" if new else ""), describe(
        [e for e in ph["journal"] if S.field(e, "_PID") == pid and not S.field(e, "MODLOADD_MODULE")][:8]))


NODEV_MODULE = "modloadd_vm_nodev"  # init looks for hardware for 700 ms, then answers ENODEV


def check_kill_in_init(c):
    """kill -9 while a module's init runs that then finds no device: the refusal is remembered, the restarted daemon does not try it again."""
    r = c.scenario("actions")
    if not r:
        return
    kd = os.path.join(r["dir"], "actions", "kill-in-init")
    killed = (S.read(os.path.join(kd, "killed")) or "").strip()
    if not c.ok(bool(killed), f"the killer ran: kill -9 of modloadd's MainPID {killed or '?'} during {NODEV_MODULE}'s init",
                S.read(os.path.join(kd, "gave-up")) or "no actions/kill-in-init/killed"):
        return
    state = (S.read(os.path.join(kd, "initstate")) or "").strip()
    c.ok(state == "coming", f"right after the kill {NODEV_MODULE} was still initialising (initstate {state or 'gone'})")
    ph = r["phases"].get("after-kill-in-init")
    if not c.ok(ph is not None, "the collector took the after-kill-in-init snapshot", ", ".join(r["phases"])):
        return
    u = ph["units"].get("modloadd", {})
    pid = u.get("MainPID")
    c.ok(u.get("ActiveState") == "active" and pid not in (None, "0", killed) and int(u.get("NRestarts") or 0) >= 1,
         f"restarted by systemd: active, MainPID {killed} -> {pid}",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} NRestarts={u.get('NRestarts')} Result={u.get('Result')}")
    refused = (S.read(os.path.join(kd, "refused")) or "").splitlines()
    c.ok(f"{NODEV_MODULE} no-device 19" in refused,
         f"/run/modloadd/refused has '{NODEV_MODULE} no-device 19', written while the daemon was dead",
         "\n".join(refused) or "(empty)")
    s = S.summary(r, "after-kill-in-init")
    loads = [ev for ev in s["loads"] if ev["module"] == NODEV_MODULE]
    c.ok(len(loads) == 1, f"{NODEV_MODULE} has one module_load event in the boot ({len(loads)})",
         json.dumps(loads))
    if c.ok(s["attempts"] is not None, "the trace has the load attempts"):
        att = [a for a in s["attempts"]["list"] if a["module"] == NODEV_MODULE]
        c.ok(len(att) == 1 and att[0]["error"] == "ENODEV",
             f"{NODEV_MODULE} attempted once, answered ENODEV",
             ", ".join(f"{a['loader']}/{a['pid']} {a['error'] or 'unfinished'} at {a['ts']:.3f}" for a in att))
    es = entries_for(ph, NODEV_MODULE, pid)
    c.ok(len(es) == 1 and S.field(es[0], "MODLOADD_OUTCOME") == "no device"
         and "earlier in this boot" in (S.field(es[0], "MESSAGE") or ""),
         f"the new daemon journaled {NODEV_MODULE} once, as refused earlier in this boot"
         + (f": {S.field(es[0], 'MESSAGE')!r}" if es else ""), describe(es))


# guest/actions.d/restart-stop.sh, at its end: the daemon restarted with Uevents=udev (and no
# walk of /sys/devices), this module removed, then its device's add event triggered in udev.
UDEV_MODULE = "pvpanic_pci"
UDEV_MODALIAS = "pci:v00001B36d00000011"  # QEMU's pvpanic-pci device
UDEV_MARKER = f"modloadd-vm: udevadm trigger --action=add {UDEV_MODULE}'s device"
UDEV_BOUND_S = 20.0  # the action's wait: udevd's processing of the event included
NETLINK_KOBJECT_UEVENT = "15"


def uevent_sockets(text):
    """The rows of /proc/net/netlink the action kept: dicts of its header's columns."""
    lines = (text or "").splitlines()
    if not lines:
        return []
    head = lines[0].split()
    return [dict(zip(head, line.split())) for line in lines[1:] if line.strip()]


def check_udev_mode(c):
    """Uevents=udev with a real systemd-udevd: a device's add event, passed on by udevd, loads its module."""
    r = c.scenario("actions")
    if not r:
        return
    ud = os.path.join(r["dir"], "actions", "udev-mode")
    device = (S.read(os.path.join(ud, "device")) or "").strip()
    if not c.ok(bool(device) and not os.path.exists(os.path.join(ud, "gave-up")),
                f"the action found {UDEV_MODULE}'s device bound ({device or '?'}) and the daemon active",
                S.read(os.path.join(ud, "gave-up")) or "no actions/udev-mode/device"):
        return
    acts = r["actions"]
    for label in ("udev-rmmod", "udev-restart", "udev-trigger"):
        a = acts.get(label, {})
        c.ok(a.get("rc") == "0", f"`{a.get('cmd', label)}` exits 0", f"exit {a.get('rc')}: {a.get('out')}")
    need = ("after-kill-in-init", "after-udev-restart", "after-udev-trigger")
    if not c.ok(all(p in r["phases"] for p in need), "the collector took the after-udev-restart and after-udev-trigger snapshots",
                ", ".join(r["phases"])):
        return
    before, ph0, ph = (r["phases"][p] for p in need)
    old = before["units"].get("modloadd", {}).get("MainPID")
    u = ph0["units"].get("modloadd", {})
    pid = u.get("MainPID")
    c.ok(u.get("ActiveState") == "active" and pid not in (None, "0", old),
         f"restarted with the drop-in: active, MainPID {old} -> {pid}",
         f"ActiveState={u.get('ActiveState')} SubState={u.get('SubState')} Result={u.get('Result')}")
    socks = uevent_sockets(S.read(os.path.join(ud, "socket")))
    uev = [s for s in socks if s.get("Eth") == NETLINK_KOBJECT_UEVENT]
    c.ok(len(uev) == 1 and uev[0].get("Groups") == "00000002",
         "the new daemon has one NETLINK_KOBJECT_UEVENT socket, bound to udev's group (Groups 00000002), "
         "not the kernel's (00000001)", S.read(os.path.join(ud, "socket")) or "(no actions/udev-mode/socket)")
    # the test configuration's missing and refused modules, and the summary that counts them,
    # are warnings and errors of every start
    errs = [e for e in ph0["journal"] if S.field(e, "_PID") == pid and int(S.field(e, "PRIORITY") or 6) <= 4
            and S.field(e, "MODLOADD_MODULE") not in (MISSING, REFUSED)
            and not (S.field(e, "MESSAGE") or "").startswith("Loaded ")]
    c.ok(not errs, "it logged no warning or error at start but the test configuration's "
         "(e.g. no 'Cannot listen for uevents')", describe(errs))
    # The control: nothing loads the module between its removal and the event, the restarted
    # daemon included (no walk: Coldplug=no).
    c.ok(UDEV_MODULE not in ph0["proc_modules"],
         f"before the event {UDEV_MODULE} is not live (removed; the restart did not load it)")

    marks = [ev for ev in S.trace_lines(S.read(os.path.join(ph["dir"], "trace")))
             if ev["event"] == "tracing_mark_write" and ev["rest"] == UDEV_MARKER]
    if not c.ok(len(marks) == 1, f"the trace has the marker written right before the trigger ({UDEV_MARKER!r})",
                f"{len(marks)} markers"):
        return
    t0 = marks[0]["ts"]
    c.ok(UDEV_MODULE in ph["proc_modules"], f"after the event {UDEV_MODULE} is live")
    evs = [ev for ev in S.summary(r, "after-udev-trigger")["loads"] if ev["module"] == UDEV_MODULE and ev["ts"] > t0]
    c.ok(len(evs) == 1 and by_daemon(evs[0], pid),
         f"one module_load of {UDEV_MODULE} after the marker, by modloadd's MainPID {pid} or its helper"
         + (f", {evs[0]['ts'] - t0:.3f}s after it" if evs else ""), json.dumps(evs))
    es = entries_for(ph, UDEV_MODULE, pid)
    devpath = device.removeprefix("/sys")
    c.ok(len(es) == 1 and S.field(es[0], "MODLOADD_OUTCOME") == "inserted"
         and devpath in S.fields(es[0], "MODLOADD_DEVPATH")
         and any(a.startswith(UDEV_MODALIAS) for a in S.fields(es[0], "MODLOADD_MODALIAS"))
         and int(S.field(es[0], "__MONOTONIC_TIMESTAMP") or 0) / 1e6 > t0,
         f"the new daemon journaled {UDEV_MODULE} once, inserted for MODLOADD_DEVPATH={devpath} "
         f"(MODLOADD_MODALIAS={UDEV_MODALIAS}...), after the marker"
         + (f": {S.field(es[0], 'MESSAGE')!r}" if es else ""),
         "\n".join(json.dumps(e, indent=1) for e in es) or "(no journal entries)")

    try:
        st = json.loads(S.read(os.path.join(ud, "status.json")) or "")
    except ValueError:
        st = None
    if not c.ok(isinstance(st, dict), "`modloadctl status --json` after the event is JSON",
                (S.read(os.path.join(ud, "status.json")) or "") + (S.read(os.path.join(ud, "status.err")) or "")):
        return
    ue = st.get("uevents") or {}
    c.ok(str(st.get("pid")) == str(pid), f"its status is the udev-mode daemon's (pid {st.get('pid')})")
    c.ok(ue.get("accepted", 0) >= 1 and ue.get("device_events", 0) >= 1,
         f"uevents: {ue.get('received')} received, {ue.get('accepted')} accepted, "
         f"{ue.get('device_events')} asked for modules (at least one each)", json.dumps(ue))
    bad = {k: ue.get(k) for k in ("malformed", "bad_modalias", "truncated", "spoofed", "overflows", "read_errors")}
    c.ok(all(v == 0 for v in bad.values()) and ue.get("received") == ue.get("accepted"),
         "every message from udev's group accepted: " + ", ".join(f"{k} {v}" for k, v in bad.items()), json.dumps(ue))


CHECKS = {
    "unit-ready": check_unit_ready,
    "modules-loaded": check_modules_loaded,
    "missing-module": check_missing_module,
    "refused-module": check_refused_module,
    "restart-stop": check_restart_stop,
    "runtime-conf": check_runtime_conf,
    "stock-baseline": check_stock_baseline,
    "journal-fields": check_journal_fields,
    "device-set": check_device_set,
    "device-modules-once": check_device_modules_once,
    "hotplug": check_hotplug,
    "rules": check_rules,
    "rule-hotplug": check_rule_hotplug,
    "faults": check_faults,
    "stop-stuck": check_stop_stuck,
    "sysctl": check_sysctl,
    "kill-coldplug": check_kill_coldplug,
    "kill-in-init": check_kill_in_init,
    "udev-mode": check_udev_mode,
    "ctl-list-failed": check_ctl_list_failed,
    "ctl-explain-live": check_ctl_explain_live,
    "ctl-live-differs": check_ctl_live_differs,
    "ctl-status-unprivileged": check_ctl_status_unprivileged,
}


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        for name, fn in CHECKS.items():
            print(f"vm-{name}: {fn.__doc__.strip().splitlines()[0]}")
        return 0
    if len(argv) != 2 or argv[1] not in CHECKS:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        print("checks: " + " ".join(CHECKS), file=sys.stderr)
        return 2
    if not shutil.which("qemu-system-x86_64"):
        print("SKIP: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86; tools/test.sh does)",
              file=sys.stderr)
        return 77
    c = Check("vm-" + argv[1])
    print(f"# vm-{argv[1]}: {CHECKS[argv[1]].__doc__.strip().splitlines()[0]}")
    CHECKS[argv[1]](c)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
