"""Every IMAP command through the real server with imaplib, over STARTTLS
on the IMAP port and over implicit TLS on the IMAPS port."""
import imaplib
import re

import pytest

from test_imap import USER, deliver, tls_context
from test_inbound import PASSWORD, add_user, wait_stored

MIME = ("From: Ann <ann@sender.test>\r\nTo: demo@example.test\r\n"
        "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= report\r\n"
        "Message-ID: <mime@sender.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "The k=C3=A4se is ready.\r\n"
        "--b1\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgc=\r\n--b1--\r\n")


@pytest.fixture(params=["starttls", "imaps"])
def conn(request, instance, server):
    add_user(instance, USER)
    deliver(server, "plain one", "first body\r\n")
    import smtplib
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        s.sendmail("ann@sender.test", [USER], MIME)
    deliver(server, "Re: plain one", "reply body\r\n")
    wait_stored(instance, USER, 3)
    if request.param == "starttls":
        m = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=30)
        m.starttls(ssl_context=tls_context())
    else:
        m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                              ssl_context=tls_context(), timeout=30)
    m.login(USER, PASSWORD)
    yield m
    try:
        m.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def ok(result):
    typ, data = result
    assert typ == "OK", data
    return data


def test_mailbox_commands(conn):
    m = conn
    assert b"\"/\"" in ok(m.namespace())[0]
    ok(m.xatom("ID", '("name" "pytest")'))
    ok(m.enable("CONDSTORE"))
    ok(m.create("Projects/2026"))
    listing = b"\n".join(ok(m.list('""', "Projects*")))
    assert b"Projects/2026" in listing and b"\\HasChildren" in listing
    ok(m.subscribe("Projects/2026"))
    assert b"Projects/2026" in b"\n".join(ok(m.lsub('""', "*")))
    ok(m.unsubscribe("Projects/2026"))
    ok(m.rename("Projects/2026", "Projects/Done"))
    status = ok(m.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"))[0]
    assert b"MESSAGES 3" in status and b"UNSEEN 3" in status
    ok(m.delete("Projects/Done"))
    ok(m.delete("Projects"))
    assert m.delete("Nope")[0] == "NO"
    quota = ok(m.getquotaroot("INBOX"))
    assert b"STORAGE" in b" ".join(x for x in quota[1] if isinstance(x, bytes)) \
        if len(quota) > 1 else True
    typ, data = m.xatom("LIST", '"" "*" RETURN (STATUS (MESSAGES) SPECIAL-USE)')
    assert typ == "OK"


def test_read_commands(conn):
    m = conn
    ok(m.select("INBOX", readonly=True))
    assert m.store("1", "+FLAGS", "\\Seen")[0] == "NO"
    ok(m.select("INBOX"))
    structure = ok(m.fetch("1:*", "(BODYSTRUCTURE)"))
    assert any(b'"mixed"' in x.lower() if isinstance(x, bytes) else False
               for x in structure)
    mime = ok(m.search(None, "HEADER", "Message-ID", "mime@"))[0]
    part = ok(m.fetch(mime, "(BODY.PEEK[1])"))[0][1]
    # The CRLF before a boundary belongs to the boundary (RFC 2046 5.1.1).
    assert part == b"The k=C3=A4se is ready."
    binary = ok(m.fetch(mime, "(BINARY.PEEK[2])"))[0][1]
    assert binary == bytes(range(8))
    partial = ok(m.fetch(mime, "(BODY.PEEK[]<0.20>)"))[0][1]
    assert len(partial) == 20
    # Non-ASCII search strings go as literals (imaplib appends m.literal).
    m.literal = "käse".encode()
    assert ok(m.search("UTF-8", "TEXT"))[0] == mime
    m.literal = "GRÜSSE".encode()
    assert ok(m.search("UTF-8", "SUBJECT"))[0] == mime
    assert ok(m.search(None, "NOT", "SEEN"))[0].split() == [b"1", b"2", b"3"]
    sort = ok(m.sort("(SUBJECT)", "UTF-8", "ALL"))[0].split()
    assert len(sort) == 3
    thread = ok(m.thread("REFERENCES", "UTF-8", "ALL"))[0]
    assert thread.startswith(b"(")
    modseq = ok(m.fetch("1", "(MODSEQ)"))[0]
    assert re.search(rb"MODSEQ \(\d+\)", modseq)


def test_write_commands(conn):
    m = conn
    ok(m.select("INBOX"))
    ok(m.store("1:2", "+FLAGS", "(\\Seen \\Deleted)"))
    copied = m.copy("3", "Archive")
    assert copied[0] == "OK" and b"COPYUID" in copied[1][0]
    ok(m.uid("MOVE", ok(m.uid("SEARCH", "ALL"))[0].split()[-1], "Trash"))
    ok(m.expunge())
    assert ok(m.search(None, "ALL")) == [b""]
    ok(m.append("INBOX", "(\\Flagged)", None, b"Subject: appended\r\n\r\nx\r\n"))
    ok(m.select("INBOX"))
    uid = ok(m.uid("SEARCH", "FLAGGED"))[0]
    ok(m.uid("STORE", uid, "+FLAGS", "\\Deleted"))
    ok(m.uid("EXPUNGE", uid))
    ok(m.select("Archive"))
    ok(m.store("1", "+FLAGS", "\\Deleted"))
    ok(m.close())
    assert ok(m.status("Archive", "(MESSAGES)"))[0].endswith(b"(MESSAGES 0)")
    ok(m.select("Trash"))
    ok(m.unselect())


def test_large_append_and_fetch(conn):
    m = conn
    body = b"".join(b"line %06d of a large message\r\n" % i for i in range(8000))
    msg = b"Subject: large\r\nMessage-ID: <large@test>\r\n\r\n" + body
    ok(m.append("INBOX", None, None, msg))
    ok(m.select("INBOX"))
    num = ok(m.search(None, "HEADER", "Message-ID", "large@test"))[0]
    assert ok(m.fetch(num, "(BODY.PEEK[])"))[0][1] == msg
    assert ok(m.fetch(num, "(BODY.PEEK[TEXT]<100000.50>)"))[0][1] == \
        body[100000:100050]
