/* treesutil: key and file tool for trees encryption, command-line
 * compatible with the seed's (see treesutil(1)). Input fields are read
 * from stdin up to a NUL or the end of input, only as many as needed, so
 * a caller may keep the pipe open; output fields each end with a NUL.
 * `-d -u ADDRESS` takes the locked key from an instance's user database
 * instead. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/config.h"
#include "mail/address.h"
#include "store/compress.h"
#include "store/stream.h"
#include "store/trees.h"
#include "store/userdb.h"

#define INPUT_MAX 65536

enum mode { MODE_NONE, MODE_CREATE, MODE_PASSWD, MODE_ED25519, MODE_DECRYPT };

struct opts {
	enum mode mode;
	bool verbose;
	const char *in, *out;
	const char *user, *conf;    /* -u ADDRESS, -C CONF */
};

/* Everything read from stdin (passwords included); wiped on exit. */
static struct buf input = BUF_INIT;
static size_t input_pos;
static bool input_eof;

static void usage(FILE *f)
{
	fputs("usage: treesutil -c | -p | -s | -d [-u ADDRESS [-C CONF]] "
	    "-i IN -o OUT [-v]\n"
	    "  -c  create a key pair: stdin PASSWORD\n"
	    "  -p  change password: stdin PK SALT NONCE BOX OLDPW NEWPW\n"
	    "  -d  decrypt IN to OUT: stdin PK SALT NONCE BOX PASSWORD\n"
	    "      with -u, the key of user ADDRESS in the database of\n"
	    "      CONF: stdin one line PASSWORD\n"
	    "  -s  print a new Ed25519 key: base64 seed, space, base64 key\n"
	    "  -v  print key material to stderr (insecure)\n"
	    "stdin fields end with NUL; see treesutil(1)\n", f);
}

static _Noreturn void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	fputs("treesutil: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	buf_free(&input);
	exit(1);
}

/* Reads more of stdin into input; false at the end. */
static bool input_more(void)
{
	if (input_eof)
		return false;
	if (input.len >= INPUT_MAX)
		die("input too long");
	/* Allocated once: fields already handed out point into it. */
	if (input.cap == 0)
		buf_reserve(&input, INPUT_MAX);
	ssize_t r;
	do
		r = read(STDIN_FILENO, input.data + input.len,
		    INPUT_MAX - input.len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die("reading stdin: %s", strerror(errno));
	input.len += (size_t)r;
	input.data[input.len] = '\0';
	input_eof = r == 0;
	return r > 0;
}

/* The first NUL, or with lf also the first LF, in n bytes at p. */
static const char *find_end(const char *p, size_t n, bool lf)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\0' || (lf && p[i] == '\n'))
			return p + i;
	return NULL;
}

/* The next field: up to a NUL (with lf, also an LF), or the rest of the
 * input at its end. The string lives in input, so it stays valid until
 * exit. */
static char *next_field_until(const char *what, bool lf)
{
	for (;;) {
		/* left > 0 means input.data is allocated */
		size_t left = input.len - input_pos;
		char *start = left ? input.data + input_pos : NULL;
		const char *end = left ? find_end(start, left, lf) : NULL;
		if (end != NULL || (input_eof && left > 0)) {
			input_pos = end != NULL ? (size_t)(end - input.data) + 1 :
			    input.len;
			if (end != NULL)
				input.data[input_pos - 1] = '\0';
			return start;
		}
		if (!input_more() && input.len == input_pos)
			die("not enough input on stdin: %s missing", what);
	}
}

static const char *next_field(const char *what)
{
	return next_field_until(what, false);
}

static char *read_password(const char *what, bool new)
{
	char *pw = next_field_until(what, false);
	if (new && *pw == '\0')
		die("empty %s", what);
	return pw;
}

static void check_hex_field(const char *name, const char *hex, size_t binlen)
{
	if (strlen(hex) != 2 * binlen ||
	    strspn(hex, "0123456789abcdefABCDEF") != 2 * binlen)
		die("invalid %s: need %zu hex digits", name, 2 * binlen);
}

static void print_key_fields(FILE *f, const struct trees_key *k, char sep,
    const char *const labels[4])
{
	char pk[65], salt[33], nonce[49], box[97];
	const char *vals[4] = { pk, salt, nonce, box };
	trees_key_to_hex(k, pk, salt, nonce, box);
	for (size_t i = 0; i < 4; i++) {
		if (labels != NULL)
			fprintf(f, "%s: ", labels[i]);
		fputs(vals[i], f);
		fputc(sep, f);
	}
}

static const char *const field_labels[4] = { "public", "salt", "nonce",
	"locked" };

