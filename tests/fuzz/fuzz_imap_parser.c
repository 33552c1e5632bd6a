/* libFuzzer target for the IMAP command parser. The input is client
 * bytes. They are parsed twice, once whole and once fed in pieces whose
 * sizes come from the data, and the two event transcripts must agree:
 * framing must not depend on how TCP cut the stream. Small limits make
 * the refusal and skip paths reachable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "imap/parser.h"
#include "imap/respond.h"

static void
walk_keys(const struct imap_search_key *k, struct buf *tr, int depth)
{
	for (; k; k = k->next) {
		buf_printf(tr, "k%d.%d ", (int)k->type, depth);
		walk_keys(k->child, tr, depth + 1);
	}
}

static void
describe(const struct imap_command *c, struct buf *tr)
{
	struct imap_writer w;

	imap_w_init(&w, tr, false);
	buf_printf(tr, "C %s %d %d ", c->tag, (int)c->type, c->uid);
	switch (c->type) {
	case IMAP_CMD_FETCH:
		imap_w_seqset(&w, &c->u.fetch.set);
		for (size_t i = 0; i < c->u.fetch.natts; i++)
			imap_w_fetch_att_name(&w, &c->u.fetch.atts[i]);
		break;
	case IMAP_CMD_SEARCH:
		walk_keys(c->u.search.key, tr, 0);
		break;
	case IMAP_CMD_SELECT:
	case IMAP_CMD_EXAMINE:
		imap_w_mailbox(&w, c->u.select.mailbox);
		break;
	case IMAP_CMD_LIST:
		for (size_t i = 0; i < c->u.list.patterns.n; i++)
			imap_w_mailbox(&w, c->u.list.patterns.v[i]);
		break;
	case IMAP_CMD_LOGIN:
		imap_w_astring(&w, c->u.login.user, strlen(c->u.login.user));
		imap_w_string(&w, c->u.login.password,
		    strlen(c->u.login.password));
		break;
	case IMAP_CMD_STORE: {
		struct imap_seqset s;
		imap_seqset_copy(&s, &c->u.store.set);
		buf_printf(tr, "%llu", (unsigned long long)
		    imap_seqset_resolve(&s, 1000));
		imap_seqset_free(&s);
		imap_w_flags(&w, c->u.store.flags.v, c->u.store.flags.n);
		break;
	}
	default:
		break;
	}
	buf_addch(tr, '|');
}

/* Returns false once the parser gave up (the glue would close). */
static bool
drain(struct imap_parser *p, struct buf *tr, uint64_t *append_bytes)
{
	struct imap_event ev;

	for (;;) {
		switch (imap_parser_next(p, &ev)) {
		case IMAP_EV_NEED_MORE:
			return true;
		case IMAP_EV_FATAL:
			buf_printf(tr, "FATAL|");
			return false;
		case IMAP_EV_COMMAND:
			describe(ev.cmd, tr);
			if (ev.cmd->type == IMAP_CMD_IDLE)
				imap_parser_expect_done(p);
			if (ev.cmd->type == IMAP_CMD_AUTHENTICATE &&
			    !ev.cmd->u.auth.initial)
				imap_parser_expect_sasl(p);
			if (ev.cmd->type == IMAP_CMD_ENABLE)
				imap_parser_set_utf8(p, true);
			imap_command_free(ev.cmd);
			break;
		case IMAP_EV_APPEND_BEGIN:
			buf_printf(tr, "B %s %llu|", ev.cmd->tag,
			    (unsigned long long)ev.cmd->u.append.size);
			/* Refuse some, deterministically. */
			if (ev.cmd->u.append.size % 3 == 1)
				imap_parser_refuse_append(p);
			imap_command_free(ev.cmd);
			break;
		case IMAP_EV_APPEND_DATA:
			if (ev.len == 0)
				abort();
			*append_bytes += ev.len;
			break;
		case IMAP_EV_APPEND_END:
			buf_printf(tr, "E %llu|", (unsigned long long)*append_bytes);
			*append_bytes = 0;
			break;
		case IMAP_EV_BAD:
			buf_printf(tr, "BAD %s %s|", ev.tag ? ev.tag : "*", ev.text);
			break;
		case IMAP_EV_SASL:
			buf_printf(tr, "S %zu|", ev.len);
			break;
		default:
			buf_printf(tr, "%d %s|", (int)ev.type,
			    ev.tag ? ev.tag : ev.text ? ev.text : "");
			break;
		}
	}
}

static char *
transcript(const uint8_t *data, size_t size, bool pieces)
{
	struct imap_parser_limits lim;
	struct imap_parser *p;
	struct buf tr = BUF_INIT;
	uint64_t append_bytes = 0;
	size_t off = 0;

	imap_parser_default_limits(&lim);
	lim.max_line = 1024;
	lim.max_literal = 512;
	lim.max_command = 4096;
	lim.max_depth = 32;
	p = imap_parser_new(&lim);
	while (off < size) {
		size_t n = pieces ? (size_t)(data[off] % 23) + 1 : size;
		if (n > size - off)
			n = size - off;
		imap_parser_feed(p, data + off, n);
		off += n;
		if (!drain(p, &tr, &append_bytes))
			break;
	}
	/* Data pending at the end shows up as a partial append count. */
	buf_printf(&tr, "end %llu", (unsigned long long)append_bytes);
	imap_parser_free(p);
	return buf_detach(&tr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = transcript(data, size, false);
	char *b = transcript(data, size, true);

	/* Appended bytes arrive in different pieces, but the same total. */
	if (strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
	return 0;
}
