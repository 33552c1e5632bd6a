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
