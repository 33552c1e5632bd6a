"""Shared fixtures for the integration tests: they drive the real binaries
(ASan builds from `make test`, found through $AMB_BIN)."""
import os
import subprocess

import pytest

ROOT = os.environ.get("AMB_ROOT", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
BIN = os.environ.get("AMB_BIN", os.path.join(ROOT, "build", "asan", "bin"))


def binary(name):
    return os.path.join(BIN, name)


def run(args, input=None, check=None, env=None):
    """Runs a binary of ours; returns CompletedProcess with text output.
    check=0 asserts success; check=N asserts that exit status."""
    if isinstance(input, str):
        input = input.encode()
    proc = subprocess.run([binary(args[0])] + list(args[1:]), input=input,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, timeout=120)
    proc.out = proc.stdout.decode(errors="replace")
    proc.err = proc.stderr.decode(errors="replace")
    if check is not None:
        assert proc.returncode == check, (args, proc.returncode, proc.err)
    # Sanitizer reports mean a memory bug even when the exit status is fine.
    assert "Sanitizer" not in proc.err, proc.err
    return proc


class Instance:
    """A local instance made with `mailboxctl init --local`."""

    def __init__(self, path, domain="example.test"):
        self.dir = str(path)
        self.domain = domain
        self.conf = os.path.join(self.dir, "mailbox.conf")
        run(["mailboxctl", "init", self.dir, "--domain", domain, "--local"],
            check=0)

    def ctl(self, *args, input=None, check=None):
        return run(["mailboxctl", "-c", self.conf] + list(args), input=input,
                   check=check)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


@pytest.fixture
def instance(tmp_path):
    return Instance(tmp_path / "inst")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """mailboxd -f on an instance, on free loopback ports. Stopped with
    SIGTERM at the end; its log must hold no sanitizer report."""

    def __init__(self, inst):
        self.inst = inst
        self.smtp_port = free_port()
        self.submission_port = free_port()
        self.submissions_port = free_port()
        self.imap_port = free_port()
        self.imaps_port = free_port()
        for key, port in (("smtp_listen", self.smtp_port),
                          ("submission_listen", self.submission_port),
                          ("submissions_listen", self.submissions_port),
                          ("imap_listen", self.imap_port),
                          ("imaps_listen", self.imaps_port)):
            inst.ctl("config", "set", key, f"127.0.0.1:{port}", check=0)
        # Never the real ACME ports (443, 80) of a system instance in a
        # test; test_acme.py sets free ones.
        for key, default in (("acme_tls_port", "443"), ("acme_http_port", "80")):
            if inst.ctl("config", "get", key).out.split()[-1:] == [default]:
                inst.ctl("config", "set", key, "0", check=0)
        self.log_path = inst.path("mailboxd.log")
        self.proc = None

    def start(self, wait=True):
        import time
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([binary("mailboxd"), "-f", "-c",
                                      self.inst.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while wait and time.time() < deadline:
            log = self.read_log()
            if "listening for submissions" in log and "listening for imaps" in log:
                return self
            assert self.proc.poll() is None, self.read_log()
            time.sleep(0.05)
        assert not wait, "mailboxd did not start:\n" + self.read_log()
        return self

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=None):
        import signal
        if self.proc is None:
            return None
        self.proc.send_signal(sig or signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        log = self.read_log()
        assert "Sanitizer" not in log, log
        return rc

    def smtp(self, **kw):
        import smtplib
        return smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30, **kw)


@pytest.fixture
def server(instance):
    srv = Server(instance).start()
    yield srv
    srv.stop()
