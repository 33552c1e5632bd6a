"""Reading mail over IMAP through the real mailboxd: imaplib and mbsync
against messages delivered over SMTP, stored encrypted."""
import glob
import os
import socket
import ssl
import subprocess
import time
import imaplib

import pytest

from test_inbound import PASSWORD, add_user, stored, wait_stored

USER = "demo@example.test"


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def deliver(server, subject, body):
    import smtplib
    msg = (f"From: Sender <a@sender.test>\r\nTo: {USER}\r\n"
           f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '.')}"
           f"@sender.test>\r\n\r\n{body}")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        s.sendmail("a@sender.test", [USER], msg)
    return msg.encode()


def login(server):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                          ssl_context=tls_context(), timeout=30)
    m.login(USER, PASSWORD)
    return m


@pytest.fixture
def mailbox(instance, server):
    add_user(instance, USER)
    sent = deliver(server, "First note", "The orchid blooms at dawn.\r\n")
    wait_stored(instance, USER)
    return sent


def test_read_decrypted_and_search(instance, server, mailbox):
    m = login(server)
    typ, boxes = m.list()
    names = b"\n".join(boxes)
    for special in (b"\\Sent", b"\\Drafts", b"\\Trash", b"\\Junk", b"\\Archive"):
        assert special in names
    assert m.select("INBOX") == ("OK", [b"1"])
    typ, data = m.fetch("1", "(BODY.PEEK[])")
    body = data[0][1]
    assert body.endswith(mailbox)
    typ, data = m.fetch("1", "(RFC822.SIZE)")
    assert data == [b"1 (RFC822.SIZE %d)" % len(body)]
    assert m.search(None, "TEXT", "orchid") == ("OK", [b"1"])
    assert m.search(None, "SUBJECT", "note") == ("OK", [b"1"])
    assert m.search(None, "BODY", "tulip") == ("OK", [b""])
    # Nothing readable on disk: the message file nor the index.
    user_dir = os.path.dirname(os.path.dirname(stored(instance, USER)[0]))
    for path in glob.glob(os.path.join(user_dir, "**"), recursive=True):
        if os.path.isfile(path):
            data = open(path, "rb").read()
            assert b"orchid" not in data and b"First note" not in data, path
    m.logout()


def test_flags_persist_and_move_to_junk(instance, server, mailbox):
    m = login(server)
    m.select("INBOX")
    m.store("1", "+FLAGS", "(\\Flagged $Important)")
    m.logout()
    m = login(server)
    m.select("INBOX")
    typ, data = m.fetch("1", "(FLAGS UID)")
    assert b"\\Flagged" in data[0] and b"$Important" in data[0]
    typ, data = m.uid("MOVE", "1", "Junk")
    assert typ == "OK"
    assert m.select("Junk")[1] == [b"1"]
    assert m.select("INBOX")[1] == [b"0"]
    m.logout()


def test_append_is_stored_encrypted(instance, server, mailbox):
    m = login(server)
    msg = b"From: me@example.test\r\nSubject: draft plan\r\n\r\nsecret draft text\r\n"
    typ, data = m.append("Drafts", "(\\Draft)", None, msg)
    assert typ == "OK" and b"APPENDUID" in data[0]
    m.select("Drafts")
    assert m.fetch("1", "(BODY.PEEK[])")[1][0][1] == msg
    files = glob.glob(os.path.join(os.path.dirname(os.path.dirname(
        stored(instance, USER)[0])), ".Drafts", "*", "*"))
    assert files and all(b"secret draft" not in open(f, "rb").read()
                         for f in files)
    m.logout()


def test_idle_reports_new_mail_within_a_second(instance, server, mailbox):
    sock = socket.create_connection(("127.0.0.1", server.imaps_port), 30)
    c = tls_context().wrap_socket(sock)
    f = c.makefile("rb")
    f.readline()
    c.sendall(f"a LOGIN {USER} \"{PASSWORD}\"\r\n".encode())
    assert f.readline().startswith(b"a OK")
    c.sendall(b"b SELECT INBOX\r\n")
    while not f.readline().startswith(b"b OK"):
        pass
    c.sendall(b"c IDLE\r\n")
    assert f.readline().startswith(b"+")
    deliver(server, "Second note", "more\r\n")
    wait_stored(instance, USER, 2)
    c.settimeout(1.5)
    assert f.readline() == b"* 2 EXISTS\r\n"
    c.sendall(b"DONE\r\n")
    c.settimeout(10)
    line = f.readline()
    while not line.startswith(b"c "):
        line = f.readline()
    assert line.startswith(b"c OK")
    c.close()


def test_mbsync_copies_the_mailbox(instance, server, mailbox, tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    rc = tmp_path / "mbsyncrc"
    rc.write_text(f"""IMAPAccount amb
Host 127.0.0.1
Port {server.imaps_port}
User {USER}
Pass "{PASSWORD}"
SSLType IMAPS
CertificateFile /dev/null
SystemCertificates no

IMAPStore remote
Account amb

MaildirStore local
Path {local}/
Inbox {local}/INBOX

Channel all
Far :remote:
Near :local:
Patterns *
Create Near
Sync Pull
SyncState *
""")
    # The self-signed certificate must be trusted explicitly.
    cert = os.path.join(instance.dir, "tls", "fullchain.pem")
    rc.write_text(rc.read_text().replace("CertificateFile /dev/null",
                                         f"CertificateFile {cert}"))
    proc = subprocess.run(["mbsync", "-c", str(rc), "-a"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = glob.glob(str(local / "INBOX" / "*" / "*"))
    assert len(files) == 1
    got = open(files[0], "rb").read()
    # mbsync stores LF line ends and adds its X-TUID header.
    assert got.endswith(mailbox.split(b"\r\n\r\n")[1].replace(b"\r\n", b"\n"))
    assert b"Message-ID: <First.note@sender.test>" in got
    assert os.path.isdir(local / "Sent")
