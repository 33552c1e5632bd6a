/* Envelope file format (all integers little-endian, strings as in
 * common/ipc.h: u32 length including the NUL, bytes, NUL):
 *   magic "AMBQENV\n", u32 version,
 *   str id, u64 arrival, u64 size, str sender, str helo, str client,
 *   str auth_user, str tls, u32 flags, u32 nrcpts,
 *   nrcpts x { str orig, str dest, str folder, u8 kind, u8 state,
 *              u32 attempts, u64 next_attempt, str error },
 *   32-byte BLAKE2b (crypto_generichash) of everything before it. */
#include "smtp/envelope.h"

#include <string.h>

#include <sodium.h>

#include "common/ipc.h"

/* Smallest encoding of one recipient: four empty strings (5 bytes each)
 * and the fixed fields. Bounds nrcpts before anything is allocated. */
#define RCPT_MIN_LEN (4 * 5 + 1 + 1 + 4 + 8)

static void encode_rcpt(struct buf *b, const struct rcpt *r)
{
	ipc_w_str(b, r->orig);
	ipc_w_str(b, r->dest);
	ipc_w_str(b, r->folder);
	ipc_w_u8(b, (uint8_t)r->kind);
	ipc_w_u8(b, (uint8_t)r->state);
	ipc_w_u32(b, r->attempts);
	ipc_w_u64(b, r->next_attempt);
	ipc_w_str(b, r->error);
}

bool envelope_encode(const struct envelope *e, struct buf *out, struct buf *err)
{
	if (!envelope_check(e, err))
		return false;
	size_t start = out->len;
	buf_add(out, ENVELOPE_MAGIC, ENVELOPE_MAGIC_LEN);
	ipc_w_u32(out, ENVELOPE_VERSION);
	ipc_w_str(out, e->id);
	ipc_w_u64(out, e->arrival);
	ipc_w_u64(out, e->size);
	ipc_w_str(out, e->sender);
	ipc_w_str(out, e->helo);
	ipc_w_str(out, e->client);
	ipc_w_str(out, e->auth_user);
	ipc_w_str(out, e->tls);
	ipc_w_u32(out, e->flags);
	ipc_w_str(out, e->added_headers);
	ipc_w_u32(out, (uint32_t)e->spam_score);
	ipc_w_u32(out, (uint32_t)e->nrcpts);
	for (size_t i = 0; i < e->nrcpts; i++)
		encode_rcpt(out, &e->rcpts[i]);
	/* The decoder refuses a bigger file: never write one. */
	if (out->len - start + ENVELOPE_SUM_LEN > ENVELOPE_MAX_FILE) {
		buf_printf(err, "envelope: %zu bytes encoded, more than %u",
		    out->len - start + ENVELOPE_SUM_LEN, ENVELOPE_MAX_FILE);
		out->len = start;
		out->data[start] = '\0';
		return false;
	}
	unsigned char sum[ENVELOPE_SUM_LEN];
	crypto_generichash(sum, sizeof sum, (const unsigned char *)out->data + start,
	    out->len - start, NULL, 0);
	buf_add(out, sum, sizeof sum);
	return true;
}

/* Reads a string into a freshly allocated field. */
static bool r_field(struct ipc_reader *r, char **field)
{
	const char *s;
	if (!ipc_r_str(r, &s))
		return false;
	envelope_set(field, s);
	return true;
}

static bool decode_rcpt(struct ipc_reader *r, struct envelope *e)
{
	struct rcpt *rc = envelope_add_rcpt(e, "", "", "", RCPT_LOCAL);
	uint8_t kind = 0, state = 0;
	bool ok = r_field(r, &rc->orig) && r_field(r, &rc->dest) &&
	    r_field(r, &rc->folder) && ipc_r_u8(r, &kind) && ipc_r_u8(r, &state) &&
	    ipc_r_u32(r, &rc->attempts) && ipc_r_u64(r, &rc->next_attempt) &&
	    r_field(r, &rc->error);
	/* Stored as read; envelope_check then refuses unknown values. */
	rc->kind = (enum rcpt_kind)kind;
	rc->state = (enum rcpt_state)state;
	return ok;
}

static bool decode_fields(struct ipc_reader *r, struct envelope *e,
    uint32_t version)
{
	const char *id;
	uint32_t nrcpts, score = 0;
	if (!ipc_r_str(r, &id) || !queue_id_valid(id))
		return false;
	memcpy(e->id, id, QUEUE_ID_SIZE);
	if (!ipc_r_u64(r, &e->arrival) || !ipc_r_u64(r, &e->size) ||
	    !r_field(r, &e->sender) || !r_field(r, &e->helo) ||
	    !r_field(r, &e->client) || !r_field(r, &e->auth_user) ||
	    !r_field(r, &e->tls) || !ipc_r_u32(r, &e->flags))
		return false;
	if (version >= 2 && (!r_field(r, &e->added_headers) ||
	    !ipc_r_u32(r, &score)))
		return false;
	e->spam_score = (int32_t)score;
	if (!ipc_r_u32(r, &nrcpts))
		return false;
	if (nrcpts > ENVELOPE_MAX_RCPTS || nrcpts > (r->len - r->off) / RCPT_MIN_LEN)
		return false;
	for (uint32_t i = 0; i < nrcpts; i++)
		if (!decode_rcpt(r, e))
			return false;
	return ipc_r_done(r);
}

bool envelope_decode(const unsigned char *p, size_t len, struct envelope *e,
    struct buf *err)
{
	envelope_init(e);
	const size_t fixed = ENVELOPE_MAGIC_LEN + 4 + ENVELOPE_SUM_LEN;
	if (len < fixed || len > ENVELOPE_MAX_FILE) {
		buf_printf(err, "envelope: bad length %zu", len);
		return false;
	}
	if (memcmp(p, ENVELOPE_MAGIC, ENVELOPE_MAGIC_LEN) != 0) {
		buf_printf(err, "envelope: bad magic");
		return false;
	}
	size_t body = len - ENVELOPE_SUM_LEN;
	unsigned char sum[ENVELOPE_SUM_LEN];
	crypto_generichash(sum, sizeof sum, p, body, NULL, 0);
	if (sodium_memcmp(sum, p + body, sizeof sum) != 0) {
		buf_printf(err, "envelope: checksum mismatch (torn or corrupted)");
		return false;
	}
	struct ipc_msg m = { .data = p + ENVELOPE_MAGIC_LEN,
	    .len = body - ENVELOPE_MAGIC_LEN, .fd = -1 };
	struct ipc_reader r;
	ipc_reader_init(&r, &m);
	uint32_t version;
	/* Version 1 files (spooled before an upgrade) still decode. */
	if (!ipc_r_u32(&r, &version) || version < 1 || version > ENVELOPE_VERSION) {
		buf_printf(err, "envelope: unsupported version");
		return false;
	}
	if (!decode_fields(&r, e, version)) {
		buf_printf(err, "envelope: malformed fields");
		return false;
	}
	return envelope_check(e, err);
}
