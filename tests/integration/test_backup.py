"""mailboxctl backup / backup verify / restore against a running mailboxd:
mail for several users is backed up while the server runs, restored into
an empty directory, and the restored server gives every user the same
messages, byte for byte; damaged or truncated backups are refused before
anything is touched."""
import imaplib
import os
import re
import smtplib
import ssl
import time

import pytest

from conftest import Server, run
from test_inbound import PASSWORD, add_user, wait_stored

USERS = {"alice@example.test": 3, "bob@example.test": 2,
         "carol@example.test": 1}
PASSPHRASE = "a long backup passphrase"


class Restored:
    """An instance restored by mailboxctl (not made by init)."""

    def __init__(self, path):
        self.dir = str(path)
        self.conf = os.path.join(self.dir, "mailbox.conf")

    def ctl(self, *args, input=None, check=None):
        return run(["mailboxctl", "-c", self.conf] + list(args), input=input,
                   check=check)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


def message(addr, i):
    body = "".join(f"line {n} of message {i} for {addr}\r\n"
                   for n in range(2000 if i == 0 else 20))
    return (f"From: Sender <a@sender.test>\r\nTo: {addr}\r\n"
            f"Subject: note {i}\r\nMessage-ID: <{i}.{addr}>\r\n\r\n{body}")


def deliver(server, addr, i):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        s.sendmail("a@sender.test", [addr], message(addr, i))


def imap(server, addr):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=ctx,
                          timeout=30)
    m.login(addr, PASSWORD)
    return m


def mailbox_state(server, addr, folder="INBOX"):
    """UID -> (flags, BODY[]) of one of the user's folders."""
    m = imap(server, addr)
    typ, _ = m.select(folder, readonly=True)
    assert typ == "OK", folder
    typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
    assert typ == "OK"
    state = {}
    for item in data:
        if isinstance(item, tuple):
            head = item[0].decode()
            uid = int(re.search(r"UID (\d+)", head).group(1))
            flags = re.search(r"FLAGS \(([^)]*)\)", head).group(1)
            state[uid] = (flags, item[1])
    m.logout()
    return state


@pytest.fixture
def populated(instance, server, tmp_path):
    for addr, n in USERS.items():
        add_user(instance, addr)
        for i in range(n):
            deliver(server, addr, i)
        wait_stored(instance, addr, n)
    m = imap(server, "alice@example.test")
    m.select("INBOX")
    m.store("2", "+FLAGS", "(\\Flagged \\Seen)")
    m.logout()
    passfile = tmp_path / "passphrase"
    passfile.write_text(PASSPHRASE + "\n")
    return str(passfile)


def backup(inst, passfile, out, *extra):
    return inst.ctl("backup", "--output", out, "--passphrase-file", passfile,
                    *extra, check=0)


def verify(path, passfile, check=None):
    return run(["mailboxctl", "backup", "verify", path, "--passphrase-file",
                passfile], check=check)


def restore(files, into, passfile, check=None):
    return run(["mailboxctl", "restore"] + list(files) +
               ["--into", into, "--yes", "--passphrase-file", passfile],
               check=check)


def snapshot(path):
    """Every file under path (and its neighbours) with its content."""
    parent = os.path.dirname(path)
    out = {"siblings": sorted(os.listdir(parent))}
    for root, dirs, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            out[p] = open(p, "rb").read()
    return out


def test_backup_running_restore_identical(instance, server, populated,
                                          tmp_path):
    before = {addr: mailbox_state(server, addr) for addr in USERS}
    assert len(before["alice@example.test"]) == 3
    out = str(tmp_path / "full.bak")
    proc = backup(instance, populated, out)
    assert "entries" in proc.err
    v = verify(out, populated, check=0)
    assert "full backup" in v.out and "OK" in v.out
    # The passphrase does not show up in the file; the mail is not readable.
    data = open(out, "rb").read()
    assert PASSPHRASE.encode() not in data and b"line 1 of message" not in data

    target = tmp_path / "restored"
    target.mkdir()      # restore into an empty directory
    proc = restore([out], str(target), populated, check=0)
    assert "restored" in proc.out
    assert not any(n.startswith("restored.") for n in os.listdir(tmp_path))
    restored = Restored(target)
    conf = open(restored.conf).read()
    assert f"state_dir = {target}" in conf
    srv = Server(restored).start()
    try:
        for addr in USERS:
            assert mailbox_state(srv, addr) == before[addr], addr
    finally:
        srv.stop()
    # The original goes on undisturbed.
    assert mailbox_state(server, "bob@example.test") == before["bob@example.test"]


def test_backup_to_stdout_and_wrong_passphrase(instance, server, populated,
                                               tmp_path):
    proc = run(["mailboxctl", "-c", instance.conf, "backup",
                "--passphrase-file", populated], check=0)
    out = tmp_path / "piped.bak"
    out.write_bytes(proc.stdout)
    verify(str(out), populated, check=0)
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase\n")
    v = verify(str(out), str(wrong), check=1)
    assert "wrong passphrase" in v.err


