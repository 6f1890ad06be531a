"""A real rsyslogd for the syslog tests, and a parser for what it wrote.

``Rsyslog(tmp_path)`` writes a configuration from ``tests/rsyslog.conf.template`` (imtcp and
imudp on free ports of 127.0.0.1, every message's raw bytes to ``received.log``, one a
line), starts ``rsyslogd -n`` as an ordinary process and waits until its TCP port accepts
connections (polling, no fixed sleep). ``restart()`` stops it (SIGTERM, waiting for the
process to end) and starts it again on the same ports and output file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, NamedTuple

RSYSLOGD = shutil.which("rsyslogd") or (
    "/usr/sbin/rsyslogd" if os.access("/usr/sbin/rsyslogd", os.X_OK) else None
)
TEMPLATE = Path(__file__).with_name("rsyslog.conf.template")

# <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG (SD: one element or "-")
RFC5424 = re.compile(
    r"<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+)"
    r" (?P<msgid>\S+) (?P<sd>-|\[(?:[^\]\\]|\\.)*\]) (?P<msg>.*)\Z",
    re.DOTALL,
)
SD_PARAM = re.compile(r'(\S+?)="((?:[^"\\]|\\.)*)"')


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Message(NamedTuple):
    pri: int
    timestamp: str
    hostname: str
    app_name: str
    procid: str
    msgid: str
    sd: dict[str, str]
    msg: dict[str, Any]


def parse(line: str) -> Message | None:
    """One RFC 5424 message as our handler writes it, or None when it does not parse."""
    m = RFC5424.match(line)
    if m is None:
        return None
    sd: dict[str, str] = {}
    if m["sd"] != "-":
        for key, value in SD_PARAM.findall(m["sd"]):
            sd[key] = re.sub(r"\\(.)", r"\1", value)
    try:
        msg = json.loads(m["msg"])
    except ValueError:
        return None
    return Message(int(m["pri"]), m["ts"], m["host"], m["app"], m["procid"], m["msgid"], sd, msg)


class Rsyslog:
    """An rsyslogd process listening on 127.0.0.1 (TCP and UDP), writing raw messages."""

    def __init__(self, directory: Path) -> None:
        assert RSYSLOGD is not None
        self.dir = directory
        self.out = directory / "received.log"
        self.tcp_port = free_port()
        self.udp_port = free_port(socket.SOCK_DGRAM)
        self.conf = directory / "rsyslog.conf"
        work = directory / "work"
        work.mkdir(exist_ok=True)
        self.conf.write_text(
            TEMPLATE.read_text().format(
                workdir=work, tcp_port=self.tcp_port, udp_port=self.udp_port, out=self.out
            )
        )
        self.pidfile = directory / "rsyslogd.pid"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self, timeout: float = 10.0) -> None:
        assert RSYSLOGD is not None
        with open(self.dir / "rsyslogd.stderr", "ab") as err:
            self.proc = subprocess.Popen(
                [RSYSLOGD, "-n", "-f", str(self.conf), "-i", str(self.pidfile)],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                err = (self.dir / "rsyslogd.stderr").read_text(errors="replace")
                raise RuntimeError(f"rsyslogd exited with {self.proc.returncode}: {err}")
            try:
                socket.create_connection(("127.0.0.1", self.tcp_port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def stop(self, timeout: float = 20.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def lines(self) -> list[str]:
        if not self.out.exists():
            return []
        return self.out.read_text(encoding="utf-8", errors="replace").splitlines()

    def wait_for(self, count: int, timeout: float = 30.0, quiet: float = 2.0) -> list[str]:
        """The received lines once at least ``count`` arrived, or once nothing new came for
        ``quiet`` seconds, or at ``timeout``."""
        deadline = time.monotonic() + timeout
        last, last_change = -1, time.monotonic()
        while True:
            size = self.out.stat().st_size if self.out.exists() else 0
            now = time.monotonic()
            if size != last:
                last, last_change = size, now
                if self.out.read_bytes().count(b"\n") >= count:
                    return self.lines()
            if now > deadline or now - last_change > quiet:
                return self.lines()
            time.sleep(0.05)
