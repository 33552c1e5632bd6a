/* IMAP command parser: every command form, literals, APPEND streaming,
 * limits, recovery and hostile input. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "imap/parser.h"
#include "imap/respond.h"

/* Runs the parser over input fed in two pieces (split at `split`) and
 * returns a transcript of the events; APPEND data is gathered so any
 * split gives the same transcript. */
static void
drain(struct imap_parser *p, struct buf *tr, struct buf *data)
{
	struct imap_event ev;

	for (;;) {
		switch (imap_parser_next(p, &ev)) {
		case IMAP_EV_NEED_MORE:
			return;
		case IMAP_EV_COMMAND:
			buf_printf(tr, "CMD %s %s%s|", ev.cmd->tag,
			    ev.cmd->uid ? "UID " : "", imap_cmd_name(ev.cmd->type));
			if (ev.cmd->type == IMAP_CMD_IDLE)
				imap_parser_expect_done(p);
			if (ev.cmd->type == IMAP_CMD_AUTHENTICATE &&
			    !ev.cmd->u.auth.initial)
				imap_parser_expect_sasl(p);
			imap_command_free(ev.cmd);
			break;
		case IMAP_EV_CONTINUE:
			buf_addstr(tr, "+|");
			break;
		case IMAP_EV_BAD:
			buf_printf(tr, "BAD %s %s|", ev.tag ? ev.tag : "*", ev.text);
			break;
		case IMAP_EV_APPEND_BEGIN:
			buf_printf(tr, "BEGIN %s %s %u %llu|", ev.cmd->tag,
			    ev.cmd->u.append.mailbox, ev.cmd->u.append.index,
			    (unsigned long long)ev.cmd->u.append.size);
			imap_command_free(ev.cmd);
			break;
		case IMAP_EV_APPEND_DATA:
			buf_add(data, ev.data, ev.len);
			break;
		case IMAP_EV_APPEND_END:
			buf_printf(tr, "END %s|", buf_cstr(data));
			buf_reset(data);
			break;
		case IMAP_EV_APPEND_DONE:
			buf_printf(tr, "DONE %s|", ev.tag);
			break;
		case IMAP_EV_DONE:
			buf_printf(tr, "IDLEDONE %s|", ev.text ? ev.text : "ok");
			break;
		case IMAP_EV_SASL:
			buf_addstr(tr, "SASL|");
			break;
		case IMAP_EV_FATAL:
			buf_printf(tr, "FATAL %s|", ev.text);
			return;
		}
	}
}

static char *
run_split(const char *in, size_t len, size_t split)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct buf tr = BUF_INIT, data = BUF_INIT;

	imap_parser_feed(p, in, split);
	drain(p, &tr, &data);
	imap_parser_feed(p, in + split, len - split);
	drain(p, &tr, &data);
	imap_parser_free(p);
	buf_free(&data);
	return buf_detach(&tr);
}

static char *
run(const char *in)
{
	return run_split(in, strlen(in), 0);
}

#define CHECK_RUN(in, want) do { \
	char *got_ = run(in); CHECK_STR(got_, want); free(got_); } while (0)
/* For inputs with NUL bytes: in must be a string literal. */
#define CHECK_RUNB(in, want) do { \
	char *got_ = run_split(in, sizeof(in) - 1, 0); \
	CHECK_STR(got_, want); free(got_); } while (0)

/* Parses exactly one command; NULL (and the BAD text in err) if refused. */
static struct imap_command *
one(const char *line, char *err, size_t errlen)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_event ev;
	struct imap_command *c = NULL;
	enum imap_event_type t;

	imap_parser_feed(p, line, strlen(line));
	err[0] = '\0';
	while ((t = imap_parser_next(p, &ev)) != IMAP_EV_NEED_MORE) {
		if (t == IMAP_EV_COMMAND && !c)
			c = ev.cmd;
		else if (t == IMAP_EV_COMMAND)
			imap_command_free(ev.cmd);
		else if (t == IMAP_EV_BAD || t == IMAP_EV_FATAL)
			snprintf(err, errlen, "%s", ev.text);
	}
	imap_parser_free(p);
	return c;
}

static bool
parses(const char *line)
{
	char err[200];
	struct imap_command *c = one(line, err, sizeof(err));
	bool ok = c != NULL;

	if (!ok)
		fprintf(stderr, "  refused: %s-> %s\n", line, err);
	imap_command_free(c);
	return ok;
}

static bool
refused(const char *line)
{
	char err[200];
	struct imap_command *c = one(line, err, sizeof(err));

	imap_command_free(c);
	return c == NULL && err[0] != '\0';
}

TEST(imap_parser_simple_commands)
{
	CHECK_RUN("a1 CAPABILITY\r\nA2 noop\r\na3 LOGOUT\r\n",
	    "CMD a1 CAPABILITY|CMD A2 NOOP|CMD a3 LOGOUT|");
	CHECK_RUN("t STARTTLS\r\nt NAMESPACE\r\nt CHECK\r\nt CLOSE\r\n"
	    "t UNSELECT\r\nt EXPUNGE\r\nt IDLE\r\nDONE\r\n",
	    "CMD t STARTTLS|CMD t NAMESPACE|CMD t CHECK|CMD t CLOSE|"
	    "CMD t UNSELECT|CMD t EXPUNGE|CMD t IDLE|IDLEDONE ok|");
	CHECK(refused("a NOOP extra\r\n"));
	CHECK(refused("a FROB\r\n"));
	CHECK(refused("a UID NOOP\r\n"));
	CHECK(refused("a  NOOP\r\n"));
	CHECK(refused("a\r\n"));
}