static void verbose_key(const struct opts *o, const struct trees_key *k)
{
	if (o->verbose)
		print_key_fields(stderr, k, '\n', field_labels);
}

/* The locked key, given as four hex fields on stdin. (A key taken from the
 * user database instead would be read by a sibling of this function.) */
static void key_from_stdin(const struct opts *o, struct trees_key *k)
{
	const char *pk = next_field("public key");
	const char *salt = next_field("salt");
	const char *nonce = next_field("nonce");
	const char *box = next_field("locked box");
	check_hex_field("public key", pk, TREES_PK_LEN);
	check_hex_field("salt", salt, TREES_SALT_LEN);
	check_hex_field("nonce", nonce, TREES_NONCE_LEN);
	check_hex_field("locked box", box, TREES_BOX_LEN);
	if (!trees_key_from_hex(pk, salt, nonce, box, k))
		die("invalid key fields");
	verbose_key(o, k);
}

/* The instance's user database, opened read-only; its file in path. */
static struct userdb *open_userdb(const char *conf, struct buf *path)
{
	struct buf err = BUF_INIT;
	struct config *cfg = config_load(config_choose_path(conf), &err);
	if (cfg == NULL)
		die("cannot load the config: %s", buf_cstr(&err));
	config_state_path(cfg, USERDB_FILE, path);
	config_free(cfg);
	struct userdb *db = userdb_open(buf_cstr(path), true, &err);
	if (db == NULL)
		die("%s", buf_cstr(&err));
	return db;
}

/* The locked key of the user at o->user (a user, not an alias). */
static void key_from_userdb(const struct opts *o, struct trees_key *k)
{
	struct buf addr = BUF_INIT, err = BUF_INIT;
	if (!addr_canon(o->user, &addr, &err)) {
		buf_addstr(&addr, "invalid address ");
		addr_quote(&addr, o->user, 80);
		die("%s: %s", buf_cstr(&addr), buf_cstr(&err));
	}
	struct buf path = BUF_INIT;
	struct userdb *db = open_userdb(o->conf, &path);
	struct userdb_user u;
	int r = userdb_user_get(db, buf_cstr(&addr), &u, &err);
	userdb_close(db);
	if (r < 0)
		die("%s", buf_cstr(&err));
	if (r == 0)
		die("%s is not a user in %s (-u needs a user, not an alias)",
		    buf_cstr(&addr), buf_cstr(&path));
	buf_free(&path);
	bool encrypt = u.encrypt;
	*k = u.key;
	userdb_user_clear(&u);
	if (!encrypt)
		die("user %s has encryption off: their mail is stored "
		    "unencrypted, so there is no key to decrypt with",
		    buf_cstr(&addr));
	buf_free(&addr);
	verbose_key(o, k);
}

/* -u's password: one line (LF or CRLF ends it) or up to a NUL. */
static char *read_password_line(void)
{
	char *pw = next_field_until("password", true);
	size_t n = strlen(pw);
	if (n > 0 && pw[n - 1] == '\r')
		pw[n - 1] = '\0';
	if (*pw == '\0')
		die("empty password");
	return pw;
}

static void print_key(const struct trees_key *k)
{
	print_key_fields(stdout, k, '\0', NULL);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("writing stdout: %s", strerror(errno));
}

static void cmd_create(const struct opts *o)
{
	struct trees_key k;
	const char *pw = read_password("password", true);
	if (!trees_key_create(pw, strlen(pw), &k))
		die("key derivation failed (out of memory?)");
	verbose_key(o, &k);
	print_key(&k);
}

static void cmd_passwd(const struct opts *o)
{
	struct trees_key k, k2;
	key_from_stdin(o, &k);
	const char *oldpw = read_password("old password", false);
	const char *newpw = read_password("new password", true);
	if (!trees_key_relock(&k, oldpw, strlen(oldpw), newpw, strlen(newpw), &k2))
		die("cannot unlock the key: wrong old password, or the fields "
		    "do not belong together");
	verbose_key(o, &k2);
	print_key(&k2);
}

