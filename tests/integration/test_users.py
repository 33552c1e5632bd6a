"""mailboxctl domain, user, alias and resolve, run as a new user would:
every command, every bad input (exit status, message, database unchanged),
the stored password and key formats, and the recipient lookup order."""
import os
import pty
import select
import signal
import sqlite3
import subprocess
import termios

import pytest
from nacl import pwhash, public, secret

from conftest import Instance, binary, run

DOMAIN = "example.test"


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    """One instance with users, shared by the read-mostly tests (Argon2id
    makes every user cost a fraction of a second)."""
    i = Instance(tmp_path_factory.mktemp("users") / "inst")
    i.ctl("domain", "add", "bücher.example", "--postmaster",
          "boss@far.test", check=0)
    i.ctl("domain", "add", "empty.test", check=0)
    i.ctl("user", "add", "Alice@Example.TEST", "--password-stdin",
          input="alice pw\n", check=0)
    i.ctl("user", "add", "jörg@xn--bcher-kva.example", "--password-stdin",
          "--quota", "500M", "--no-encryption", input="jörg pw\n", check=0)
    return i


def db_path(i):
    return i.path("mailbox.sqlite")


def dump(i):
    return subprocess.run(["sqlite3", db_path(i), ".dump"], check=True,
                          stdout=subprocess.PIPE, text=True).stdout


def rows(i, sql, *args):
    con = sqlite3.connect(db_path(i))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def key_of(i, addr):
    (pk, salt, nonce, box, algo, ops, mem), = rows(
        i, "SELECT public_key, salt, nonce, locked_box, pwhash_algo, "
        "pwhash_opslimit, pwhash_memlimit FROM user_keys k JOIN users u "
        "ON u.id = k.user_id WHERE u.address = ?", addr)
    return dict(pk=pk, salt=salt, nonce=nonce, box=box, algo=algo, ops=ops,
                mem=mem)


def unlock(k, password):
    """The seed's scheme, done by python3-nacl: derive, open, check pk."""
    assert k["algo"] == 1
    lock = pwhash.argon2id.kdf(32, password.encode(), bytes.fromhex(k["salt"]),
                               opslimit=k["ops"], memlimit=k["mem"])
    sk = secret.SecretBox(lock).decrypt(bytes.fromhex(k["box"]),
                                        bytes.fromhex(k["nonce"]))
    return public.PrivateKey(sk).public_key.encode().hex()


def resolve(i, addr):
    p = i.ctl("resolve", addr)
    if p.returncode != 0:
        return p.err.strip()
    return [tuple(l.split("\t")) for l in p.out.splitlines()]


def fails(i, args, message, input=None, status=1):
    """Runs a command that must fail with one line naming the problem and
    leave the database exactly as it was."""
    before = dump(i)
    p = i.ctl(*args, input=input, check=status)
    assert p.err.count("\n") == 1 and p.err.startswith("mailboxctl: "), p.err
    assert message in p.err, (message, p.err)
    assert dump(i) == before
    return p


# --- the commands --------------------------------------------------------

def test_domain_add_list_del(tmp_path):
    i = Instance(tmp_path / "i")
    i.ctl("domain", "add", "Other.TEST", check=0)
    i.ctl("domain", "add", "xn--mnchen-3ya.example", "--postmaster",
          "Boss@Other.test", check=0)
    out = i.ctl("domain", "list", check=0).out
    assert out == ("example.test\t0\t-\nmünchen.example\t0\tboss@other.test\n"
                   "other.test\t0\t-\n")
    i.ctl("user", "add", "a@other.test", "--password-stdin", input="pw\n",
          check=0)
    i.ctl("alias", "add", "@other.test", "a@other.test", check=0)
    fails(i, ["domain", "del", "other.test"],
          "domain other.test still has 1 users and 1 aliases; remove them "
          "first or use --force")
    i.ctl("domain", "del", "München.example", check=0)
    i.ctl("domain", "del", "other.test", "--force", check=0)
    assert i.ctl("domain", "list", check=0).out == "example.test\t0\t-\n"
    assert rows(i, "SELECT count(*) FROM users")[0][0] == 0
    assert rows(i, "SELECT count(*) FROM user_keys")[0][0] == 0
    assert rows(i, "SELECT count(*) FROM aliases")[0][0] == 0


