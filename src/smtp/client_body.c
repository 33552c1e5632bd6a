/* The message body: streamed, never held whole. Every line end goes out
 * as CRLF, so a bare CR or LF in a queued file can never be read by the
 * server as the end of the data (SMTP smuggling). After DATA the lines
 * are dot-stuffed (RFC 5321 4.5.2); with BDAT each piece is one chunk. */
#include "smtp/client_int.h"

void cli_body_start(struct smtp_client *c)
{
	c->phase = CP_BODY;
	c->body_bol = true;
	c->body_cr = false;
	cli_push(c, SMTP_CEV_BODY);
}

static void line_end(struct smtp_client *c, struct buf *dst)
{
	buf_add(dst, "\r\n", 2);
	c->body_bol = true;
}

/* Appends body octets to dst with CRLF line ends; a CR at the end of a
 * piece waits for the next one to know whether an LF follows. */
static void convert(struct smtp_client *c, struct buf *dst, const char *p,
    size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (c->body_cr) {
			c->body_cr = false;
			line_end(c, dst);
			if (p[i] == '\n') {
				i++;
				continue;
			}
		}
		if (p[i] == '\r' || p[i] == '\n') {
			if (p[i++] == '\r')
				c->body_cr = true;
			else
				line_end(c, dst);
			continue;
		}
		if (c->body_bol && p[i] == '.' && !c->bdat)
			buf_addch(dst, '.');
		size_t j = i;
		while (j < len && p[j] != '\r' && p[j] != '\n')
			j++;
		buf_add(dst, p + i, j - i);
		c->body_bol = false;
		i = j;
	}
}

bool smtp_client_body(struct smtp_client *c, const void *data, size_t len)
{
	if (c->phase != CP_BODY)
		return false;
	if (!c->bdat) {
		convert(c, &c->out, data, len);
		return true;
	}
	buf_reset(&c->chunk);
	convert(c, &c->chunk, data, len);
	if (c->chunk.len > 0)
		cli_bdat_send(c, false);
	return true;
}

bool smtp_client_body_end(struct smtp_client *c)
{
	if (c->phase != CP_BODY)
		return false;
	struct buf *dst = c->bdat ? &c->chunk : &c->out;
	if (c->bdat)
		buf_reset(&c->chunk);
	if (c->body_cr || !c->body_bol)
		line_end(c, dst);
	c->body_cr = false;
	c->phase = CP_DATA_END;
	if (c->bdat)
		cli_bdat_send(c, true);
	else
		buf_add(&c->out, ".\r\n", 3);
	return true;
}

bool smtp_client_wants_body(const struct smtp_client *c)
{
	return c->phase == CP_BODY;
}
