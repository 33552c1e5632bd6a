"""Bounces, delay notices and retries through the real mailboxd, relaying
to the private Postfix of test_relay.py: a permanent 550 and a recipient
given up on come back to the local sender's INBOX as RFC 3464 reports
(read over IMAP), a long delay is reported once, and mail for a peer that
is down waits in the queue until it is back."""
import email
import imaplib
import os
import signal
import subprocess
import time

from test_durability import kill_all
from test_inbound import PASSWORD, children, wait_stored
from test_relay import (USER, Postfix, dns_server, make_server,  # noqa: F401
                        postfix, submit, wait_log)
from test_submission import tls_context


def inbox(server):
    """The messages in USER's INBOX, parsed, in UID order."""
    m = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                          ssl_context=tls_context(), timeout=30)
    try:
        m.login(USER, PASSWORD)
        m.select("INBOX")
        _, data = m.uid("SEARCH", None, "ALL")
        out = []
        for uid in data[0].split():
            _, parts = m.uid("FETCH", uid, "(RFC822)")
            out.append(email.message_from_bytes(parts[0][1]))
        return out
    finally:
        m.logout()


def report(msg):
    """(the delivery-status groups, the quoted headers) of a DSN."""
    assert msg.get_content_type() == "multipart/report", msg
    assert msg.get_param("report-type") == "delivery-status"
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == [
        "text/plain", "message/delivery-status", "text/rfc822-headers"]
    # Python parses message/delivery-status into one Message per group.
    groups = parts[1].get_payload()
    return groups, parts[2].get_payload()


def test_permanent_failure_bounces_into_inbox(tmp_path, dns_server, postfix):
    _, dns_port = dns_server
    inst, server = make_server(tmp_path, dns_port, postfix)
    try:
        submit(server, ["bob@peer.test", "bounce@peer.test"], "to bounce")
        wait_log(server, "bounce to <demo@example.test> queued as")
        wait_stored(inst, USER)
        [dsn] = inbox(server)
        assert dsn["From"].startswith("Mail Delivery System <MAILER-DAEMON@")
        assert dsn["Auto-Submitted"] == "auto-replied"
        assert "Undelivered" in dsn["Subject"]
        groups, headers = report(dsn)
        assert groups[0]["Reporting-MTA"].startswith("dns; ")
        [rcpt] = groups[1:]       # bob@ was delivered: not reported
        assert rcpt["Final-Recipient"] == "rfc822; bounce@peer.test"
        assert rcpt["Action"] == "failed"
        assert rcpt["Status"] == "5.1.1"
        assert "no such user here" in rcpt["Diagnostic-Code"]
        assert "Subject: to bounce" in headers
        assert f"From: Demo <{USER}>" in headers
        assert "Hello from the relay test" not in dsn.as_string()
        # Delivered with the null sender: nothing answers a bounce.
        assert dsn["Return-Path"] == "<>", dsn["Return-Path"]
        # The message is gone from the queue: every recipient is final.
        assert wait_listed(inst, "Mail queue is empty\n")
    finally:
        server.stop()


def test_delay_notice_then_expiry(tmp_path, dns_server, postfix):
    """A peer that never answers: one delay notice, then, after the
    lifetime, a bounce saying the queue gave up; `queue list` shows the
    deferred state in between."""
    _, dns_port = dns_server
    inst, server = make_server(tmp_path, dns_port, postfix,
                               delay_notice_after="1", queue_lifetime="4")
    try:
        submit(server, ["x@down.test"], "slow one")
        wait_log(server, "to=<x@down.test>")
        assert wait_listed(inst, "deferred  <x@down.test>")
        time.sleep(1.2)
        inst.ctl("queue", "flush", check=0)
        wait_log(server, "delay notice to <demo@example.test> queued as")
        [notice] = wait_inbox(server, 1)
        groups, headers = report(notice)
        assert groups[1]["Action"] == "delayed"
        assert groups[1]["Status"].startswith("4.")
        assert "Subject: slow one" in headers
        time.sleep(3)
        inst.ctl("queue", "flush", check=0)
        wait_log(server, "bounce to <demo@example.test> queued as")
        msgs = wait_inbox(server, 2)
        assert len(msgs) == 2, [m["Subject"] for m in msgs]
        groups, _ = report(msgs[1])
        assert groups[1]["Action"] == "failed"
        assert "gave up after" in str(msgs[1])
        assert server.read_log().count("delay notice to") == 1
    finally:
        server.stop()