def test_user_list_and_del(inst):
    out = inst.ctl("user", "list", check=0).out
    assert out == ("alice@example.test\t15G\tencrypted\n"
                   "jörg@bücher.example\t500M\tplain\n")
    assert inst.ctl("user", "list", "XN--BCHER-KVA.example", check=0).out == \
        "jörg@bücher.example\t500M\tplain\n"
    assert inst.ctl("user", "list", "empty.test", check=0).out == ""


def test_user_del_and_quota_sizes(tmp_path):
    i = Instance(tmp_path / "i")
    i.ctl("user", "add", "q@example.test", "--quota", "2T",
          "--password-stdin", input="pw\r\n", check=0)
    assert i.ctl("user", "list", check=0).out == "q@example.test\t2T\tencrypted\n"
    assert rows(i, "SELECT quota FROM users")[0][0] == 2 << 40
    i.ctl("config", "set", "default_quota", "1G", check=0)
    i.ctl("user", "add", "r@example.test", "--password-stdin", input="pw\n",
          check=0)
    assert rows(i, "SELECT quota FROM users WHERE address = 'r@example.test'"
                )[0][0] == 1 << 30
    i.ctl("user", "del", "Q@EXAMPLE.TEST", check=0)
    i.ctl("user", "del", "r@example.test", check=0)
    assert i.ctl("user", "list", check=0).out == ""
    assert rows(i, "SELECT count(*) FROM user_keys")[0][0] == 0


def test_password_hash_and_key_like_the_seed(inst):
    (h,), = rows(inst, "SELECT password FROM users WHERE address = ?",
                 "alice@example.test")
    assert h.startswith("$argon2id$v=19$m=65536,t=2,p=1$")
    assert pwhash.verify(h.encode(), b"alice pw")
    k = key_of(inst, "alice@example.test")
    assert (len(k["pk"]), len(k["salt"]), len(k["nonce"]), len(k["box"])) == \
        (64, 32, 48, 96)
    assert k["pk"] == k["pk"].lower()
    assert (k["algo"], k["ops"], k["mem"]) == (1, 2, 67108864)
    assert unlock(k, "alice pw") == k["pk"]
    with pytest.raises(Exception):
        unlock(k, "wrong")


def test_passwd_keeps_public_key(tmp_path):
    i = Instance(tmp_path / "i")
    i.ctl("user", "add", "p@example.test", "--password-stdin", input="old\n",
          check=0)
    k1 = key_of(i, "p@example.test")
    fails(i, ["user", "passwd", "p@example.test", "--password-stdin"],
          "wrong current password", input="nope\nnew\n")
    fails(i, ["user", "passwd", "p@example.test", "--password-stdin"],
          "empty password", input="old\n\n")
    fails(i, ["user", "passwd", "p@example.test", "--password-stdin"],
          "empty password", input="old\n")
    i.ctl("user", "passwd", "P@example.test", "--password-stdin",
          input="old\nnew pw\n", check=0)
    k2 = key_of(i, "p@example.test")
    assert k2["pk"] == k1["pk"] and k2["salt"] != k1["salt"]
    assert unlock(k2, "new pw") == k1["pk"]
    (h,), = rows(i, "SELECT password FROM users")
    assert pwhash.verify(h.encode(), b"new pw")
    # a forgotten password: --reset makes a new key pair, and says so
    p = i.ctl("user", "passwd", "p@example.test", "--reset",
              "--password-stdin", input="fresh\n", check=0)
    assert "new key pair" in p.err
    k3 = key_of(i, "p@example.test")
    assert k3["pk"] != k1["pk"] and unlock(k3, "fresh") == k3["pk"]


