"""Migration (issue 8): an installation of the seed archmailbox made here
in its own formats (OpenSMTPD's smtp.sqlite with Argon2id hashes and
trees keys, Dovecot Maildirs of trees(xz(message)) files with
dovecot-uidlist and dovecot-keywords, rspamd's DKIM keys, acme.sh's
certificate) is imported; users log in over IMAP with their old passwords
and read every message byte for byte, with the same UIDs. Also: encpipe
backups, and mbox/Maildir import with export round trips."""
import base64
import imaplib
import io
import lzma
import os
import sqlite3
import subprocess
import tarfile

import nacl.bindings as nb
import nacl.pwhash
import nacl.utils
import pytest

from conftest import Instance, Server
from test_imap_login import tls_context
from test_privsep import system_instance  # noqa: F401 (a fixture)
from test_treesutil import CHUNK, seal_trees
from test_treesutil import lock_key as treesutil_lock_key

OPSLIMIT = 2
MEMLIMIT = 64 << 20
UIDVALIDITY = 1574000000


# --- the seed's formats -------------------------------------------------

def lock_key(password):
    """treesutil -c: (public, salt, nonce, locked box) and the secret key."""
    fields, sk = treesutil_lock_key(password)
    return [bytes.fromhex(f.decode()) for f in fields], sk


def xz(data):
    return lzma.compress(data, format=lzma.FORMAT_XZ, preset=6)


SCHEMA = """
CREATE TABLE virtuals (id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(255) NOT NULL, destination VARCHAR(255) NOT NULL);
CREATE TABLE credentials (id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(255) NOT NULL, password VARCHAR(255) NOT NULL);
CREATE TABLE domains (id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain VARCHAR(255) NOT NULL);
CREATE TABLE tree_keys (id INTEGER PRIMARY KEY AUTOINCREMENT,
    user INT NOT NULL, enabled INT DEFAULT 1, version INT DEFAULT 1,
    public_key VARCHAR(255), pwhash_algo INT DEFAULT 1,
    pwhash_opslimit INT DEFAULT 2, pwhash_memlimit INT DEFAULT 67108864,
    nonce VARCHAR(255), salt VARCHAR(255), locked_box VARCHAR(255));
"""


