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


def submit(server, rcpts):
    with smtplib.SMTP("127.0.0.1", server.submission_port, timeout=30) as s:
        s.starttls(context=tls_context())
        s.login("demo@example.test", PASSWORD)
        for n, rcpt in enumerate(rcpts):
            s.sendmail("demo@example.test", [rcpt],
                       f"Subject: out {n}\r\n\r\nhello\r\n")


def test_list_and_flush(instance):
    add_user(instance, "demo@example.test")
    assert instance.ctl("queue", "list", check=0).out == "Mail queue is empty\n"
    # A smarthost that refuses connections keeps the mail deferred.
    instance.ctl("config", "set", "relay_host", f"127.0.0.1:{free_port()}",
                 check=0)
    server = Server(instance).start()
    try:
        submit(server, ["friend@far.test"])
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


def test_delete(instance):
    add_user(instance, "demo@example.test")
    instance.ctl("config", "set", "relay_host", f"127.0.0.1:{free_port()}",
                 check=0)
    server = Server(instance).start()
    try:
        submit(server, ["friend0@far.test", "friend1@far.test"])
        assert wait_for(lambda: server.read_log().count("status=deferred") >= 2)
        ids = [line.split()[0] for line in
               instance.ctl("queue", "list", check=0).out.splitlines()
               if line[:1] not in (" ", "-")]
        assert len(ids) == 2
        r = instance.ctl("queue", "delete", ids[0], check=0)
        assert r.out == f"{ids[0]}: deleted\n", r.out
        out = instance.ctl("queue", "list", check=0).out
        assert ids[0] not in out and ids[1] in out
        assert f"{ids[0]}: removed by the administrator" in server.read_log()
        r = instance.ctl("queue", "delete", ids[0])
        assert r.returncode == 1 and "no such message" in r.err
        assert instance.ctl("queue", "delete", "../etc").returncode == 1
    finally:
        server.stop()
    # Stopped: ctl removes the files itself; a restart finds nothing.
    r = instance.ctl("queue", "delete", ids[1], check=0)
    assert r.out == f"{ids[1]}: deleted\n"
    assert instance.ctl("queue", "list", check=0).out == "Mail queue is empty\n"
    assert "bounce to" not in server.read_log()
