/* A Maildir, index and struct imap_view for the FETCH/SEARCH/SORT tests:
 * messages go in through msgstore_deliver (trees-encrypted and xz'd, or
 * plain) and mailindex_sync, commands through the real parser. */
#ifndef AMB_TEST_IMAP_VIEW_FX_H
#define AMB_TEST_IMAP_VIEW_FX_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "imap/view.h"
#include "store/trees.h"

struct fx {
	char *mail_dir;
	char *maildir;
	struct mailindex *ix;
	struct imap_view v;
	bool enc;
	unsigned char pk[TREES_PK_LEN], sk[TREES_SK_LEN];
	unsigned nmsg;
};

void fx_init(struct fx *f, bool enc);
void fx_free(struct fx *f);
/* Delivers a message; returns its UID. */
unsigned fx_add(struct fx *f, const char *msg, size_t len);
unsigned fx_adds(struct fx *f, const char *msg);
/* Reloads the view's messages from the index. */
void fx_reload(struct fx *f);
/* Parses one command line (tag, UID and all) and runs FETCH, SEARCH,
 * SORT or THREAD: out gets the untagged responses, text the NO/BAD text. */
enum imap_view_rc fx_cmd(struct fx *f, const char *line, struct buf *out,
    struct buf *text);
#include "imap_wellformed.h"
/* The path of message uid's file. */
void fx_path(struct fx *f, unsigned uid, struct buf *out);

#endif
