"""mailboxctl queue list and flush against a running mailboxd."""
import smtplib
import time

from conftest import Server, free_port
from test_inbound import PASSWORD, add_user
from test_submission import tls_context


def wait_for(pred, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def test_list_and_flush(instance):
    add_user(instance, "demo@example.test")
    assert instance.ctl("queue", "list", check=0).out == "Mail queue is empty\n"
    # A smarthost that refuses connections keeps the mail deferred.
    instance.ctl("config", "set", "relay_host", f"127.0.0.1:{free_port()}",
                 check=0)
    server = Server(instance).start()
    try:
        with smtplib.SMTP("127.0.0.1", server.submission_port, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login("demo@example.test", PASSWORD)
            s.sendmail("demo@example.test", ["friend@far.test"],
                       "Subject: out\r\n\r\nhello\r\n")
        assert wait_for(lambda: "status=deferred" in server.read_log())
        out = instance.ctl("queue", "list", check=0).out
        assert "<demo@example.test>" in out and "deferred  <friend@far.test>" in out
        assert "1 message in the queue" in out
        assert "hello" not in out
        instance.ctl("queue", "flush", check=0)
        assert wait_for(lambda: server.read_log().count("status=deferred") >= 2)
        assert "flushing the queue" in server.read_log()
    finally:
        server.stop()
    r = instance.ctl("queue", "flush")
    assert r.returncode == 1 and "not running" in r.err
    assert instance.ctl("queue", "bogus").returncode == 2
