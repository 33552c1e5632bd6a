"""Submission on 587 (STARTTLS, then AUTH) and 465 (implicit TLS): who may
log in, what they may send as, and what is added to their mail."""
import smtplib
import ssl
import threading
import time

import pytest

from test_inbound import PASSWORD, add_user, read_message, wait_stored

USER = "demo@example.test"


@pytest.fixture
def users(instance):
    add_user(instance, USER)
    add_user(instance, "other@example.test")
    instance.ctl("alias", "add", "sales@example.test", USER, check=0)
    return USER


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def submission(server):
    s = smtplib.SMTP("127.0.0.1", server.submission_port, timeout=30,
                     local_hostname="laptop.test")
    s.ehlo()
    return s


def login_plain(s, password):
    """One AUTH PLAIN (smtplib's login() would go on to try LOGIN)."""
    s.ehlo_or_helo_if_needed()
    s.user, s.password = USER, password
    return s.auth("PLAIN", s.auth_plain)


def test_auth_needs_tls_and_mail_needs_auth(users, server):
    with submission(server) as s:
        assert "auth" not in s.esmtp_features
        code, _ = s.docmd("AUTH PLAIN AGRlbW9AZXhhbXBsZS50ZXN0AHg=")
        assert code in (503, 530, 538)
        code, text = s.docmd("MAIL FROM:<demo@example.test>")
        assert code == 530, text
        s.starttls(context=tls_context())
        s.ehlo("laptop.test")
        assert "PLAIN" in s.esmtp_features["auth"]
        code, _ = s.docmd("MAIL FROM:<demo@example.test>")
        assert code == 530


def test_submitted_mail_gets_date_and_message_id(instance, users, server,
                                                 tmp_path):
    with submission(server) as s:
        s.starttls(context=tls_context())
        s.login(USER, PASSWORD)
        s.sendmail(USER, ["other@example.test"],
                   "From: demo@example.test\r\nSubject: no ids\r\n\r\nhi\r\n")
        s.sendmail(USER, ["other@example.test"],
                   "From: demo@example.test\r\nSubject: has ids\r\n"
                   "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                   "Message-ID: <mine@laptop.test>\r\n\r\nhi\r\n")
    files = wait_stored(instance, "other@example.test", 2)
    texts = [read_message(instance, "other@example.test", f, tmp_path)
             for f in files]
    [added] = [t for t in texts if b"Subject: no ids" in t]
    [kept] = [t for t in texts if b"Subject: has ids" in t]
    head = added.split(b"\r\n\r\n")[0]
    assert b"\r\nDate: " in head and b"\r\nMessage-ID: <" in head
    assert b"with ESMTPSA id" in head and b"from laptop.test ([127.0.0.1])" in head
    khead = kept.split(b"\r\n\r\n")[0]
    assert khead.count(b"Message-ID:") == 1 and khead.count(b"Date:") == 1
    assert b"<mine@laptop.test>" in khead


def test_implicit_tls_and_mask_src(instance, users, tmp_path):
    from conftest import Server
    instance.ctl("config", "set", "mask_src", "yes", check=0)
    server = Server(instance).start()
    try:
        with smtplib.SMTP_SSL("127.0.0.1", server.submissions_port,
                              context=tls_context(), timeout=30) as s:
            s.login(USER, PASSWORD)
            s.sendmail(USER, ["other@example.test"],
                       "Subject: masked\r\n\r\nhi\r\n")
        [f] = wait_stored(instance, "other@example.test")
        head = read_message(instance, "other@example.test", f, tmp_path)
        assert b"127.0.0.1" not in head
        assert b"Received: by mail.example.test (archmailbox) with ESMTPSA" in head
    finally:
        server.stop()


def test_sender_must_be_the_users(users, server):
    with submission(server) as s:
        s.starttls(context=tls_context())
        s.login(USER, PASSWORD)
        for own in (USER, "sales@example.test", "demo+news@example.test"):
            assert s.docmd(f"MAIL FROM:<{own}>")[0] == 250, own
            s.rset()
        for foreign in ("other@example.test", "boss@elsewhere.test", ""):
            code, text = s.docmd(f"MAIL FROM:<{foreign}>")
            assert (code, text[:5]) == (553, b"5.7.1"), foreign


def test_authenticated_user_may_relay(users, server):
    with submission(server) as s:
        s.starttls(context=tls_context())
        s.login(USER, PASSWORD)
        assert s.docmd(f"MAIL FROM:<{USER}>")[0] == 250
        code, _ = s.docmd("RCPT TO:<friend@elsewhere.test>")
        assert code == 250
        code, text = s.data("Subject: out\r\n\r\nto the world\r\n")
        assert code == 250
    # The relay takes it (test_relay.py follows it further); with no DNS
    # for elsewhere.test it is deferred or bounced.
    deadline = time.time() + 10
    while "to=<friend@elsewhere.test> relay=" not in server.read_log() and \
            time.time() < deadline:
        time.sleep(0.05)
    assert "to=<friend@elsewhere.test> relay=" in server.read_log()


def test_wrong_password_is_slow_then_banned(users, server):
    with submission(server) as s:
        s.starttls(context=tls_context())
        start = time.time()
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            login_plain(s, "wrong password")
        assert e.value.smtp_code == 535
        assert time.time() - start >= 0.4
    assert "wrong password" not in server.read_log()

    def fail_once(results):
        with submission(server) as s:
            s.starttls(context=tls_context())
            try:
                login_plain(s, "still wrong")
            except smtplib.SMTPAuthenticationError as e:
                results.append(e.smtp_code)
    results = []
    threads = [threading.Thread(target=fail_once, args=(results,))
               for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # The first login and nine of these make ten failures: the tenth is banned.
    assert sorted(results) == [454] + [535] * 9
    with submission(server) as s:
        s.starttls(context=tls_context())
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            login_plain(s, PASSWORD)
        assert e.value.smtp_code == 454
    assert "banned" in server.read_log()