TEST(imap_parser_login_auth)
{
	char err[200];
	struct imap_command *c;

	c = one("a LOGIN \"us\\\"er\" {6+}\r\npa ss\"\r\n", err, sizeof(err));
	CHECK(c && c->type == IMAP_CMD_LOGIN);
	if (c) {
		CHECK_STR(c->u.login.user, "us\"er");
		CHECK_STR(c->u.login.password, "pa ss\"");
	}
	imap_command_free(c);
	c = one("a authenticate plain AGZvbwBiYXI=\r\n", err, sizeof(err));
	CHECK(c && c->type == IMAP_CMD_AUTHENTICATE);
	if (c) {
		CHECK_STR(c->u.auth.mechanism, "PLAIN");
		CHECK_STR(c->u.auth.initial, "AGZvbwBiYXI=");
	}
	imap_command_free(c);
	c = one("a AUTHENTICATE PLAIN =\r\n", err, sizeof(err));
	CHECK(c && c->u.auth.initial && c->u.auth.initial[0] == '\0');
	imap_command_free(c);
	c = one("a AUTHENTICATE PLAIN\r\n", err, sizeof(err));
	CHECK(c && c->u.auth.initial == NULL);
	imap_command_free(c);
	CHECK(refused("a AUTHENTICATE PLAIN a!b\r\n"));
	CHECK(refused("a LOGIN user\r\n"));
	CHECK(parses("a ENABLE CONDSTORE QRESYNC UTF8=ACCEPT\r\n"));
	CHECK(refused("a ENABLE\r\n"));
}

TEST(imap_parser_sasl_continuation)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_event ev;
	const char *in = "a AUTHENTICATE PLAIN\r\nAGZvbwBiYXI=\r\nb NOOP\r\n";

	imap_parser_feed(p, in, strlen(in));
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_COMMAND);
	imap_command_free(ev.cmd);
	imap_parser_expect_sasl(p);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_SASL);
	CHECK_MEM(ev.data, ev.len, "AGZvbwBiYXI=", 12);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_COMMAND);
	CHECK(ev.cmd && ev.cmd->type == IMAP_CMD_NOOP);
	imap_command_free(ev.cmd);
	imap_parser_free(p);
}

TEST(imap_parser_select_examine)
{
	char err[200];
	struct imap_command *c;

	c = one("a SELECT inbox\r\n", err, sizeof(err));
	CHECK(c && strcmp(c->u.select.mailbox, "INBOX") == 0);
	imap_command_free(c);
	c = one("a EXAMINE \"Sent\" (CONDSTORE)\r\n", err, sizeof(err));
	CHECK(c && c->type == IMAP_CMD_EXAMINE && c->u.select.condstore);
	imap_command_free(c);
	c = one("a SELECT INBOX (QRESYNC (67890007 20050715194045000 "
	    "41,43:211,214:541 (1:10 41:50)))\r\n", err, sizeof(err));
	CHECK(c != NULL);
	if (c) {
		CHECK(c->u.select.qresync);
		CHECK(c->u.select.qr.uidvalidity == 67890007);
		CHECK(c->u.select.qr.modseq == 20050715194045000ULL);
		CHECK(c->u.select.qr.has_known_uids);
		CHECK(c->u.select.qr.known_uids.n == 3);
		CHECK(c->u.select.qr.has_seq_match);
		CHECK(c->u.select.qr.known_seq_uids.r[0].lo == 41);
	}
	imap_command_free(c);
	CHECK(parses("a SELECT INBOX (QRESYNC (1 2))\r\n"));
	CHECK(refused("a SELECT INBOX (QRESYNC (0 2))\r\n"));
	CHECK(refused("a SELECT INBOX (FOO)\r\n"));
	CHECK(refused("a SELECT\r\n"));
	CHECK(refused("a SELECT \"\"\r\n"));
}

TEST(imap_parser_mailbox_commands)
{
	char err[200];
	struct imap_command *c;

	c = one("a CREATE \"Entw&APw-rfe\" (USE (\\Drafts))\r\n", err, sizeof(err));
	CHECK(c != NULL);
	if (c) {
		CHECK_STR(c->u.create.mailbox, "Entw\xc3\xbcrfe");
		CHECK(c->u.create.use.n == 1);
		CHECK_STR(c->u.create.use.v[0], "\\Drafts");
	}
	imap_command_free(c);
	CHECK(refused("a CREATE \"bad&-&AGE\"\r\n"));
	CHECK(parses("a DELETE foo\r\n"));
	c = one("a RENAME old {3}\r\nnew\r\n", err, sizeof(err));
	CHECK(c && strcmp(c->u.rename.to, "new") == 0);
	imap_command_free(c);
	CHECK(parses("a SUBSCRIBE a/b\r\n"));
	CHECK(parses("a UNSUBSCRIBE \"a b\"\r\n"));
	c = one("a STATUS INBOX (MESSAGES UIDNEXT unseen SIZE HIGHESTMODSEQ "
	    "APPENDLIMIT DELETED RECENT UIDVALIDITY DELETED-STORAGE)\r\n",
	    err, sizeof(err));
	CHECK(c && c->u.status.items == 0x3ff);
	imap_command_free(c);
	CHECK(refused("a STATUS INBOX ()\r\n"));
	CHECK(refused("a STATUS INBOX (BOGUS)\r\n"));
	CHECK(parses("a GETQUOTA \"\"\r\n"));
	CHECK(parses("a GETQUOTAROOT INBOX\r\n"));
	c = one("a SETQUOTA \"\" (STORAGE 512 message 1000)\r\n", err, sizeof(err));
	CHECK(c && c->u.setquota.resources.n == 2 && c->u.setquota.limits[1] == 1000);
	if (c)
		CHECK_STR(c->u.setquota.resources.v[1], "MESSAGE");
	imap_command_free(c);
	c = one("a ID (\"name\" \"Thunderbird\" \"version\" NIL)\r\n", err, sizeof(err));
	CHECK(c && c->u.id.kv.n == 4 && c->u.id.kv.v[3] == NULL);
	imap_command_free(c);
	CHECK(parses("a ID NIL\r\n"));
	CHECK(refused("a ID (\"name\")\r\n"));
}

