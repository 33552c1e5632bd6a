"""Inbound mail through the real mailboxd: SMTP with smtplib, swaks and
openssl s_client; delivery into encrypted, compressed maildirs read back
with `treesutil -d -u`."""
import glob
import os
import re
import smtplib
import subprocess
import time

import pytest

from conftest import binary, run

PASSWORD = "correct horse battery staple"


def add_user(inst, addr, *extra):
    inst.ctl("user", "add", addr, "--password-stdin", *extra,
             input=PASSWORD + "\n", check=0)


def maildir(inst, addr, folder=None):
    local, domain = addr.split("@")
    base = inst.path("mail", domain, local, "Maildir")
    return os.path.join(base, "." + folder) if folder else base


def stored(inst, addr, folder=None):
    d = maildir(inst, addr, folder)
    return sorted(glob.glob(os.path.join(d, "new", "*")) +
                  glob.glob(os.path.join(d, "cur", "*")))


def wait_stored(inst, addr, n=1, folder=None, timeout=20):
    """The files once n are stored and deliver has indexed them (moved
    from new/ to cur/), so their paths stay put."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        files = stored(inst, addr, folder)
        if len(files) >= n and not any("/new/" in f for f in files):
            return files
        time.sleep(0.05)
    if len(stored(inst, addr, folder)) >= n:
        return stored(inst, addr, folder)
    raise AssertionError(f"{addr}: {len(stored(inst, addr, folder))} of {n} "
                         "messages stored")


def read_message(inst, addr, path, tmp_path):
    out = tmp_path / "plain.eml"
    run(["treesutil", "-d", "-u", addr, "-C", inst.conf, "-i", path,
         "-o", str(out)], input=PASSWORD + "\n", check=0)
    return out.read_bytes()


def message(subject, body="This line is the body of the message.\r\n",
            msgid=None):
    msgid = msgid or f"<{subject.replace(' ', '.')}@sender.test>"
    return (f"From: Sender <a@sender.test>\r\nTo: someone\r\n"
            f"Subject: {subject}\r\nMessage-ID: {msgid}\r\n\r\n{body}")


@pytest.fixture
def user(instance):
    add_user(instance, f"demo@{instance.domain}")
    return f"demo@{instance.domain}"


def test_delivery_is_encrypted_and_reads_back(instance, user, server, tmp_path):
    msg = message("Quarterly plans", "Meet at the blue door at noon.\r\n")
    with server.smtp() as s:
        s.ehlo("client.test")
        code, text = s.docmd("MAIL FROM:<a@sender.test>")
        assert code == 250
        assert s.docmd(f"RCPT TO:<{user}>")[0] == 250
        code, text = s.data(msg)
        assert code == 250 and b"queued as" in text
    [path] = wait_stored(instance, user)
    raw = open(path, "rb").read()
    for clear in (b"Quarterly plans", b"blue door", b"Message-ID", b"sender.test"):
        assert clear not in raw
    plain = read_message(instance, user, path, tmp_path)
    head, _, body = plain.partition(b"\r\n\r\n")
    assert plain.endswith(msg.encode())
    assert head.startswith(b"Return-Path: <a@sender.test>\r\nDelivered-To: "
                           + user.encode() + b"\r\nX-Original-To: "
                           + user.encode() + b"\r\nAuthentication-Results: "
                           b"mail.example.test;")
    # our checks' results, the spam verdict, then the message as it came in
    assert (b"\r\nX-Spam-Score: 0.0\r\nX-Spam: No\r\n"
            b"Received: from client.test") in head
    assert b"by mail.example.test (archmailbox) with ESMTP id" in head
    assert f"for <{user}>".encode() in head
    # Stored size in the name is the size IMAP will report.
    assert re.search(rf",S={len(plain)}(,|$)", path), path
    log = server.read_log()
    assert f"to=<{user}>" in log and "status=queued" in log
    assert "Meet at the blue door" not in log


def test_swaks_delivers(instance, user, server, tmp_path):
    proc = subprocess.run(["swaks", "--server",
                           f"127.0.0.1:{server.smtp_port}", "--to", user,
                           "--from", "b@sender.test", "--header",
                           "Subject: via swaks", "--body", "swaks body"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "250 2.0.0 Ok: queued as" in proc.stdout
    [path] = wait_stored(instance, user)
    plain = read_message(instance, user, path, tmp_path)
    assert b"Subject: via swaks" in plain and b"swaks body" in plain


def test_refusals(instance, user, server):
    instance.ctl("domain", "add", "other.test", check=0)
    with server.smtp() as s:
        s.ehlo("client.test")
        assert s.docmd("MAIL FROM:<a@sender.test>")[0] == 250
        code, text = s.docmd("RCPT TO:<nobody@example.test>")
        assert (code, text[:5]) == (550, b"5.1.1")
        code, text = s.docmd("RCPT TO:<victim@elsewhere.test>")
        assert (code, text[:5]) == (554, b"5.7.1")
        code, text = s.docmd("RCPT TO:<nobody@other.test>")
        assert (code, text[:5]) == (550, b"5.1.1")
        assert s.docmd("VRFY demo")[0] == 252


def test_too_large(instance, user, tmp_path):
    from conftest import Server
    instance.ctl("config", "set", "max_message_size", "10K", check=0)
    server = Server(instance).start()
    try:
        with server.smtp() as s:
            s.ehlo("client.test")
            code, _ = s.docmd("MAIL FROM:<a@sender.test> SIZE=20000")
            assert code == 552
            assert s.docmd("MAIL FROM:<a@sender.test>")[0] == 250
            assert s.docmd(f"RCPT TO:<{user}>")[0] == 250
            code, _ = s.data(message("big", ("x" * 70 + "\r\n") * 200))
            assert code == 552
        assert stored(instance, user) == []
    finally:
        server.stop()


def raw_session(port, lines):
    """Sends raw bytes line by line and returns everything the server said."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        f = c.makefile("rb")
        replies = [f.readline()]
        for line in lines:
            c.sendall(line)
            reply = f.readline()
            while reply[3:4] == b"-":
                reply = f.readline()
            replies.append(reply)
        return replies


