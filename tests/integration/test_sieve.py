"""Sieve through the real mailboxd: `mailboxctl sieve`, a rule that files
mail into a folder with a flag (read back over IMAP), vacation replies
once per sender and never to lists, and ManageSieve."""
import imaplib
import os
import smtplib
import time

from test_imap import tls_context
from test_inbound import PASSWORD, add_user, read_message, stored, \
    wait_stored
from test_relay import wait_log

USER = "demo@example.test"
FRIEND = "friend@example.test"

FILEINTO = """require ["fileinto", "imap4flags", "variables"];
# reports go to a folder of their own, flagged
if header :matches "subject" "Report *" {
    fileinto :flags ["\\\\Flagged", "$Report"] "Reports/${1}";
    stop;
}
"""

VACATION = """require ["vacation"];
vacation :days 7 :subject "Away until Monday" "I am away; back on Monday.";
"""


def set_script(instance, tmp_path, text, *extra, check=0):
    f = tmp_path / "script.sieve"
    f.write_text(text)
    return instance.ctl("sieve", "set", USER, str(f), *extra, check=check)


def send(server, sender, subject, headers="", body="Hello."):
    msg = (f"From: <{sender}>\r\nTo: <{USER}>\r\nSubject: {subject}\r\n"
           f"Message-ID: <{subject.replace(' ', '.')}@test>\r\n{headers}"
           f"\r\n{body}\r\n")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        s.sendmail(sender, [USER], msg)


def test_sieve_set_validates_and_stores(instance, tmp_path):
    add_user(instance, USER)
    sieve_dir = instance.path("mail", "example.test", "demo", "sieve")
    bad = "require \"fileinto\";\n\nfileinto \"x\"\nkeep;\n"
    r = set_script(instance, tmp_path, bad, check=1)
    assert f"{tmp_path / 'script.sieve'}:4: expected ';' before keep" in r.err
    assert not os.path.exists(sieve_dir) or os.listdir(sieve_dir) == []
    r = set_script(instance, tmp_path, "keep;\nvacation \"x\";", check=1)
    assert "script.sieve:2: vacation needs its extension in require" in r.err
    assert not os.path.exists(sieve_dir) or os.listdir(sieve_dir) == []
    set_script(instance, tmp_path, FILEINTO)
    set_script(instance, tmp_path, "keep;\n", "--name", "other")
    assert instance.ctl("sieve", "list", USER, check=0).out == \
        "main\nother (active)\n"
    assert instance.ctl("sieve", "get", USER, "main", check=0).out == FILEINTO
    instance.ctl("sieve", "activate", USER, "main", check=0)
    assert instance.ctl("sieve", "get", USER, check=0).out == FILEINTO
    assert "active script" in instance.ctl("sieve", "del", USER, "main",
                                           check=1).err
    instance.ctl("sieve", "del", USER, "other", check=0)
    instance.ctl("sieve", "deactivate", USER, check=0)
    assert instance.ctl("sieve", "list", USER, check=0).out == "main\n"
    assert "no such user" in instance.ctl("sieve", "list", "nobody@example.test",
                                          check=1).err


def test_fileinto_a_new_folder_with_a_flag(instance, server, tmp_path):
    add_user(instance, USER)
    set_script(instance, tmp_path, FILEINTO)
    send(server, "a@sender.test", "Report Daily")
    send(server, "a@sender.test", "Plain hello")
    wait_stored(instance, USER, folder="Reports.Daily")
    wait_stored(instance, USER)
    m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                          ssl_context=tls_context(), timeout=30)
    m.login(USER, PASSWORD)
    typ, data = m.list()
    assert any(line.endswith(b' Reports/Daily') for line in data), data
    typ, data = m.select('"Reports/Daily"')
    assert typ == "OK" and data == [b"1"]
    typ, data = m.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"\\Flagged" in data[0][0] and b"$Report" in data[0][0]
    assert b"Report Daily" in data[0][1]
    typ, data = m.select("INBOX")
    assert data == [b"1"]
    m.logout()
    # a new script replaces the compiled one deliver keeps
    set_script(instance, tmp_path, 'require "fileinto"; fileinto "Other";')
    send(server, "a@sender.test", "Report Weekly")
    wait_stored(instance, USER, folder="Other")
    assert len(stored(instance, USER, "Reports.Daily")) == 1


