/* The IMAP session engine driven with raw command bytes against a
 * temporary Maildir; responses checked byte for byte where they are
 * fixed, by their lines where they carry times (UIDVALIDITY, MODSEQ). */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "imap/session.h"
#include "imap/view.h"
#include "store/mailindex.h"
#include "store/maildir.h"
#include "store/msgstore.h"
#include "store/stream.h"

#define ADDR "alice@example.test"

struct fixture {
	char *root;                 /* mail_dir */
	char *md;                   /* the user's Maildir */
	unsigned char pk[TREES_PK_LEN], sk[TREES_SK_LEN];
};

static void fixture_init(struct fixture *f)
{
	struct buf p = BUF_INIT;
	f->root = xstrdup(t_tmpdir());
	maildir_user_path(f->root, ADDR, &p);
	f->md = buf_detach(&p);
	crypto_box_keypair(f->pk, f->sk);
}

static void fixture_free(struct fixture *f)
{
	free(f->root);
	free(f->md);
	sodium_memzero(f->sk, sizeof f->sk);
}

/* Delivers a message as the deliver process does (encrypted, xz). */
static void deliver(struct fixture *f, const char *qid, const char *msg)
{
	struct buf err = BUF_INIT;
	struct msgstore_delivery d = { 0 };
	int fd = memfd_create("msg", MFD_CLOEXEC);
	size_t n = strlen(msg);
	CHECK(fd >= 0 && write(fd, msg, n) == (ssize_t)n);
	d.mail_dir = f->root;
	d.address = ADDR;
	d.encrypt = true;
	memcpy(d.pk, f->pk, sizeof d.pk);
	d.algo = COMPRESS_XZ;
	d.level = 1;
	d.headers = "";
	d.fd = fd;
	d.size = n;
	d.queue_id = qid;
	d.hostname = "mx.example.test";
	d.used = MSGSTORE_USAGE_UNKNOWN;
	CHECK(msgstore_deliver(&d, &err) == MSGSTORE_OK);
	close(fd);
	buf_free(&err);
}

struct signals {
	int spam, ham;
	char last[64];
	uint32_t last_uid;
	char text[256];         /* the start of the last message */
};

static void on_training(void *arg, const struct imap_training *t)
{
	struct signals *sg = arg;
	if (t->spam)
		sg->spam++;
	else
		sg->ham++;
	snprintf(sg->last, sizeof sg->last, "%s", t->mailbox);
	sg->last_uid = t->uid;
	snprintf(sg->text, sizeof sg->text, "%.*s", t->msg ? (int)t->msg_len : 0,
	    t->msg ? t->msg : "");
}

static struct imap_session *open_session(struct fixture *f, uint64_t quota,
    uint64_t limit, struct signals *sg)
{
	struct buf err = BUF_INIT;
	struct imap_session_params p = {
		.user = ADDR, .maildir = f->md, .pk = f->pk, .sk = f->sk,
		.encrypt = true, .quota = quota, .append_limit = limit,
		.hostname = "imap.example.test", .algo = COMPRESS_ZSTD,
		.level = COMPRESS_LEVEL_DEFAULT,
		.training = sg ? on_training : NULL, .training_arg = sg,
	};
	struct imap_session *s = imap_session_new(&p, &err);
	if (s == NULL)
		fprintf(stderr, "imap_session_new: %s\n", buf_cstr(&err));
	CHECK(s != NULL);
	buf_free(&err);
	return s;
}

/* Sends bytes, returns everything the session answered (static). */
static const char *talk_n(struct imap_session *s, const char *in, size_t len)
{
	static struct buf got;
	size_t n;
	buf_reset(&got);
	imap_session_feed(s, in, len);
	imap_session_run(s);
	const char *out = imap_session_output(s, &n);
	buf_add(&got, out, n);
	imap_session_output_consume(s, n);
	return buf_cstr(&got);
}

static const char *talk(struct imap_session *s, const char *in)
{
	return talk_n(s, in, strlen(in));
}

static bool has(const char *hay, const char *needle)
{
	bool r = strstr(hay, needle) != NULL;
	if (!r)
		fprintf(stderr, "    missing %s in:\n%s", needle, hay);
	return r;
}

static bool lacks(const char *hay, const char *needle)
{
	bool r = strstr(hay, needle) == NULL;
	if (!r)
		fprintf(stderr, "    unexpected %s in:\n%s", needle, hay);
	return r;
}

static void mailbox_info(struct fixture *f, const char *name,
    struct mailindex_mailbox *mb)
{
	struct buf err = BUF_INIT;
	struct mailindex *ix = mailindex_open(f->md, 0, &err);
	CHECK(ix != NULL && mailindex_mailbox_get(ix, name, mb, &err) ==
	    MAILINDEX_OK);
	mailindex_close(ix);
	buf_free(&err);
}

static const char *msg1 = "From: bob@example.org\r\nSubject: one\r\n\r\nfirst\r\n";
static const char *msg2 = "From: bob@example.org\r\nSubject: two\r\n\r\nsecond\r\n";
static const char *msg3 = "From: eve@example.org\r\nSubject: three\r\n\r\nthird\r\n";

static void three_messages(struct fixture *f)
{
	deliver(f, "00000000010000000001", msg1);
	deliver(f, "00000000020000000002", msg2);
	deliver(f, "00000000030000000003", msg3);
}

