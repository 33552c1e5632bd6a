"""An instance made without --local, started as root: every process but
the master runs as its own system user, the network-facing ones chrooted
into state_dir/empty, and mail still flows."""
import os
import pwd
import subprocess
import time

import pytest

from conftest import Server, run
from test_inbound import add_user, wait_stored


@pytest.fixture
def system_instance():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    import shutil
    import tempfile
    from conftest import Instance
    # Not under pytest's 0700 tmp tree: the dropped users must reach it.
    top = tempfile.mkdtemp(prefix="amb-privsep-", dir="/var/tmp")
    os.chmod(top, 0o755)
    inst = Instance.__new__(Instance)
    inst.dir = os.path.join(top, "sys")
    inst.domain = "example.test"
    inst.conf = os.path.join(inst.dir, "mailbox.conf")
    run(["mailboxctl", "init", inst.dir, "--domain", "example.test"], check=0)
    yield inst
    shutil.rmtree(top, ignore_errors=True)


def process_facts(pid):
    status = open(f"/proc/{pid}/status").read()
    uid = int(status.split("\nUid:\t")[1].split()[0])
    return pwd.getpwuid(uid).pw_name, os.readlink(f"/proc/{pid}/root")


def test_processes_drop_privileges_and_deliver(system_instance, monkeypatch):
    # LeakSanitizer reads /proc, which a chrooted process cannot see.
    monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "") +
                       ":detect_leaks=0")
    inst = system_instance
    add_user(inst, "demo@example.test")
    server = Server(inst).start()
    try:
        deadline = time.time() + 10
        facts = {}
        while time.time() < deadline and len(facts) < 5:
            out = subprocess.run(["pgrep", "-a", "-P", str(server.proc.pid)],
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                pid, cmd = line.split(" ", 1)
                role = cmd.split("-R ")[1].split()[0]
                facts[role] = process_facts(int(pid))
            time.sleep(0.1)
        assert facts["smtp"] == ("archmailbox-net", inst.dir + "/empty")
        assert facts["imap-login"] == ("archmailbox-net", inst.dir + "/empty")
        assert facts["lookup"][0] == "archmailbox-lookup"
        assert facts["queue"][0] == "archmailbox-queue"
        assert facts["deliver"][0] == "archmailbox-mail"
        with server.smtp() as s:
            s.sendmail("a@sender.test", ["demo@example.test"],
                       "Subject: privsep\r\n\r\nhello\r\n")
        [f] = wait_stored(inst, "demo@example.test")
        assert pwd.getpwuid(os.stat(f).st_uid).pw_name == "archmailbox-mail"
        # lookup, now unprivileged, sees users added while it runs.
        add_user(inst, "late@example.test")
        with server.smtp() as s:
            s.sendmail("a@sender.test", ["late@example.test"],
                       "Subject: later\r\n\r\nhello\r\n")
        wait_stored(inst, "late@example.test")
    finally:
        server.stop()
