/* Backup file header and key derivation (archive_seal.h). */
#include "store/archive_seal.h"

#include <string.h>
#include <time.h>

#include "store/archive_be.h"
#include "store/archive_seal_int.h"

static const char magic[8] = { 'A', 'M', 'B', 'B', 'K', 'U', 'P', '1' };

/* More than this is refused when reading: a hostile header must not make
 * a restore allocate or spin without end. */
#define MEMLIMIT_READ_MAX (4ULL << 30)
#define OPSLIMIT_READ_MAX 64

void archive_header_init(struct archive_header *h, enum archive_kind kind,
    const unsigned char *base_id)
{
	memset(h, 0, sizeof *h);
	h->kind = kind;
	h->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
	h->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
	randombytes_buf(h->salt, sizeof h->salt);
	randombytes_buf(h->id, sizeof h->id);
	if (base_id != NULL)
		memcpy(h->base_id, base_id, sizeof h->base_id);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->created_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void archive_header_encode(const struct archive_header *h,
    unsigned char out[ARCHIVE_HEADER_LEN])
{
	unsigned char *p = out;
	memcpy(p, magic, 8);
	p[8] = 1;
	p[9] = (unsigned char)h->kind;
	p[10] = 1;
	p[11] = 1;
	p += 12;
	archive_be_put(p, h->opslimit, 8);
	archive_be_put(p + 8, h->memlimit, 8);
	p += 16;
	memcpy(p, h->salt, 16);
	memcpy(p + 16, h->id, 16);
	memcpy(p + 32, h->base_id, 16);
	p += 48;
	archive_be_put(p, (uint64_t)h->created_us, 8);
	memcpy(p + 8, h->ss_header, sizeof h->ss_header);
}

static bool refuse(struct buf *err, const char *why)
{
	buf_addstr(err, why);
	return false;
}

bool archive_header_parse(const unsigned char *p, struct archive_header *h,
    struct buf *err)
{
	memset(h, 0, sizeof *h);
	if (memcmp(p, magic, 8) != 0)
		return refuse(err, "not an archmailbox backup (bad magic)");
	if (p[8] != 1 || p[10] != 1 || p[11] != 1 || p[9] > 1)
		return refuse(err, "unsupported backup version, KDF or compression");
	h->kind = (enum archive_kind)p[9];
	h->opslimit = archive_be_get(p + 12, 8);
	h->memlimit = archive_be_get(p + 20, 8);
	if (h->opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    h->opslimit > OPSLIMIT_READ_MAX ||
	    h->memlimit < crypto_pwhash_MEMLIMIT_MIN ||
	    h->memlimit > MEMLIMIT_READ_MAX)
		return refuse(err, "backup header asks for out-of-range Argon2id costs");
	memcpy(h->salt, p + 28, 16);
	memcpy(h->id, p + 44, 16);
	memcpy(h->base_id, p + 60, 16);
	h->created_us = (int64_t)archive_be_get(p + 76, 8);
	memcpy(h->ss_header, p + 84, sizeof h->ss_header);
	static const unsigned char zero[ARCHIVE_ID_LEN];
	if ((h->kind == ARCHIVE_FULL) != (memcmp(h->base_id, zero, 16) == 0))
		return refuse(err, "backup header: base id does not fit its kind");
	return true;
}

bool archive_key_derive(const char *pass, size_t len,
    const struct archive_header *h, unsigned char key[ARCHIVE_KEY_LEN],
    struct buf *err)
{
	if (crypto_pwhash(key, ARCHIVE_KEY_LEN, pass, len, h->salt, h->opslimit,
	    (size_t)h->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return refuse(err, "Argon2id failed (out of memory?)");
	return true;
}
