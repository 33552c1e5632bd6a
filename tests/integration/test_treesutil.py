"""treesutil against an independent implementation of the trees scheme
(python3-nacl): keys, password changes, Ed25519 seeds and trees files;
and `-d -u`, which takes the key from an instance's user database."""
import base64
import lzma
import os
import sqlite3
import subprocess

import nacl.exceptions
import nacl.pwhash
import nacl.public
import nacl.secret
import nacl.signing
import nacl.utils
import pytest

from conftest import Instance

TREESUTIL = os.path.join(os.environ.get("AMB_BIN", "build/asan/bin"),
                         "treesutil")
OPSLIMIT = 2
MEMLIMIT = 64 << 20
HEADER = b"\xee\xff\xcc\x00\x00\x00\x01"
CHUNK = 8192


def run(args, stdin=b"", env=None):
    return subprocess.run([TREESUTIL] + args, input=stdin, env=env,
                          capture_output=True, timeout=120)


def one_error_line(proc):
    assert proc.returncode == 1
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("treesutil: "), lines
    return lines[0]


def lock_key(password):
    """A locked key made the nacl way: (fields, secret key)."""
    sk = nacl.public.PrivateKey.generate()
    salt = nacl.utils.random(16)
    nonce = nacl.utils.random(24)
    kek = nacl.pwhash.argon2id.kdf(32, password, salt, opslimit=OPSLIMIT,
                                   memlimit=MEMLIMIT)
    box = nacl.secret.SecretBox(kek).encrypt(bytes(sk), nonce).ciphertext
    fields = [bytes(sk.public_key), salt, nonce, box]
    return [f.hex().encode() for f in fields], sk


def unlock_key(fields, password):
    pk, salt, nonce, box = (bytes.fromhex(f.decode()) for f in fields)
    kek = nacl.pwhash.argon2id.kdf(32, password, salt, opslimit=OPSLIMIT,
                                   memlimit=MEMLIMIT)
    sk = nacl.public.PrivateKey(nacl.secret.SecretBox(kek).decrypt(box, nonce))
    assert bytes(sk.public_key) == pk
    return sk


def fields_of(stdout):
    """Four NUL-terminated fields, as the seed printed them."""
    assert stdout.endswith(b"\0")
    parts = stdout.split(b"\0")
    assert len(parts) == 5 and parts[4] == b""
    for part, n in zip(parts, (64, 32, 48, 96)):
        assert len(part) == n and part == part.lower()
        bytes.fromhex(part.decode())
    return parts[:4]


def seal_trees(pk, data):
    """A trees file as riseup's plugin writes it: full chunks, then always
    a final chunk of 0..8191 bytes."""
    box = nacl.public.SealedBox(pk)
    out = [HEADER]
    full = len(data) - len(data) % CHUNK
    for off in range(0, full, CHUNK):
        out.append(box.encrypt(data[off:off + CHUNK]))
    out.append(box.encrypt(data[full:]))
    return b"".join(out)


@pytest.fixture(scope="module")
def nacl_key():
    return lock_key(b"owl password")


def decrypt(tmp_path, fields, password, blob):
    src, dst = tmp_path / "in", tmp_path / "out"
    src.write_bytes(blob)
    proc = run(["-d", "-i", str(src), "-o", str(dst)],
               b"\0".join(fields + [password]) + b"\0")
    return proc, dst


def test_create_unlocks_in_nacl():
    # The last field may end at the end of input; nothing is trimmed.
    proc = run(["-c"], b"correct horse\n")
    assert proc.returncode == 0, proc.stderr
    fields = fields_of(proc.stdout)
    unlock_key(fields, b"correct horse\n")
    with pytest.raises(nacl.exceptions.CryptoError):
        unlock_key(fields, b"correct horse")


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK + 5])
def test_decrypt_nacl_sealed_file(tmp_path, nacl_key, size):
    fields, sk = nacl_key
    data = os.urandom(size)
    proc, dst = decrypt(tmp_path, fields, b"owl password",
                        seal_trees(sk.public_key, data))
    assert proc.returncode == 0, proc.stderr
    assert dst.read_bytes() == data
    assert (dst.stat().st_mode & 0o777) == 0o600


def test_decrypt_xz_inner_data(tmp_path, nacl_key):
    fields, sk = nacl_key
    msg = b"From: a@example.org\r\nSubject: hi\r\n\r\n" + b"body line\r\n" * 5000
    packed = lzma.compress(msg, format=lzma.FORMAT_XZ, preset=6)
    proc, dst = decrypt(tmp_path, fields, b"owl password",
                        seal_trees(sk.public_key, packed))
    assert proc.returncode == 0, proc.stderr
    assert dst.read_bytes() == msg