def test_bare_lf_refused(instance, user, server):
    replies = raw_session(server.smtp_port, [
        b"EHLO client.test\r\n", b"MAIL FROM:<a@sender.test>\r\n",
        f"RCPT TO:<{user}>\r\n".encode(), b"DATA\r\n",
        b"Subject: smuggle\r\n\r\nbody\n.\r\nMAIL FROM:<x@y.test>\r\n.\r\n"])
    assert replies[4].startswith(b"354")
    assert replies[5][:1] == b"5", replies
    time.sleep(0.5)
    assert stored(instance, user) == []


def test_starttls_with_openssl(instance, user, server):
    proc = subprocess.run(
        ["openssl", "s_client", "-starttls", "smtp", "-connect",
         f"127.0.0.1:{server.smtp_port}", "-quiet", "-verify_quiet",
         "-ign_eof"],
        input=f"EHLO client.test\r\nMAIL FROM:<a@sender.test>\r\n"
              f"RCPT TO:<{user}>\r\nDATA\r\nSubject: over TLS\r\n\r\n"
              "hi\r\n.\r\nQUIT\r\n",
        capture_output=True, text=True, timeout=60)
    assert "250 2.0.0 Ok: queued as" in proc.stdout, proc.stdout + proc.stderr
    wait_stored(instance, user)
    log = server.read_log()
    assert "tls=TLSv1.3" in log or "tls=TLSv1.2" in log


def test_tls_versions_and_ciphers(instance, user, server):
    def handshake(*opts):
        return subprocess.run(
            ["openssl", "s_client", "-starttls", "smtp", "-connect",
             f"127.0.0.1:{server.smtp_port}", *opts],
            input="QUIT\r\n", capture_output=True, text=True, timeout=30)
    assert "Protocol  : TLSv1.2" in handshake("-tls1_2").stdout
    old = handshake("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert "Cipher is (NONE)" in old.stdout or old.returncode != 0
    weak = handshake("-tls1_2", "-cipher", "AES128-SHA")
    assert "Cipher is (NONE)" in weak.stdout or weak.returncode != 0


def test_alias_catchall_and_plus(instance, user, server, tmp_path):
    add_user(instance, "bob@example.test")
    instance.ctl("alias", "add", "sales@example.test", user, check=0)
    instance.ctl("alias", "add", "@example.test", "bob@example.test", check=0)
    folder = maildir(instance, user, "Lists")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(folder, sub))
    with server.smtp() as s:
        s.sendmail("a@sender.test", ["sales@example.test"], message("alias"))
        s.sendmail("a@sender.test", ["random@example.test"], message("catch"))
        s.sendmail("a@sender.test", ["demo+lists@example.test"], message("plus"))
        s.sendmail("a@sender.test", ["demo+nofolder@example.test"],
                   message("plus inbox"))
    inbox = wait_stored(instance, user, 2)
    [listed] = wait_stored(instance, user, 1, folder="Lists")
    [caught] = wait_stored(instance, "bob@example.test")
    texts = [read_message(instance, user, p, tmp_path) for p in inbox]
    assert any(b"X-Original-To: sales@example.test" in t and
               b"Subject: alias" in t for t in texts)
    assert any(b"Subject: plus inbox" in t for t in texts)
    assert b"Subject: plus\r\n" in read_message(instance, user, listed, tmp_path)
    got = read_message(instance, "bob@example.test", caught, tmp_path)
    assert b"X-Original-To: random@example.test" in got
    assert b"Delivered-To: bob@example.test" in got


