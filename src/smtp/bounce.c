/* RFC 3464 delivery status notifications, written the way Postfix's are
 * laid out: a human-readable part, the machine-readable status, and the
 * original message's headers. */
#include "smtp/bounce.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail/maildate.h"
#include "mail/msgid.h"

static bool reports(const struct envelope *e, const struct rcpt *r,
    enum bounce_kind kind)
{
	if (kind == BOUNCE_FAILED)
		return r->state == RCPT_FAILED;
	return r->state == RCPT_DEFERRED && !(e->flags & ENV_F_DELAY_SENT);
}

bool bounce_needed(const struct envelope *env, enum bounce_kind kind)
{
	if (env->sender == NULL || *env->sender == '\0')
		return false;      /* never answer a bounce (RFC 5321 6.1) */
	for (size_t i = 0; i < env->nrcpts; i++)
		if (reports(env, &env->rcpts[i], kind))
			return true;
	return false;
}

/* The enhanced status code in a reply text ("550 5.1.1 ..."), else the
 * class's generic one. */
static void status_of(const char *text, enum bounce_kind kind, char out[16])
{
	for (const char *p = text; *p; p++) {
		if ((p[0] == '2' || p[0] == '4' || p[0] == '5') && p[1] == '.' &&
		    (p == text || p[-1] == ' ') && isdigit((unsigned char)p[2])) {
			size_t n = strspn(p, "0123456789.");
			if (n >= 5 && n < 16 && strchr(p + 2, '.') < p + n) {
				memcpy(out, p, n);
				out[n] = '\0';
				return;
			}
		}
	}
	memcpy(out, kind == BOUNCE_FAILED ? "5.0.0" : "4.0.0", 6);
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void addr_type(struct buf *out, const char *field, const char *addr)
{
	/* RFC 6533: non-ASCII addresses use the utf-8 type. */
	buf_printf(out, "%s: %s; %s\r\n", field, ascii(addr) ? "rfc822" : "utf-8",
	    addr);
}

static void human_part(const struct bounce_params *p, struct buf *out)
{
	const struct envelope *e = p->env;
	buf_printf(out, "This is the mail system at host %s.\r\n\r\n",
	    p->hostname);
	if (p->kind == BOUNCE_FAILED)
		buf_addstr(out, "I'm sorry to have to inform you that your message "
		    "could not\r\nbe delivered to one or more recipients. The "
		    "reasons are below.\r\n\r\n");
	else
		buf_addstr(out, "Your message could not be delivered yet to the "
		    "recipients\r\nbelow. The mail system keeps trying and will "
		    "tell you if it gives up.\r\nYou do not need to send it "
		    "again.\r\n\r\n");
	for (size_t i = 0; i < e->nrcpts; i++) {
		const struct rcpt *r = &e->rcpts[i];
		if (reports(e, r, p->kind))
			buf_printf(out, "<%s>: %s\r\n", r->orig,
			    *r->error ? r->error : "no reason recorded");
	}
}

/* The remote server's reply in an error text: the whole text when it
 * starts with a reply code, else what follows the relay's "host H[ip]
 * said: " (H becoming Remote-MTA), without its "(in reply to ...)". */
static void diagnostic(const char *error, struct buf *out)
{
	const char *said = strstr(error, " said: ");
	const char *reply = isdigit((unsigned char)error[0]) ? error :
	    said != NULL && strncmp(error, "host ", 5) == 0 &&
	    isdigit((unsigned char)said[7]) ? said + 7 : NULL;
	if (reply == NULL)
		return;
	if (reply != error) {
		size_t host = strcspn(error + 5, "[ ");
		buf_printf(out, "Remote-MTA: dns; %.*s\r\n", (int)host, error + 5);
	}
	const char *tail = strstr(reply, " (in reply to ");
	size_t n = tail != NULL ? (size_t)(tail - reply) : strlen(reply);
	buf_printf(out, "Diagnostic-Code: smtp; %.*s\r\n", (int)n, reply);
}

static void status_part(const struct bounce_params *p, struct buf *out)
{
	const struct envelope *e = p->env;
	buf_printf(out, "Reporting-MTA: dns; %s\r\nX-Queue-ID: %s\r\n"
	    "Arrival-Date: ", p->hostname, e->id);
	mail_date_format((time_t)e->arrival, out);
	buf_addstr(out, "\r\n");
	for (size_t i = 0; i < e->nrcpts; i++) {
		const struct rcpt *r = &e->rcpts[i];
		char status[16];
		if (!reports(e, r, p->kind))
			continue;
		status_of(r->error, p->kind, status);
		buf_addstr(out, "\r\n");
		addr_type(out, "Final-Recipient", r->dest);
		if (strcmp(r->dest, r->orig) != 0)
			addr_type(out, "Original-Recipient", r->orig);
		buf_printf(out, "Action: %s\r\nStatus: %s\r\n",
		    p->kind == BOUNCE_FAILED ? "failed" : "delayed", status);
		diagnostic(r->error, out);
		if (p->kind == BOUNCE_DELAYED && r->next_attempt > 0) {
			buf_addstr(out, "Will-Retry-Until: ");
			mail_date_format((time_t)r->next_attempt, out);
			buf_addstr(out, "\r\n");
		}
	}
}

void bounce_build(const struct bounce_params *p, struct buf *out)
{
	const struct envelope *e = p->env;
	struct buf boundary = BUF_INIT;
	buf_printf(&boundary, "%s.%lu/%s", e->id, (unsigned long)p->now,
	    p->hostname);
	buf_printf(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n",
	    p->hostname);
	buf_printf(out, "To: <%s>\r\nSubject: %s\r\nDate: ", e->sender,
	    p->kind == BOUNCE_FAILED ? "Undelivered Mail Returned to Sender" :
	    "Delayed Mail (still being retried)");
	mail_date_format((time_t)p->now, out);
	buf_addstr(out, "\r\nMessage-ID: ");
	msgid_generate(p->hostname, out);
	buf_printf(out, "\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s\"\r\n\r\nThis is a MIME-encapsulated message.\r\n\r\n",
	    boundary.data);
	buf_printf(out, "--%s\r\nContent-Description: Notification\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n", boundary.data);
	human_part(p, out);
	buf_printf(out, "\r\n--%s\r\nContent-Description: Delivery report\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n", boundary.data);
	status_part(p, out);
	buf_printf(out, "\r\n--%s\r\nContent-Description: Undelivered Message "
	    "Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n", boundary.data);
	size_t n = p->headers_len < BOUNCE_HEADERS_MAX ? p->headers_len :
	    BOUNCE_HEADERS_MAX;
	buf_add(out, p->headers, n);
	if (n < 2 || memcmp(p->headers + n - 2, "\r\n", 2) != 0)
		buf_addstr(out, "\r\n");
	buf_printf(out, "\r\n--%s--\r\n", boundary.data);
	buf_free(&boundary);
}

bool bounce_read_headers(int fd, struct buf *out)
{
	char chunk[4096];
	while (out->len < BOUNCE_HEADERS_MAX) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			break;
		size_t old = out->len;
		buf_add(out, chunk, (size_t)n);
		/* Look for the empty line, also across the chunk seam. */
		size_t from = old >= 3 ? old - 3 : 0;
		const char *end = memmem(out->data + from, out->len - from,
		    "\r\n\r\n", 4);
		if (end != NULL) {
			out->len = (size_t)(end - out->data) + 2;
			out->data[out->len] = '\0';
			break;
		}
	}
	if (out->len > BOUNCE_HEADERS_MAX) {
		out->len = BOUNCE_HEADERS_MAX;
		out->data[out->len] = '\0';
	}
	return true;
}