static void cmd_ed25519(void)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char seed[crypto_sign_SEEDBYTES];
	char seed64[sodium_base64_ENCODED_LEN(crypto_sign_SEEDBYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	char pk64[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	crypto_sign_keypair(pk, sk);
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	sodium_bin2base64(seed64, sizeof seed64, seed, sizeof seed,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(pk64, sizeof pk64, pk, sizeof pk,
	    sodium_base64_VARIANT_ORIGINAL);
	printf("%s %s\n", seed64, pk64);
	int bad = fflush(stdout) != 0 || ferror(stdout);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(seed64, sizeof seed64);
	if (bad)
		die("writing stdout: %s", strerror(errno));
}

/* Decrypts and decompresses in to out; false with err set on failure. */
static bool decrypt_fd(int in, int out, const struct trees_key *k,
    const unsigned char sk[TREES_SK_LEN], struct buf *err)
{
	struct istream *is = decompress_istream_create(
	    trees_istream_create(istream_fd_create(in), k->pk, sk, true));
	struct ostream *os = ostream_fd_create(out);
	bool ok = stream_copy(is, os, err) && ostream_finish(os);
	if (!ok && err->len == 0)
		buf_set(err, ostream_error(os));
	istream_free(is);
	ostream_free(os);
	return ok;
}

static void cmd_decrypt(const struct opts *o)
{
	struct trees_key k;
	unsigned char sk[TREES_SK_LEN];
	struct buf err = BUF_INIT;
	int in = open(o->in, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("%s: %s", o->in, strerror(errno));
	struct stat ist, ost;
	if (fstat(in, &ist) == 0 && stat(o->out, &ost) == 0 &&
	    ist.st_dev == ost.st_dev && ist.st_ino == ost.st_ino)
		die("%s and %s are the same file", o->in, o->out);
	char *pw;
	if (o->user != NULL) {
		key_from_userdb(o, &k);
		pw = read_password_line();
	} else {
		key_from_stdin(o, &k);
		pw = read_password("password", false);
	}
	bool unlocked = trees_key_unlock(&k, pw, strlen(pw), sk);
	sodium_memzero(pw, strlen(pw));
	if (!unlocked)
		die("cannot unlock the key: wrong password%s", o->user != NULL ?
		    "" : ", or the fields do not belong together");
	if (o->verbose) {
		char hex[2 * TREES_SK_LEN + 1];
		sodium_bin2hex(hex, sizeof hex, sk, sizeof sk);
		fprintf(stderr, "secret key: %s\n", hex);
		sodium_memzero(hex, sizeof hex);
	}
	int out = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		sodium_memzero(sk, sizeof sk);
		die("%s: %s", o->out, strerror(errno));
	}
	bool ok = decrypt_fd(in, out, &k, sk, &err);
	sodium_memzero(sk, sizeof sk);
	if (close(out) != 0 && ok) {
		ok = false;
		buf_printf(&err, "closing %s: %s", o->out, strerror(errno));
	}
	close(in);
	if (!ok) {
		/* Leave no partial plaintext behind. */
		if (stat(o->out, &ost) == 0 && S_ISREG(ost.st_mode))
			unlink(o->out);
		die("%s: %s", o->in, buf_cstr(&err));
	}
	buf_free(&err);
}

static void set_mode(struct opts *o, enum mode m)
{
	if (o->mode != MODE_NONE)
		die("only one of -c, -p, -s, -d at a time");
	o->mode = m;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;
	opterr = 0;
	while ((c = getopt(argc, argv, "cpshvdi:o:u:C:")) != -1) {
		switch (c) {
		case 'c': set_mode(o, MODE_CREATE); break;
		case 'p': set_mode(o, MODE_PASSWD); break;
		case 's': set_mode(o, MODE_ED25519); break;
		case 'd': set_mode(o, MODE_DECRYPT); break;
		case 'i': o->in = optarg; break;
		case 'o': o->out = optarg; break;
		case 'u': o->user = optarg; break;
		case 'C': o->conf = optarg; break;
		case 'v': o->verbose = true; break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			if (optopt == 'i' || optopt == 'o' || optopt == 'C')
				die("option -%c needs a file name", optopt);
			if (optopt == 'u')
				die("option -u needs an address");
			die("unknown option -%c (try -h)", optopt);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (try -h)", argv[optind]);
	if (o->mode == MODE_NONE)
		die("one of -c, -p, -s, -d is needed (try -h)");
	if (o->mode == MODE_DECRYPT && (o->in == NULL || o->out == NULL))
		die("-d needs -i IN and -o OUT");
	if (o->mode != MODE_DECRYPT && (o->in != NULL || o->out != NULL ||
	    o->user != NULL))
		die("-i, -o and -u go with -d only");
	if (o->conf != NULL && o->user == NULL)
		die("-C goes with -u only");
}

int main(int argc, char **argv)
{
	struct opts o = { MODE_NONE, false, NULL, NULL, NULL, NULL };
	if (sodium_init() < 0)
		die("libsodium failed to initialise");
	parse_args(argc, argv, &o);
	switch (o.mode) {
	case MODE_CREATE:  cmd_create(&o); break;
	case MODE_PASSWD:  cmd_passwd(&o); break;
	case MODE_ED25519: cmd_ed25519(); break;
	case MODE_DECRYPT: cmd_decrypt(&o); break;
	case MODE_NONE:    break;
	}
	buf_free(&input);
	return 0;
}