TEST(imap_parser_list)
{
	char err[200];
	struct imap_command *c;

	c = one("a LIST \"\" \"*\"\r\n", err, sizeof(err));
	CHECK(c && !c->u.list.extended && c->u.list.patterns.n == 1);
	imap_command_free(c);
	CHECK(parses("a LIST \"\" %\r\n"));
	CHECK(parses("a LSUB \"\" *\r\n"));
	c = one("a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" \"Sent/%\") "
	    "RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n",
	    err, sizeof(err));
	CHECK(c != NULL);
	if (c) {
		CHECK(c->u.list.extended);
		CHECK(c->u.list.select_opts == (IMAP_LISTSEL_SUBSCRIBED |
		    IMAP_LISTSEL_RECURSIVEMATCH));
		CHECK(c->u.list.patterns.n == 2);
		CHECK(c->u.list.return_opts & IMAP_LISTRET_STATUS);
		CHECK(c->u.list.status_items == (IMAP_STATUS_MESSAGES |
		    IMAP_STATUS_UNSEEN));
	}
	imap_command_free(c);
	CHECK(parses("a LIST (SPECIAL-USE) \"\" *\r\n"));
	CHECK(parses("a LIST \"\" * RETURN ()\r\n"));
	CHECK(refused("a LIST (RECURSIVEMATCH) \"\" *\r\n"));
	CHECK(refused("a LIST \"\" * RETURN (BOGUS)\r\n"));
	CHECK(refused("a LIST \"\"\r\n"));
}

static const struct imap_search_key *
search_root(const struct imap_command *c)
{
	return c ? c->u.search.key : NULL;
}