def test_quota(instance, server):
    add_user(instance, "small@example.test", "--quota", "2K")
    with server.smtp() as s:
        s.ehlo("client.test")
        assert s.docmd("MAIL FROM:<a@sender.test> SIZE=5000")[0] == 250
        code, text = s.docmd("RCPT TO:<small@example.test>")
        assert (code, text[:5]) == (552, b"5.2.2")
        s.rset()
        s.sendmail("a@sender.test", ["small@example.test"],
                   message("fits", "x" * 900 + "\r\n"))
        wait_stored(instance, "small@example.test")
        assert s.docmd("MAIL FROM:<a@sender.test>")[0] == 250
        assert s.docmd("RCPT TO:<small@example.test>")[0] == 250
        code, text = s.data(message("too much", ("y" * 70 + "\r\n") * 20))
        assert (code, text[:5]) == (452, b"4.2.2")
    assert len(stored(instance, "small@example.test")) == 1


def test_zstd_and_unencrypted(instance, server, tmp_path):
    add_user(instance, "plain@example.test", "--no-encryption")
    with server.smtp() as s:
        s.sendmail("a@sender.test", ["plain@example.test"],
                   message("clear", "readable body\r\n"))
    [path] = wait_stored(instance, "plain@example.test")
    import lzma
    data = lzma.decompress(open(path, "rb").read())
    assert data.endswith(b"readable body\r\n")


def test_sigterm_gives_421(instance, user, server):
    import socket
    c = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10)
    f = c.makefile("rb")
    assert f.readline().startswith(b"220")
    rc = server.stop()
    assert rc == 0
    assert f.readline().startswith(b"421 4.3.2")
    c.close()


def children(server, role):
    out = subprocess.run(["pgrep", "-P", str(server.proc.pid), "-f",
                          f"mailboxd -R {role}"], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_crashed_child_is_restarted(instance, user, server):
    import signal
    [pid] = children(server, "deliver")
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and children(server, "deliver") in ([], [pid]):
        time.sleep(0.05)
    assert "deliver process (pid %d) killed by signal 9" % pid in server.read_log()
    with server.smtp() as s:
        s.sendmail("a@sender.test", [user], message("after restart"))
    wait_stored(instance, user)


def cert_subject(port):
    out = subprocess.run(["openssl", "s_client", "-starttls", "smtp",
                          "-connect", f"127.0.0.1:{port}"], input="QUIT\r\n",
                         capture_output=True, text=True, timeout=30).stdout
    return re.search(r"subject=(.*)", out).group(1)


def test_sighup_reloads_config_and_certificate(instance, user, server):
    import signal
    assert "mail.example.test" in cert_subject(server.smtp_port)
    old = server.smtp()
    old.ehlo("client.test")
    assert old.does_esmtp and old.esmtp_features["size"] == "104857600"
    instance.ctl("config", "set", "max_message_size", "1M", check=0)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                    "-subj", "/CN=reloaded.example.test",
                    "-keyout", instance.path("tls", "private.key"),
                    "-out", instance.path("tls", "fullchain.pem")],
                   check=True, capture_output=True)
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while "reloading" not in server.read_log() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    # The open session carries on.
    old.sendmail("a@sender.test", [user], message("across reload"))
    old.quit()
    with server.smtp() as new:
        new.ehlo("client.test")
        assert new.esmtp_features["size"] == "1048576"
    assert "reloaded.example.test" in cert_subject(server.smtp_port)
    wait_stored(instance, user)


def test_daemon_mode_detaches_and_stops_by_pidfile(instance, user):
    import signal
    import socket
    from conftest import Server
    srv = Server(instance)       # only for its free port
    run(["mailboxd", "-c", instance.conf], check=0)
    pidfile = instance.path("mailboxd.pid")
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", srv.smtp_port), 1) as c:
                assert c.makefile("rb").readline().startswith(b"220 ")
                break
        except OSError:
            time.sleep(0.05)
    pid = int(open(pidfile).read())
    os.kill(pid, signal.SIGTERM)
    while os.path.exists(f"/proc/{pid}") and time.time() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(pidfile)