def wait_listed(inst, text, timeout=10):
    """Whether `queue list` shows text (the envelope is saved just after
    the log line)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in inst.ctl("queue", "list", check=0).out:
            return True
        time.sleep(0.1)
    return False


def wait_inbox(server, n, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        msgs = inbox(server)
        if len(msgs) >= n:
            return msgs
        time.sleep(0.2)
    raise AssertionError(f"{len(msgs)} of {n} messages in the INBOX")


def deferred_at_stopped_peer(tmp_path, dns_port, peer, rcpt, subject):
    """mailboxd with one message for rcpt deferred: the peer is down."""
    subprocess.run(peer.cmd + ["stop"], check=True, capture_output=True)
    inst, server = make_server(tmp_path, dns_port, peer)
    submit(server, [rcpt], subject)
    wait_log(server, f"to=<{rcpt}> relay=")
    assert "status=deferred" in server.read_log()
    assert wait_listed(inst, f"deferred  <{rcpt}>")
    return inst, server


def restart_peer_and_flush(inst, peer):
    subprocess.run(peer.cmd + ["start"], check=True, capture_output=True)
    time.sleep(1)
    inst.ctl("queue", "flush", check=0)


def test_mail_waits_for_a_stopped_peer(tmp_path, dns_server):
    _, dns_port = dns_server
    peer = Postfix()
    try:
        inst, server = deferred_at_stopped_peer(tmp_path, dns_port, peer,
                                                "bob@peer.test", "patience")
        try:
            restart_peer_and_flush(inst, peer)
            [msg] = peer.messages("bob")
            assert b"Subject: patience" in msg
            wait_log(server, "status=sent")
            assert inbox(server) == []        # no bounce, no notice
        finally:
            server.stop()
    finally:
        peer.stop()


def test_8bit_to_a_peer_without_8bitmime_bounces(tmp_path, dns_server):
    """RFC 6152 3: no conversion to 7 bit; the sender gets 5.6.3."""
    _, dns_port = dns_server
    peer = Postfix()
    try:
        subprocess.run(["postconf", "-c", peer.dir + "/etc", "-e",
                        "smtpd_discard_ehlo_keywords=8bitmime"],
                       check=True, capture_output=True)
        subprocess.run(peer.cmd + ["reload"], check=True, capture_output=True)
        inst, server = make_server(tmp_path, dns_port, peer)
        try:
            import smtplib
            with smtplib.SMTP("127.0.0.1", server.submission_port,
                              timeout=30) as s:
                s.starttls(context=tls_context())
                s.login(USER, PASSWORD)
                s.sendmail(USER, ["bob@peer.test"],
                           f"From: <{USER}>\r\nSubject: eight\r\n"
                           "Content-Type: text/plain; charset=utf-8\r\n"
                           "Content-Transfer-Encoding: 8bit\r\n\r\n"
                           "Gr\u00fc\u00dfe\r\n".encode(),
                           mail_options=["BODY=8BITMIME"])
            wait_log(server, "bounce to <demo@example.test> queued as")
            [dsn] = wait_inbox(server, 1)
            groups, headers = report(dsn)
            assert groups[1]["Status"] == "5.6.3"
            assert "lacks 8BITMIME" in str(dsn)
            assert "Subject: eight" in headers
            assert "bob@peer.test" not in peer.log()
        finally:
            server.stop()
    finally:
        peer.stop()


def test_bounce_survives_a_crash(tmp_path, dns_server):
    """A failure is saved only once its bounce is queued. With lookup
    frozen the bounce cannot be made, so the spool still says deferred;
    after SIGKILL to every process and a restart the recipient is tried
    again and this time bounced."""
    _, dns_port = dns_server
    peer = Postfix()
    try:
        inst, server = deferred_at_stopped_peer(tmp_path, dns_port, peer,
                                                "bounce@peer.test", "crash")
        try:
            [lookup] = children(server, "lookup")
            os.kill(lookup, signal.SIGSTOP)
            restart_peer_and_flush(inst, peer)
            wait_log(server, "status=bounced")
            time.sleep(0.5)
            out = inst.ctl("queue", "list", check=0).out
            assert "deferred  <bounce@peer.test>" in out, out
            assert "bounce to" not in server.read_log()
            kill_all(server)
            server.start()
            # The old log already says "listening": wait for the new pid.
            pidfile = inst.path("mailboxd.pid")
            deadline = time.time() + 20
            while time.time() < deadline and open(pidfile).read().strip() \
                    != str(server.proc.pid):
                time.sleep(0.05)
            # Until the new queue process is up to take the flush.
            while time.time() < deadline and "bounce to <" not in \
                    server.read_log():
                inst.ctl("queue", "flush", check=0)
                time.sleep(1)
            wait_log(server, "bounce to <demo@example.test> queued as")
            [dsn] = wait_inbox(server, 1)
            groups, headers = report(dsn)
            assert groups[1]["Status"] == "5.1.1"
            assert "Subject: crash" in headers
            assert wait_listed(inst, "Mail queue is empty\n")
        finally:
            server.stop()
    finally:
        peer.stop()


def test_remote_sender_gets_a_signed_bounce(tmp_path, dns_server, postfix):
    """Mail from a remote sender, forwarded by an alias to a recipient
    that refuses it: the bounce is relayed to the sender, from
    MAILER-DAEMON@hostname with the null sender, signed with the key of
    the host name's parent domain (the host name itself has none)."""
    import dkim
    from test_dkim import dkimpy_ok, zone_records
    _, dns_port = dns_server
    inst, server = make_server(tmp_path, dns_port, postfix,
                               hostname="mx.example.test")
    try:
        inst.ctl("alias", "add", "fwd@example.test", "bounce@peer.test",
                 check=0)
        with server.smtp() as s:
            s.sendmail("dave@peer.test", ["fwd@example.test"],
                       "From: <dave@peer.test>\r\nSubject: forward me\r\n"
                       "\r\nhello\r\n")
        wait_log(server, "bounce to <dave@peer.test> queued as")
        [msg] = postfix.messages("dave")
        parsed = email.message_from_bytes(msg)
        assert parsed["Return-Path"] == "<>"
        assert "MAILER-DAEMON@mx.example.test" in parsed["From"]
        groups, headers = report(parsed)
        assert groups[1]["Final-Recipient"] == "rfc822; bounce@peer.test"
        assert groups[1]["Original-Recipient"] == "rfc822; fwd@example.test"
        assert "Subject: forward me" in headers
        recs = zone_records(inst.ctl("dkim", "dns", "example.test",
                                     check=0).out)
        sigs = [v for k, v in dkim.rfc822_parse(msg)[0]
                if k.lower() == b"dkim-signature"]
        assert len(sigs) == 2 and b"d=example.test;" in sigs[0]
        for idx in range(2):
            assert dkimpy_ok(msg, idx, recs), idx
    finally:
        server.stop()