def test_password_on_terminal(tmp_path):
    """Without --password-stdin the password is asked twice, without echo."""
    i = Instance(tmp_path / "i")

    def on_tty(args, answers):
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(binary("mailboxctl"), ["mailboxctl", "-c", i.conf] + args)
        def read_some():
            ready, _, _ = select.select([fd], [], [], 20)
            assert ready, "mailboxctl did not answer on the terminal"
            try:
                return os.read(fd, 1024)
            except OSError:     # EIO: the child closed the terminal
                return b""

        out = b""
        for a in answers:
            seen = b""
            while not seen.rstrip().endswith(b":"):
                chunk = read_some()
                if not chunk:
                    break
                seen += chunk
            out += seen
            if not chunk:
                break
            os.write(fd, a.encode() + b"\n")
        while True:
            chunk = read_some()
            if not chunk:
                break
            out += chunk
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), out.decode(errors="replace")

    st, out = on_tty(["user", "add", "t@example.test"], ["s3cret", "other"])
    assert st == 1 and "passwords do not match" in out
    st, out = on_tty(["user", "add", "t@example.test"], ["s3cret", "s3cret"])
    assert st == 0 and "s3cret" not in out
    assert unlock(key_of(i, "t@example.test"), "s3cret")
    st, out = on_tty(["user", "passwd", "t@example.test"],
                     ["s3cret", "n3w", "n3w"])
    assert st == 0, out
    assert unlock(key_of(i, "t@example.test"), "n3w")


def test_interrupted_prompt_restores_echo(tmp_path):
    i = Instance(tmp_path / "i")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(binary("mailboxctl"), ["mailboxctl", "-c", i.conf, "user",
                                        "add", "t@example.test"])
    seen = b""
    while not seen.endswith(b": "):
        assert select.select([fd], [], [], 20)[0]
        seen += os.read(fd, 1024)
    assert not termios.tcgetattr(fd)[3] & termios.ECHO
    os.write(fd, b"\x03")              # Ctrl-C
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == -signal.SIGINT
    assert termios.tcgetattr(fd)[3] & termios.ECHO
    os.close(fd)
    assert rows(i, "SELECT count(*) FROM users")[0][0] == 0


def test_alias_add_list_del(tmp_path):
    i = Instance(tmp_path / "i")
    i.ctl("alias", "add", "Info", "a@far.test", check=0)
    i.ctl("alias", "add", "info", "b@far.test", check=0)
    i.ctl("alias", "add", "@Example.test", "c@far.test", check=0)
    i.ctl("alias", "add", "sales@example.test", "d@far.test", check=0)
    assert i.ctl("alias", "list", check=0).out == (
        "@example.test\tc@far.test\ninfo\ta@far.test\ninfo\tb@far.test\n"
        "sales@example.test\td@far.test\n")
    i.ctl("alias", "del", "info", "A@far.test", check=0)
    i.ctl("alias", "del", "@example.test", check=0)
    assert i.ctl("alias", "list", check=0).out == (
        "info\tb@far.test\nsales@example.test\td@far.test\n")
    fails(i, ["alias", "del", "info", "a@far.test"], "no alias info -> a@far.test")
    fails(i, ["alias", "del", "nothing@example.test"],
          "no alias nothing@example.test")


# --- bad input -----------------------------------------------------------