TEST(imap_parser_search)
{
	char err[200];
	struct imap_command *c;
	const struct imap_search_key *k;

	c = one("a UID SEARCH RETURN (MIN MAX COUNT) CHARSET UTF-8 OR "
	    "(FROM \"x\" NOT SEEN) 1:5,7 SINCE 1-Feb-2024 HEADER X-Spam yes\r\n",
	    err, sizeof(err));
	CHECK(c && c->uid && c->u.search.has_return);
	k = search_root(c);
	if (c && k) {
		CHECK(c->u.search.return_opts == (IMAP_SEARCHRET_MIN |
		    IMAP_SEARCHRET_MAX | IMAP_SEARCHRET_COUNT));
		CHECK_STR(c->u.search.charset, "UTF-8");
		k = k->child;
		CHECK(k->type == IMAP_SK_OR);
		CHECK(k->child->type == IMAP_SK_AND);
		CHECK(k->child->child->type == IMAP_SK_FROM);
		CHECK(k->child->child->next->type == IMAP_SK_NOT);
		CHECK(k->child->next->type == IMAP_SK_SEQSET);
		CHECK(k->next->type == IMAP_SK_SINCE);
		CHECK(k->next->date.year == 2024 && k->next->date.month == 2);
		CHECK(k->next->next->type == IMAP_SK_HEADER);
		CHECK_STR(k->next->next->field, "X-Spam");
	}
	imap_command_free(c);
	c = one("a SEARCH RETURN () ALL\r\n", err, sizeof(err));
	CHECK(c && c->u.search.return_opts == IMAP_SEARCHRET_ALL);
	imap_command_free(c);
	const char *ok[] = {
		"a SEARCH ALL\r\n", "a SEARCH UNSEEN UNDELETED\r\n",
		"a SEARCH $\r\n", "a SEARCH RETURN (SAVE) FLAGGED\r\n",
		"a SEARCH MODSEQ 620162338\r\n",
		"a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n",
		"a SEARCH LARGER 100 SMALLER 2000 UID 1:*\r\n",
		"a SEARCH KEYWORD $Junk UNKEYWORD $NotJunk\r\n",
		"a SEARCH BEFORE \"1-Jan-2020\" ON 29-Feb-2024 SENTON 2-Mar-2020\r\n",
		"a SEARCH SENTBEFORE 1-Jan-2020 SENTSINCE 1-Jan-2019\r\n",
		"a SEARCH TEXT {5}\r\nhello BODY b CC c BCC d TO e SUBJECT s\r\n",
		"a SEARCH ANSWERED DELETED DRAFT NEW OLD RECENT SEEN UNANSWERED "
		    "UNDRAFT UNFLAGGED UNSEEN\r\n",
		"a SEARCH OLDER 60 YOUNGER 30\r\n",
		"a SEARCH ((((SEEN))))\r\n",
		"a SEARCH CHARSET US-ASCII TEXT \"\xc3\xa9t\xc3\xa9\"\r\n",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(parses(ok[i]));
	const char *bad[] = {
		"a SEARCH\r\n", "a SEARCH (SEEN\r\n", "a SEARCH SEEN)\r\n",
		"a SEARCH ()\r\n", "a SEARCH OR SEEN\r\n", "a SEARCH NOT\r\n",
		"a SEARCH BEFORE 30-Feb-2024\r\n", "a SEARCH ON 1-Foo-2020\r\n",
		"a SEARCH LARGER -5\r\n", "a SEARCH 0:5\r\n",
		"a SEARCH 4294967296\r\n", "a SEARCH KEYWORD \\Seen\r\n",
		"a SEARCH BOGUS\r\n", "a SEARCH RETURN (BOGUS) ALL\r\n",
		"a SEARCH MODSEQ \"/flags/x\" mine 5\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(refused(bad[i]));
}

TEST(imap_parser_search_deep_nesting)
{
	struct buf b = BUF_INIT;
	char err[200];
	struct imap_command *c;

	buf_addstr(&b, "a SEARCH ");
	for (int i = 0; i < 10000; i++)
		buf_addch(&b, '(');
	buf_addstr(&b, "SEEN");
	for (int i = 0; i < 10000; i++)
		buf_addch(&b, ')');
	buf_addstr(&b, "\r\n");
	c = one(buf_cstr(&b), err, sizeof(err));
	CHECK(c == NULL);
	CHECK(strstr(err, "nested too deeply") != NULL);
	buf_reset(&b);
	buf_addstr(&b, "a SEARCH ");
	for (int i = 0; i < 10000; i++)
		buf_addstr(&b, "NOT ");
	buf_addstr(&b, "SEEN\r\n");
	CHECK(refused(buf_cstr(&b)));
	buf_free(&b);
	/* 60 levels are fine. */
	CHECK(parses("a SEARCH ((((((((((((((((((((((((((((((SEEN"
	    "))))))))))))))))))))))))))))))\r\n"));
}

TEST(imap_parser_sort_thread)
{
	char err[200];
	struct imap_command *c;

	c = one("a UID SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n", err, sizeof(err));
	CHECK(c && c->uid && c->u.sort.ncrit == 2 && c->u.sort.crit[0].reverse);
	if (c)
		CHECK(c->u.sort.crit[1].key == IMAP_SORT_SUBJECT);
	imap_command_free(c);
	CHECK(parses("a SORT RETURN (MIN COUNT) (ARRIVAL) US-ASCII SEEN\r\n"));
	CHECK(refused("a SORT () UTF-8 ALL\r\n"));
	CHECK(refused("a SORT (REVERSE) UTF-8 ALL\r\n"));
	c = one("a THREAD REFERENCES UTF-8 SINCE 1-Jan-2024\r\n", err, sizeof(err));
	CHECK(c && c->u.thread.alg == IMAP_THREAD_REFERENCES);
	imap_command_free(c);
	CHECK(parses("a UID THREAD ORDEREDSUBJECT US-ASCII ALL\r\n"));
	CHECK(refused("a THREAD FOO UTF-8 ALL\r\n"));
}

static void
check_att_name(const struct imap_fetch_att *a, const char *want)
{
	struct buf b = BUF_INIT;
	struct imap_writer w;

	imap_w_init(&w, &b, false);
	imap_w_fetch_att_name(&w, a);
	CHECK_STR(buf_cstr(&b), want);
	buf_free(&b);
}

TEST(imap_parser_fetch)
{
	char err[200];
	struct imap_command *c;

	c = one("a UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[HEADER."
	    "FIELDS (From To \"Subject\")]<0.2048> BINARY[1.2]<5.10> "
	    "BINARY.SIZE[3] BODY[1.2.MIME] BODY[TEXT] MODSEQ) "
	    "(CHANGEDSINCE 12345 VANISHED)\r\n", err, sizeof(err));
	CHECK(c && c->uid && c->u.fetch.natts == 9);
	if (c && c->u.fetch.natts == 9) {
		const struct imap_fetch_att *a = c->u.fetch.atts;
		CHECK(a[3].type == IMAP_FA_BODY_SECTION && a[3].peek);
		CHECK(a[3].section.spec == IMAP_SEC_HEADER_FIELDS);
		CHECK(a[3].section.fields.n == 3);
		CHECK(a[3].partial && a[3].length == 2048);
		check_att_name(&a[3], "BODY[HEADER.FIELDS (From To Subject)]<0>");
		CHECK(a[4].type == IMAP_FA_BINARY && a[4].section.nparts == 2);
		check_att_name(&a[4], "BINARY[1.2]<5>");
		check_att_name(&a[5], "BINARY.SIZE[3]");
		check_att_name(&a[6], "BODY[1.2.MIME]");
		check_att_name(&a[7], "BODY[TEXT]");
		CHECK(a[8].type == IMAP_FA_MODSEQ);
		CHECK(c->u.fetch.vanished && c->u.fetch.changedsince == 12345);
	}
	imap_command_free(c);
	c = one("a FETCH 1 full\r\n", err, sizeof(err));
	CHECK(c && c->u.fetch.macro == IMAP_FM_FULL && c->u.fetch.natts == 5);
	imap_command_free(c);
	c = one("a FETCH 2:4 BODY[]\r\n", err, sizeof(err));
	CHECK(c && c->u.fetch.natts == 1);
	if (c)
		check_att_name(&c->u.fetch.atts[0], "BODY[]");
	imap_command_free(c);
	const char *ok[] = {
		"a FETCH 1 ALL\r\n", "a FETCH 1 FAST\r\n", "a FETCH 1 BODY\r\n",
		"a FETCH 1 (BODYSTRUCTURE INTERNALDATE UID RFC822 RFC822.HEADER "
		    "RFC822.TEXT)\r\n",
		"a FETCH * (BODY[HEADER.FIELDS.NOT (Received)])\r\n",
		"a FETCH $ FLAGS\r\n", "a FETCH 5:1 (BINARY.PEEK[])\r\n",
		"a FETCH 1 (FLAGS) (CHANGEDSINCE 1)\r\n",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(parses(ok[i]));
	const char *bad[] = {
		"a FETCH 1\r\n", "a FETCH 1 ()\r\n", "a FETCH 1 (FLAGS\r\n",
		"a FETCH 1 BODY[0]\r\n", "a FETCH 1 BODY[1.]\r\n",
		"a FETCH 1 BODY[HEADER.FIELDS ()]\r\n",
		"a FETCH 1 BODY[]<1.0>\r\n", "a FETCH 1 BODY[]<1>\r\n",
		"a FETCH 1 BINARY[TEXT]\r\n", "a FETCH 1 BODY[1.MIMEX]\r\n",
		"a FETCH 1 (FLAGS) (VANISHED)\r\n",
		"a FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)\r\n",
		"a FETCH 1 BOGUS\r\n", "a FETCH 1:2:3 FLAGS\r\n",
		"a FETCH 1,,2 FLAGS\r\n", "a FETCH -1 FLAGS\r\n",
		"a FETCH 1 BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18."
		    "19.20.21.22.23.24.25.26.27.28.29.30.31.32.33]\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(refused(bad[i]));
}

TEST(imap_parser_store_copy_move)
{
	char err[200];
	struct imap_command *c;

	c = one("a UID STORE 1:3 (UNCHANGEDSINCE 99) +FLAGS.SILENT (\\Seen $Junk)\r\n",
	    err, sizeof(err));
	CHECK(c && c->uid && c->u.store.op == IMAP_STORE_ADD && c->u.store.silent);
	if (c) {
		CHECK(c->u.store.has_unchangedsince && c->u.store.unchangedsince == 99);
		CHECK(c->u.store.flags.n == 2);
		CHECK_STR(c->u.store.flags.v[0], "\\Seen");
	}
	imap_command_free(c);
	c = one("a STORE 2 -FLAGS \\Deleted \\Flagged\r\n", err, sizeof(err));
	CHECK(c && c->u.store.op == IMAP_STORE_REMOVE && c->u.store.flags.n == 2);
	imap_command_free(c);
	CHECK(parses("a STORE 1 FLAGS ()\r\n"));
	CHECK(refused("a STORE 1 +FLAGS (\\*)\r\n"));
	CHECK(refused("a STORE 1 FLAG (\\Seen)\r\n"));
	CHECK(refused("a STORE 1 (UNCHANGEDSINCE) FLAGS ()\r\n"));
	c = one("a UID MOVE 4:7 \"Junk\"\r\n", err, sizeof(err));
	CHECK(c && c->type == IMAP_CMD_MOVE && c->uid);
	imap_command_free(c);
	CHECK(parses("a COPY 1,3:* Archive\r\n"));
	CHECK(refused("a COPY 1\r\n"));
	c = one("a UID EXPUNGE 3:5\r\n", err, sizeof(err));
	CHECK(c && c->uid && c->u.expunge.n == 1);
	if (c) {
		/* A command's set may be resolved, grown and freed safely. */
		struct imap_seqset *set = &c->u.expunge;
		CHECK(imap_seqset_resolve(set, 4) == 2);
		imap_seqset_add(set, 9);
		imap_seqset_add(set, 10);
		CHECK(set->n == 2 && set->r[1].hi == 10);
		imap_seqset_free(set);
	}
	imap_command_free(c);
	CHECK(refused("a UID EXPUNGE\r\n"));
}

TEST(imap_parser_literals)
{
	/* Synchronising literal: "+" requested, then the command. */
	CHECK_RUN("a LOGIN {4}\r\nuser {4}\r\npass\r\n",
	    "+|+|CMD a LOGIN|");
	/* LITERAL+: no continuation. */
	CHECK_RUN("a LOGIN {4+}\r\nuser {4+}\r\npass\r\n", "CMD a LOGIN|");
	/* Zero-length literal. */
	CHECK_RUN("a LOGIN {0+}\r\n {0+}\r\n\r\n", "CMD a LOGIN|");
	/* NUL inside a literal string is refused. */
	CHECK_RUNB("a LOGIN {3+}\r\na\0b x\r\nb NOOP\r\n",
	    "BAD a LOGIN: NUL in literal|CMD b NOOP|");
	/* Too large, synchronising: refused before the client sends it. */
	CHECK_RUN("a LOGIN {100000}\r\nb NOOP\r\n",
	    "BAD a Literal too large|CMD b NOOP|");
	/* literal8 outside APPEND. */
	CHECK_RUN("a LOGIN ~{1+}\r\nx y\r\nb NOOP\r\n",
	    "BAD a LOGIN: literal8 not allowed here|CMD b NOOP|");
}

TEST(imap_parser_literal_size_mismatch)
{
	/* Fewer bytes than announced: the literal eats into the next line,
	 * the command fails, and the parser is back in step after it. */
	CHECK_RUN("a LOGIN {10+}\r\nabc\r\nb NOOP\r\nc NOOP\r\n",
	    "BAD a LOGIN: Expected a single space|CMD c NOOP|");
	/* More bytes than announced. */
	CHECK_RUN("a LOGIN {2+}\r\nabc def\r\nb NOOP\r\n",
	    "BAD a LOGIN: Expected a single space|CMD b NOOP|");
	/* A literal that is not at the end of its line is just text. */
	CHECK_RUN("a LOGIN {2+} x\r\nb NOOP\r\n",
	    "BAD a LOGIN: Literal must end the line|CMD b NOOP|");
}

TEST(imap_parser_literal_too_large_nonsync_skipped)
{
	struct buf in = BUF_INIT;
	char *got;

	buf_addstr(&in, "a LOGIN {70000+}\r\n");
	for (int i = 0; i < 70000; i++)
		buf_addch(&in, i % 10 == 0 ? '\n' : 'x');
	buf_addstr(&in, " {3+}\r\nabc\r\nb NOOP\r\n");
	got = run_split(in.data, in.len, 0);
	CHECK_STR(got, "BAD a Literal too large|CMD b NOOP|");
	free(got);
	buf_free(&in);
}

TEST(imap_parser_huge_literal_counts)
{
	CHECK_RUN("a LOGIN {18446744073709551616}\r\nb NOOP\r\n",
	    "BAD a Literal size out of range|CMD b NOOP|");
	CHECK_RUN("a LOGIN {99999999999999999999999+}\r\nb NOOP\r\n",
	    "FATAL Literal size out of range|");
	CHECK_RUN("a LOGIN {4294967296}\r\nb NOOP\r\n",
	    "BAD a Literal too large|CMD b NOOP|");
	CHECK_RUN("a LOGIN {-1}\r\nb NOOP\r\n",
	    "BAD a LOGIN: Expected a number|CMD b NOOP|");
}

TEST(imap_parser_append_streams)
{
	/* Synchronising: BEGIN, "+", data, END, DONE. */
	CHECK_RUN("a APPEND INBOX (\\Seen) \" 1-Jan-2024 10:00:00 +0100\" {5}\r\n"
	    "Hello\r\nb NOOP\r\n",
	    "BEGIN a INBOX 0 5|+|END Hello|DONE a|CMD b NOOP|");
	/* Mailbox as a literal, message as LITERAL+. */
	CHECK_RUN("a APPEND {4+}\r\nSent {3+}\r\nabc\r\n",
	    "BEGIN a Sent 0 3|END abc|DONE a|");
	/* MULTIAPPEND. */
	CHECK_RUN("a APPEND Drafts {2+}\r\nhi (\\Draft) {3+}\r\nyou\r\n",
	    "BEGIN a Drafts 0 2|END hi|BEGIN a Drafts 1 3|END you|DONE a|");
	/* literal8 (BINARY) message may contain NUL. */
	CHECK_RUNB("a APPEND INBOX ~{3+}\r\nx\0y\r\n",
	    "BEGIN a INBOX 0 3|END x|DONE a|");
	/* RFC 6855 UTF8 (literal8), then a second message. */
	CHECK_RUN("a APPEND INBOX UTF8 (~{2+}\r\nhi) (\\Seen) UTF8 (~{1}\r\nx)\r\n",
	    "BEGIN a INBOX 0 2|END hi|BEGIN a INBOX 1 1|+|END x|DONE a|");
	CHECK_RUN("a APPEND INBOX UTF8 (~{2+}\r\nhi\r\nb NOOP\r\n",
	    "BEGIN a INBOX 0 2|END hi|BAD a APPEND: expected ')' after UTF8 data|"
	    "CMD b NOOP|");
	CHECK_RUN("a APPEND INBOX UTF8 ({2+}\r\nhi)\r\nb NOOP\r\n",
	    "BAD a APPEND: UTF8 needs a literal8|CMD b NOOP|");
	/* Garbage after the message. */
	CHECK_RUN("a APPEND INBOX {1+}\r\nx junk\r\nb NOOP\r\n",
	    "BEGIN a INBOX 0 1|END x|BAD a APPEND: unexpected data after message|"
	    "CMD b NOOP|");
	/* Bad flags: refused before data; the LITERAL+ data is skipped. */
	CHECK_RUN("a APPEND INBOX (\\*) {3+}\r\nabc\r\nb NOOP\r\n",
	    "BAD a APPEND: Invalid flag \\*|CMD b NOOP|");
	CHECK_RUN("a APPEND INBOX \"31-Feb-2024 10:00:00 +0000\" {3}\r\nb NOOP\r\n",
	    "BAD a APPEND: Invalid day of month|CMD b NOOP|");
	CHECK_RUN("a APPEND INBOX\r\n", "BAD a APPEND: Missing argument|");
	/* A large message is never buffered: it comes out in pieces. */
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_event ev;
	size_t total = 0, events = 0, ends = 0;
	enum imap_event_type t;
	char chunk[4096];
	const char *hdr = "a APPEND INBOX {10000000+}\r\n";

	memset(chunk, 'm', sizeof(chunk));
	imap_parser_feed(p, hdr, strlen(hdr));
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_APPEND_BEGIN);
	imap_command_free(ev.cmd);
	while (total < 10000000) {
		size_t n = 10000000 - total < sizeof(chunk) ?
		    10000000 - total : sizeof(chunk);
		imap_parser_feed(p, chunk, n);
		while ((t = imap_parser_next(p, &ev)) != IMAP_EV_NEED_MORE) {
			if (t == IMAP_EV_APPEND_DATA) {
				total += ev.len;
				events++;
			} else {
				ends += t == IMAP_EV_APPEND_END;
			}
		}
	}
	CHECK(total == 10000000 && events >= 2000 && ends == 1);
	imap_parser_feed(p, "\r\n", 2);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_APPEND_DONE);
	imap_parser_free(p);
}

TEST(imap_parser_append_refused)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_event ev;
	const char *in = "a APPEND INBOX {5}\r\nb NOOP\r\n"
	    "c APPEND INBOX {5+}\r\nHello\r\nd NOOP\r\n";

	imap_parser_feed(p, in, strlen(in));
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_APPEND_BEGIN);
	imap_command_free(ev.cmd);
	imap_parser_refuse_append(p);   /* e.g. over quota: no "+" is sent */
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_COMMAND);
	CHECK(ev.cmd && strcmp(ev.cmd->tag, "b") == 0);
	imap_command_free(ev.cmd);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_APPEND_BEGIN);
	imap_command_free(ev.cmd);
	imap_parser_refuse_append(p);   /* data already on its way: skipped */
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_COMMAND);
	CHECK(ev.cmd && strcmp(ev.cmd->tag, "d") == 0);
	imap_command_free(ev.cmd);
	imap_parser_free(p);
}