def message(n, subject, size=0):
    body = "".join(f"line {i} of message {n}, \u00e9t\u00e9\r\n"
                   for i in range(size // 30 + 1))
    return (f"From: sender{n}@far.example\r\nTo: someone@old.example\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{n}@far.example>\r\n"
            f"Date: Mon, 4 Nov 2019 10:0{n % 10}:00 +0000\r\n\r\n"
            f"{body}").encode()


class Seed:
    """A seed installation under root: smtp.sqlite, vmail, dkim, acme."""

    def __init__(self, root):
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)
        self.db = os.path.join(self.root, "smtp.sqlite")
        self.vmail = os.path.join(self.root, "vmail")
        self.dkim = os.path.join(self.root, "dkim")
        self.acme = os.path.join(self.root, "acme")
        self.users = {}     # address -> (password, secret key or None)
        self.mail = {}      # address -> {folder: [(uid, flags, bytes)]}
        con = sqlite3.connect(self.db)
        con.executescript(SCHEMA)
        con.commit()
        self.con = con

    def domain(self, d):
        self.con.execute("INSERT INTO domains(domain) VALUES (?)", (d,))

    def alias(self, src, dst):
        self.con.execute("INSERT INTO virtuals(email, destination)"
                         " VALUES (?, ?)", (src, dst))

    def user(self, addr, password, encrypt=True):
        h = nacl.pwhash.argon2id.str(password).decode()
        cur = self.con.execute("INSERT INTO credentials(email, password)"
                               " VALUES (?, ?)", (addr, h))
        self.alias(addr, "vmail")
        sk = None
        if encrypt:
            # An old disabled key first: the enabled, newest one counts.
            junk, _ = lock_key(b"older")
            fields, sk = lock_key(password)
            for enabled, f in ((0, junk), (1, fields)):
                self.con.execute(
                    "INSERT INTO tree_keys(user, enabled, version, public_key,"
                    " salt, nonce, locked_box) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (cur.lastrowid, enabled, 1 + enabled, f[0].hex(),
                     f[1].hex(), f[2].hex(), f[3].hex()))
        self.users[addr] = (password, sk)
        self.mail[addr] = {}
        self.con.commit()

    def maildir(self, addr, folder=""):
        local, dom = addr.split("@")
        d = os.path.join(self.vmail, dom, local, "Maildir")
        if folder:
            d = os.path.join(d, "." + folder)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        return d

    def deliver(self, addr, folder, msgs, keywords=()):
        """msgs: [(uid, info or None for new/, plaintext, stored form)]."""
        d = self.maildir(addr, folder)
        lines = [f"3 V{UIDVALIDITY} N{max(u for u, *_ in msgs) + 1} Gdeadbeef"]
        for uid, info, plain, form in msgs:
            base = f"{1574000000 + uid}.M{uid}P99.oldhost"
            if not form.endswith("-nosize"):
                base += f",S={len(plain)},W={len(plain) + 10}"
            form = form.replace("-nosize", "")
            pk = self.users[addr][1]
            data = {"trees-xz": lambda: seal_trees(pk.public_key, xz(plain)),
                    "trees": lambda: seal_trees(pk.public_key, plain),
                    "xz": lambda: xz(plain), "plain": lambda: plain}[form]()
            path = os.path.join(d, "new", base) if info is None else \
                os.path.join(d, "cur", base + ":2," + info)
            with open(path, "wb") as f:
                f.write(data)
            os.utime(path, (1574000000 + uid * 60, 1574000000 + uid * 60))
            lines.append(f"{uid} :{base}")
            self.mail[addr].setdefault(folder or "INBOX", []).append(
                (uid, info or "", plain))
        with open(os.path.join(d, "dovecot-uidlist"), "w") as f:
            f.write("\n".join(lines) + "\n")
        if keywords:
            with open(os.path.join(d, "dovecot-keywords"), "w") as f:
                f.write("".join(f"{i} {k}\n" for i, k in enumerate(keywords)))

    def dkim_keys(self, domain):
        os.makedirs(self.dkim, exist_ok=True)
        rsa = os.path.join(self.dkim, f"{domain}.2019r.key")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:1024", "-out", rsa], check=True,
                       capture_output=True)
        seed = nacl.utils.random(32)
        # rspamd's Ed25519 key: base64 of the seed (treesutil -s style).
        with open(os.path.join(self.dkim, f"{domain}.2019e.key"), "w") as f:
            f.write(base64.b64encode(seed).decode() + "\n")
        with open(os.path.join(self.dkim, f"{domain}.2019r.txt"), "w") as f:
            f.write("not a key\n")

    def certificate(self, host):
        os.makedirs(os.path.join(self.acme, "ca", "acme-v02.api"),
                    exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", f"/CN={host}", "-days", "90",
                        "-keyout", os.path.join(self.acme, "private.key"),
                        "-out", os.path.join(self.acme, "fullchain.cer")],
                       check=True, capture_output=True)
        with open(os.path.join(self.acme, "ca", "acme-v02.api",
                               "account.key"), "w") as f:
            f.write("-----BEGIN EC PRIVATE KEY-----\nacct\n"
                    "-----END EC PRIVATE KEY-----\n")


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    s = Seed(tmp_path_factory.mktemp("seed"))
    for d in ("old.example", "other.example", "xn--bcher-kva.example"):
        s.domain(d)
    for role in ("abuse", "security", "hostmaster", "webmaster",
                 "dmarcreports"):
        s.alias(role, "postmaster")
    s.alias("postmaster", "alice@old.example")
    s.user("alice@old.example", b"alice's old password")
    s.user("bob@old.example", b"bob 2019")
    s.user("carol@other.example", b"carol pw", encrypt=False)
    # A domain the seed kept in A-labels: ours are U-labels.
    s.user("dora@xn--bcher-kva.example", b"dora pw")
    s.alias("sales@old.example", "bob@old.example, alice@old.example")
    s.alias("@other.example", "carol@other.example")
    s.alias("@", "alice@old.example")
    s.alias("robot@old.example", "| /usr/local/bin/robot")
    s.con.commit()
    big = message(9, "big", 3 * CHUNK + 100)
    s.deliver("alice@old.example", "", [
        (1, "S", message(1, "seen"), "trees-xz"),
        (2, "FSa", message(2, "flagged, forwarded"), "trees-xz"),
        (5, "", big, "trees-xz"),
        (7, None, message(7, "still new"), "trees"),
    ], keywords=("$Forwarded",))
    s.deliver("alice@old.example", "Sent", [
        (3, "S", message(3, "sent one"), "trees-xz")])
    s.deliver("alice@old.example", "Archive.2019", [
        (4, "RS", message(4, "archived"), "trees-xz")])
    # A name as Dovecot writes it by default: modified UTF-7.
    s.deliver("alice@old.example", "Entw&APw-rfe", [
        (6, "S", message(6, "draft"), "trees-xz")])
    # Dovecot's subscriptions, version 1 with '.' as separator.
    with open(os.path.join(s.maildir("alice@old.example"), "subscriptions"),
              "w") as f:
        f.write("Sent\nArchive.2019\nEntw&APw-rfe\n")
    s.deliver("bob@old.example", "", [(1, "", message(11, "bob's"),
                                       "trees-xz")])
    s.deliver("carol@other.example", "", [
        (1, "S", message(21, "plain"), "plain"),
        (2, "", message(22, "xz only"), "xz"),
        (3, "", message(23, "no S= in the name"), "xz-nosize"),
        (4, "F", message(24, "nor here"), "plain-nosize")])
    s.deliver("dora@xn--bcher-kva.example", "", [
        (1, "", message(31, "idn"), "trees-xz")])
    s.dkim_keys("old.example")
    s.dkim_keys("xn--bcher-kva.example")
    s.certificate("mail.old.example")
    return s