@pytest.mark.parametrize("args,stdin,message", [
    (["domain", "add", "example.test"], None, "domain example.test already exists"),
    (["domain", "add", "EXAMPLE.test"], None, "domain example.test already exists"),
    (["domain", "add", "xn--bcher-kva.example"], None,
     "domain bücher.example already exists"),
    (["domain", "add", "localhost"], None, "domain needs at least two labels"),
    (["domain", "add", "bad..test"], None, "consecutive dots in domain"),
    (["domain", "add", "bad_.test"], None, "invalid character in domain"),
    (["domain", "add", "[127.0.0.1]"], None, "IP literals are not allowed"),
    (["domain", "add", "10.0.0.1"], None, "IP addresses are not allowed"),
    (["domain", "add", "x-.test"], None, "hyphen"),
    (["domain", "add", "a" * 64 + ".test"], None, "label longer than 63"),
    (["domain", "add", "new.test", "--postmaster", "nope"], None,
     "invalid address 'nope': missing '@'"),
    (["domain", "add", "new.test", "--postmaster", "abuse@new.test"], None,
     "alias loop"),
    (["domain", "del", "nope.test"], None, "unknown domain nope.test"),
    (["user", "add", "alice@example.test", "--password-stdin"], "x\n",
     "user alice@example.test already exists"),
    (["user", "add", "ALICE@EXAMPLE.TEST", "--password-stdin"], "x\n",
     "user alice@example.test already exists"),
    (["user", "add", "bob@nope.test", "--password-stdin"], "x\n",
     "unknown domain nope.test"),
    (["user", "add", "bob@example.test", "--password-stdin"], "\n",
     "empty password"),
    (["user", "add", "bob@example.test", "--password-stdin"], "", "empty password"),
    (["user", "add", "bob@example.test", "--password-stdin"], "a\0b\n",
     "password contains a NUL byte"),
    (["user", "add", "bob@example.test", "--password-stdin"], "x" * 2000 + "\n",
     "password longer than 1024 bytes"),
    (["user", "add", "bob@example.test", "--password-stdin", "--quota", "15Q"],
     "x\n", "invalid quota"),
    (["user", "add", "bob@example.test"], None,
     "no terminal to ask for the password (use --password-stdin)"),
    (["user", "add", "bob", "--password-stdin"], "x\n", "missing '@'"),
    (["user", "add", "bo b@example.test", "--password-stdin"], "x\n",
     "space in local part"),
    (["user", "add", "\"bob\"@example.test", "--password-stdin"], "x\n",
     "quoted local parts are not supported"),
    (["user", "add", ".bob@example.test", "--password-stdin"], "x\n",
     "leading or trailing dot in local part"),
    (["user", "add", "b\x01b@example.test", "--password-stdin"], "x\n",
     "invalid address 'b\\x01b@example.test': control or invisible character"),
    (["user", "add", "x" * 65 + "@example.test", "--password-stdin"], "x\n",
     "local part is longer than 64 octets"),
    (["user", "add", "bob@[10.0.0.1]", "--password-stdin"], "x\n",
     "IP literals are not allowed"),
    (["user", "add", "bob+x@example.test", "--password-stdin"], "x\n",
     "a user's local part cannot contain '+'"),
    (["user", "del", "nobody@example.test"], None, "unknown user nobody@example.test"),
    (["user", "passwd", "nobody@example.test", "--password-stdin"], "a\nb\n",
     "unknown user nobody@example.test"),
    (["user", "list", "nope.test"], None, "unknown domain nope.test"),
    (["alias", "add", "x@nope.test", "alice@example.test"], None,
     "unknown domain nope.test"),
    (["alias", "add", "x@example.test", "@example.test"], None,
     "invalid address '@example.test'"),
    (["alias", "add", "x..y", "alice@example.test"], None,
     "invalid alias source 'x..y'"),
    (["alias", "add", "x@example.test", "x@example.test"], None,
     "alias loop: x@example.test -> x@example.test"),
    (["resolve", "no-at-sign"], None, "missing '@'"),
    (["resolve", "nobody@far.test"], None, "no such recipient"),
])
def test_bad_input(inst, args, stdin, message):
    fails(inst, args, message, input=stdin)


@pytest.mark.parametrize("args", [
    ["domain"], ["domain", "add"], ["domain", "add", "a.test", "b.test"],
    ["domain", "del", "a.test", "--postmaster", "x@y.test"],
    ["domain", "list", "x"], ["user"], ["user", "add"],
    ["user", "add", "a@example.test", "--bogus"],
    ["user", "passwd", "a@example.test", "--quota", "1G"],
    ["user", "add", "a@example.test", "--reset"],
    ["user", "del"], ["user", "list", "a", "b"], ["alias"],
    ["alias", "add", "x"], ["alias", "del"], ["alias", "list", "x"],
    ["resolve"],
])
def test_usage_errors(inst, args):
    fails(inst, args, "usage:", status=2)


def test_alias_loops_refused(tmp_path):
    i = Instance(tmp_path / "i")
    i.ctl("alias", "add", "a@example.test", "b@example.test", check=0)
    i.ctl("alias", "add", "b", "c@example.test", check=0)
    fails(i, ["alias", "add", "c@example.test", "a@example.test"],
          "alias loop: a@example.test -> b@example.test -> c@example.test -> "
          "a@example.test")
    fails(i, ["alias", "add", "@example.test", "a@example.test"], "alias loop")
    i.ctl("user", "add", "u@example.test", "--password-stdin", input="pw\n",
          check=0)
    i.ctl("alias", "add", "@example.test", "u@example.test", check=0)
    fails(i, ["user", "del", "u@example.test"],
          "alias loop: u@example.test -> u@example.test")