def test_vacation_once_per_sender_never_to_lists(instance, server, tmp_path):
    add_user(instance, USER)
    add_user(instance, FRIEND)
    set_script(instance, tmp_path, VACATION)
    send(server, FRIEND, "First question")
    send(server, FRIEND, "Second question")
    send(server, "news@lists.test", "Weekly digest",
         "List-Id: <weekly.lists.test>\r\n")
    wait_stored(instance, USER, 3)
    [reply] = wait_stored(instance, FRIEND)
    wait_log(server, "no vacation reply from demo@example.test: replied "
             "within 7 days")
    wait_log(server, "no vacation reply from demo@example.test: message is "
             "from a mailing list")
    time.sleep(1)
    assert len(stored(instance, FRIEND)) == 1
    text = read_message(instance, FRIEND, reply, tmp_path).decode()
    head = text.split("\r\n\r\n")[0]
    assert "Return-Path: <>" in head
    assert "\r\nAuto-Submitted: auto-replied" in head
    assert "\r\nSubject: Away until Monday" in head
    assert "\r\nFrom: <demo@example.test>" in head
    # to whichever of the two was delivered first (two workers)
    assert ("\r\nIn-Reply-To: <First.question@test>" in head or
            "\r\nIn-Reply-To: <Second.question@test>" in head)
    assert "back on Monday." in text


def test_redirect_and_discard(instance, server, tmp_path):
    add_user(instance, USER)
    add_user(instance, FRIEND)
    set_script(instance, tmp_path, f"""require ["copy"];
if header :contains "subject" "forward" {{ redirect "{FRIEND}"; }}
elsif header :contains "subject" "both" {{ redirect :copy "{FRIEND}"; }}
elsif header :contains "subject" "junk" {{ discard; }}
""")
    send(server, "a@sender.test", "please forward this")
    send(server, "a@sender.test", "keep both copies")
    send(server, "a@sender.test", "junk mail")
    wait_log(server, "discarded a message from <a@sender.test>")
    files = wait_stored(instance, FRIEND, 2)
    wait_stored(instance, USER, 1)
    time.sleep(0.5)
    assert len(stored(instance, USER)) == 1
    texts = [read_message(instance, FRIEND, f, tmp_path).decode()
             for f in files]
    assert sorted(t.split("\r\nSubject: ")[1].split("\r\n")[0]
                  for t in texts) == ["keep both copies", "please forward this"]
    for t in texts:
        assert "Return-Path: <a@sender.test>" in t
        assert f"Delivered-To: {USER}" in t


def test_spam_keeps_to_junk_without_vacation(instance, server, tmp_path):
    from test_spam import GTUBE
    add_user(instance, USER)
    add_user(instance, FRIEND)
    set_script(instance, tmp_path, """require ["imap4flags", "vacation"];
if header :is "X-Spam" "Yes" { addflag "\\\\Seen"; }
vacation "I am away.";
""")
    send(server, FRIEND, "Offer", body=GTUBE)
    wait_stored(instance, USER, folder="Junk")
    wait_log(server, "no vacation reply from demo@example.test: message is "
             "spam")
    assert stored(instance, USER) == [] and stored(instance, FRIEND) == []
    m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                          ssl_context=tls_context(), timeout=30)
    m.login(USER, PASSWORD)
    m.select("Junk")
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" in data[0]
    m.logout()


class SieveClient:
    """A raw ManageSieve client: lines, and literals in responses."""

    def __init__(self, port):
        import socket
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.f = self.sock.makefile("rb")

    def starttls(self):
        self.send("STARTTLS")
        assert self.response()[-1].startswith(b"OK")
        self.sock = tls_context().wrap_socket(self.sock)
        self.f = self.sock.makefile("rb")
        return self.response()

    def send(self, line, data=None):
        out = line.encode() + b"\r\n"
        if data is not None:
            out = line.encode() + b" {%d+}\r\n" % len(data) + data + b"\r\n"
        self.sock.sendall(out)

    def response(self):
        """Lines up to OK/NO/BYE; a literal's bytes are joined to its line."""
        lines = []
        while True:
            line = self.f.readline()
            assert line, lines
            line = line.rstrip(b"\r\n")
            if line.endswith(b"}") and b"{" in line:
                n = int(line[line.rindex(b"{") + 1:-1])
                line = line + b"\n" + self.f.read(n) + self.f.readline().rstrip(b"\r\n")
            lines.append(line)
            if line.split(b" ")[0] in (b"OK", b"NO", b"BYE"):
                return lines


