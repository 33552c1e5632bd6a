"""mailboxctl dkim: keys, DNS records, rotation, and interoperability with
an independent implementation (Debian's python3-dkim, dkimpy) both ways:
our signatures verify with dkimpy, dkimpy's verify with ours."""
import base64
import os
import re
import stat
import subprocess
import time

import dkim
import pytest
from nacl import signing

from conftest import Instance, run

DOMAIN = "example.test"
DKIMPY_DATA = os.path.join(os.path.dirname(dkim.__file__), "tests", "data")

MSG = (b"From: Alice <alice@example.test>\r\n"
       b"To: Bob <bob@other.test>, carol@other.test\r\n"
       b"Cc: dave@other.test\r\n"
       b"Subject: Lunch  on\r\n\tFriday?\r\n"
       b"Date: Mon, 23 Nov 2026 16:00:00 +0000\r\n"
       b"Message-ID: <1@example.test>\r\n"
       b"References: <0@other.test>\r\n"
       b"In-Reply-To: <0@other.test>\r\n"
       b"MIME-Version: 1.0\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n"
       b"Content-Transfer-Encoding: 8bit\r\n"
       b"X-Mailer: test\r\n"
       b"\r\n"
       b"Hello  Bob,\r\n\r\nsee you there. \xe2\x9c\x93\r\n\r\n\r\n")


def zone_records(text):
    """{name: record} from `dkim dns` output, checking its syntax."""
    recs = {}
    for line in text.splitlines():
        m = re.fullmatch(r'(\S+\.) IN TXT \(((?: "[^"]*")+) \)', line)
        assert m, line
        strings = re.findall(r'"([^"]*)"', m.group(2))
        assert all(0 < len(s) <= 255 for s in strings)
        recs[m.group(1)] = "".join(strings)
    return recs


def dnsfunc_for(recs):
    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        if not name.endswith("."):
            name += "."
        rec = recs.get(name)
        return rec.encode() if rec is not None else None
    return dnsfunc


def dkimpy_ok(msg, idx, recs):
    """dkimpy's verdict on signature idx (it raises on some failures)."""
    try:
        return dkim.DKIM(msg).verify(idx=idx, dnsfunc=dnsfunc_for(recs))
    except dkim.ValidationError:
        return False


def key_args(recs):
    args = []
    for name, rec in recs.items():
        args += ["--key", f"{name}={rec}"]
    return args


def sig_tags(signed, idx):
    sigs = [v for k, v in dkim.rfc822_parse(signed)[0]
            if k.lower() == b"dkim-signature"]
    return dkim.util.parse_tag_value(re.sub(rb"\s+", b"", sigs[idx]))


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    i = Instance(tmp_path_factory.mktemp("dkim") / "inst")
    i.ctl("domain", "add", "bücher.example", check=0)
    p = i.ctl("dkim", "keygen", DOMAIN, check=0)
    assert len(p.out.splitlines()) == 2
    return i


@pytest.fixture(scope="module")
def recs(inst):
    return zone_records(inst.ctl("dkim", "dns", DOMAIN, check=0).out)


def sign(inst, msg, domain=DOMAIN):
    p = inst.ctl("dkim", "sign", domain, input=msg, check=0)
    return p.stdout


def our_verify(inst, msg, recs):
    p = inst.ctl("dkim", "verify", *key_args(recs), input=msg)
    return p.returncode, p.out.splitlines()