@pytest.fixture(scope="module")
def imported(seed, tmp_path_factory):
    inst = Instance(tmp_path_factory.mktemp("new") / "inst")
    args = ["import", "archmailbox", "--db", seed.db, "--mail", seed.vmail,
            "--dkim", seed.dkim, "--acme", seed.acme]
    # "@" (every domain) has no equivalent and a program is no address:
    # both reported, the rest imported.
    first = inst.ctl(*args, check=1)
    assert "@: a catch-all for every domain" in first.err
    assert 'robot@old.example: destination "| /usr/local/bin/robot"' \
        in first.err
    assert "2 problems" in first.out, first.out
    assert "mail alice@old.example: 7 copied, 0 already there" in first.out
    second = inst.ctl(*args, check=1)
    assert "user " not in second.out and "alias " not in second.out
    assert "mail alice@old.example: 0 copied, 7 already there" in second.out
    # As if interrupted: a file and the index gone, a copy left in tmp/.
    sent = inst.path("mail", "old.example", "alice", "Maildir", ".Sent")
    victim = os.listdir(os.path.join(sent, "cur"))[0]
    os.rename(os.path.join(sent, "cur", victim),
              os.path.join(sent, "tmp", victim.split(",U=")[0]))
    os.unlink(inst.path("mail", "old.example", "alice", "index.sqlite"))
    third = inst.ctl(*args, check=1)
    assert "mail alice@old.example: 1 copied, 6 already there" in third.out
    assert os.listdir(os.path.join(sent, "tmp")) == []
    return inst


def imap_login(srv, user, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", srv.imaps_port,
                          ssl_context=tls_context(), timeout=60)
    m.login(user, password.decode())
    return m