def test_managesieve_edits_scripts(instance, tmp_path):
    import base64
    from conftest import Server, free_port
    add_user(instance, USER)
    port = free_port()
    instance.ctl("config", "set", "managesieve_listen", f"127.0.0.1:{port}",
                 check=0)
    server = Server(instance).start()
    try:
        wait_log(server, "listening for managesieve")
        c = SieveClient(port)
        greeting = c.response()
        assert b'"STARTTLS"' in greeting and greeting[-1].startswith(b"OK")
        c.send('AUTHENTICATE "PLAIN" "AGRlbW8AeA=="')
        assert c.response() == [b'NO (ENCRYPT-NEEDED) "Use STARTTLS first"']
        caps = c.starttls()
        assert b'"SASL" "PLAIN"' in caps and b'"STARTTLS"' not in caps
        bad = base64.b64encode(f"\0{USER}\0wrong".encode()).decode()
        c.send(f'AUTHENTICATE "PLAIN" "{bad}"')
        assert c.response()[-1].startswith(b"NO")
        good = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
        c.send('AUTHENTICATE "PLAIN"')
        assert c.f.readline() == b'""\r\n'     # the empty challenge
        c.send(f'"{good}"')
        assert c.response()[-1] == b'OK "Logged in"'
        c.send("NOOP")
        assert c.response() == [b'OK "Done"']
        c.send('PUTSCRIPT "broken"', b"keep;\r\nfileinto \"x\";\r\n")
        assert c.response() == [b'NO "line 2: fileinto needs its extension '
                                b'in require"']
        c.send('PUTSCRIPT "rules"', FILEINTO.encode())
        assert c.response() == [b"OK"]
        c.send('SETACTIVE "rules"')
        assert c.response() == [b"OK"]
        c.send("LISTSCRIPTS")
        assert c.response() == [b'"rules" ACTIVE',
                                b'OK "Listscripts completed"']
        c.send('GETSCRIPT "rules"')
        got = c.response()
        assert got[0].split(b"\n", 1)[1] == FILEINTO.encode()
        assert got[-1] == b"OK"
        c.send("LOGOUT")
        assert c.response() == [b'OK "Logout completed"']
        assert instance.ctl("sieve", "list", USER, check=0).out == \
            "rules (active)\n"
        # the initial response as a literal, as some clients send it
        c = SieveClient(port)
        c.response()
        c.starttls()
        c.send('AUTHENTICATE "PLAIN"', good.encode())
        assert c.response()[-1] == b'OK "Logged in"'
        c.send("LISTSCRIPTS")
        assert c.response()[0] == b'"rules" ACTIVE'
    finally:
        server.stop()


def test_sieve_connect_uploads_and_activates(instance, tmp_path):
    """Debian's sieve-connect, a real ManageSieve client."""
    import shutil
    import subprocess
    from conftest import Server, free_port
    assert shutil.which("sieve-connect"), "install sieve-connect"
    add_user(instance, USER)
    port = free_port()
    instance.ctl("config", "set", "managesieve_listen", f"127.0.0.1:{port}",
                 check=0)
    script = tmp_path / "rules.sieve"
    script.write_text(FILEINTO)
    server = Server(instance).start()
    try:
        wait_log(server, "listening for managesieve")

        def sieve_connect(*args):
            r, w = os.pipe()
            os.write(w, (PASSWORD + "\n").encode())
            os.close(w)
            try:
                return subprocess.run(
                    ["sieve-connect", "--server", "127.0.0.1", "--port",
                     str(port), "--user", USER, "--passwordfd", str(r),
                     "--notlsverify", "--authmech", "PLAIN", *args],
                    pass_fds=(r,), capture_output=True, text=True, timeout=60)
            finally:
                os.close(r)

        p = sieve_connect("--localsieve", str(script), "--remotesieve",
                          "rules", "--upload")
        assert p.returncode == 0, p.stderr
        p = sieve_connect("--remotesieve", "rules", "--activate")
        assert p.returncode == 0, p.stderr
        p = sieve_connect("--list")
        assert p.returncode == 0 and "rules" in p.stdout, (p.stdout, p.stderr)
        script.write_text("fileinto \"x\";\n")
        p = sieve_connect("--localsieve", str(script), "--remotesieve",
                          "broken", "--upload")
        assert p.returncode != 0 and "fileinto needs its extension" in \
            p.stdout + p.stderr
        assert instance.ctl("sieve", "list", USER, check=0).out == \
            "rules (active)\n"
    finally:
        server.stop()
