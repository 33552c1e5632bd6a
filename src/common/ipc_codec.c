/* Payload and frame encoding of IPC messages (no I/O here). */
#include "common/ipc.h"

#include <string.h>

/* Frame: LE32 type, LE32 payload length, LE64 id, payload. */

static void put_le(struct buf *b, uint64_t v, int n)
{
	unsigned char tmp[8];
	for (int i = 0; i < n; i++)
		tmp[i] = (unsigned char)(v >> (8 * i));
	buf_add(b, tmp, (size_t)n);
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void ipc_w_u8(struct buf *b, uint8_t v)   { put_le(b, v, 1); }
void ipc_w_u32(struct buf *b, uint32_t v) { put_le(b, v, 4); }
void ipc_w_u64(struct buf *b, uint64_t v) { put_le(b, v, 8); }

void ipc_w_bytes(struct buf *b, const void *p, size_t len)
{
	put_le(b, len, 4);
	buf_add(b, p, len);
}

void ipc_w_str(struct buf *b, const char *s)
{
	if (s == NULL)
		s = "";
	ipc_w_bytes(b, s, strlen(s) + 1);
}

void ipc_reader_init(struct ipc_reader *r, const struct ipc_msg *m)
{
	r->p = m->data;
	r->len = m->len;
	r->off = 0;
	r->bad = false;
}

static const unsigned char *take(struct ipc_reader *r, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	const unsigned char *p = r->p + r->off;
	r->off += n;
	return p;
}

bool ipc_r_u8(struct ipc_reader *r, uint8_t *v)
{
	const unsigned char *p = take(r, 1);
	if (p)
		*v = p[0];
	return p != NULL;
}

bool ipc_r_u32(struct ipc_reader *r, uint32_t *v)
{
	const unsigned char *p = take(r, 4);
	if (p)
		*v = (uint32_t)get_le(p, 4);
	return p != NULL;
}

bool ipc_r_u64(struct ipc_reader *r, uint64_t *v)
{
	const unsigned char *p = take(r, 8);
	if (p)
		*v = get_le(p, 8);
	return p != NULL;
}

bool ipc_r_bytes(struct ipc_reader *r, const unsigned char **out, size_t *len)
{
	uint32_t n;
	if (!ipc_r_u32(r, &n))
		return false;
	const unsigned char *p = take(r, n);
	if (p) {
		*out = p;
		*len = n;
	}
	return p != NULL;
}

bool ipc_r_str(struct ipc_reader *r, const char **s)
{
	const unsigned char *p;
	size_t n;
	if (!ipc_r_bytes(r, &p, &n))
		return false;
	/* Strings travel with their terminator so the reader can point into
	 * the message; anything else is a malformed message. */
	if (n == 0 || p[n - 1] != '\0' || memchr(p, '\0', n - 1) != NULL) {
		r->bad = true;
		return false;
	}
	*s = (const char *)p;
	return true;
}

bool ipc_r_done(const struct ipc_reader *r)
{
	return !r->bad && r->off == r->len;
}

void ipc_frame(struct buf *out, uint32_t type, uint64_t id, const void *p,
    size_t len)
{
	put_le(out, type, 4);
	put_le(out, len, 4);
	put_le(out, id, 8);
	buf_add(out, p, len);
}

bool ipc_unframe(const unsigned char *p, size_t len, struct ipc_msg *m)
{
	if (len < IPC_HDR_LEN)
		return false;
	uint64_t plen = get_le(p + 4, 4);
	if (plen > IPC_MAX_PAYLOAD || plen != len - IPC_HDR_LEN)
		return false;
	m->type = (uint32_t)get_le(p, 4);
	m->id = get_le(p + 8, 8);
	m->data = p + IPC_HDR_LEN;
	m->len = (size_t)plen;
	m->fd = -1;
	return true;
}