def fetch_all(m, mailbox):
    """uid -> (flags, bytes) of every message, and the UIDVALIDITY."""
    typ, _ = m.select(f'"{mailbox}"', readonly=True)
    assert typ == "OK", mailbox
    uidvalidity = int(m.response("UIDVALIDITY")[1][0])
    typ, data = m.uid("FETCH", "1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
    assert typ == "OK"
    out = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        head = item[0].decode()
        uid = int(head.split("UID ")[1].split()[0])
        flags = head.split("FLAGS (")[1].split(")")[0].split()
        size = int(head.split("RFC822.SIZE ")[1].split()[0])
        assert size == len(item[1]), (uid, size)
        out[uid] = (set(flags), item[1])
    return out, uidvalidity


FLAG_NAMES = {"S": "\\Seen", "F": "\\Flagged", "R": "\\Answered",
              "a": "$Forwarded"}


def test_users_read_their_old_mail(seed, imported):
    srv = Server(imported).start()
    try:
        for addr, (password, _) in seed.users.items():
            m = imap_login(srv, addr, password)
            for folder, msgs in seed.mail[addr].items():
                got, uidvalidity = fetch_all(m, folder.replace(".", "/"))
                assert uidvalidity == UIDVALIDITY
                assert sorted(got) == sorted(u for u, _, _ in msgs)
                for uid, info, plain in msgs:
                    flags, data = got[uid]
                    assert data == plain, (addr, folder, uid)
                    want = {FLAG_NAMES[c] for c in info}
                    assert want <= flags, (addr, uid, flags)
            if addr == "alice@old.example":
                typ, subs = m.lsub()
                assert typ == "OK" and any(x.endswith(b" Archive/2019")
                                           for x in subs), subs
            m.logout()
        with pytest.raises(imaplib.IMAP4.error):
            imap_login(srv, "alice@old.example", b"not it")
    finally:
        srv.stop()


def test_aliases_keys_and_certificate(seed, imported):
    aliases = imported.ctl("alias", "list", check=0).out
    for src, dst in (("sales@old.example", "bob@old.example"),
                     ("sales@old.example", "alice@old.example"),
                     ("@other.example", "carol@other.example"),
                     ("postmaster", "alice@old.example"),
                     ("abuse", "alice@old.example")):
        assert src in aliases and dst in aliases, aliases
    resolved = imported.ctl("resolve", "anything@other.example", check=0).out
    assert "carol@other.example" in resolved
    keys = imported.ctl("dkim", "list", check=0).out
    assert "2019r" in keys and "2019e" in keys, keys
    assert "xn--bcher-kva.example" in keys, keys
    assert os.path.isdir(imported.path("mail", "b\u00fccher.example", "dora",
                                       "Maildir", "cur"))
    assert os.path.isdir(imported.path("mail", "old.example", "alice",
                                       "Maildir", ".Entw\u00fcrfe", "cur"))
    with open(imported.path("mail", "old.example", "alice", "Maildir",
                            "subscriptions"), encoding="utf-8") as f:
        assert "Entw\u00fcrfe\n" in f.read()
    dns = imported.ctl("dkim", "dns", "old.example", check=0).out
    assert "2019e._domainkey" in dns and "k=ed25519" in dns, dns
    with open(os.path.join(seed.acme, "fullchain.cer"), "rb") as f:
        cert = f.read()
    with open(imported.path("tls", "fullchain.pem"), "rb") as f:
        assert f.read() == cert
    assert os.path.exists(imported.path("tls", "fullchain.pem.before-import"))
    assert os.path.exists(imported.path("acme", "account.key"))
    users = imported.ctl("user", "list", check=0).out
    assert "carol@other.example" in users


def test_not_a_seed_database(instance, tmp_path):
    junk = tmp_path / "junk.sqlite"
    sqlite3.connect(junk).executescript("CREATE TABLE t(x);")
    r = instance.ctl("import", "archmailbox", "--db", str(junk), "--mail",
                     str(tmp_path), check=1)
    assert "not the seed's user database" in r.err
    instance.ctl("import", "archmailbox", "--db", str(junk), check=2)


# --- encpipe ------------------------------------------------------------

ENCPIPE_SALT = bytes([0x01, 0x02, 0x03, 0x05, 0x08, 0x0d, 0x15, 0x22, 0x37,
                      0x59, 0x90, 0xe9, 0x79, 0x62, 0xdb, 0x3d])


def encpipe(data, passphrase, record=1000):
    key = nacl.pwhash.argon2id.kdf(32, passphrase, ENCPIPE_SALT,
                                   opslimit=OPSLIMIT, memlimit=MEMLIMIT)
    state = nb.crypto_secretstream_xchacha20poly1305_state()
    out = [nb.crypto_secretstream_xchacha20poly1305_init_push(state, key)]
    for off in range(0, len(data), record):
        chunk = data[off:off + record]
        out.append(len(chunk).to_bytes(4, "little"))
        out.append(nb.crypto_secretstream_xchacha20poly1305_push(state, chunk))
    out.append((0).to_bytes(4, "little"))
    out.append(nb.crypto_secretstream_xchacha20poly1305_push(
        state, b"", tag=nb.crypto_secretstream_xchacha20poly1305_TAG_FINAL))
    return b"".join(out)


def config_backup():
    """tar | xz -9 of some of the seed's configuration."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:xz", preset=9) as t:
        for name, text in (("etc/smtpd/smtpd.conf", b"listen on lo\n" * 300),
                           ("etc/dovecot/local.conf", b"zlib_save = xz\n")):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            t.addfile(info, io.BytesIO(text))
    return raw.getvalue()


def test_encpipe_backup_decrypts(instance, tmp_path):
    data = config_backup()
    src, out, pf = tmp_path / "cfg.tar.xz.enc", tmp_path / "cfg.tar.xz", \
        tmp_path / "pass"
    src.write_bytes(encpipe(data, b"backup words"))
    pf.write_bytes(b"  backup words \r\n")
    instance.ctl("import", "encpipe", str(src), "--output", str(out),
                 "--passphrase-file", str(pf), check=0)
    assert out.read_bytes() == data
    with tarfile.open(out) as t:
        assert "etc/smtpd/smtpd.conf" in t.getnames()
    # Truncated, altered or the wrong passphrase: refused, no output.
    good = src.read_bytes()
    for bad in (good[:-5], good[:len(good) // 2],
                good[:40] + bytes([good[40] ^ 1]) + good[41:]):
        out.unlink(missing_ok=True)
        src.write_bytes(bad)
        r = instance.ctl("import", "encpipe", str(src), "--output", str(out),
                         "--passphrase-file", str(pf), check=1)
        assert "encpipe" in r.err and not out.exists()
    src.write_bytes(good)
    pf.write_bytes(b"other words")
    r = instance.ctl("import", "encpipe", str(src), "--output", str(out),
                     "--passphrase-file", str(pf), check=1)
    assert "wrong passphrase" in r.err and not out.exists()


# --- mbox and Maildir, with export --------------------------------------

MBOX_MSGS = [
    b"From: a@x.example\nSubject: first\nStatus: RO\n\nhello\nFrom me\n"
    b">From you\n",
    b"From: b@x.example\nSubject: second\nX-Status: F\n\n\nlast\n",
    b"From: c@x.example\nSubject: third\n\nno newline at end",
]


def mboxrd(msgs):
    out = []
    for i, m in enumerate(msgs):
        quoted = b"\n".join(b">" + line if line.lstrip(b">").startswith(
            b"From ") else line for line in m.split(b"\n"))
        # A message ends with a line end (added if missing, as mbox
        # writers do), then the empty line before the next From_.
        if not quoted.endswith(b"\n"):
            quoted += b"\n"
        out.append(b"From sender@x.example Tue Nov %2d 18:30:00 2026\n"
                   % (i + 1) + quoted + b"\n")
    return b"".join(out)


def exported(d):
    """folder -> sorted [(bytes, info)] of an exported Maildir."""
    out = {}
    for root, dirs, files in os.walk(d):
        if os.path.basename(root) not in ("cur", "new"):
            continue
        folder = os.path.relpath(os.path.dirname(root), d)
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                out.setdefault(folder, []).append(
                    (f.read(), name.split(":2,")[1] if ":2," in name else ""))
    return {k: sorted(v) for k, v in out.items()}


def test_mbox_and_maildir_round_trip(instance, tmp_path):
    addr, other = "ann@example.test", "ben@example.test"
    instance.ctl("user", "add", addr, "--password-stdin", input="ann pw\n",
                 check=0)
    instance.ctl("user", "add", other, "--password-stdin",
                 "--no-encryption", input="ben pw\n", check=0)
    box = tmp_path / "old.mbox"
    box.write_bytes(mboxrd(MBOX_MSGS))
    r = instance.ctl("import", "mbox", addr, str(box), "--folder",
                     "Lists/Old", check=0)
    assert "3 stored, 0 already there" in r.out
    r = instance.ctl("import", "mbox", addr, str(box), "--folder",
                     "Lists/Old", check=0)
    assert "0 stored, 3 already there" in r.out
    out = tmp_path / "export1"
    instance.ctl("export", addr, str(out), "--password-stdin",
                 input="wrong\n", check=1)
    r = instance.ctl("export", addr, str(out), "--password-stdin",
                     input="ann pw\n", check=0)
    assert "3 written" in r.out
    got = exported(out)
    assert got[".Lists.Old"] == sorted([(MBOX_MSGS[0], "S"),
                                        (MBOX_MSGS[1], "F"),
                                        (MBOX_MSGS[2] + b"\n", "")])
    # Export again: nothing new; then as a Maildir into another user,
    # whose export must be the same messages with the same flags.
    r = instance.ctl("export", addr, str(out), "--password-stdin",
                     input="ann pw\n", check=0)
    assert "0 written, 3 already there" in r.out
    os.unlink(next((out / ".Lists.Old" / "cur").iterdir()))
    r = instance.ctl("export", addr, str(out), "--password-stdin",
                     input="ann pw\n", check=0)
    assert "1 written, 2 already there" in r.out
    assert exported(out) == got
    (out / ".Lists.Old" / "dovecot-keywords").write_text("0 $Label1\n")
    third = next(p for p in (out / ".Lists.Old" / "cur").iterdir()
                 if p.read_bytes() == MBOX_MSGS[2] + b"\n")
    third.rename(str(third) + "a")
    instance.ctl("import", "maildir", other, str(out), check=0)
    r = instance.ctl("import", "maildir", other, str(out), check=0)
    assert "0 stored, 3 already there" in r.out
    out2 = tmp_path / "export2"
    instance.ctl("export", other, str(out2), check=0)
    got2 = exported(out2)
    assert [m for m, _ in got2[".Lists.Old"]] == \
        [m for m, _ in got[".Lists.Old"]]
    assert sorted(i for _, i in got2[".Lists.Old"]) == ["F", "S", "a"]
    assert "$Label1" in (out2 / ".Lists.Old" / "dovecot-keywords").read_text()


def test_bad_inputs(instance, tmp_path):
    instance.ctl("user", "add", "dan@example.test", "--password-stdin",
                 input="dan pw\n", check=0)
    notmbox = tmp_path / "x.txt"
    notmbox.write_bytes(b"Subject: not an mbox\n\nbody\n")
    r = instance.ctl("import", "mbox", "dan@example.test", str(notmbox),
                     check=1)
    assert "not an mbox" in r.err
    r = instance.ctl("import", "maildir", "dan@example.test", str(tmp_path),
                     check=1)
    assert "no Maildir" in r.err
    r = instance.ctl("import", "mbox", "nobody@example.test", str(notmbox),
                     check=1)
    assert "no such user" in r.err
    instance.ctl("import", "mbox", "dan@example.test", str(notmbox),
                 "--folder", "a//b", check=1)
    instance.ctl("import", "nothing", check=2)
    instance.ctl("export", "dan@example.test", check=2)


def test_existing_user_with_another_key(instance, tmp_path):
    s = Seed(tmp_path / "seed")
    s.domain("example.test")
    s.user("eve@example.test", b"eve old")
    s.deliver("eve@example.test", "", [(1, "", message(41, "old"),
                                         "trees-xz")])
    instance.ctl("user", "add", "eve@example.test", "--password-stdin",
                 input="eve new\n", check=0)
    r = instance.ctl("import", "archmailbox", "--db", s.db, "--mail", s.vmail,
                     check=1)
    assert "eve@example.test: exists here with another key" in r.err
    assert "mail eve@example.test" not in r.out
    cur = instance.path("mail", "example.test", "eve", "Maildir", "cur")
    assert not os.path.exists(cur) or os.listdir(cur) == []
    # The user keeps the password given here.
    srv = Server(instance).start()
    try:
        imap_login(srv, "eve@example.test", b"eve new").logout()
    finally:
        srv.stop()


def test_mutt_maildirs_and_stdout(instance, tmp_path):
    """A mutt directory of maildirs: each one a folder, "inbox" INBOX."""
    addr = "fay@example.test"
    instance.ctl("user", "add", addr, "--password-stdin", "--no-encryption",
                 input="fay pw\n", check=0)
    root = tmp_path / "Mail"
    want = {}
    for folder, name, info in (("inbox", "1574000000.1_1.host", "RS"),
                               ("inbox", "1574000001.2_1.host", None),
                               ("lists", "1574000002.3_1.host", "F"),
                               ("Entw&APw-rfe", "1574000003.4_1.host", "")):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
        data = message(len(want) + 50, f"mutt {folder}")
        where = root / folder / ("new" if info is None else "cur") / \
            (name + ("" if info is None else ":2," + info))
        where.write_bytes(data)
        want.setdefault("." if folder == "inbox" else "." + folder,
                        []).append((data, info or ""))
    # A trees file cannot be read without the key: one clear error.
    fields, sk = lock_key(b"x")
    (root / "lists" / "cur" / "enc:2,").write_bytes(
        seal_trees(sk.public_key, b"secret"))
    r = instance.ctl("import", "maildir", addr, str(root), check=1)
    assert "4 stored, 0 already there, 1 failed" in r.out
    assert "encrypted" in r.err
    out = tmp_path / "out"
    instance.ctl("export", addr, str(out), check=0)
    got = exported(out)
    assert got["."] == sorted(want["."]) and got[".lists"] == want[".lists"]
    assert got[".Entw\u00fcrfe"] == want[".Entw&APw-rfe"]
    # encpipe to standard output when it is not a terminal.
    src, pf = tmp_path / "b.enc", tmp_path / "pf"
    src.write_bytes(encpipe(b"to stdout", b"pw"))
    pf.write_bytes(b"pw\n")
    r = instance.ctl("import", "encpipe", str(src), "--passphrase-file",
                     str(pf), check=0)
    assert r.stdout == b"to stdout"


def test_files_belong_to_the_system_users(system_instance, tmp_path):
    """Run as root on a production instance: what the imports and export
    write is given to the mail store's and the signer's users."""
    import pwd
    inst = system_instance
    s = Seed(tmp_path / "seed")
    s.domain("example.test")
    s.user("gus@example.test", b"gus pw")
    s.deliver("gus@example.test", "Sent", [(1, "S", message(61, "x"),
                                             "trees-xz")])
    s.dkim_keys("example.test")
    inst.ctl("import", "archmailbox", "--db", s.db, "--mail", s.vmail,
             "--dkim", s.dkim, check=0)
    box = tmp_path / "m.mbox"
    box.write_bytes(mboxrd(MBOX_MSGS))
    inst.ctl("user", "add", "hal@example.test", "--password-stdin",
             input="hal pw\n", check=0)
    inst.ctl("import", "mbox", "hal@example.test", str(box), check=0)
    inst.ctl("export", "gus@example.test", str(tmp_path / "out"),
             "--password-stdin", input="gus pw\n", check=0)
    for sub, user in (("mail", "archmailbox-mail"),
                      ("dkim", "archmailbox-dkim")):
        top = inst.path(sub)
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                owner = pwd.getpwuid(os.lstat(os.path.join(root, name))
                                     .st_uid).pw_name
                assert owner == user, (root, name, owner)
    assert any(n.startswith("example.test.2019")
               for n in os.listdir(inst.path("dkim")))