TEST(imap_parser_idle)
{
	CHECK_RUN("a IDLE\r\ndone\r\nb NOOP\r\n", "CMD a IDLE|IDLEDONE ok|CMD b NOOP|");
	CHECK_RUN("a IDLE\r\nb NOOP\r\n", "CMD a IDLE|IDLEDONE Expected DONE|");
}

TEST(imap_parser_hostile_lines)
{
	/* Bare LF, NUL, bad tags, unbalanced parens. */
	CHECK_RUN("a NOOP\nb NOOP\r\n", "BAD a Line must end with CRLF|CMD b NOOP|");
	CHECK_RUNB("a NO\0OP\r\nb NOOP\r\n",
	    "BAD a NUL byte in command|CMD b NOOP|");
	CHECK_RUNB("a LOGIN \0 {2+}\r\nxy\r\nb NOOP\r\n",
	    "BAD a NUL byte in command|CMD b NOOP|");
	CHECK_RUN("a+ NOOP\r\n", "BAD * Invalid tag|");
	CHECK_RUN("a{ NOOP\r\n", "BAD * Invalid tag|");
	CHECK_RUN("* NOOP\r\n", "BAD * Invalid tag|");
	CHECK_RUN("\"a\" NOOP\r\n", "BAD * Invalid tag|");
	CHECK_RUN("a FETCH 1 (FLAGS))\r\n", "BAD a FETCH: Unexpected extra arguments|");
	CHECK_RUN("a FETCH 1 ((FLAGS)\r\n", "BAD a FETCH: Unknown FETCH attribute|");
	CHECK_RUN("\r\n\r\na NOOP\r\n", "CMD a NOOP|");
	CHECK_RUN("a LOGIN \"x\ny\" z\r\nb NOOP\r\n",
	    "BAD a Line must end with CRLF|BAD * Invalid tag|"
	    "CMD b NOOP|");
	CHECK(refused("a SELECT \"caf\xc3\xa9\"\r\n"));   /* 8-bit, not UTF-8 mode */
	CHECK(refused("a CREATE &Jjo\r\n"));
}

