"""Inbound authentication through the real mailboxd: a local DNS server
(dnslib) serves SPF, DKIM and DMARC records of test domains; messages
signed with dkimpy (and, when opendkim is installed, by a private Postfix
signing with OpenDKIM) land with spf=pass dkim=pass dmarc=pass in the
stored Authentication-Results; a changed body gives dkim=fail; a forged
From of a p=reject domain is refused with 550 5.7.1; every SPF result
appears for a matching record."""
import os
import re
import smtplib
import subprocess
import time

import dkim
import pytest
from dnslib import QTYPE, RCODE, RR, A, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from conftest import Instance, Server, free_port, run
from test_inbound import add_user, read_message, stored

USER = "demo@example.test"
HOST = "mail.example.test"


class Zone(BaseResolver):
    """Answers from {name: [(QTYPE name, rdata)]}: NXDOMAIN for other
    names, SERVFAIL for those in servfail."""

    def __init__(self, records, servfail=()):
        self.records = records
        self.servfail = set(servfail)

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).lower()
        if name in self.servfail:
            reply.header.rcode = RCODE.SERVFAIL
        elif name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
        else:
            for qtype, rdata in self.records[name]:
                if QTYPE[request.q.qtype] == qtype:
                    reply.add_answer(RR(request.q.qname,
                                        getattr(QTYPE, qtype),
                                        rdata=rdata, ttl=60))
        return reply


def txt(s):
    """A TXT record of one long text, split into 255-octet strings."""
    return ("TXT", TXT([s[i:i + 255].encode() for i in range(0, len(s), 255)]))


def genkey(directory, domain, selector):
    """(private key PEM, public key record) from opendkim-genkey."""
    subprocess.run(["opendkim-genkey", "-D", directory, "-d", domain,
                    "-s", selector, "-b", "2048"], check=True)
    with open(os.path.join(directory, selector + ".private"), "rb") as f:
        private = f.read()
    with open(os.path.join(directory, selector + ".txt")) as f:
        record = "".join(re.findall(r'"([^"]*)"', f.read()))
    return private, record


SPF_RESULTS = {
    "pass": "v=spf1 ip4:127.0.0.0/8 -all",
    "fail": "v=spf1 ip4:192.0.2.1 -all",
    "softfail": "v=spf1 ~all",
    "neutral": "v=spf1 ?all",
    "permerror": "v=spf1 ip4:127.0.0.1 bogus:mechanism -all",
}


@pytest.fixture(scope="module")
def zone(tmp_path_factory):
    keydir = str(tmp_path_factory.mktemp("keys"))
    private, record = genkey(keydir, "signed.test", "sel")
    records = {
        "signed.test.": [txt("v=spf1 ip4:127.0.0.1 -all")],
        "sel._domainkey.signed.test.": [txt(record)],
        "_dmarc.signed.test.": [txt("v=DMARC1; p=reject")],
        "reject.test.": [txt("v=spf1 ip4:192.0.2.1 -all")],
        "_dmarc.reject.test.": [txt("v=DMARC1; p=reject")],
        "quarantine.test.": [txt("v=spf1 ip4:192.0.2.1 -all")],
        "_dmarc.quarantine.test.": [txt("v=DMARC1; p=quarantine")],
        "none.test.": [("A", A("192.0.2.9"))],
        "exp.test.": [txt("v=spf1 -all exp=why.exp.test")],
        "why.exp.test.": [txt("%{i} may not send for %{d}")],
        # 127.0.0.1 is on one block list, and not on the other
        "1.0.0.127.bl.test.": [("A", A("127.0.0.2")), txt("listed")],
        "2.0.0.127.bl.test.": [("A", A("127.0.0.2"))],
    }
    for result, spf in SPF_RESULTS.items():
        records[f"{result}.test."] = [txt(spf)]
    # the Postfix peer's domain, signed by OpenDKIM
    _, peer_record = genkey(keydir, "dkim.peer.test", "pf")
    records["dkim.peer.test."] = [txt("v=spf1 ip4:127.0.0.1 -all")]
    records["pf._domainkey.dkim.peer.test."] = [txt(peer_record)]
    records["_dmarc.dkim.peer.test."] = [txt("v=DMARC1; p=reject; adkim=s")]
    z = Zone(records, servfail={"temperror.test."})
    z.keydir, z.private = keydir, private
    port = free_port()
    srv = DNSServer(z, port=port, address="127.0.0.1",
                    logger=DNSLogger(logf=lambda s: None))
    srv.start_thread()
    z.port = port
    yield z
    srv.stop()