def test_keygen_files_and_records(inst, recs):
    month = time.strftime("%Y%m", time.gmtime())
    names = {f"{month}r._domainkey.{DOMAIN}.", f"{month}e._domainkey.{DOMAIN}."}
    assert set(recs) == names
    rsa = recs[f"{month}r._domainkey.{DOMAIN}."]
    assert rsa.startswith("v=DKIM1; k=rsa; p=") and len(rsa) > 255
    assert recs[f"{month}e._domainkey.{DOMAIN}."].startswith(
        "v=DKIM1; k=ed25519; p=")
    for sel in ("r", "e"):
        path = inst.path("dkim", f"{DOMAIN}.{month}{sel}.key")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = subprocess.run(["openssl", "pkey", "-in", inst.path(
        "dkim", f"{DOMAIN}.{month}r.key"), "-noout", "-text"],
        stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "2048 bit" in text
    lines = inst.ctl("dkim", "list", check=0).out.splitlines()
    assert [l.split("\t")[:4] for l in lines] == [
        [DOMAIN, f"{month}r", "rsa", "active"],
        [DOMAIN, f"{month}e", "ed25519", "active"]]


def test_command_errors(inst):
    p = inst.ctl("dkim", "keygen", "unknown.test", check=1)
    assert "unknown domain" in p.err
    p = inst.ctl("dkim", "keygen", DOMAIN, check=1)
    assert "already has keys" in p.err
    p = inst.ctl("dkim", "rotate", "bücher.example", check=1)
    assert "no keys" in p.err
    inst.ctl("dkim", "dns", "bücher.example", check=1)
    inst.ctl("dkim", "sign", "bücher.example", input=MSG, check=1)
    inst.ctl("dkim", "keygen", check=2)
    inst.ctl("dkim", "frobnicate", check=2)
    inst.ctl("dkim", "keygen", "bücher.example", "--selector", "../x", check=1)


def test_idn_domain_uses_a_labels(tmp_path):
    i = Instance(tmp_path / "idn")
    i.ctl("domain", "add", "bücher.example", check=0)
    i.ctl("dkim", "keygen", "BÜCHER.example", "--selector", "one", check=0)
    recs = zone_records(i.ctl("dkim", "dns", "xn--bcher-kva.example",
                              check=0).out)
    assert set(recs) == {"oner._domainkey.xn--bcher-kva.example.",
                         "onee._domainkey.xn--bcher-kva.example."}
    msg = MSG.replace(b"alice@example.test", b"alice@xn--bcher-kva.example")
    signed = sign(i, msg, "bücher.example")
    assert dkimpy_ok(signed, 0, recs) and dkimpy_ok(signed, 1, recs)


def test_our_signatures_pass_dkimpy(inst, recs):
    signed = sign(inst, MSG)
    assert signed.endswith(MSG)
    for idx, alg in ((0, b"rsa-sha256"), (1, b"ed25519-sha256")):
        assert dkimpy_ok(signed, idx, recs), idx
        tags = sig_tags(signed, idx)
        assert tags[b"a"] == alg and tags[b"c"] == b"relaxed/relaxed"
        assert abs(int(tags[b"t"]) - time.time()) < 300
        h = tags[b"h"].lower().split(b":")
        assert h.count(b"from") == 2
        for name in (b"to", b"cc", b"subject", b"date", b"message-id",
                     b"references", b"in-reply-to", b"mime-version",
                     b"content-type", b"content-transfer-encoding"):
            assert h.count(name) == 1, name
        assert b"x-mailer" not in h and b"reply-to" not in h
    header = signed[:signed.index(MSG)]
    assert all(len(l) < 78 for l in header.split(b"\r\n"))
    rc, out = our_verify(inst, signed, recs)
    assert rc == 0 and [l.split()[0] for l in out] == ["dkim=pass"] * 2


@pytest.mark.parametrize("msg", [
    MSG.replace(b"\r\n", b"\n"),                     # LF-only file
    MSG[:MSG.index(b"\r\n\r\n") + 4],                # empty body
    MSG[:MSG.index(b"\r\n\r\n") + 2],                # no body at all
    MSG.replace(b"To: Bob", b"To: x@y.test\r\nTo: Bob"),   # repeated field
    MSG + b"line  with trailing space  \r\n" * 40000,  # ~1 MB body
    MSG + b"no final line end",
], ids=["lf", "empty-body", "no-body", "two-to", "1mb", "no-final-eol"])
def test_message_shapes_pass_dkimpy(inst, recs, msg):
    signed = sign(inst, msg)
    assert dkimpy_ok(signed, 0, recs) and dkimpy_ok(signed, 1, recs)
    rc, out = our_verify(inst, signed, recs)
    assert rc == 0 and [l.split()[0] for l in out] == ["dkim=pass"] * 2


def test_tampering_fails_dkimpy(inst, recs):
    signed = sign(inst, MSG)
    for bad in (signed.replace(b"see you", b"SEE you"),
                signed.replace(b"Lunch", b"Dinner"),
                b"From: eve@evil.test\r\n" + signed):
        assert not dkimpy_ok(bad, 0, recs)
        rc, out = our_verify(inst, bad, recs)
        assert rc == 1 and all(l.startswith("dkim=fail") for l in out)


def dkimpy_keys(tmp_path):
    """An RSA-2048 and an Ed25519 key as dkimpy takes them, with records."""
    pem = tmp_path / "rsa.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", str(pem)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pub = subprocess.run(["openssl", "pkey", "-in", str(pem), "-pubout",
                          "-outform", "DER"], stdout=subprocess.PIPE,
                         check=True).stdout
    ed = signing.SigningKey.generate()
    return {
        "rsa": (pem.read_bytes(), b"rsa-sha256",
                "v=DKIM1; k=rsa; p=" + base64.b64encode(pub).decode()),
        "ed": (base64.b64encode(bytes(ed)), b"ed25519-sha256",
               "v=DKIM1; k=ed25519; p=" +
               base64.b64encode(bytes(ed.verify_key)).decode()),
    }


@pytest.mark.parametrize("canon", [(b"relaxed", b"relaxed"),
                                   (b"simple", b"simple"),
                                   (b"relaxed", b"simple")],
                         ids=["relaxed", "simple", "relaxed-simple"])
def test_dkimpy_signatures_pass_ours(inst, tmp_path, canon):
    keys = dkimpy_keys(tmp_path)
    msg = MSG
    recs = {}
    for sel, (priv, alg, rec) in keys.items():
        sig = dkim.sign(msg, sel.encode(), b"signer.test", priv,
                        canonicalize=canon, signature_algorithm=alg)
        msg = sig + msg
        recs[f"{sel}._domainkey.signer.test."] = rec
    rc, out = our_verify(inst, msg, recs)
    assert rc == 0, out
    assert [l.split()[:2] for l in out] == [
        ["dkim=pass", "header.d=signer.test"]] * 2
    body = msg.replace(b"see you there", b"see you nowhere")
    rc, out = our_verify(inst, body, recs)
    assert rc == 1 and all("(body hash mismatch)" in l for l in out)
    # Without the key records there is nothing to verify with.
    rc, out = our_verify(inst, msg, {})
    assert rc == 1 and all(l.startswith("dkim=permerror") for l in out)


def test_dkimpy_length_and_rsa_sha1(inst, tmp_path):
    priv, _, rec = dkimpy_keys(tmp_path)["rsa"]
    recs = {"rsa._domainkey.signer.test.": rec}
    sig = dkim.sign(MSG, b"rsa", b"signer.test", priv, length=True)
    rc, out = our_verify(inst, sig + MSG + b"appended\r\n", recs)
    assert rc == 0, out
    sig = dkim.sign(MSG, b"rsa", b"signer.test", priv,
                    signature_algorithm=b"rsa-sha1")
    assert dkim.verify(sig + MSG, dnsfunc=dnsfunc_for(recs))
    rc, out = our_verify(inst, sig + MSG, recs)
    assert rc == 1 and out[0].startswith("dkim=policy")


def test_rfc8463_example_message(inst):
    """The signed example of RFC 8463 A.3 as dkimpy ships it."""
    path = os.path.join(DKIMPY_DATA, "rfc6376.signed.msg")
    with open(path, "rb") as f:
        msg = f.read()
    with open(os.path.join(DKIMPY_DATA, "test.txt")) as f:
        rsa = f.read().strip()
    recs = {"brisbane._domainkey.football.example.com.":
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            "test._domainkey.football.example.com.": rsa}
    rc, out = our_verify(inst, msg, recs)
    assert rc == 0 and [l.split()[0] for l in out] == ["dkim=pass"] * 2, out


def test_rotation_and_expiry(tmp_path):
    i = Instance(tmp_path / "rot")
    month = time.strftime("%Y%m", time.gmtime())
    i.ctl("dkim", "keygen", DOMAIN, check=0)
    p = i.ctl("dkim", "rotate", DOMAIN, check=0)
    assert p.out.split() == [DOMAIN, f"{month}-2r", "rsa",
                             DOMAIN, f"{month}-2e", "ed25519"]
    recs = zone_records(i.ctl("dkim", "dns", DOMAIN, check=0).out)
    assert len(recs) == 4
    signed = sign(i, MSG)
    for idx in (0, 1):
        assert sig_tags(signed, idx)[b"s"].startswith(f"{month}-2".encode())
        assert dkimpy_ok(signed, idx, recs)
    states = [l.split("\t")[3] for l in i.ctl("dkim", "list").out.splitlines()]
    assert states == ["retired", "retired", "active", "active"]
    # Eight days later: old keys unpublished and deleted by any command.
    lst = i.path("dkim", f"{DOMAIN}.selectors")
    with open(lst) as f:
        text = f.read()
    old = int(time.time()) - 8 * 86400
    text = re.sub(r" retired \d+ (\d+)", lambda m: f" retired {old} {old}", text)
    with open(lst, "w") as f:
        f.write(text)
    assert os.path.exists(i.path("dkim", f"{DOMAIN}.{month}r.key"))
    i.ctl("dkim", "list", check=0)
    assert not os.path.exists(i.path("dkim", f"{DOMAIN}.{month}r.key"))
    recs = zone_records(i.ctl("dkim", "dns", DOMAIN, check=0).out)
    assert set(recs) == {f"{month}-2r._domainkey.{DOMAIN}.",
                         f"{month}-2e._domainkey.{DOMAIN}."}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown")
def test_key_files_belong_to_directory_owner(tmp_path):
    i = Instance(tmp_path / "own")
    os.chown(i.path("dkim"), 65534, 65534)
    i.ctl("dkim", "keygen", DOMAIN, check=0)
    for name in os.listdir(i.path("dkim")):
        st = os.stat(i.path("dkim", name))
        assert (st.st_uid, st.st_gid) == (65534, 65534), name
        assert stat.S_IMODE(st.st_mode) == 0o600


def test_hostile_signatures_do_not_crash(inst):
    hdrs = [b"DKIM-Signature: " + v + b"\r\n" for v in (
        b"", b";;;", b"v=1; v=1", b"v=1; a=rsa-sha256; b=" + b"A" * 100000,
        b"v=1\x00; a=x", b"h=" + b"from:" * 5000 + b"from",
        b"v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=!!; b=AAAA")]
    msg = b"".join(hdrs) + MSG
    rc, out = our_verify(inst, msg, {"s._domainkey.x.test.": "p="})
    assert rc == 1 and len(out) == len(hdrs)
    assert all(re.match(r"dkim=(permerror|neutral) ", l) for l in out), out


class TxtServer:
    """A UDP DNS server on loopback answering TXT queries from a dict
    (name -> list of records, each a list of strings); other names get
    NXDOMAIN, names in `servfail` SERVFAIL."""

    def __init__(self, zone, servfail=(), port=0):
        import socket
        import threading
        self.zone = {k.lower(): v for k, v in zone.items()}
        self.servfail = {n.lower() for n in servfail}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        import dns.message
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            if not data:        # shut down by close()
                return
            q = dns.message.from_wire(data)
            r = dns.message.make_response(q)
            self.answer(q, r)
            self.sock.sendto(r.to_wire(), peer)

    def answer(self, q, r):
        """Fills the response r to query q (subclasses serve other data)."""
        import dns.rcode
        import dns.rdataclass
        import dns.rdatatype
        import dns.rrset
        name = q.question[0].name.to_text().lower()
        if name in self.servfail:
            r.set_rcode(dns.rcode.SERVFAIL)
        elif name in self.zone and q.question[0].rdtype == dns.rdatatype.TXT:
            texts = [" ".join('"%s"' % s for s in rec)
                     for rec in self.zone[name]]
            r.answer.append(dns.rrset.from_text(
                name, 60, dns.rdataclass.IN, dns.rdatatype.TXT, *texts))
        elif name not in self.zone:
            r.set_rcode(dns.rcode.NXDOMAIN)

    def close(self):
        # close() alone leaves the port bound while the thread sits in
        # recvfrom holding the socket; shutdown wakes it.
        import socket
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def test_verify_looks_keys_up_in_dns(inst, recs):
    """Without --key, dkim verify asks the configured resolver; a record
    in several strings (and a second, unrelated TXT record) is fine."""
    signed = sign(inst, MSG)
    zone = {}
    for name, rec in recs.items():
        zone[name] = [["v=spf1 -all"], [rec[i:i + 100]
                                        for i in range(0, len(rec), 100)]]
    srv = TxtServer(zone)
    try:
        inst.ctl("config", "set", "resolver", f"127.0.0.1:{srv.port}", check=0)
        p = inst.ctl("dkim", "verify", input=signed, check=0)
        assert [l.split()[0] for l in p.out.splitlines()] == ["dkim=pass"] * 2
        p = inst.ctl("dkim", "verify", input=signed.replace(
            b"d=example.test", b"d=missing.test"), check=1)
        assert all(l.startswith("dkim=permerror") and "(no key record)" in l
                   for l in p.out.splitlines()), p.out
    finally:
        srv.close()
    srv = TxtServer({}, servfail=list(recs))
    try:
        inst.ctl("config", "set", "resolver", f"127.0.0.1:{srv.port}", check=0)
        p = inst.ctl("dkim", "verify", input=signed, check=1)
        assert all(l.startswith("dkim=temperror") for l in p.out.splitlines())
    finally:
        srv.close()
        inst.ctl("config", "set", "resolver", "", check=0)


def opendkim_testmsg(msg, resolv):
    """opendkim-testmsg verifying msg with resolv as /etc/resolv.conf (in a
    private mount namespace); returns (status, stderr)."""
    p = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind {resolv} /etc/resolv.conf"
         " && exec opendkim-testmsg"], input=msg, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stderr.decode()


def only_signature(signed, idx):
    """The message with just its idx-th DKIM-Signature field."""
    fields = re.findall(rb"DKIM-Signature:.*?\r\n(?=\S)", signed, re.S)
    rest = signed[sum(len(f) for f in fields):]
    return fields[idx] + rest


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(
    "/usr/sbin/opendkim-testmsg"), reason="needs root and opendkim-tools")
def test_our_signatures_pass_opendkim(inst, recs, tmp_path):
    """OpenDKIM's library, asking a DNS server on 127.0.0.1:53 that serves
    the records of `dkim dns`, verifies each of our signatures."""
    zone = {n: [[r[i:i + 255] for i in range(0, len(r), 255)]]
            for n, r in recs.items()}
    try:
        srv = TxtServer(zone, port=53)
    except OSError:
        pytest.skip("port 53 is taken")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    try:
        signed = sign(inst, MSG)
        for idx in (0, 1):
            one = only_signature(signed, idx)
            assert one.count(b"DKIM-Signature") == 1
            assert opendkim_testmsg(one, resolv) == (0, ""), idx
            rc, err = opendkim_testmsg(one.replace(b"see you", b"SEE you"),
                                       resolv)
            assert rc != 0 and "Bad signature" in err
    finally:
        srv.close()