TEST(imap_parser_utf8_accept)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_event ev;
	const char *in = "a SELECT \"caf\xc3\xa9\"\r\nb SELECT \"\xff\"\r\n";

	imap_parser_set_utf8(p, true);
	imap_parser_feed(p, in, strlen(in));
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_COMMAND);
	if (ev.cmd)
		CHECK_STR(ev.cmd->u.select.mailbox, "caf\xc3\xa9");
	imap_command_free(ev.cmd);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_BAD);
	imap_parser_free(p);
}

TEST(imap_parser_line_too_long)
{
	struct buf in = BUF_INIT;
	char *got;

	buf_addstr(&in, "a SEARCH TEXT ");
	for (int i = 0; i < 100000; i++)
		buf_addch(&in, 'x');
	buf_addstr(&in, " {5+}\r\n12345\r\nb NOOP\r\n");
	got = run_split(in.data, in.len, 0);
	CHECK_STR(got, "BAD a Line too long|CMD b NOOP|");
	free(got);
	got = run_split(in.data, in.len, 7);
	CHECK_STR(got, "BAD a Line too long|CMD b NOOP|");
	free(got);
	/* Overflow noticed in the piece that holds only the end of the
	 * "{5+}" marker: the literal must still be skipped. */
	got = run_split(in.data, in.len, in.len - strlen("+}\r\n12345\r\nb NOOP\r\n"));
	CHECK_STR(got, "BAD a Line too long|CMD b NOOP|");
	free(got);
	buf_free(&in);
}

