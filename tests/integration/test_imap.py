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
    m.select("Junk")
    assert m.uid("MOVE", "1", "Archive")[0] == "OK"
    m.logout()
    # The spam classifier learnt it as spam, then relearnt it as ham.
    out = instance.ctl("spam", "status", USER, check=0).out
    assert out.startswith("spam 0\nham 1\n")


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


def mbsync_rc(tmp_path, instance, server, local):
    rc = tmp_path / "mbsyncrc"
    cert = os.path.join(instance.dir, "tls", "fullchain.pem")
    rc.write_text(f"""IMAPAccount amb
Host 127.0.0.1
Port {server.imaps_port}
User {USER}
Pass "{PASSWORD}"
SSLType IMAPS
CertificateFile {cert}
SystemCertificates no

IMAPStore remote
Account amb

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel all
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
Sync All
SyncState *
""")
    return rc


def run_mbsync(rc):
    proc = subprocess.run(["mbsync", "-c", str(rc), "-a"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mbsync_copies_the_mailbox(instance, server, mailbox, tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    run_mbsync(mbsync_rc(tmp_path, instance, server, local))
    files = glob.glob(str(local / "INBOX" / "*" / "*"))
    assert len(files) == 1
    got = open(files[0], "rb").read()
    # mbsync stores LF line ends and adds its X-TUID header.
    assert got.endswith(mailbox.split(b"\r\n\r\n")[1].replace(b"\r\n", b"\n"))
    assert b"Message-ID: <First.note@sender.test>" in got
    assert os.path.isdir(local / "Sent")


def strip_ours(data):
    """The message as the sender sent it: our trace, delivery, spam and
    authentication headers and mbsync's X-TUID removed, LF line ends."""
    head, _, body = data.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines, skip = [], False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skip:
                lines.append(line)
            continue
        name = line.split(b":", 1)[0].lower()
        skip = name in (b"return-path", b"delivered-to", b"x-original-to",
                        b"received", b"x-tuid", b"x-spam-score", b"x-spam",
                        b"authentication-results")
        if not skip:
            lines.append(line)
    return b"\n".join(lines) + b"\n\n" + body


def local_messages(local, folder):
    out = {}
    for f in glob.glob(str(local / folder / "*" / "*")):
        data = open(f, "rb").read()
        mid = data.split(b"Message-ID: ")[1].split(b"\n")[0].strip()
        out[mid] = (f, data)
    return out


def test_mbsync_500_messages_both_ways(instance, server, tmp_path):
    import smtplib
    add_user(instance, USER)
    m = login(server)
    for box in ("Lists", "Work"):
        assert m.create(box)[0] == "OK"
    m.logout()
    import threading
    sent = {}

    def send(first):
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=60) as s:
            for i in range(first, 500, 10):
                folder = ("", "+lists", "+work")[i % 3]
                mid = f"<bulk.{i}@sender.test>".encode()
                msg = (f"From: a@sender.test\r\nTo: {USER}\r\n"
                       f"Subject: bulk {i}\r\n"
                       f"Message-ID: <bulk.{i}@sender.test>\r\n\r\n" +
                       f"line {i} of the bulk test\r\n" * 3)
                s.sendmail("a@sender.test", [f"demo{folder}@example.test"], msg)
                sent[mid] = (("INBOX", "Lists", "Work")[i % 3], msg.encode())
    threads = [threading.Thread(target=send, args=(k,)) for k in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert len(sent) == 500
    md = os.path.join(instance.dir, "mail/example.test/demo/Maildir")
    deadline = time.time() + 120
    while time.time() < deadline and sum(
            len(os.listdir(os.path.join(md, d, sub)))
            for d in ("", ".Lists", ".Work") for sub in ("new", "cur")) < 500:
        time.sleep(0.2)
    local = tmp_path / "local"
    local.mkdir()
    rc = mbsync_rc(tmp_path, instance, server, local)
    run_mbsync(rc)
    for folder in ("INBOX", "Lists", "Work"):
        got = local_messages(local, folder)
        want = {k: v for k, (f, v) in sent.items() if f == folder}
        assert set(got) == set(want), folder
        for mid, (path, data) in got.items():
            assert strip_ours(data) == want[mid].replace(b"\r\n", b"\n"), mid
    # Server-side changes reach the local copy.
    m = login(server)
    m.select("INBOX")
    typ, data = m.search(None, "HEADER", "Message-ID", "bulk.0@")
    first = data[0]
    m.store(first, "+FLAGS", "\\Flagged")
    typ, data = m.uid("SEARCH", "HEADER", "Message-ID", "bulk.3@")
    assert m.uid("MOVE", data[0], "Work")[0] == "OK"
    m.logout()
    run_mbsync(rc)
    inbox = local_messages(local, "INBOX")
    assert b"<bulk.3@sender.test>" not in inbox
    assert b"<bulk.3@sender.test>" in local_messages(local, "Work")
    flagged = inbox[b"<bulk.0@sender.test>"][0]
    assert "F" in flagged.rsplit(":2,", 1)[1]
    # A local change reaches the server.
    path = inbox[b"<bulk.6@sender.test>"][0]
    os.rename(path, path + "S" if path.endswith(":2,") or "S" not in
              path.rsplit(":2,", 1)[1] else path)
    run_mbsync(rc)
    m = login(server)
    m.select("INBOX")
    typ, data = m.search(None, "SEEN")
    seen = data[0].split()
    typ, data = m.fetch(b",".join(seen) if seen else b"1", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    assert any(b"bulk.6@" in part[1] for part in data if isinstance(part, tuple))
    m.logout()


def test_starttls_session_bad_input_and_two_sessions(instance, server, mailbox):
    a = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=30)
    a.starttls(ssl_context=tls_context())
    a.login(USER, PASSWORD)
    assert a.select("INBOX") == ("OK", [b"1"])
    # Malformed commands get BAD and the session carries on.
    tag = a._new_tag()
    a.send(tag + b" FETCH 1 (FLAGS\r\n")
    assert a._get_line().startswith(tag + b" BAD")
    tag = a._new_tag()
    a.send(tag + b" NOSUCHCOMMAND\r\n")
    assert a._get_line().startswith(tag + b" BAD")
    # A literal announced longer than what follows the line is just data:
    # the rest of the command is read as literal text and must not crash.
    tag = a._new_tag()
    a.send(tag + b" SELECT {3+}\r\nINBOX\r\n")
    assert a._get_line().startswith(tag + b" BAD")
    assert a.noop()[0] == "OK"
    # A second session's change shows up in the first.
    b = login(server)
    b.select("INBOX")
    b.store("1", "+FLAGS", "\\Answered")
    b.logout()
    typ, data = a.noop()
    typ, data = a.fetch("1", "(FLAGS)")
    assert b"\\Answered" in data[0]
    a.logout()


def test_saved_search_result_in_store(instance, server, mailbox):
    deliver(server, "Second note", "nothing special\r\n")
    wait_stored(instance, USER, 2)
    m = login(server)
    m.select("INBOX")
    typ, data = m._simple_command("SEARCH", "RETURN", "(SAVE)", "TEXT", "orchid")
    assert typ == "OK"
    assert m.store("$", "+FLAGS", "\\Flagged")[0] == "OK"
    flagged = m.search(None, "FLAGGED")[1][0].split()
    assert flagged == m.search(None, "TEXT", "orchid")[1][0].split()
    assert len(flagged) == 1
    m.logout()