def test_missing_and_corrupt_database(tmp_path):
    i = Instance(tmp_path / "i")
    db = db_path(i)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    os.rename(db, db + ".away")
    p = i.ctl("user", "list", check=1)
    assert p.err.strip() == ("mailboxctl: database %s: No such file or "
                             "directory" % db)
    assert not os.path.exists(db), "opening must not create the database"
    with open(db, "wb") as f:
        f.write(b"garbage " * 1000)
    p = i.ctl("domain", "list", check=1)
    assert p.err.startswith("mailboxctl: database %s is corrupt" % db)
    con = sqlite3.connect(db + ".other")
    con.execute("CREATE TABLE t(x)")
    con.close()
    os.rename(db + ".other", db)
    p = i.ctl("alias", "list", check=1)
    assert "is not an archmailbox user database" in p.err
    p = run(["mailboxctl", "-c", str(tmp_path / "none.conf"), "user", "list"],
            check=1)
    assert "none.conf" in p.err


# --- resolution ----------------------------------------------------------

def test_resolution_order(tmp_path):
    i = Instance(tmp_path / "i")
    i.ctl("domain", "add", "bücher.example", check=0)
    i.ctl("user", "add", "alice@example.test", "--password-stdin",
          input="pw\n", check=0)
    i.ctl("user", "add", "jörg@bücher.example", "--password-stdin",
          input="pw\n", check=0)
    L = lambda a, f=None: ("local", a) + ((f,) if f else ())
    E = lambda a: ("external", a)
    assert resolve(i, "Alice@Example.Test") == [L("alice@example.test")]
    assert resolve(i, "alice+Lists@example.test") == \
        [L("alice@example.test", "lists")]
    # IDN: U-labels, A-labels, upper case and decomposed forms are one user
    for form in ["jörg@bücher.example", "JÖRG@xn--bcher-kva.example",
                 "jo\u0308rg@BÜCHER.example"]:
        assert resolve(i, form) == [L("jörg@bücher.example")], form
    assert resolve(i, "nobody@example.test") == "mailboxctl: resolve: no such recipient"
    # role addresses go to the first user ahead of the catch-all
    i.ctl("alias", "add", "@example.test", "catch@far.test", check=0)
    for role in ["postmaster", "abuse", "hostmaster", "webmaster",
                 "dmarcreports"]:
        assert resolve(i, role + "@example.test") == [L("alice@example.test")]
    assert resolve(i, "nobody@example.test") == [E("catch@far.test")]
    # the lookup order: user+tag@domain, user@domain, user+tag, user, @domain
    i.ctl("alias", "add", "sales", "bare@far.test", check=0)
    assert resolve(i, "sales+x@example.test") == [E("bare@far.test")]
    i.ctl("alias", "add", "sales+x", "baretag@far.test", check=0)
    assert resolve(i, "sales+x@example.test") == [E("baretag@far.test")]
    assert resolve(i, "sales@example.test") == [E("bare@far.test")]
    i.ctl("alias", "add", "sales@example.test", "full@far.test", check=0)
    assert resolve(i, "sales+x@example.test") == [E("full@far.test")]
    i.ctl("alias", "add", "sales+x@example.test", "fulltag@far.test", check=0)
    assert resolve(i, "sales+x@example.test") == [E("fulltag@far.test")]
    assert resolve(i, "sales@bücher.example") == [E("bare@far.test")]
    # --postmaster overrides the first user; aliases nest and fan out
    i.ctl("domain", "add", "third.test", "--postmaster", "team@example.test",
          check=0)
    i.ctl("alias", "add", "team@example.test", "alice@example.test", check=0)
    i.ctl("alias", "add", "team@example.test", "jörg@bücher.example", check=0)
    i.ctl("alias", "add", "team@example.test", "Alice@example.test", check=1)
    assert resolve(i, "abuse@third.test") == \
        [L("alice@example.test"), L("jörg@bücher.example")]
    # an alias on a real user's own address keeps a copy
    i.ctl("alias", "add", "alice@example.test", "alice@example.test", check=0)
    i.ctl("alias", "add", "alice@example.test", "copy@far.test", check=0)
    assert resolve(i, "alice+t@example.test") == \
        [L("alice@example.test", "t"), E("copy@far.test")]