/* Every split position gives the same events as feeding all at once. */
TEST(imap_parser_split_feeds_and_pipelining)
{
	static const char in[] =
	    "1 CAPABILITY\r\n2 LOGIN {4}\r\nuser \"pw\"\r\n"
	    "3 APPEND INBOX (\\Seen) {6+}\r\nab\r\ncd {2}\r\nXY\r\n"
	    "4 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)])\r\n"
	    "5 BOGUS\r\n6 LOGIN {3+}\r\na\0c x\r\n7 IDLE\r\nDONE\r\n8 LOGOUT\r\n";
	size_t len = sizeof(in) - 1;
	char *whole = run_split(in, len, len);

	CHECK_STR(whole, "CMD 1 CAPABILITY|+|CMD 2 LOGIN|BEGIN 3 INBOX 0 6|"
	    "END ab\r\ncd|BEGIN 3 INBOX 1 2|+|END XY|DONE 3|CMD 4 UID FETCH|"
	    "BAD 5 Unknown command|BAD 6 LOGIN: NUL in literal|CMD 7 IDLE|IDLEDONE ok|"
	    "CMD 8 LOGOUT|");
	for (size_t k = 0; k <= len; k++) {
		char *got = run_split(in, len, k);
		if (strcmp(got, whole) != 0)
			CHECK_STR(got, whole);
		free(got);
	}
	CHECK(true);
	free(whole);
}