def test_vacation_reply_is_signed_for_the_users_domain(tmp_path, dns_server,
                                                       postfix):
    """A vacation reply goes out with the null sender; it is signed for
    its From header's domain (the user's), although neither the host
    name nor its parent domain has keys."""
    import dkim
    from test_dkim import dkimpy_ok, zone_records
    _, dns_port = dns_server
    inst, server = make_server(tmp_path, dns_port, postfix,
                               hostname="mx.elsewhere.test")
    try:
        script = tmp_path / "away.sieve"
        script.write_text('require ["vacation"];\n'
                          'vacation :days 1 "I am away.";\n')
        inst.ctl("sieve", "set", USER, str(script), check=0)
        with server.smtp() as s:
            s.sendmail("dave@peer.test", [USER],
                       f"From: <dave@peer.test>\r\nTo: <{USER}>\r\n"
                       "Subject: are you there\r\nMessage-ID: <q1@peer.test>"
                       "\r\n\r\nhello\r\n")
        # dave's mailbox is shared with the other tests of this module
        # (whose bounces are auto-replied too): the reply is the one from
        # the user.
        deadline = time.time() + 30
        replies = []
        while not replies and time.time() < deadline:
            time.sleep(0.2)
            replies = [m for m in postfix.messages("dave", 0)
                       if b"Auto-Submitted: auto-replied" in m and
                       f"From: <{USER}>".encode() in m]
        [msg] = replies
        parsed = email.message_from_bytes(msg)
        assert parsed["Return-Path"] == "<>"
        assert USER in parsed["From"]
        recs = zone_records(inst.ctl("dkim", "dns", "example.test",
                                     check=0).out)
        sigs = [v for k, v in dkim.rfc822_parse(msg)[0]
                if k.lower() == b"dkim-signature"]
        assert len(sigs) == 2 and b"d=example.test;" in sigs[0], sigs
        for idx in range(2):
            assert dkimpy_ok(msg, idx, recs), idx
    finally:
        server.stop()
