#!/usr/bin/env python3
"""Starts simulators for tests that cannot start a Linux program themselves.

The Windows lane of the integration tests runs vaudit.exe and the test
binary under Wine, but the simulator is a Linux binary, which the harness
(a Windows program there) cannot be relied on to start, watch and stop as
a Windows child process. Instead .ci/windows
starts this broker on the Linux side; the harness (tests/integration/
common.rs, when VAUDIT_TEST_SIM_BROKER is set) connects, sends one JSON
line {"args": [...], "env": {...}}, and reads back the simulator's
state.json as one line (or {"error": "..."}). The simulator lives as long as
that connection: when the test drops it, the broker stops the simulator and
removes its directory, so a crashed test leaks nothing either. Windows
paths among the arguments (files the test wrote) are turned into the Unix
paths Wine keeps them at.

usage: broker.py SIM_BINARY PORT_FILE   (listens on 127.0.0.1, port written to PORT_FILE)
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


def unix_path(arg):
    """A Windows path the test wrote (C:\\users\\...\\users.json) as the
    simulator opens it: through the Wine prefix's drive links."""
    m = re.match(r"^([A-Za-z]):[\\/](.*)$", arg)
    prefix = os.environ.get("WINEPREFIX")
    if not m or not prefix:
        return arg
    drive = os.path.realpath(os.path.join(prefix, "dosdevices", m.group(1).lower() + ":"))
    return os.path.join(drive, *re.split(r"[\\/]", m.group(2)))


def serve(conn, sim_bin):
    with conn:
        f = conn.makefile("rwb")
        req = json.loads(f.readline() or b"{}")
        state_dir = tempfile.mkdtemp(prefix="vcsim-")
        env = dict(os.environ)
        env.update({k: unix_path(v) for k, v in req.get("env", {}).items()})
        env["TMPDIR"] = state_dir
        err_path = os.path.join(state_dir, "sim.err")
        with open(err_path, "wb") as err:
            child = subprocess.Popen(
                [sim_bin, "-state-dir", state_dir, "-exit-on-stdin-eof",
                 *map(unix_path, req.get("args", []))],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, env=env)
        state = os.path.join(state_dir, "state.json")
        deadline = time.monotonic() + 60
        reply = None
        while reply is None:
            if os.path.exists(state) and os.path.getsize(state) > 0:
                time.sleep(0.05)  # state.json is written in one go; let it land
                with open(state, "rb") as s:
                    reply = json.loads(s.read())
            elif child.poll() is not None:
                with open(err_path, "rb") as e:
                    reply = {"error": f"the simulator exited early ({child.returncode}): "
                                      + e.read().decode(errors="replace")}
            elif time.monotonic() > deadline:
                reply = {"error": "the simulator did not start in 60 s"}
            else:
                time.sleep(0.02)
        try:
            f.write(json.dumps(reply).encode() + b"\n")
            f.flush()
            # The simulator lives until the test closes its end.
            while conn.recv(4096):
                pass
        except OSError:
            pass
        finally:
            try:
                child.stdin.close()
                child.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                child.kill()
                child.wait()
            shutil.rmtree(state_dir, ignore_errors=True)


def main():
    sim_bin, port_file = sys.argv[1], sys.argv[2]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as p:
        p.write(str(srv.getsockname()[1]))
    os.replace(tmp, port_file)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, sim_bin), daemon=True).start()


if __name__ == "__main__":
    main()