TEST(imap_parser_discard_after_starttls)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_event ev;
	const char *in = "a STARTTLS\r\nb LOGIN injected pw\r\n";

	imap_parser_feed(p, in, strlen(in));
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_COMMAND);
	imap_command_free(ev.cmd);
	CHECK(imap_parser_buffered(p) == strlen("b LOGIN injected pw\r\n"));
	CHECK(imap_parser_discard_input(p) == strlen("b LOGIN injected pw\r\n"));
	CHECK(imap_parser_buffered(p) == 0);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_NEED_MORE);
	imap_parser_free(p);
}

static char *
run_limited(const char *in, const struct imap_parser_limits *lim)
{
	struct imap_parser *p = imap_parser_new(lim);
	struct buf tr = BUF_INIT, data = BUF_INIT;

	imap_parser_feed(p, in, strlen(in));
	drain(p, &tr, &data);
	imap_parser_free(p);
	buf_free(&data);
	return buf_detach(&tr);
}

TEST(imap_parser_limits_literal_minus_and_command_size)
{
	struct imap_parser_limits lim;
	struct buf in = BUF_INIT;
	char *got;

	imap_parser_default_limits(&lim);
	lim.literal_minus = true;
	buf_addstr(&in, "a LOGIN u {5000+}\r\n");
	for (int i = 0; i < 5000; i++)
		buf_addch(&in, 'p');
	buf_addstr(&in, "\r\nb NOOP\r\n");
	got = run_limited(buf_cstr(&in), &lim);
	CHECK_STR(got, "BAD a Literal too large|CMD b NOOP|");
	free(got);
	/* Many small literals add up past max_command. */
	imap_parser_default_limits(&lim);
	lim.max_command = 1000;
	buf_reset(&in);
	buf_addstr(&in, "a SEARCH");
	for (int i = 0; i < 20; i++)
		buf_addstr(&in, " TEXT {100+}\r\n"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	buf_addstr(&in, "\r\nb NOOP\r\n");
	got = run_limited(buf_cstr(&in), &lim);
	CHECK_STR(got, "BAD a Literal too large|CMD b NOOP|");
	free(got);
	buf_free(&in);
}

TEST(imap_parser_append_arguments)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_event ev;
	const char *in = "a APPEND \"Entw&APw-rfe\" (\\Seen $Forwarded) "
	    "\" 1-Jan-2024 10:00:00 +0100\" {3+}\r\nabc\r\n";

	imap_parser_feed(p, in, strlen(in));
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_APPEND_BEGIN);
	if (ev.cmd) {
		const struct imap_append_args *a = &ev.cmd->u.append;
		CHECK_STR(a->mailbox, "Entw\xc3\xbcrfe");
		CHECK(a->flags.n == 2);
		CHECK_STR(a->flags.v[1], "$Forwarded");
		CHECK(a->has_date && a->date == 1704099600 && a->tz_minutes == 60);
		CHECK(a->nonsync && !a->binary && a->size == 3);
	}
	imap_command_free(ev.cmd);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_APPEND_DATA);
	CHECK_MEM(ev.data, ev.len, "abc", 3);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_APPEND_END);
	CHECK(imap_parser_next(p, &ev) == IMAP_EV_APPEND_DONE);
	CHECK_STR(ev.tag, "a");
	imap_parser_free(p);
}

/* The fuzz seeds are real client sessions (Thunderbird, mbsync, K-9,
 * QRESYNC): every command in them must parse. Run from the repo root. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

TEST(imap_parser_client_sessions_parse_cleanly)
{
	static const char *const seeds[] = { "thunderbird", "mbsync", "k9",
		"qresync" };

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char path[256];
		size_t len = 0;
		char *in, *tr;

		snprintf(path, sizeof(path),
		    "tests/fuzz/corpus/fuzz_imap_parser/%s", seeds[i]);
		in = slurp(path, &len);
		if (!CHECK(in != NULL))
			continue;
		tr = run_split(in, len, len / 2);
		if (!CHECK(strstr(tr, "BAD") == NULL && strstr(tr, "FATAL") == NULL))
			fprintf(stderr, "  %s: %s\n", seeds[i], tr);
		free(tr);
		free(in);
	}
}

/* The line limit is crossed only by the last piece, which holds just the
 * end of a "{5+}" marker: the announced literal must still be skipped. */
TEST(imap_parser_overflow_in_marker_piece)
{
	struct imap_parser_limits lim;
	struct imap_parser *p;
	struct buf in = BUF_INIT, tr = BUF_INIT, data = BUF_INIT;
	size_t cut;

	imap_parser_default_limits(&lim);
	lim.max_line = 100;
	p = imap_parser_new(&lim);
	buf_addstr(&in, "a LOGIN ");
	while (in.len < 96)
		buf_addch(&in, 'x');
	buf_addstr(&in, " {5+}\r\n");
	cut = in.len - 4;               /* the piece "+}\r\n" overflows */
	buf_addstr(&in, "12345\r\nb NOOP\r\n");
	imap_parser_feed(p, in.data, cut);
	drain(p, &tr, &data);
	CHECK(tr.len == 0);
	imap_parser_feed(p, in.data + cut, in.len - cut);
	drain(p, &tr, &data);
	CHECK_STR(buf_cstr(&tr), "BAD a Line too long|CMD b NOOP|");
	imap_parser_free(p);
	buf_free(&in);
	buf_free(&tr);
	buf_free(&data);
}