TEST(imap_session_capability_noop_logout_and_wrong_state)
{
	struct fixture f;
	fixture_init(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	const char *r = talk(s, "a CAPABILITY\r\n");
	CHECK(has(r, "* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ "));
	CHECK(has(r, " APPENDLIMIT=104857600\r\na OK CAPABILITY completed\r\n"));
	CHECK_STR(talk(s, "b NOOP\r\n"), "b OK NOOP completed\r\n");
	CHECK_STR(talk(s, "c LOGIN a b\r\n"), "c BAD Already authenticated\r\n");
	CHECK_STR(talk(s, "d AUTHENTICATE PLAIN\r\n"),
	    "d BAD Already authenticated\r\n");
	CHECK_STR(talk(s, "e FETCH 1 FLAGS\r\n"), "e BAD No mailbox selected\r\n");
	CHECK_STR(talk(s, "f EXPUNGE\r\ng CLOSE\r\n"),
	    "f BAD No mailbox selected\r\ng BAD No mailbox selected\r\n");
	CHECK_STR(talk(s, "h ID NIL\r\n"),
	    "* ID (\"name\" \"archmailbox\")\r\nh OK ID completed\r\n");
	CHECK_STR(talk(s, "i NAMESPACE\r\n"),
	    "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\ni OK NAMESPACE completed\r\n");
	CHECK_STR(talk(s, "j ENABLE CONDSTORE foo QRESYNC condstore\r\n"),
	    "* ENABLED CONDSTORE QRESYNC\r\nj OK ENABLE completed\r\n");
	CHECK_STR(talk(s, "k SETQUOTA \"\" (STORAGE 10)\r\n"),
	    "k NO [NOPERM] Quotas are set by the administrator\r\n");
	CHECK(has(talk(s, "l FROB\r\n"), "l BAD"));
	CHECK_STR(talk(s, "m CHECK\r\n"), "m BAD No mailbox selected\r\n");
	CHECK_STR(talk(s, "z LOGOUT\r\nafter NOOP\r\n"),
	    "* BYE Logging out\r\nz OK LOGOUT completed\r\n");
	CHECK(imap_session_closed(s));
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_list_defaults_special_use_and_status)
{
	struct fixture f;
	fixture_init(&f);
	three_messages(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	CHECK_STR(talk(s, "a LIST \"\" \"\"\r\n"),
	    "* LIST (\\Noselect) \"/\" \"\"\r\na OK LIST completed\r\n");
	CHECK_STR(talk(s, "b LIST \"\" *\r\n"),
	    "* LIST (\\HasNoChildren \\Archive) \"/\" Archive\r\n"
	    "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
	    "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
	    "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\n"
	    "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
	    "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n"
	    "b OK LIST completed\r\n");
	CHECK_STR(talk(s, "c LIST (SPECIAL-USE) \"\" \"*\" RETURN (SUBSCRIBED)\r\n"),
	    "* LIST (\\HasNoChildren \\Subscribed \\Archive) \"/\" Archive\r\n"
	    "* LIST (\\HasNoChildren \\Subscribed \\Drafts) \"/\" Drafts\r\n"
	    "* LIST (\\HasNoChildren \\Subscribed \\Junk) \"/\" Junk\r\n"
	    "* LIST (\\HasNoChildren \\Subscribed \\Sent) \"/\" Sent\r\n"
	    "* LIST (\\HasNoChildren \\Subscribed \\Trash) \"/\" Trash\r\n"
	    "c OK LIST completed\r\n");
	/* INBOX matches in any case; LIST-STATUS after each line. */
	CHECK_STR(talk(s, "d LIST \"\" inbox RETURN (STATUS (MESSAGES UNSEEN "
	    "SIZE))\r\n"),
	    "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
	    "* STATUS INBOX (MESSAGES 3 UNSEEN 3 SIZE 141)\r\n"
	    "d OK LIST completed\r\n");
	struct mailindex_mailbox mb;
	mailbox_info(&f, "INBOX", &mb);
	struct buf want = BUF_INIT;
	buf_printf(&want, "* STATUS INBOX (MESSAGES 3 RECENT 0 UIDNEXT 4 "
	    "UIDVALIDITY %u DELETED 0 HIGHESTMODSEQ %llu APPENDLIMIT 104857600)"
	    "\r\ne OK STATUS completed\r\n", mb.uidvalidity,
	    (unsigned long long)mb.highestmodseq);
	CHECK_STR(talk(s, "e STATUS inbox (MESSAGES RECENT UIDNEXT UIDVALIDITY "
	    "DELETED HIGHESTMODSEQ APPENDLIMIT)\r\n"), want.data);
	CHECK_STR(talk(s, "f STATUS Nope (MESSAGES)\r\n"),
	    "f NO [NONEXISTENT] mailbox Nope does not exist\r\n");
	CHECK(has(talk(s, "g STATUS INBOX (BOGUS)\r\n"), "g BAD"));
	mailindex_mailbox_free(&mb);
	buf_free(&want);
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_create_delete_rename_with_children)
{
	struct fixture f;
	fixture_init(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	CHECK_STR(talk(s, "a CREATE Work/Projects/\r\n"),
	    "a OK CREATE completed\r\n");
	CHECK_STR(talk(s, "b LIST Work/ %\r\n"),
	    "* LIST (\\HasNoChildren) \"/\" Work/Projects\r\nb OK LIST completed\r\n");
	CHECK_STR(talk(s, "c LIST \"\" W%\r\n"),
	    "* LIST (\\HasChildren) \"/\" Work\r\nc OK LIST completed\r\n");
	CHECK_STR(talk(s, "d CREATE Work\r\n"),
	    "d NO [ALREADYEXISTS] mailbox Work already exists\r\n");
	CHECK_STR(talk(s, "e CREATE INBOX\r\n"),
	    "e NO [ALREADYEXISTS] mailbox INBOX already exists\r\n");
	/* A parent with children goes; its children stay under a \Noselect
	 * name, which cannot be deleted again. */
	CHECK_STR(talk(s, "f DELETE Work\r\n"), "f OK DELETE completed\r\n");
	CHECK_STR(talk(s, "g LIST \"\" Work*\r\n"),
	    "* LIST (\\Noselect \\HasChildren) \"/\" Work\r\n"
	    "* LIST (\\HasNoChildren) \"/\" Work/Projects\r\n"
	    "g OK LIST completed\r\n");
	CHECK_STR(talk(s, "g2 LIST (SUBSCRIBED) \"\" Work*\r\n"),
	    "g2 OK LIST completed\r\n");
	CHECK_STR(talk(s, "g3 LIST () \"\" Work\r\n"),
	    "* LIST (\\NonExistent \\HasChildren) \"/\" Work\r\n"
	    "g3 OK LIST completed\r\n");
	CHECK_STR(talk(s, "h DELETE Work\r\n"),
	    "h NO [NONEXISTENT] mailbox Work does not exist\r\n");
	CHECK_STR(talk(s, "i DELETE INBOX\r\n"),
	    "i NO [CANNOT] INBOX cannot be deleted\r\n");
	CHECK_STR(talk(s, "j RENAME Work/Projects Sent\r\n"),
	    "j NO [ALREADYEXISTS] mailbox Sent already exists\r\n");
	CHECK_STR(talk(s, "k RENAME Work/Projects Done\r\n"),
	    "k OK RENAME completed\r\n");
	CHECK(has(talk(s, "l RENAME Nope Other\r\n"), "l NO [NONEXISTENT]"));
	/* Hostile names: wildcards, empty levels, bad modified UTF-7. */
	CHECK(has(talk(s, "m CREATE a*b\r\n"), "m BAD"));
	CHECK(has(talk(s, "m2 CREATE \"a/./b\"\r\n"), "m2 NO [CANNOT]"));
	CHECK(has(talk(s, "n CREATE a//b\r\n"), "n NO [CANNOT]"));
	CHECK(has(talk(s, "o CREATE &Jjo\r\n"), "o BAD"));
	CHECK(has(talk(s, "p CREATE (USE (\\Bogus)) x\r\n"), "p BAD"));
	CHECK_STR(talk(s, "q CREATE Bills (USE (\\Flagged))\r\n"),
	    "q OK CREATE completed\r\n");
	CHECK_STR(talk(s, "r LIST \"\" Bills\r\n"),
	    "* LIST (\\HasNoChildren \\Flagged) \"/\" Bills\r\n"
	    "r OK LIST completed\r\n");
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_names_in_modified_utf7_until_utf8_accept)
{
	struct fixture f;
	fixture_init(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	/* "Entwürfe" */
	CHECK_STR(talk(s, "a CREATE Entw&APw-rfe\r\n"), "a OK CREATE completed\r\n");
	CHECK_STR(talk(s, "b LIST \"\" Entw*\r\n"),
	    "* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe\r\nb OK LIST completed\r\n");
	/* Needlessly encoded ASCII is not a valid name. */
	CHECK(has(talk(s, "c CREATE &AGE-\r\n"), "c BAD"));
	CHECK_STR(talk(s, "d ENABLE UTF8=ACCEPT\r\n"),
	    "* ENABLED UTF8=ACCEPT\r\nd OK ENABLE completed\r\n");
	CHECK_STR(talk(s, "e LIST \"\" Entw*\r\n"),
	    "* LIST (\\HasNoChildren) \"/\" \"Entwürfe\"\r\ne OK LIST completed\r\n");
	CHECK(has(talk(s, "f CREATE \"bad\xff\"\r\n"), "f "));
	CHECK(lacks(talk(s, "g LIST \"\" *\r\n"), "bad"));
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_subscribe_and_lsub)
{
	struct fixture f;
	fixture_init(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	CHECK_STR(talk(s, "a CREATE A/B\r\nb SUBSCRIBE A/B\r\n"),
	    "a OK CREATE completed\r\nb OK SUBSCRIBE completed\r\n");
	CHECK_STR(talk(s, "c LSUB \"\" A/%\r\n"),
	    "* LSUB (\\HasNoChildren) \"/\" A/B\r\nc OK LSUB completed\r\n");
	CHECK_STR(talk(s, "d LSUB \"\" %\r\n"),
	    "* LSUB (\\Noselect) \"/\" A\r\n"
	    "* LSUB (\\HasNoChildren) \"/\" Archive\r\n"
	    "* LSUB (\\HasNoChildren) \"/\" Drafts\r\n"
	    "* LSUB (\\HasNoChildren) \"/\" INBOX\r\n"
	    "* LSUB (\\HasNoChildren) \"/\" Junk\r\n"
	    "* LSUB (\\HasNoChildren) \"/\" Sent\r\n"
	    "* LSUB (\\HasNoChildren) \"/\" Trash\r\n"
	    "d OK LSUB completed\r\n");
	CHECK_STR(talk(s, "e LIST (SUBSCRIBED RECURSIVEMATCH) \"\" A\r\n"),
	    "* LIST (\\HasChildren) \"/\" A (\"CHILDINFO\" "
	    "(\"SUBSCRIBED\"))\r\ne OK LIST completed\r\n");
	CHECK_STR(talk(s, "f UNSUBSCRIBE A/B\r\ng LSUB \"\" A/*\r\n"),
	    "f OK UNSUBSCRIBE completed\r\ng OK LSUB completed\r\n");
	/* A subscription may name a mailbox that does not exist. */
	CHECK_STR(talk(s, "h SUBSCRIBE Ghost\r\ni LIST (SUBSCRIBED) \"\" G*\r\n"),
	    "h OK SUBSCRIBE completed\r\n"
	    "* LIST (\\NonExistent \\Subscribed) \"/\" Ghost\r\n"
	    "i OK LIST completed\r\n");
	imap_session_free(s);
	fixture_free(&f);
}

/* SELECT's fixed lines for the three-message INBOX of a fresh index. */
static void select_expect(struct fixture *f, const char *tag, bool rw,
    struct buf *out)
{
	struct mailindex_mailbox mb;
	mailbox_info(f, "INBOX", &mb);
	buf_reset(out);
	buf_printf(out, "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n"
	    "* OK [PERMANENTFLAGS (%s)] %s\r\n"
	    "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] First unseen\r\n"
	    "* OK [UIDVALIDITY %u] UIDs valid\r\n"
	    "* OK [UIDNEXT 4] Predicted next UID\r\n"
	    "* OK [HIGHESTMODSEQ %llu] Highest\r\n"
	    "%s OK [%s] %s completed\r\n",
	    rw ? "\\Seen \\Answered \\Flagged \\Deleted \\Draft \\*" : "",
	    rw ? "Flags permitted" : "Read-only mailbox", mb.uidvalidity,
	    (unsigned long long)mb.highestmodseq, tag,
	    rw ? "READ-WRITE" : "READ-ONLY", rw ? "SELECT" : "EXAMINE");
	mailindex_mailbox_free(&mb);
}

TEST(imap_session_select_examine_and_read_only)
{
	struct fixture f;
	struct buf want = BUF_INIT;
	fixture_init(&f);
	three_messages(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	const char *r = talk(s, "a SELECT INBOX\r\n");
	select_expect(&f, "a", true, &want);
	CHECK_STR(r, want.data);
	CHECK(imap_session_view(s) != NULL);
	CHECK(imap_session_view(s) && imap_session_view(s)->msgs.n == 3);
	CHECK_STR(talk(s, "b ENABLE CONDSTORE\r\n"),
	    "b BAD Not allowed with a mailbox selected\r\n");
	select_expect(&f, "c", false, &want);
	CHECK_STR(talk(s, "c EXAMINE INBOX\r\n"), want.data);
	CHECK_STR(talk(s, "d STORE 1 +FLAGS (\\Seen)\r\n"),
	    "d NO Mailbox is read-only (EXAMINE)\r\n");
	CHECK_STR(talk(s, "e EXPUNGE\r\n"), "e NO Mailbox is read-only (EXAMINE)\r\n");
	CHECK_STR(talk(s, "f MOVE 1 Trash\r\n"),
	    "f NO Mailbox is read-only (EXAMINE)\r\n");
	CHECK_STR(talk(s, "g FETCH 1 FLAGS\r\n"),
	    "* 1 FETCH (FLAGS ())\r\ng OK FETCH completed\r\n");
	CHECK_STR(talk(s, "h SELECT Nope\r\n"),
	    "h NO [NONEXISTENT] mailbox Nope does not exist\r\n");
	/* A failed SELECT leaves the old mailbox all the same. */
	CHECK_STR(talk(s, "i NOOP\r\n"), "i OK NOOP completed\r\n");
	CHECK_STR(talk(s, "j CLOSE\r\n"), "j BAD No mailbox selected\r\n");
	CHECK(imap_session_view(s) == NULL);
	CHECK(has(talk(s, "k SELECT INBOX (QRESYNC (1 1))\r\n"),
	    "k BAD QRESYNC is not enabled"));
	imap_session_free(s);
	buf_free(&want);
	fixture_free(&f);
}

TEST(imap_session_store_flags_keywords_and_unchangedsince)
{
	struct fixture f;
	fixture_init(&f);
	three_messages(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	talk(s, "a SELECT INBOX\r\n");
	CHECK_STR(talk(s, "b STORE 1:2 +FLAGS (\\Seen $Work)\r\n"),
	    "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Work)\r\n"
	    "* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft "
	    "$Work \\*)] Flags permitted\r\n"
	    "* 1 FETCH (FLAGS (\\Seen $Work))\r\n"
	    "* 2 FETCH (FLAGS (\\Seen $Work))\r\n"
	    "b OK STORE completed\r\n");
	CHECK_STR(talk(s, "c UID STORE 2:* -FLAGS.SILENT ($work)\r\n"),
	    "c OK STORE completed\r\n");
	CHECK_STR(talk(s, "d STORE 2 FLAGS (\\Flagged)\r\n"),
	    "* 2 FETCH (FLAGS (\\Flagged))\r\nd OK STORE completed\r\n");
	CHECK_STR(talk(s, "e STORE 4 +FLAGS (\\Seen)\r\n"),
	    "e BAD Invalid message sequence number\r\n");
	CHECK(has(talk(s, "f STORE 1 +FLAGS (\\Recent)\r\n"), "f BAD"));
	CHECK_STR(talk(s, "g UID STORE 99 +FLAGS (\\Seen)\r\n"),
	    "g OK STORE completed\r\n");
	/* CONDSTORE: UNCHANGEDSINCE 0 always fails; MODSEQ in FETCH. */
	CHECK_STR(talk(s, "h STORE 1:3 (UNCHANGEDSINCE 0) +FLAGS (\\Answered)\r\n"),
	    "h OK [MODIFIED 1:3] STORE completed\r\n");
	struct mailindex_mailbox mb;
	mailbox_info(&f, "INBOX", &mb);
	struct buf cmd = BUF_INIT, want = BUF_INIT;
	buf_printf(&cmd, "i UID STORE 3 (UNCHANGEDSINCE %llu) +FLAGS.SILENT "
	    "(\\Answered)\r\n", (unsigned long long)mb.highestmodseq);
	buf_printf(&want, "* 3 FETCH (UID 3 MODSEQ (%llu))\r\n"
	    "i OK STORE completed\r\n", (unsigned long long)mb.highestmodseq + 1);
	CHECK_STR(talk(s, cmd.data), want.data);
	buf_reset(&cmd);
	buf_printf(&cmd, "j UID STORE 1,3 (UNCHANGEDSINCE %llu) +FLAGS "
	    "(\\Draft)\r\n", (unsigned long long)mb.highestmodseq);
	buf_reset(&want);
	buf_printf(&want, "* 1 FETCH (UID 1 FLAGS (\\Seen \\Draft $Work) "
	    "MODSEQ (%llu))\r\n"
	    "j OK [MODIFIED 3] STORE completed\r\n",
	    (unsigned long long)mb.highestmodseq + 2);
	CHECK_STR(talk(s, cmd.data), want.data);
	mailindex_mailbox_free(&mb);
	buf_free(&cmd);
	buf_free(&want);
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_copy_move_expunge_and_junk_training)
{
	struct fixture f;
	struct signals sg = { 0 };
	fixture_init(&f);
	three_messages(&f);
	struct imap_session *s = open_session(&f, 0, 0, &sg);
	talk(s, "a SELECT INBOX\r\n");
	struct mailindex_mailbox junk, arch;
	mailbox_info(&f, "Junk", &junk);
	mailbox_info(&f, "Archive", &arch);
	struct buf want = BUF_INIT;
	buf_printf(&want, "b OK [COPYUID %u 1:2 1:2] COPY completed\r\n",
	    arch.uidvalidity);
	CHECK_STR(talk(s, "b COPY 1:2 Archive\r\n"), want.data);
	CHECK_STR(talk(s, "c COPY 1 Nope\r\n"), "c NO [TRYCREATE] No such mailbox\r\n");
	CHECK(sg.spam == 0 && sg.ham == 0);
	buf_reset(&want);
	buf_printf(&want, "* OK [COPYUID %u 2 1] Moved\r\n* 2 EXPUNGE\r\n"
	    "d OK MOVE completed\r\n", junk.uidvalidity);
	CHECK_STR(talk(s, "d MOVE 2 Junk\r\n"), want.data);
	CHECK(sg.spam == 1 && !strcmp(sg.last, "Junk") && sg.last_uid == 1);
	/* the classifier gets the decrypted message */
	CHECK(strncmp(sg.text, msg2, strlen(sg.text)) == 0 && strlen(sg.text) > 20);
	/* Out of Junk into the INBOX: ham; into Trash: neither. */
	talk(s, "e SELECT Junk\r\n");
	CHECK(has(talk(s, "f MOVE 1 INBOX\r\n"), "f OK MOVE completed"));
	CHECK(sg.ham == 1 && !strcmp(sg.last, "INBOX") && sg.last_uid == 4);
	talk(s, "g SELECT INBOX\r\n");
	/* INBOX now holds UIDs 1, 3, 4: message 3 is the one from Junk. */
	CHECK(has(talk(s, "h MOVE 3 Junk\r\n"), "* 3 EXPUNGE\r\n"));
	talk(s, "i SELECT Junk\r\n");
	CHECK(has(talk(s, "j MOVE 1 Trash\r\n"), "j OK MOVE completed"));
	CHECK(sg.spam == 2 && sg.ham == 1);
	/* EXPUNGE and UID EXPUNGE take only \Deleted messages. */
	talk(s, "k SELECT INBOX\r\n");
	CHECK_STR(talk(s, "l STORE 1:2 +FLAGS.SILENT (\\Deleted)\r\n"),
	    "l OK STORE completed\r\n");
	CHECK_STR(talk(s, "m UID EXPUNGE 3\r\n"),
	    "* 2 EXPUNGE\r\nm OK EXPUNGE completed\r\n");
	CHECK_STR(talk(s, "n EXPUNGE\r\n"), "* 1 EXPUNGE\r\nn OK EXPUNGE completed\r\n");
	CHECK(has(talk(s, "o SELECT Archive\r\np STORE 1 +FLAGS.SILENT "
	    "(\\Deleted)\r\nq CLOSE\r\n"), "p OK STORE completed\r\n"
	    "q OK CLOSE completed\r\n"));
	CHECK(has(talk(s, "r STATUS Archive (MESSAGES)\r\n"),
	    "* STATUS Archive (MESSAGES 1)\r\n"));
	mailindex_mailbox_free(&junk);
	mailindex_mailbox_free(&arch);
	buf_free(&want);
	imap_session_free(s);
	fixture_free(&f);
}

/* The one file of a mailbox's folder, decrypted. */
static bool read_message(struct fixture *f, const char *name, uint32_t uid,
    struct buf *out)
{
	struct buf err = BUF_INIT, path = BUF_INIT;
	struct mailindex_mailbox mb = { 0 };
	struct mailindex *ix = mailindex_open(f->md, 0, &err);
	bool ok = ix != NULL && mailindex_mailbox_get(ix, name, &mb, &err) ==
	    MAILINDEX_OK && mailindex_msg_path(ix, mb.id, uid, &path, &err) ==
	    MAILINDEX_OK;
	/* Stored encrypted: the file starts with the trees magic. */
	struct buf raw = BUF_INIT;
	ok = ok && file_read_all(path.data, 1 << 20, &raw, &err) &&
	    trees_has_magic(raw.data, raw.len);
	buf_free(&raw);
	struct istream *is = ok ? msgstore_open(path.data, f->pk, f->sk, &err) :
	    NULL;
	struct ostream *os = ostream_buf_create(out);
	ok = is != NULL && stream_copy(is, os, &err);
	if (!ok)
		fprintf(stderr, "    read_message: %s\n", buf_cstr(&err));
	istream_free(is);
	ostream_free(os);
	mailindex_mailbox_free(&mb);
	mailindex_close(ix);
	buf_free(&err);
	buf_free(&path);
	return ok;
}

TEST(imap_session_append_streams_encrypted_with_limits)
{
	struct fixture f;
	fixture_init(&f);
	struct imap_session *s = open_session(&f, 4096, 1000, NULL);
	struct mailindex_mailbox drafts;
	mailbox_info(&f, "Drafts", &drafts);
	struct buf want = BUF_INIT, got = BUF_INIT;
	const char *r = talk(s, "a APPEND Drafts (\\Draft $Todo) "
	    "\"05-Mar-2024 10:11:12 +0100\" {12}\r\n");
	CHECK_STR(r, "+ Ready for literal data\r\n");
	buf_printf(&want, "a OK [APPENDUID %u 1] APPEND completed\r\n",
	    drafts.uidvalidity);
	CHECK_STR(talk(s, "Hello\r\n"), "");
	CHECK_STR(talk(s, "World\r\n\r\n"), want.data);
	CHECK(read_message(&f, "Drafts", 1, &got));
	CHECK_STR(buf_cstr(&got), "Hello\r\nWorld");
	/* LITERAL+, and MULTIAPPEND: two messages, consecutive UIDs. */
	buf_reset(&want);
	buf_printf(&want, "b OK [APPENDUID %u 2:3] APPEND completed\r\n",
	    drafts.uidvalidity);
	CHECK_STR(talk(s, "b APPEND Drafts {3+}\r\none {3+}\r\ntwo\r\n"),
	    want.data);
	/* Over APPENDLIMIT: refused before any data is asked for; the next
	 * command is read as one. */
	CHECK_STR(talk(s, "c APPEND Drafts {5000}\r\n"),
	    "c NO [TOOBIG] Message larger than APPENDLIMIT\r\n");
	CHECK_STR(talk(s, "d NOOP\r\n"), "d OK NOOP completed\r\n");
	/* Non-synchronising: its data is skipped, then the next command. */
	buf_reset(&want);
	buf_addstr(&want, "e APPEND Drafts {1001+}\r\n");
	for (int i = 0; i < 1001; i++)
		buf_addch(&want, 'x');
	buf_addstr(&want, "\r\nf NOOP\r\n");
	CHECK_STR(talk(s, want.data), "e NO [TOOBIG] Message larger than "
	    "APPENDLIMIT\r\nf OK NOOP completed\r\n");
	CHECK_STR(talk(s, "g APPEND Nope {3}\r\n"),
	    "g NO [TRYCREATE] No such mailbox\r\n");
	CHECK_STR(talk(s, "h APPEND Drafts {0}\r\n\r\n"), "h NO Empty message\r\n");
	CHECK(has(talk(s, "i APPEND Drafts (\\Recent) {3}\r\n"), "i BAD"));
	CHECK(has(talk(s, "i2 NOOP\r\n"), "i2 OK"));
	/* Quota 4096: 18 bytes used, 900 more fit four times. */
	buf_reset(&want);
	for (int i = 0; i < 900; i++)
		buf_addch(&want, 'y');
	for (int i = 0; i < 4; i++) {
		talk(s, "j APPEND INBOX {900+}\r\n");
		CHECK(has(talk(s, want.data), ""));
		CHECK(has(talk(s, "\r\n"), "j OK [APPENDUID"));
	}
	CHECK_STR(talk(s, "k APPEND INBOX {900}\r\n"),
	    "k NO [OVERQUOTA] Quota exceeded\r\n");
	CHECK_STR(talk(s, "l GETQUOTAROOT INBOX\r\n"),
	    "* QUOTAROOT INBOX \"\"\r\n* QUOTA \"\" (STORAGE 4 4)\r\n"
	    "l OK GETQUOTAROOT completed\r\n");
	CHECK_STR(talk(s, "m GETQUOTA \"\"\r\n"),
	    "* QUOTA \"\" (STORAGE 4 4)\r\nm OK GETQUOTA completed\r\n");
	CHECK_STR(talk(s, "n GETQUOTA other\r\n"),
	    "n NO [NONEXISTENT] No such quota root\r\n");
	/* A MULTIAPPEND cut short by a refusal stores none of it. */
	CHECK_STR(talk(s, "o APPEND Drafts {2+}\r\nok {9000}\r\n"),
	    "o NO [TOOBIG] Message larger than APPENDLIMIT\r\n");
	CHECK(has(talk(s, "p STATUS Drafts (MESSAGES)\r\n"),
	    "* STATUS Drafts (MESSAGES 3)\r\n"));
	/* The selected mailbox hears of its own APPEND. */
	talk(s, "q SELECT Drafts\r\n");
	CHECK(has(talk(s, "r APPEND Drafts {2+}\r\nhi\r\n"),
	    "* 4 EXISTS\r\n* 1 RECENT\r\nr OK [APPENDUID"));
	mailindex_mailbox_free(&drafts);
	buf_free(&want);
	buf_free(&got);
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_two_sessions_see_each_others_changes)
{
	struct fixture f;
	fixture_init(&f);
	three_messages(&f);
	struct imap_session *a = open_session(&f, 0, 0, NULL);
	struct imap_session *b = open_session(&f, 0, 0, NULL);
	talk(a, "a1 SELECT INBOX\r\n");
	talk(b, "b1 SELECT INBOX\r\n");
	CHECK_STR(talk(b, "b2 STORE 2 +FLAGS.SILENT (\\Flagged)\r\n"),
	    "b2 OK STORE completed\r\n");
	CHECK_STR(talk(a, "a2 NOOP\r\n"),
	    "* 2 FETCH (FLAGS (\\Flagged))\r\na2 OK NOOP completed\r\n");
	/* New mail, and an expunge by the other session. */
	deliver(&f, "00000000040000000004", msg1);
	CHECK_STR(talk(b, "b3 STORE 1 +FLAGS.SILENT (\\Deleted)\r\nb4 EXPUNGE\r\n"),
	    "* 4 EXISTS\r\n* 1 RECENT\r\nb3 OK STORE completed\r\n"
	    "* 1 EXPUNGE\r\nb4 OK EXPUNGE completed\r\n");
	/* FETCH, STORE and SEARCH by number must not shift the numbers: the
	 * EXPUNGE waits for a command that may carry it. */
	CHECK_STR(talk(a, "a3 FETCH 1 UID\r\n"),
	    "* 4 EXISTS\r\n* 1 RECENT\r\n* 1 FETCH (UID 1)\r\n"
	    "a3 OK FETCH completed\r\n");
	CHECK_STR(talk(a, "a4 STORE 3 +FLAGS (\\Seen)\r\n"),
	    "* 3 FETCH (FLAGS (\\Seen))\r\na4 OK STORE completed\r\n");
	CHECK_STR(talk(a, "a5 UID FETCH 1 UID\r\n"),
	    "* 1 EXPUNGE\r\na5 OK UID FETCH completed\r\n");
	CHECK(imap_session_view(a) && imap_session_view(a)->msgs.n == 3);
	CHECK_STR(talk(b, "b5 NOOP\r\n"),
	    "* 2 FETCH (FLAGS (\\Seen))\r\nb5 OK NOOP completed\r\n");
	/* IDLE: the poll reports a delivery. */
	CHECK_STR(talk(a, "a6 IDLE\r\n"), "+ idling\r\n");
	CHECK(imap_session_idling(a));
	imap_session_poll(a);
	size_t n;
	imap_session_output(a, &n);
	CHECK(n == 0);
	deliver(&f, "00000000050000000005", msg2);
	imap_session_poll(a);
	const char *out = imap_session_output(a, &n);
	CHECK_MEM(out, n, "* 4 EXISTS\r\n* 2 RECENT\r\n", 24);
	imap_session_output_consume(a, n);
	CHECK_STR(talk(a, "DONE\r\n"), "a6 OK IDLE terminated\r\n");
	CHECK(!imap_session_idling(a));
	CHECK_STR(talk(a, "a7 IDLE\r\nnope\r\n"), "+ idling\r\na7 BAD Expected DONE\r\n");
	/* The other session deletes the selected mailbox. */
	talk(b, "b6 CREATE Tmp\r\n");
	talk(a, "a8 SELECT Tmp\r\n");
	CHECK_STR(talk(b, "b7 DELETE Tmp\r\n"), "b7 OK DELETE completed\r\n");
	CHECK_STR(talk(a, "a9 NOOP\r\n"),
	    "* BYE The selected mailbox was deleted or replaced\r\n");
	CHECK(imap_session_closed(a));
	imap_session_free(a);
	imap_session_free(b);
	fixture_free(&f);
}

TEST(imap_session_qresync_select_reports_vanished_and_changes)
{
	struct fixture f;
	fixture_init(&f);
	three_messages(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	talk(s, "a ENABLE QRESYNC\r\nb SELECT INBOX\r\n");
	struct mailindex_mailbox mb;
	mailbox_info(&f, "INBOX", &mb);
	CHECK_STR(talk(s, "c STORE 3 +FLAGS.SILENT (\\Deleted)\r\nd EXPUNGE\r\n"),
	    "* 3 FETCH (UID 3 MODSEQ (3))\r\nc OK STORE completed\r\n"
	    "* VANISHED 3\r\nd OK EXPUNGE completed\r\n");
	CHECK(has(talk(s, "e STORE 1 +FLAGS (\\Seen)\r\n"),
	    "* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ ("));
	struct buf cmd = BUF_INIT;
	buf_printf(&cmd, "f SELECT INBOX (QRESYNC (%u %llu 1:3))\r\n",
	    mb.uidvalidity, (unsigned long long)mb.highestmodseq);
	const char *r = talk(s, cmd.data);
	CHECK(has(r, "* OK [CLOSED] Previous mailbox closed\r\n"));
	CHECK(has(r, "* VANISHED (EARLIER) 3\r\n* 1 FETCH (UID 1 FLAGS (\\Seen) "
	    "MODSEQ ("));
	CHECK(lacks(r, "* 2 FETCH"));
	CHECK(has(r, "f OK [READ-WRITE] SELECT completed\r\n"));
	/* A wrong UIDVALIDITY: no VANISHED, no FETCH. */
	r = talk(s, "g EXAMINE INBOX (QRESYNC (1 1))\r\n");
	CHECK(lacks(r, "VANISHED") && lacks(r, "FETCH"));
	CHECK(has(r, "g OK [READ-ONLY] EXAMINE completed\r\n"));
	mailindex_mailbox_free(&mb);
	buf_free(&cmd);
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_rename_inbox_and_delete_selected)
{
	struct fixture f;
	fixture_init(&f);
	three_messages(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	CHECK_STR(talk(s, "a RENAME INBOX Old/Inbox\r\n"), "a OK RENAME completed\r\n");
	CHECK(has(talk(s, "b STATUS INBOX (MESSAGES)\r\n"),
	    "* STATUS INBOX (MESSAGES 0)\r\n"));
	CHECK(has(talk(s, "c STATUS Old/Inbox (MESSAGES)\r\n"),
	    "* STATUS Old/Inbox (MESSAGES 3)\r\n"));
	talk(s, "d SELECT Old/Inbox\r\n");
	CHECK_STR(talk(s, "e RENAME Old Older\r\nf NOOP\r\n"),
	    "e OK RENAME completed\r\nf OK NOOP completed\r\n");
	CHECK_STR(talk(s, "g DELETE Older/Inbox\r\nh NOOP\r\ni CLOSE\r\n"),
	    "g OK DELETE completed\r\nh OK NOOP completed\r\n"
	    "i BAD No mailbox selected\r\n");
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_hostile_input)
{
	struct fixture f;
	fixture_init(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	/* A literal larger than the parser takes outside APPEND. */
	CHECK(has(talk(s, "a CREATE {999999}\r\n"), "a BAD"));
	CHECK(has(talk(s, "b NOOP\r\n"), "b OK"));
	CHECK(has(talk(s, "c CREATE \"a\\\"b\r\n"), "c BAD"));
	CHECK(has(talk(s, "d SELECT\r\n"), "d BAD"));
	CHECK(has(talk(s, "e LIST \"\" \"****************************"
	    "**************************x\"\r\n"), "e OK LIST completed"));
	/* Pieces of a command arrive byte by byte. */
	const char *cmd = "f STATUS INBOX (MESSAGES)\r\n";
	struct buf all = BUF_INIT;
	for (const char *p = cmd; *p; p++) {
		char one[2] = { *p, 0 };
		buf_addstr(&all, talk(s, one));
	}
	CHECK_STR(buf_cstr(&all), "* STATUS INBOX (MESSAGES 0)\r\n"
	    "f OK STATUS completed\r\n");
	CHECK(has(talk(s, "g UID STORE 1:* +FLAGS (\\Seen)\r\n"),
	    "g BAD No mailbox selected"));
	talk(s, "h SELECT INBOX\r\n");
	CHECK_STR(talk(s, "i UID STORE 1:4294967295 +FLAGS (\\Seen)\r\n"),
	    "i OK STORE completed\r\n");
	/* As Dovecot: no message 1 in an empty mailbox, even for 1:*. */
	CHECK_STR(talk(s, "j STORE 1:* +FLAGS (\\Seen)\r\n"),
	    "j BAD Invalid message sequence number\r\n");
	CHECK_STR(talk(s, "k COPY 1 INBOX\r\n"),
	    "k BAD Invalid message sequence number\r\n");
	static const char nul[] = "l STORE 1\0 +FLAGS (\\Seen)\r\n";
	CHECK_STR(talk_n(s, nul, sizeof nul - 1), "l BAD NUL byte in command\r\n");
	buf_free(&all);
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_imap4rev2_select_check_unselect)
{
	struct fixture f;
	fixture_init(&f);
	three_messages(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	CHECK_STR(talk(s, "a ENABLE IMAP4rev2\r\n"),
	    "* ENABLED IMAP4rev2\r\na OK ENABLE completed\r\n");
	talk(s, "b SELECT Sent\r\n");
	const char *r = talk(s, "c SELECT INBOX\r\n");
	CHECK(has(r, "* OK [CLOSED] Previous mailbox closed\r\n* FLAGS"));
	CHECK(has(r, "* 3 EXISTS\r\n* OK [UIDVALIDITY"));
	CHECK(lacks(r, "RECENT") && lacks(r, "UNSEEN"));
	CHECK(has(r, "* LIST () \"/\" INBOX\r\nc OK [READ-WRITE]"));
	CHECK_STR(talk(s, "d CHECK\r\n"), "d OK CHECK completed\r\n");
	deliver(&f, "00000000040000000004", msg1);
	CHECK_STR(talk(s, "e CHECK\r\n"), "* 4 EXISTS\r\ne OK CHECK completed\r\n");
	CHECK_STR(talk(s, "f STORE 4 +FLAGS.SILENT (\\Deleted)\r\ng UNSELECT\r\n"),
	    "f OK STORE completed\r\ng OK UNSELECT completed\r\n");
	/* UNSELECT expunges nothing. */
	CHECK(has(talk(s, "h STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)\r\n"),
	    "* STATUS INBOX (MESSAGES 4 DELETED 1 DELETED-STORAGE 1)\r\n"));
	/* Names in NO texts stay 7-bit. */
	CHECK_STR(talk(s, "i SELECT Entw&APw-rfe\r\n"),
	    "i NO [NONEXISTENT] mailbox Entw??rfe does not exist\r\n");
	imap_session_free(s);
	fixture_free(&f);
}

TEST(imap_session_list_extended_patterns_and_status)
{
	struct fixture f;
	fixture_init(&f);
	struct imap_session *s = open_session(&f, 0, 0, NULL);
	talk(s, "a CREATE INBOX/Sub\r\n");
	CHECK_STR(talk(s, "b LIST \"\" (INBOX* Tr%) RETURN (CHILDREN STATUS "
	    "(MESSAGES UIDNEXT))\r\n"),
	    "* LIST (\\HasChildren) \"/\" INBOX\r\n"
	    "* STATUS INBOX (MESSAGES 0 UIDNEXT 1)\r\n"
	    "* LIST (\\HasNoChildren) \"/\" INBOX/Sub\r\n"
	    "* STATUS INBOX/Sub (MESSAGES 0 UIDNEXT 1)\r\n"
	    "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n"
	    "* STATUS Trash (MESSAGES 0 UIDNEXT 1)\r\n"
	    "b OK LIST completed\r\n");
	/* Nothing listed twice though two patterns match it. */
	CHECK_STR(talk(s, "c LIST \"\" (Junk J*)\r\n"),
	    "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\nc OK LIST completed\r\n");
	CHECK_STR(talk(s, "d LIST \"\" inbox/%\r\n"),
	    "* LIST (\\HasNoChildren) \"/\" INBOX/Sub\r\nd OK LIST completed\r\n");
	CHECK_STR(talk(s, "e LIST \"\" nothing*\r\n"), "e OK LIST completed\r\n");
	imap_session_free(s);
	fixture_free(&f);
}
