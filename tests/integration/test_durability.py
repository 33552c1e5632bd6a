"""Nothing that got 250 is lost: mailboxd killed with SIGKILL mid-traffic,
and a store that runs out of space. Users here have encryption off so the
test can count Message-IDs quickly (xz only); encryption has its own
tests and does not change how files are synced and renamed."""
import glob
import lzma
import os
import random
import re
import signal
import smtplib
import subprocess
import threading
import time

import pytest

from conftest import Instance, Server

USER = "demo@example.test"


def add_user(inst):
    inst.ctl("user", "add", USER, "--password-stdin", "--no-encryption",
             input="pw-for-durability\n", check=0)


def sender(port, prefix, count, acked, errors):
    """Sends count messages, a new session every 5; records what got 250."""
    n = 0
    while n < count:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
                for _ in range(5):
                    if n >= count:
                        break
                    mid = f"<{prefix}.{n}@durability.test>"
                    body = f"Message-ID: {mid}\r\nSubject: {n}\r\n\r\n" + \
                        ("durable line\r\n" * 40)
                    n += 1
                    s.sendmail("a@sender.test", [USER], body)
                    acked.append(mid)
        except (OSError, smtplib.SMTPException) as e:
            errors.append(repr(e))
            if isinstance(e, (ConnectionRefusedError,)):
                return


def message_ids(inst):
    ids = []
    for path in glob.glob(inst.path("mail", "example.test", "demo", "Maildir",
                                    "*", "*")):
        data = lzma.decompress(open(path, "rb").read())
        m = re.search(rb"^Message-ID: (<[^>]+>)", data, re.M)
        ids.append(m.group(1).decode())
    return ids


def gone(pid):
    """True once pid has exited (reaped, or a zombie holding nothing)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def kill_all(server):
    """SIGKILL to mailboxd and every child, as a crash would; returns once
    all are dead, so their sockets are closed. The master is stopped
    first, so it cannot start a child that the kill would miss."""
    os.kill(server.proc.pid, signal.SIGSTOP)
    pids = [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(server.proc.pid)],
        capture_output=True, text=True).stdout.split()]
    os.kill(server.proc.pid, signal.SIGKILL)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and not all(gone(p) for p in pids):
        time.sleep(0.02)
    server.proc = None
    server.log.close()


def wait_queue_empty(inst, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not os.listdir(inst.path("queue", "env")):
            return
        time.sleep(0.1)
    raise AssertionError("queue did not drain: "
                         f"{os.listdir(inst.path('queue', 'env'))}")


def test_sigkill_at_random_moment_loses_nothing(instance):
    add_user(instance)
    server = Server(instance).start()
    acked, errors = [], []
    threads = [threading.Thread(target=sender,
                                args=(server.smtp_port, f"t{i}", 50, acked,
                                      errors))
               for i in range(10)]
    for t in threads:
        t.start()
    time.sleep(random.uniform(0.3, 1.5))
    kill_all(server)
    for t in threads:
        t.join(120)
    print(f"{len(acked)} acknowledged before the kill, {len(errors)} broken")
    server.start()
    try:
        wait_queue_empty(instance)
        ids = message_ids(instance)
        assert acked, "nothing was accepted before the kill"
        missing = set(acked) - set(ids)
        assert not missing, f"{len(missing)} acknowledged messages lost"
        dups = {i for i in ids if ids.count(i) > 1}
        assert not dups, f"delivered twice: {sorted(dups)[:5]}"
    finally:
        server.stop()


@pytest.fixture
def small_fs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs",
                    str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_gives_4xx_and_keeps_accepted_mail(small_fs):
    inst = Instance(small_fs / "inst")
    add_user(inst)
    server = Server(inst).start()
    acked, codes = [], []
    try:
        rnd = random.Random(7)
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
            for n in range(40):
                mid = f"<full.{n}@durability.test>"
                # Incompressible text, so the store fills as fast as the queue.
                body = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                               for _ in range(300 * 1024))
                msg = f"Message-ID: {mid}\r\nSubject: {n}\r\n\r\n" + \
                    "\r\n".join(body[i:i + 76] for i in range(0, len(body), 76))
                try:
                    s.sendmail("a@sender.test", [USER], msg)
                    acked.append(mid)
                except smtplib.SMTPResponseException as e:
                    codes.append(e.smtp_code)
                    s.rset()
        assert codes, "the disk never filled"
        assert all(400 <= c < 500 for c in codes), codes
        time.sleep(1)
        queued = []
        for path in glob.glob(inst.path("queue", "msg", "*")):
            m = re.search(rb"^Message-ID: (<[^>]+>)", open(path, "rb").read(),
                          re.M)
            queued.append(m.group(1).decode())
        stored = message_ids(inst)
        lost = set(acked) - set(stored) - set(queued)
        assert not lost, f"accepted and lost: {sorted(lost)}"
    finally:
        server.stop()
