#!/usr/bin/env python3
"""monitor-relay.py CONSOLE_LOG MONITOR_SOCKET LOG — pass a guest's requests to the QEMU monitor.

tools/vm/boot.sh runs it next to QEMU. It follows the serial console log and, for each line

    ===MODLOADD-VM-MONITOR COMMAND===

that a guest action script prints (guest/actions.d/hotplug.sh: "device_add vmxnet3,..."),
sends COMMAND to the human monitor on MONITOR_SOCKET and appends to LOG what it sent, when
(host CLOCK_REALTIME), and QEMU's reply. Only device_add, device_del, netdev_add, netdev_del and
info are relayed; anything else is logged as refused. It runs until killed (boot.sh stops it
once QEMU has exited). Python 3 stdlib only.
"""
import os
import re
import socket
import sys
import time

MARKER = re.compile(r"^===MODLOADD-VM-MONITOR (?P<cmd>.+?)===\s*$")
ALLOWED = ("device_add", "device_del", "netdev_add", "netdev_del", "info")


def hmp(sock_path, command, timeout=10.0):
    """Send one command to the human monitor; return its reply (without the prompts)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    buf = b""

    def until_prompt():
        nonlocal buf
        while b"(qemu) " not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        head, _, rest = buf.partition(b"(qemu) ")
        buf = rest
        return head

    until_prompt()  # the banner
    s.sendall(command.encode() + b"\n")
    reply = until_prompt()
    s.close()
    # The monitor echoes the command line as it is typed (terminal escapes, the line redrawn
    # per character): QEMU's own answer is what follows the last complete echo.
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", reply.decode("utf-8", "replace")).replace("\r", "")
    i = text.rfind(command)
    if i >= 0:
        text = text[i + len(command):]
    return text.strip()


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    console, sock_path, log_path = argv[1:]
    pos = 0
    pending = b""
    with open(log_path, "a", buffering=1) as log:
        while True:
            try:
                with open(console, "rb") as f:
                    f.seek(pos)
                    data = f.read()
            except FileNotFoundError:
                data = b""
            if data:
                pos += len(data)
                pending += data
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    m = MARKER.match(raw.decode("utf-8", "replace").replace("\r", ""))
                    if not m:
                        continue
                    cmd = m.group("cmd").strip()
                    t = time.time()
                    if cmd.split()[0] not in ALLOWED:
                        log.write(f"{t:.6f} refused: {cmd}\n")
                        continue
                    try:
                        reply = hmp(sock_path, cmd)
                        log.write(f"{t:.6f} sent: {cmd}\n{time.time():.6f} reply: {reply or '(none: done)'}\n")
                    except OSError as e:
                        log.write(f"{t:.6f} failed: {cmd}: {e}\n")
            else:
                time.sleep(0.05)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(0)
