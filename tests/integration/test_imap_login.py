"""IMAP before login (the imap-login process) with Python's imaplib."""
import imaplib
import ssl
import time

import pytest

from test_inbound import PASSWORD, add_user

USER = "demo@example.test"
# imaplib records an extension command with the first state it is used
# in; ID is valid in every state (RFC 2971).
imaplib.Commands["ID"] = ("NONAUTH", "AUTH", "SELECTED")


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@pytest.fixture
def user(instance):
    add_user(instance, USER)
    return USER


def test_logindisabled_until_starttls(user, server):
    m = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=30)
    assert "LOGINDISABLED" in m.capabilities and "STARTTLS" in m.capabilities
    assert "AUTH=PLAIN" not in m.capabilities
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login(USER, PASSWORD)
    assert "PRIVACYREQUIRED" in str(e.value)
    m.starttls(ssl_context=tls_context())
    assert "AUTH=PLAIN" in m.capabilities
    assert "LOGINDISABLED" not in m.capabilities
    typ, data = m.xatom("ID", "NIL")
    assert typ == "OK"
    m.logout()


def test_wrong_password_is_refused_late(user, server):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                          ssl_context=tls_context(), timeout=30)
    start = time.time()
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login(USER, "not the password")
    assert "AUTHENTICATIONFAILED" in str(e.value)
    assert time.time() - start >= 0.4
    with pytest.raises(imaplib.IMAP4.error):
        m.authenticate("PLAIN", lambda _: b"\0" + USER.encode() + b"\0nope")
    log = server.read_log()
    assert "not the password" not in log and "nope" not in log
    assert "auth: failed for <demo@example.test>" in log


def test_commands_before_login(user, server):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                          ssl_context=tls_context(), timeout=30)
    tag = m._new_tag()
    m.send(tag + b" SELECT INBOX\r\n")
    assert m._get_line().startswith(tag + b" BAD")
    assert m.noop()[0] == "OK"
    assert m.logout()[0] == "BYE"


def test_login_cache_and_password_change(instance, user, server):
    def login(pw):
        m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                              ssl_context=tls_context(), timeout=30)
        try:
            m.login(USER, pw)
            m.select("INBOX")
            m.logout()
            return True
        except imaplib.IMAP4.error:
            return False
    assert login(PASSWORD)
    assert login(PASSWORD)
    assert "logged in from 127.0.0.1 (cached)" in server.read_log()
    instance.ctl("user", "passwd", USER, "--password-stdin",
                 input=f"{PASSWORD}\nnew secret words\n", check=0)
    assert not login(PASSWORD)
    assert login("new secret words")
