/* The message body after 354: streamed, never held whole. Lines are
 * dot-stuffed (RFC 5321 4.5.2) and every line end goes out as CRLF, so a
 * bare CR or LF in a queued file can never be read by the server as the
 * end of the data (SMTP smuggling). */
#include "smtp/client_int.h"

void cli_body_start(struct smtp_client *c)
{
	c->phase = CP_BODY;
	c->body_bol = true;
	c->body_cr = false;
	cli_push(c, SMTP_CEV_BODY);
}

static void line_end(struct smtp_client *c)
{
	buf_add(&c->out, "\r\n", 2);
	c->body_bol = true;
}

bool smtp_client_body(struct smtp_client *c, const void *data, size_t len)
{
	if (c->phase != CP_BODY)
		return false;
	const char *p = data;
	size_t i = 0;
	while (i < len) {
		if (c->body_cr) {
			c->body_cr = false;
			line_end(c);
			if (p[i] == '\n') {
				i++;
				continue;
			}
		}
		if (p[i] == '\r' || p[i] == '\n') {
			if (p[i++] == '\r')
				c->body_cr = true;
			else
				line_end(c);
			continue;
		}
		if (c->body_bol && p[i] == '.')
			buf_addch(&c->out, '.');
		size_t j = i;
		while (j < len && p[j] != '\r' && p[j] != '\n')
			j++;
		buf_add(&c->out, p + i, j - i);
		c->body_bol = false;
		i = j;
	}
	return true;
}

bool smtp_client_body_end(struct smtp_client *c)
{
	if (c->phase != CP_BODY)
		return false;
	if (c->body_cr || !c->body_bol)
		line_end(c);
	c->body_cr = false;
	buf_add(&c->out, ".\r\n", 3);
	c->phase = CP_DATA_END;
	return true;
}

bool smtp_client_wants_body(const struct smtp_client *c)
{
	return c->phase == CP_BODY;
}