@pytest.fixture
def mx(tmp_path, zone):
    inst = Instance(tmp_path / "inst")
    add_user(inst, USER)
    for key, value in (("resolver", f"127.0.0.1:{zone.port}"),
                       ("hostname", HOST)):
        inst.ctl("config", "set", key, value, check=0)
    srv = Server(inst).start()
    yield srv
    srv.stop()


def message(sender, subject, body="Hello there.\r\n", extra=""):
    return (f"From: <{sender}>\r\nTo: <{USER}>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '.')}@x.test>\r\n"
            f"Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n{extra}\r\n{body}"
            ).encode()


def sign(zone, msg):
    return dkim.sign(msg, b"sel", b"signed.test", zone.private,
                     include_headers=[b"from", b"to", b"subject",
                                      b"message-id", b"date"]) + msg


def send(server, mailfrom, msg, helo="client.test"):
    """(code, text) of the end of DATA (or of the first refusal)."""
    with server.smtp() as s:
        s.ehlo(helo)
        assert s.docmd(f"MAIL FROM:<{mailfrom}>")[0] == 250
        assert s.docmd(f"RCPT TO:<{USER}>")[0] == 250
        code, text = s.docmd("DATA")
        assert code == 354
        s.send(msg.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n")
        code, text = s.getreply()
        return code, text.decode()


def auth_results(server, subject, tmp_path, timeout=20):
    """The Authentication-Results (unfolded) and the whole stored message
    with this subject, in the INBOX or in Junk."""
    inst = server.inst
    seen = server.__dict__.setdefault("plain", {})
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in stored(inst, USER) + stored(inst, USER, "Junk"):
            if path not in seen:
                seen[path] = read_message(inst, USER, path, tmp_path)
        for plain in seen.values():
            head = plain.partition(b"\r\n\r\n")[0].decode()
            head = re.sub(r"\r\n[ \t]+", " ", head)
            if f"\r\nSubject: {subject}\r\n" in head:
                return [line for line in head.split("\r\n") if line.lower()
                        .startswith("authentication-results:")], plain
        time.sleep(0.05)
    raise AssertionError(f"{subject!r} was not stored")


def test_dkimpy_signed_mail_passes(mx, zone, tmp_path):
    msg = sign(zone, message("alice@signed.test", "signed"))
    assert send(mx, "alice@signed.test", msg)[0] == 250
    [ar], plain = auth_results(mx, "signed", tmp_path)
    assert ar.startswith(f"Authentication-Results: {HOST};")
    assert "spf=pass smtp.mailfrom=alice@signed.test" in ar
    assert "dkim=pass header.d=signed.test header.s=sel" in ar
    assert "dmarc=pass" in ar and "header.from=signed.test" in ar

    # the same signature over a changed body
    bad = msg.replace(b"Hello there.", b"Hello t here.").replace(
        b"Subject: signed", b"Subject: changed")
    assert send(mx, "alice@signed.test", bad)[0] == 250
    [ar], _ = auth_results(mx, "changed", tmp_path)
    assert "dkim=fail" in ar
    assert "dmarc=pass" in ar      # SPF still aligns

    # SPF fails for a forwarder's envelope; the aligned signature carries DMARC
    fwd = sign(zone, message("alice@signed.test", "forwarded"))
    assert send(mx, "list@fail.test", fwd)[0] == 250
    [ar], _ = auth_results(mx, "forwarded", tmp_path)
    assert "spf=fail" in ar and "dkim=pass" in ar and "dmarc=pass" in ar, ar


def test_forged_from_of_reject_domain_is_refused(mx, zone, tmp_path):
    code, text = send(mx, "someone@pass.test",
                      message("ceo@reject.test", "forged"))
    assert code == 550 and text.startswith("5.7.1"), text
    assert "DMARC" in text
    # p=quarantine: accepted, but marked as Junk
    code, _ = send(mx, "ceo@quarantine.test",
                   message("ceo@quarantine.test", "quarantined"))
    assert code == 250
    auth_results(mx, "quarantined", tmp_path)
    assert len(stored(mx.inst, USER, "Junk")) == 1     # filed into Junk
    log = mx.read_log()
    assert re.search(r"verdict .*dmarc=fail .*junk -> 250", log), log
    assert re.search(r"verdict .*dmarc=fail .* -> 550", log), log
    # nothing of the refused message is left in the queue
    out = mx.inst.ctl("queue", "list", check=0).out
    assert "forged" not in out and "reject.test" not in out


def test_every_spf_result(mx, zone, tmp_path):
    results = list(SPF_RESULTS) + ["none", "temperror"]
    for result in results:
        sender = f"x@{result}.test"
        code, text = send(mx, sender, message(sender, f"spf {result}"))
        assert code == 250, (result, text)
        [ar], _ = auth_results(mx, f"spf {result}", tmp_path)
        assert re.search(rf"spf={result}( \([^)]*\))? smtp.mailfrom={sender};",
                         ar), (result, ar)
        assert re.search(r"spf=none( \([^)]*\))? smtp.helo=client.test", ar), ar
    # the HELO identity is checked too
    code, _ = send(mx, "x@fail.test", message("x@fail.test", "helo"),
                   helo="pass.test")
    assert code == 250
    [ar], _ = auth_results(mx, "helo", tmp_path)
    assert "spf=fail smtp.mailfrom=x@fail.test; spf=pass smtp.helo=pass.test" in ar
    # the null sender: only the HELO identity
    code, _ = send(mx, "", message("x@pass.test", "bounce"), helo="pass.test")
    assert code == 250
    [ar], _ = auth_results(mx, "bounce", tmp_path)
    assert "spf=pass smtp.helo=pass.test" in ar, ar


def test_forged_results_are_dropped(mx, zone, tmp_path):
    forged = (f"Authentication-Results: {HOST}; dkim=pass header.d=bank.test\r\n"
              f"Authentication-Results: other.test; spf=pass\r\n")
    code, _ = send(mx, "x@fail.test", message("x@fail.test", "forged ar",
                                              extra=forged))
    assert code == 250
    found, _ = auth_results(mx, "forged ar", tmp_path)
    ours = [a for a in found if a.startswith(f"Authentication-Results: {HOST};")]
    assert len(ours) == 1 and "spf=fail" in ours[0], found
    assert "Authentication-Results: other.test; spf=pass" in found
    assert "bank.test" not in " ".join(found)
    assert "dropped 1 Authentication-Results field" in mx.read_log()


def head_fields(plain, name):
    """The values of the header fields so named, unfolded."""
    head = re.sub(rb"\r\n[ \t]+", b" ", plain.partition(b"\r\n\r\n")[0])
    prefix = name.lower().encode() + b":"
    return [line[len(prefix):].strip().decode() for line in head.split(b"\r\n")
            if line.lower().startswith(prefix)]


def test_forged_spam_headers_are_dropped(mx, zone, tmp_path):
    """A spammer's X-Spam: No (above or below ours, folded, with space
    before the colon) and filter notes do not reach the mailbox."""
    forged = ("X-Spam: No\r\nX-Spam-Score:\r\n -50.0\r\n"
              "X-Archmailbox-Filter: clamd clean\r\n"
              "X-Archmailbox-DNSBL: none\r\nx-spam : no\r\n"
              "X-Spam-Status: No\r\n")
    code, _ = send(mx, "x@pass.test", message(
        "x@pass.test", "forged spam", body=GTUBE.decode() + "\r\n",
        extra=forged))
    assert code == 250
    _, plain = auth_results(mx, "forged spam", tmp_path)
    assert head_fields(plain, "X-Spam") == ["Yes"], plain
    assert len(head_fields(plain, "X-Spam-Score")) == 1
    assert not head_fields(plain, "X-Spam-Score")[0].startswith("-")
    assert b"X-Archmailbox" not in plain and b"x-spam :" not in plain
    assert head_fields(plain, "X-Spam-Status") == ["No"]   # not ours
    assert stored(mx.inst, USER, "Junk")
    assert "dropped 5 X-Spam or X-Archmailbox fields" in mx.read_log()


# ---- the optional filters: clamd and rspamd ----

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"
         b"$H+H*")
GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
CLAMD = "/usr/sbin/clamd"
RSPAMD = "/usr/bin/rspamd"


def wait_for(check, what, proc, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        assert proc.poll() is None, f"{what} exited"
        time.sleep(0.2)
    raise AssertionError(f"{what} did not start in {timeout} s")


@pytest.fixture
def clamd(tmp_path):
    """clamd on a socket in tmp, with one signature: EICAR anywhere."""
    if not os.access(CLAMD, os.X_OK):
        pytest.skip("clamd is not installed")
    d = tmp_path / "clamd"
    (d / "db").mkdir(parents=True)
    (d / "db" / "amb-eicar.ndb").write_text(f"Amb-Eicar-Test:0:*:{EICAR.hex()}\n")
    sock = str(d / "clamd.sock")
    (d / "clamd.conf").write_text(
        f"LocalSocket {sock}\nDatabaseDirectory {d}/db\nForeground yes\n"
        f"LogFile {d}/clamd.log\nPidFile {d}/clamd.pid\nStreamMaxLength 64K\n"
        f"User {pwd_name()}\n")
    proc = subprocess.Popen([CLAMD, "-c", str(d / "clamd.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: os.path.exists(sock), "clamd", proc, 60)
    proc.sock = sock
    yield proc
    stop(proc)


def pwd_name():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


RSPAMD_CONF = """\
.include "$CONFDIR/common.conf"
options {{
    .include "$CONFDIR/options.inc"
    dns {{ nameserver = ["127.0.0.1:{dns}"]; timeout = 1s; retransmits = 1; }}
}}
logging {{ type = "file"; filename = "{dir}/rspamd.log"; level = "notice"; }}
worker "normal" {{
    .include "$CONFDIR/worker-normal.inc"
    bind_socket = "127.0.0.1:{port}";
    count = 1;
}}
"""


@pytest.fixture(scope="module")
def rspamd(tmp_path_factory, zone):
    """rspamd's normal worker alone on a free loopback port, its DNS our
    zone server (so its lookups end at once)."""
    if not os.access(RSPAMD, os.X_OK):
        pytest.skip("rspamd is not installed")
    import urllib.request
    d = tmp_path_factory.mktemp("rspamd")
    for sub in ("local", "db", "run"):
        (d / sub).mkdir()
    port = free_port()
    (d / "rspamd.conf").write_text(RSPAMD_CONF.format(dns=zone.port, dir=d,
                                                      port=port))
    user = pwd_name()
    proc = subprocess.Popen(
        [RSPAMD, "-f", "-i", "-u", user, "-g", user, "-c", str(d / "rspamd.conf"),
         "-p", str(d / "run" / "rspamd.pid"), f"--var=LOCAL_CONFDIR={d}/local",
         f"--var=DBDIR={d}/db", f"--var=RUNDIR={d}/run"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pong():
        try:
            url = f"http://127.0.0.1:{port}/ping"
            return urllib.request.urlopen(url, timeout=2).read().startswith(b"pong")
        except OSError:
            return False
    wait_for(pong, "rspamd", proc, 90)
    proc.url = f"http://127.0.0.1:{port}"
    yield proc
    stop(proc)


def filtered_mx(tmp_path, zone, name="inst", **settings):
    inst = Instance(tmp_path / name)
    add_user(inst, USER)
    for key, value in {"resolver": f"127.0.0.1:{zone.port}", "hostname": HOST,
                       **settings}.items():
        inst.ctl("config", "set", key, value, check=0)
    return Server(inst).start()


def test_clamd_refuses_viruses(tmp_path, zone, clamd):
    mx = filtered_mx(tmp_path, zone, clamd_socket=clamd.sock)
    try:
        code, text = send(mx, "x@pass.test", message(
            "x@pass.test", "virus", body=EICAR.decode() + "\r\n"))
        assert code == 554 and text.startswith("5.7.1"), text
        assert "Amb-Eicar-Test" in text
        assert send(mx, "x@pass.test", message("x@pass.test", "clean"))[0] == 250
        found, plain = auth_results(mx, "clean", tmp_path)
        assert b"X-Archmailbox-Filter" not in plain
        # over clamd's StreamMaxLength: accepted unscanned, whatever
        # filter_fail says, as it would never get smaller
        big = message("x@pass.test", "big", body=("y" * 78 + "\r\n") * 1000)
        assert send(mx, "x@pass.test", big)[0] == 250
        _, plain = auth_results(mx, "big", tmp_path)
        assert b"X-Archmailbox-Filter: clamd skipped (message too large)" in plain
        # clamd stopped: mail flows, with a header saying so (filter_fail=open)
        stop(clamd)
        assert send(mx, "x@pass.test", message("x@pass.test", "unscanned"))[0] == 250
        _, plain = auth_results(mx, "unscanned", tmp_path)
        assert b"\r\nX-Archmailbox-Filter: clamd unavailable\r\n" in plain
    finally:
        mx.stop()


def test_rspamd_verdict_applies(tmp_path, zone, rspamd):
    mx = filtered_mx(tmp_path, zone, rspamd_url=rspamd.url)
    try:
        code, text = send(mx, "x@pass.test", message(
            "x@pass.test", "gtube", body=GTUBE.decode() + "\r\n"))
        assert code == 550 and text.startswith("5.7.1"), text
        assert send(mx, "x@pass.test", message("x@pass.test", "ham"))[0] == 250
        _, plain = auth_results(mx, "ham", tmp_path)
        assert b"X-Archmailbox-Filter" not in plain
        assert re.search(r"rspamd: (no action|add header|greylist), score",
                         mx.read_log()), mx.read_log()
    finally:
        mx.stop()


def test_filter_down_fail_closed_and_gtube_without_rspamd(tmp_path, zone):
    dead = free_port()       # nothing listens there
    mx = filtered_mx(tmp_path, zone, rspamd_url=f"http://127.0.0.1:{dead}",
                     filter_fail="closed")
    try:
        code, text = send(mx, "x@pass.test", message("x@pass.test", "deferred"))
        assert code == 451 and text.startswith("4.7.0"), text
        assert "rspamd unavailable" in mx.read_log()
    finally:
        mx.stop()
    # our own GTUBE check: over the Junk mark, under the refusal mark
    mx = filtered_mx(tmp_path, zone, name="inst2")
    try:
        code, _ = send(mx, "x@pass.test", message(
            "x@pass.test", "gtube here", body=GTUBE.decode() + "\r\n"))
        assert code == 250
        auth_results(mx, "gtube here", tmp_path)
        assert len(stored(mx.inst, USER, "Junk")) == 1
        assert re.search(r"verdict .*score=6\.0 junk -> 250", mx.read_log())
    finally:
        mx.stop()


def rcpt_reply(server, mailfrom="x@pass.test"):
    with server.smtp() as s:
        s.ehlo("client.test")
        assert s.docmd(f"MAIL FROM:<{mailfrom}>")[0] == 250
        code, text = s.docmd(f"RCPT TO:<{USER}>")
        return code, text.decode()


def test_dnsbl_scores_or_refuses(tmp_path, zone):
    """127.0.0.1 is on bl.test: by default its mail gets dnsbl_score
    points and a header saying so (Junk once over spam_junk_score, with
    SPF fail's 1.5); with dnsbl_action = reject, 554 at RCPT."""
    mx = filtered_mx(tmp_path, zone, dnsbl_zones="clean.test bl.test",
                     dnsbl_score="4.0")
    try:
        assert rcpt_reply(mx)[0] == 250
        forged = "X-Archmailbox-DNSBL: none\r\n"
        assert send(mx, "x@pass.test", message("x@pass.test", "listed",
                                                extra=forged))[0] == 250
        _, plain = auth_results(mx, "listed", tmp_path)
        assert head_fields(plain, "X-Archmailbox-DNSBL") == ["bl.test"], plain
        assert head_fields(plain, "X-Spam-Score") == ["4.0"]
        assert head_fields(plain, "X-Spam") == ["No"]
        assert send(mx, "x@fail.test", message("x@fail.test", "listed fail")
                    )[0] == 250
        _, plain = auth_results(mx, "listed fail", tmp_path)
        assert head_fields(plain, "X-Spam-Score") == ["5.5"]
        assert head_fields(plain, "X-Spam") == ["Yes"]
        assert len(stored(mx.inst, USER, "Junk")) == 1
        log = mx.read_log()
        assert "client 127.0.0.1 listed at bl.test (scored)" in log
        assert re.search(r"verdict .*dnsbl=bl\.test score=5\.5 junk -> 250",
                         log), log
    finally:
        mx.stop()
    mx = filtered_mx(tmp_path, zone, name="inst1",
                     dnsbl_zones="clean.test bl.test", dnsbl_action="reject")
    try:
        code, text = rcpt_reply(mx)
        assert code == 554 and text.startswith("5.7.1"), text
        assert "blocked using bl.test" in text
    finally:
        mx.stop()


def test_greylisting(tmp_path, zone):
    mx = filtered_mx(tmp_path, zone, name="inst2", dnsbl_zones="clean.test",
                     greylisting="on", greylist_delay="1")
    try:
        code, text = rcpt_reply(mx)
        assert code == 451 and text.startswith("4.7.1"), text
        assert rcpt_reply(mx)[0] == 451          # too soon
        time.sleep(1.2)
        assert rcpt_reply(mx)[0] == 250
        # another sender is a new triplet
        assert rcpt_reply(mx, "y@pass.test")[0] == 451
        assert os.path.exists(mx.inst.path("greylist", "greylist.db"))
    finally:
        mx.stop()


def test_admin_tools(tmp_path, zone):
    inst = Instance(tmp_path / "inst")
    inst.ctl("config", "set", "resolver", f"127.0.0.1:{zone.port}", check=0)
    inst.ctl("config", "set", "hostname", HOST, check=0)
    for result in list(SPF_RESULTS) + ["none", "temperror"]:
        out = inst.ctl("spf", "127.0.0.1", "client.test", f"x@{result}.test",
                       check=0).out.splitlines()
        assert out[0] == result, (result, out)
        assert out[2].startswith(f"Received-SPF: {result} ({HOST}: ")
        assert "client-ip=127.0.0.1;" in out[2]
    assert inst.ctl("spf", "nonsense", "h", "x@pass.test").returncode == 2
    out = inst.ctl("spf", "127.0.0.1", "h.test", "x@exp.test", check=0).out
    assert out.startswith("fail\n127.0.0.1 may not send for exp.test\n"), out
    # the null sender checks the HELO name
    out = inst.ctl("spf", "127.0.0.1", "pass.test", "", check=0).out
    assert out.startswith("pass\n") and "postmaster@pass.test" in out

    signed = tmp_path / "signed.eml"
    signed.write_bytes(sign(zone, message("alice@signed.test", "tool")))
    out = inst.ctl("dmarc", str(signed), "127.0.0.1", "client.test",
                   "alice@signed.test", check=0).out
    assert "spf=pass\nspf_helo=none\n" in out
    assert "dkim=pass (1 signature)\n" in out
    assert "dmarc=pass from=signed.test policy=reject" in out
    assert "action=accept" in out
    assert f"Authentication-Results: {HOST};" in out
    forged = tmp_path / "forged.eml"
    forged.write_bytes(message("ceo@reject.test", "tool forged"))
    out = inst.ctl("dmarc", str(forged), "127.0.0.1", "client.test",
                   "x@pass.test", check=0).out
    assert "dmarc=fail from=reject.test policy=reject disposition=reject" in out
    assert "action=reject (550 5.7.1)" in out
    # dkim verify looks the key up through the same resolver
    out = inst.ctl("dkim", "verify", str(signed), check=0).out
    assert out.startswith("dkim=pass header.d=signed.test header.s=sel")


# ---- a real peer: Postfix signing with OpenDKIM ----

OPENDKIM = "/usr/sbin/opendkim"

OPENDKIM_CONF = """\
Mode s
Domain dkim.peer.test
Selector pf
KeyFile {keydir}/pf.private
Socket inet:{port}@127.0.0.1
Background no
Syslog no
Canonicalization relaxed/relaxed
RequireSafeKeys false
PidFile {dir}/opendkim.pid
"""

PEER_MAIN_CF = """\
compatibility_level = 3.6
meta_directory = /etc/postfix
queue_directory = {dir}/spool
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.dkim.peer.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:{relay_port}
smtp_host_lookup = native
smtpd_peername_lookup = no
smtpd_milters = inet:127.0.0.1:{milter_port}
milter_default_action = tempfail
biff = no
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
"""


def test_postfix_with_opendkim_passes(tmp_path, zone, mx):
    from test_relay import POSTFIX, Postfix
    if not (os.access(POSTFIX, os.X_OK) and os.access(OPENDKIM, os.X_OK)):
        pytest.skip("postfix or opendkim is not installed")
    milter_port = free_port()
    conf = tmp_path / "opendkim.conf"
    conf.write_text(OPENDKIM_CONF.format(keydir=zone.keydir, port=milter_port,
                                         dir=tmp_path))
    os.chmod(os.path.join(zone.keydir, "pf.private"), 0o600)
    milter = subprocess.Popen([OPENDKIM, "-f", "-x", str(conf)],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    peer = None
    try:
        def listening():
            import socket
            try:
                socket.create_connection(("127.0.0.1", milter_port), 1).close()
                return True
            except OSError:
                return False
        wait_for(listening, "opendkim", milter, 30)
        peer = Postfix(PEER_MAIN_CF, relay_port=mx.smtp_port,
                       milter_port=milter_port)
        with smtplib.SMTP("127.0.0.1", peer.port, timeout=30) as s:
            s.sendmail("alice@dkim.peer.test", [USER],
                       message("alice@dkim.peer.test", "via postfix"))
        [ar], plain = auth_results(mx, "via postfix", tmp_path, timeout=60)
        assert b"DKIM-Signature:" in plain, plain
        assert "spf=pass smtp.mailfrom=alice@dkim.peer.test" in ar, ar
        assert "dkim=pass header.d=dkim.peer.test header.s=pf" in ar, ar
        assert "dmarc=pass" in ar, ar
    finally:
        if peer is not None:
            peer.stop()
        stop(milter)
