"""The built-in spam classifier through the real mailboxd: GTUBE goes to
Junk, `mailboxctl spam train` teaches a user's classifier, and moving mail
into Junk over IMAP trains it."""
import imaplib
import os
import pwd
import random
import smtplib

import pytest

from test_inbound import PASSWORD, add_user, wait_stored
from test_imap import tls_context
from test_privsep import system_instance  # noqa: F401 (a fixture)

USER = "demo@example.test"
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

SPAM_WORDS = ("lottery winner casino jackpot bonus pharmacy discount "
              "bitcoin prize claim urgent wire transfer inheritance "
              "viagra offer unclaimed millions").split()
HAM_WORDS = ("meeting agenda quarterly report garden recipe invoice "
             "schedule project review minutes budget holiday family "
             "tomorrow lunch draft").split()


def text(words, rnd, n=40):
    return " ".join(rnd.choice(words) for _ in range(n))


def sample(kind, i, rnd):
    words = SPAM_WORDS if kind == "spam" else HAM_WORDS
    return (f"From: Someone <s{i}@{kind}.test>\r\nTo: {USER}\r\n"
            f"Subject: {text(words, rnd, 4)}\r\n"
            f"Message-ID: <{kind}{i}@{kind}.test>\r\n\r\n"
            f"{text(words, rnd)}\r\n")


def send(server, msg, rcpt=USER):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        s.sendmail("a@sender.test", [rcpt], msg)


def login(server):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                          ssl_context=tls_context(), timeout=30)
    m.login(USER, PASSWORD)
    return m


def headers_in(m, box):
    typ, data = m.select(box)
    assert typ == "OK"
    if data[0] == b"0":
        return []
    typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER])")
    return [d[1] for d in data if isinstance(d, tuple)]


def delivered(instance, server, junk, inbox):
    """Waits for the deliveries; logs in; the headers of INBOX and Junk."""
    wait_stored(instance, USER, junk, folder="Junk")
    wait_stored(instance, USER, inbox)
    m = login(server)
    return m, headers_in(m, "INBOX"), headers_in(m, "Junk")


def status(instance):
    out = instance.ctl("spam", "status", USER, check=0).out
    return dict(line.split(" ", 1) for line in out.strip().split("\n"))


@pytest.fixture
def user(instance):
    add_user(instance, USER)
    return USER


def test_gtube_goes_to_junk(instance, user, server):
    send(server, "From: a@sender.test\r\nSubject: test\r\n"
         "Message-ID: <gtube@sender.test>\r\n\r\n" + GTUBE + "\r\n")
    send(server, "From: a@sender.test\r\nSubject: hello\r\n"
         "Message-ID: <plain@sender.test>\r\n\r\nJust a note.\r\n")
    # GTUBE wins over an explicit +folder too
    send(server, "From: a@sender.test\r\nSubject: test\r\n"
         "Message-ID: <gtube2@sender.test>\r\n\r\n" + GTUBE + "\r\n",
         rcpt="demo+Archive@example.test")
    m, [inbox], junk = delivered(instance, server, 2, 1)
    assert b"\r\nX-Spam: No\r\n" in inbox
    assert b"\r\nX-Spam-Score: 0.0\r\n" in inbox
    assert len(junk) == 2
    # GTUBE: the checks at the end of DATA put it 1 point over the Junk
    # mark (5 + 1), delivery adds 1000
    for h in junk:
        assert b"\r\nX-Spam: Yes\r\n" in h
        assert b"X-Spam-Score: 1006.0" in h
    assert headers_in(m, "Archive") == []
    m.logout()
    assert "spam (score 1006.0, GTUBE, inbound verdict) into Junk" in \
        server.read_log()
    assert GTUBE not in server.read_log()


def test_training_by_ctl_and_imap(instance, user, server, tmp_path):
    rnd = random.Random(6)
    files = {"spam": [], "ham": []}
    for kind in files:
        for i in range(15):
            p = tmp_path / f"{kind}{i}.eml"
            p.write_text(sample(kind, i, rnd))
            files[kind].append(str(p))
    assert status(instance)["spam"] == "0"
    out = instance.ctl("spam", "train", USER, "--spam", *files["spam"],
                       check=0).out
    assert "15 learnt" in out
    instance.ctl("spam", "train", USER, "--ham", *files["ham"], check=0)
    st = status(instance)
    assert st["spam"] == "15" and st["ham"] == "15"
    assert st["classifier"] == "active"
    # learning the same file again changes nothing
    out = instance.ctl("spam", "train", USER, "--ham", files["ham"][0],
                       check=0).out
    assert "1 already learnt" in out
    # the store holds no words, and belongs to the mail user
    db = instance.path("mail", "example.test", "demo", "spam.sqlite")
    raw = open(db, "rb").read()
    for word in (b"lottery", b"jackpot", b"meeting", b"agenda"):
        assert word not in raw
    assert os.stat(db).st_uid == os.getuid()

    send(server, sample("spam", 100, rnd))
    send(server, sample("ham", 100, rnd))
    m, [inbox], [junk] = delivered(instance, server, 1, 1)
    assert b"Message-ID: <spam100@spam.test>" in junk
    assert b"X-Spam: Yes" in junk
    assert b"Message-ID: <ham100@ham.test>" in inbox
    assert b"X-Spam: No" in inbox and b"X-Spam-Score: -" in inbox

    # moving the ham into Junk over IMAP learns it as spam at once
    m.select("INBOX")
    assert m.uid("MOVE", "1", "Junk")[0] == "OK"
    st = status(instance)
    assert st["spam"] == "16" and st["ham"] == "15"
    # and moving it back out relearns it as ham
    m.select("Junk")
    typ, data = m.uid("SEARCH", "HEADER", "Message-ID", "ham100")
    assert m.uid("MOVE", data[0].split()[0].decode(), "INBOX")[0] == "OK"
    st = status(instance)
    assert st["spam"] == "15" and st["ham"] == "16"
    m.logout()


def test_ctl_spam_usage(instance, user):
    assert instance.ctl("spam", "train", USER, "--maybe", "x", check=2)
    p = instance.ctl("spam", "status", "nobody@example.test", check=1)
    assert "no such user" in p.err
    p = instance.ctl("spam", "train", USER, "--spam", "/nonexistent", check=1)
    assert "/nonexistent" in p.err


def test_ctl_as_root_writes_as_the_mail_user(system_instance, tmp_path):
    inst = system_instance
    add_user(inst, USER)
    msg = tmp_path / "spam.eml"     # readable by root only
    msg.write_text(sample("spam", 1, random.Random(1)))
    os.chmod(msg, 0o600)
    out = inst.ctl("spam", "train", USER, "--spam", str(msg), check=0).out
    assert "1 learnt" in out
    mail = pwd.getpwnam("archmailbox-mail").pw_uid
    user_dir = os.path.join(inst.dir, "mail", "example.test", "demo")
    for name in os.listdir(user_dir):
        assert os.stat(os.path.join(user_dir, name)).st_uid == mail, name
    assert os.stat(user_dir).st_uid == mail
    assert "spam 1\n" in inst.ctl("spam", "status", USER, check=0).out