@pytest.mark.parametrize("damage", ["flip", "truncate", "append"])
def test_damaged_backup_refused_before_touching(instance, server, populated,
                                                tmp_path, damage):
    out = str(tmp_path / "full.bak")
    backup(instance, populated, out)
    data = bytearray(open(out, "rb").read())
    if damage == "flip":
        data[len(data) * 2 // 3] ^= 0x01
    elif damage == "truncate":
        data = data[:len(data) - 100]
    else:
        data += b"\0"
    bad = str(tmp_path / "bad.bak")
    open(bad, "wb").write(bytes(data))
    v = verify(bad, populated, check=1)
    assert "damaged" in v.err or "truncated" in v.err, v.err
    # A directory with content: restore must leave it exactly as it was.
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("precious\n")
    before = snapshot(str(target))
    r = restore([bad], str(target), populated, check=1)
    assert "nothing was changed" in r.err, r.err
    assert snapshot(str(target)) == before


def test_incremental_chain(instance, server, populated, tmp_path):
    alice = "alice@example.test"
    m = imap(server, alice)
    m.create("Projects")
    m.select("INBOX")
    m.copy("3", "Projects")
    m.logout()
    # Files changed less than 2 s before a backup began count as changed
    # in the next incremental one; these should not.
    time.sleep(3)
    full = str(tmp_path / "full.bak")
    backup(instance, populated, full)
    # After the full backup: a new message for bob, one of alice's gone,
    # and her folder renamed (its files keep their status times).
    deliver(server, "bob@example.test", 7)
    wait_stored(instance, "bob@example.test", 3)
    m = imap(server, alice)
    m.select("INBOX")
    m.store("1", "+FLAGS", "(\\Deleted)")
    m.expunge()
    assert m.rename("Projects", "Done")[0] == "OK"
    m.logout()
    before = {addr: mailbox_state(server, addr) for addr in USERS}
    done = mailbox_state(server, alice, "Done")
    assert len(done) == 1
    inc = str(tmp_path / "inc.bak")
    proc = backup(instance, populated, inc, "--incremental", full)
    assert "incremental" in proc.err
    v = verify(inc, populated, check=0)
    assert "incremental backup" in v.out
    listed = int(re.search(r"(\d+) unchanged files listed", v.out).group(1))
    # Alice's unchanged mail and folders, the certificate; not what IMAP
    # touched after the full backup.
    assert listed >= 10
    # An incremental alone, or out of order, is refused.
    r = restore([inc], str(tmp_path / "x"), populated, check=1)
    assert "incremental" in r.err
    r = restore([inc, full], str(tmp_path / "x"), populated, check=1)
    assert not os.path.exists(tmp_path / "x")

    target = str(tmp_path / "restored")
    restore([full, inc], target, populated, check=0)
    assert not [n for n in os.listdir(tmp_path) if ".restore-" in n]
    srv = Server(Restored(target)).start()
    try:
        for addr in USERS:
            assert mailbox_state(srv, addr) == before[addr], addr
        assert mailbox_state(srv, alice, "Done") == done
    finally:
        srv.stop()


def test_restore_keeps_old_aside(instance, server, populated, tmp_path):
    out = str(tmp_path / "full.bak")
    backup(instance, populated, out)
    target = tmp_path / "old"
    target.mkdir()
    (target / "stale.txt").write_text("old\n")
    restore([out], str(target), populated, check=0)
    aside = [n for n in os.listdir(tmp_path) if n.startswith("old.old-")]
    assert len(aside) == 1
    assert (tmp_path / aside[0] / "stale.txt").read_text() == "old\n"
    assert not (target / "stale.txt").exists()
    assert (target / "mailbox.sqlite").exists()


def test_restore_in_place_refused_while_running(instance, server, populated,
                                                tmp_path):
    out = str(tmp_path / "full.bak")
    backup(instance, populated, out)
    before = sorted(os.listdir(tmp_path))
    r = run(["mailboxctl", "restore", out, "--yes", "--passphrase-file",
             populated], check=1)
    assert "stop it first" in r.err
    assert sorted(os.listdir(tmp_path)) == before


def test_backup_during_deliveries_and_flag_changes(instance, server, populated,
                                                   tmp_path):
    """Mail arrives and flags change while the backup runs: the restored
    instance serves every message it had before, each byte-identical to
    one the server holds, and nothing it cannot read."""
    import threading
    alice = "alice@example.test"
    before = mailbox_state(server, alice)
    stop = threading.Event()
    errors = []

    def churn():
        try:
            i = 100
            m = imap(server, alice)
            m.select("INBOX")
            while not stop.is_set() and i < 160:
                deliver(server, alice, i)
                m.store("1:*", "+FLAGS" if i % 2 else "-FLAGS", "(\\Answered)")
                i += 1
            m.logout()
        except Exception as e:      # reported in the main thread
            errors.append(e)

    t = threading.Thread(target=churn)
    t.start()
    try:
        out = str(tmp_path / "busy.bak")
        backup(instance, populated, out)
    finally:
        stop.set()
        t.join()
    assert not errors, errors
    verify(out, populated, check=0)
    after = mailbox_state(server, alice)
    target = str(tmp_path / "restored")
    restore([out], target, populated, check=0)
    srv = Server(Restored(target)).start()
    try:
        got = mailbox_state(srv, alice)
    finally:
        srv.stop()
    bodies = {body for _, body in after.values()}
    assert {body for _, body in got.values()} <= bodies
    assert {body for _, body in before.values()} <= {b for _, b in got.values()}


def test_restore_in_place_after_loss(instance, server, populated, tmp_path):
    """Disaster recovery: the server stopped, a user's mail lost; restore
    without --into puts everything back where it was."""
    bob = "bob@example.test"
    before = mailbox_state(server, bob)
    out = str(tmp_path / "full.bak")
    backup(instance, populated, out)
    server.stop()
    import shutil
    shutil.rmtree(instance.path("mail", "example.test", "bob"))
    r = run(["mailboxctl", "restore", out, "--yes", "--passphrase-file",
             populated], check=0)
    assert instance.conf in r.out
    aside = [n for n in os.listdir(tmp_path) if n.startswith("inst.old-")]
    assert len(aside) == 1
    assert not os.path.exists(tmp_path / aside[0] / "mail" / "example.test"
                              / "bob")
    srv = Server(instance).start()
    try:
        assert mailbox_state(srv, bob) == before
    finally:
        srv.stop()