def damaged_files(pk):
    data = os.urandom(2 * CHUNK + 100)
    good = seal_trees(pk, data)
    full = len(HEADER) + 2 * (CHUNK + 48)
    flipped = bytearray(good)
    flipped[len(HEADER) + CHUNK // 2] ^= 1
    return {
        "final chunk dropped": good[:full],
        "cut mid chunk": good[:len(HEADER) + 4000],
        "last byte cut": good[:-1],
        "byte flipped": bytes(flipped),
        "header only": HEADER,
        "version 2": HEADER[:-1] + b"\x02" + good[len(HEADER):],
        "no header": data,
        "multiple of 8192 without final chunk":
            seal_trees(pk, data[:2 * CHUNK])[:full],
    }


@pytest.mark.parametrize("case", sorted(damaged_files(
    nacl.public.PrivateKey.generate().public_key)))
def test_damaged_file_refused(tmp_path, nacl_key, case):
    fields, sk = nacl_key
    proc, dst = decrypt(tmp_path, fields, b"owl password",
                        damaged_files(sk.public_key)[case])
    one_error_line(proc)
    assert not dst.exists()


def test_decrypt_wrong_password(tmp_path, nacl_key):
    fields, sk = nacl_key
    proc, dst = decrypt(tmp_path, fields, b"not it",
                        seal_trees(sk.public_key, b"x"))
    assert "cannot unlock" in one_error_line(proc)
    assert not dst.exists()


def test_passwd_relocks(nacl_key):
    fields, sk = nacl_key
    proc = run(["-p"], b"\0".join(fields + [b"owl password", b"new one"]) + b"\0")
    assert proc.returncode == 0, proc.stderr
    new = fields_of(proc.stdout)
    assert new[0] == fields[0] and new[1] != fields[1] and new[2] != fields[2]
    assert bytes(unlock_key(new, b"new one")) == bytes(sk)
    with pytest.raises(nacl.exceptions.CryptoError):
        unlock_key(new, b"owl password")


def test_passwd_wrong_old_password(nacl_key):
    fields, _ = nacl_key
    proc = run(["-p"], b"\0".join(fields + [b"wrong", b"new one"]) + b"\0")
    assert "cannot unlock" in one_error_line(proc)
    assert proc.stdout == b""


def test_ed25519_seed_gives_public_key():
    proc = run(["-s"])
    assert proc.returncode == 0
    line = proc.stdout.decode()
    assert line.endswith("\n") and line.count(" ") == 1
    seed64, pk64 = line.split()
    key = nacl.signing.SigningKey(base64.b64decode(seed64, validate=True))
    assert key.verify_key.encode() == base64.b64decode(pk64, validate=True)


@pytest.mark.parametrize("args,stdin,needle", [
    ([], b"", "one of -c"),
    (["-c", "-s"], b"", "only one"),
    (["-d", "-i", "x"], b"", "-o OUT"),
    (["-c", "-o", "x"], b"", "with -d"),
    (["-q"], b"", "unknown option"),
    (["-c", "extra"], b"", "unexpected argument"),
    (["-c"], b"", "password missing"),
    (["-c"], b"\0", "empty password"),
    (["-p"], b"00\0" * 6, "invalid public key"),
    (["-p"], b"a" * 64 + b"\0" + b"zz" * 16 + b"\0" + b"00\0" * 4,
     "invalid salt"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_usage_and_field_errors(args, stdin, needle):
    assert needle in one_error_line(run(args, stdin))


def test_missing_input_file(tmp_path, nacl_key):
    proc = run(["-d", "-i", str(tmp_path / "none"), "-o", str(tmp_path / "o")])
    assert "No such file" in one_error_line(proc)


def test_in_and_out_same_file(tmp_path, nacl_key):
    fields, sk = nacl_key
    src = tmp_path / "in"
    blob = seal_trees(sk.public_key, b"keep me")
    src.write_bytes(blob)
    proc = run(["-d", "-i", str(src), "-o", str(src)],
               b"\0".join(fields + [b"owl password"]) + b"\0")
    assert "same file" in one_error_line(proc)
    assert src.read_bytes() == blob


def test_reads_only_the_fields_it_needs():
    """Like the seed, it does not wait for the end of stdin."""
    proc = subprocess.Popen([TREESUTIL, "-c"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    proc.stdin.write(b"pw\0")
    proc.stdin.flush()
    try:
        assert proc.wait(timeout=60) == 0
        fields_of(proc.stdout.read())
    finally:
        proc.stdin.close()
        proc.stdout.close()


# -d -u ADDRESS: the key from the user database.

@pytest.fixture(scope="module")
def users(tmp_path_factory):
    """An instance with an encrypted user, a plain one and an alias."""
    inst = Instance(tmp_path_factory.mktemp("tu") / "inst")
    inst.ctl("user", "add", "alice@example.test", "--password-stdin",
             input="alice pw\n", check=0)
    inst.ctl("user", "add", "plain@example.test", "--password-stdin",
             "--no-encryption", input="plain pw\n", check=0)
    inst.ctl("alias", "add", "info@example.test", "alice@example.test",
             check=0)
    return inst


def db_key_fields(inst, address):
    """The four hex fields of a user's key, read straight from the db."""
    con = sqlite3.connect(inst.path("mailbox.sqlite"))
    try:
        row, = con.execute(
            "SELECT public_key, salt, nonce, locked_box FROM user_keys k "
            "JOIN users u ON u.id = k.user_id WHERE u.address = ?",
            (address,)).fetchall()
    finally:
        con.close()
    return [f.encode() for f in row]


def sealed_for(inst, address, data):
    pk = bytes.fromhex(db_key_fields(inst, address)[0].decode())
    return seal_trees(nacl.public.PublicKey(pk), data)


def decrypt_user(tmp_path, address, password, blob, conf_args, env=None):
    src, dst = tmp_path / "in", tmp_path / "out"
    src.write_bytes(blob)
    proc = run(["-d", "-u", address] + conf_args +
               ["-i", str(src), "-o", str(dst)], password, env=env)
    return proc, dst


MESSAGE = b"From: a@example.org\r\nSubject: hi\r\n\r\n" + b"line\r\n" * 3000


def test_user_key_unlocks_in_nacl(users):
    """The database key is a trees key that nacl opens too."""
    unlock_key(db_key_fields(users, "alice@example.test"), b"alice pw")


@pytest.mark.parametrize("password", [b"alice pw\n", b"alice pw\r\n",
                                      b"alice pw\0", b"alice pw",
                                      b"alice pw\nignored\n"])
def test_decrypt_with_user_key(tmp_path, users, password):
    packed = lzma.compress(MESSAGE, format=lzma.FORMAT_XZ)
    proc, dst = decrypt_user(tmp_path, "Alice@EXAMPLE.test", password,
                             sealed_for(users, "alice@example.test", packed),
                             ["-C", users.conf])
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert dst.read_bytes() == MESSAGE


def test_decrypt_user_conf_from_environment(tmp_path, users):
    env = dict(os.environ, MAILBOX_CONF=users.conf)
    proc, dst = decrypt_user(tmp_path, "alice@example.test", b"alice pw\n",
                             sealed_for(users, "alice@example.test", b"hi"),
                             [], env=env)
    assert proc.returncode == 0, proc.stderr
    assert dst.read_bytes() == b"hi"


def test_decrypt_user_after_password_change(tmp_path, instance):
    instance.ctl("user", "add", "bob@example.test", "--password-stdin",
                 input="old pw\n", check=0)
    blob = sealed_for(instance, "bob@example.test", MESSAGE)
    instance.ctl("user", "passwd", "bob@example.test", "--password-stdin",
                 input="old pw\nnew pw\n", check=0)
    proc, dst = decrypt_user(tmp_path, "bob@example.test", b"new pw\n", blob,
                             ["-C", instance.conf])
    assert proc.returncode == 0, proc.stderr
    assert dst.read_bytes() == MESSAGE


@pytest.mark.parametrize("address,password,needle", [
    ("alice@example.test", b"wrong\n", "cannot unlock the key: wrong password"),
    ("alice@example.test", b"alice pw \n", "wrong password"),
    ("alice@example.test", b"\n", "empty password"),
    ("alice@example.test", b"", "password missing"),
    ("nobody@example.test", b"alice pw\n", "nobody@example.test is not a user"),
    ("info@example.test", b"alice pw\n", "not an alias"),
    ("plain@example.test", b"plain pw\n", "encryption off"),
    ("no at sign", b"alice pw\n", "invalid address"),
], ids=["wrong password", "trailing space", "empty password", "no password",
        "unknown user", "alias", "no encryption", "invalid address"])
def test_decrypt_user_refused(tmp_path, users, address, password, needle):
    proc, dst = decrypt_user(tmp_path, address, password,
                             sealed_for(users, "alice@example.test", b"x"),
                             ["-C", users.conf])
    assert needle in one_error_line(proc)
    assert proc.stdout == b""
    assert not dst.exists()


def test_decrypt_user_missing_config(tmp_path):
    env = dict(os.environ, MAILBOX_CONF=str(tmp_path / "env.conf"))
    for args, name in ([["-C", str(tmp_path / "none.conf")], "none.conf"],
                       [[], "env.conf"]):
        proc, dst = decrypt_user(tmp_path, "alice@example.test",
                                 b"alice pw\n", HEADER, args, env=env)
        line = one_error_line(proc)
        assert "cannot load the config" in line and name in line
        assert not dst.exists()


def test_decrypt_user_missing_database(tmp_path, instance):
    os.unlink(instance.path("mailbox.sqlite"))
    proc, dst = decrypt_user(tmp_path, "alice@example.test", b"alice pw\n",
                             HEADER, ["-C", instance.conf])
    assert "mailbox.sqlite" in one_error_line(proc)
    assert not dst.exists()


@pytest.mark.parametrize("args,needle", [
    (["-c", "-u", "a@example.test"], "with -d only"),
    (["-d", "-C", "x", "-i", "a", "-o", "b"], "-C goes with -u"),
    (["-d", "-i", "a", "-o", "b", "-u"], "needs an address"),
    (["-d", "-u", "a@example.test", "-i", "a", "-o", "b", "-C"],
     "needs a file name"),
])
def test_user_option_errors(args, needle):
    assert needle in one_error_line(run(args))
