#include "t.h"

#include <stdlib.h>

#include "mail/mime.h"

static const char *sect(const struct mime_tree *t, const char *spec,
    enum mime_sect what, struct buf *out)
{
	unsigned nums[16];
	size_t n, off, len;
	const char *rest;
	buf_reset(out);
	if (!mime_section_nums(spec, nums, 16, &n, &rest) ||
	    !mime_section_range(t, nums, n, what, &off, &len))
		return "(none)";
	buf_add(out, t->msg + off, len);
	return buf_cstr(out);
}

TEST(ctype_params_and_comments)
{
	struct mime_ctype ct;
	const char *v = "Text/HTML (c) ; charset = \"UTF-8\" (x);; junk; "
	    "boundary=----=_Part_1 ; name=\"a \\\"q\\\" b\"";
	CHECK(mime_ctype_parse(v, strlen(v), true, &ct));
	CHECK_STR(ct.type, "text");
	CHECK_STR(ct.subtype, "html");
	CHECK_STR(mime_param_get(&ct, "CHARSET"), "UTF-8");
	CHECK_STR(mime_param_get(&ct, "boundary"), "----=_Part_1");
	CHECK_STR(mime_param_get(&ct, "name"), "a \"q\" b");
	CHECK(mime_param_get(&ct, "junk") == NULL);
	mime_ctype_free(&ct);
	CHECK(!mime_ctype_parse("text", 4, true, &ct));
	CHECK(!mime_ctype_parse("/plain", 6, true, &ct));
	CHECK(!mime_ctype_parse("", 0, true, &ct));
	v = "attachment; filename=\"unterminated";
	CHECK(mime_ctype_parse(v, strlen(v), false, &ct));
	CHECK_STR(mime_param_get(&ct, "filename"), "unterminated");
	mime_ctype_free(&ct);
}

TEST(ctype_rfc2231)
{
	struct mime_ctype ct;
	const char *v = "attachment; filename*1*=%A9.txt; filename*0*="
	    "utf-8'en'caf%C3; filename=\"plain.txt\"; title*=iso-8859-1''%E9; "
	    "x*0=a; x*2=c; x*1=b; gap*0=a; gap*5=z";
	CHECK(mime_ctype_parse(v, strlen(v), false, &ct));
	CHECK_STR(ct.type, "attachment");
	CHECK(ct.subtype == NULL);
	CHECK_STR(mime_param_get(&ct, "filename"), "caf\xc3\xa9.txt");
	CHECK_STR(mime_param_get(&ct, "title"), "\xc3\xa9");
	CHECK_STR(mime_param_get(&ct, "x"), "abc");
	CHECK_STR(mime_param_get(&ct, "gap"), "a");
	CHECK(ct.nparams == 4);
	mime_ctype_free(&ct);
}

TEST(ctype_param_limit)
{
	struct buf v = BUF_INIT;
	buf_addstr(&v, "text/plain");
	for (int i = 0; i < 1000; i++)
		buf_printf(&v, "; p%d=%d", i, i);
	struct mime_ctype ct;
	CHECK(mime_ctype_parse(v.data, v.len, true, &ct));
	CHECK(ct.nparams == MIME_MAX_PARAMS);
	CHECK_STR(mime_param_get(&ct, "p0"), "0");
	mime_ctype_free(&ct);
	buf_free(&v);
}

static const char nested[] =
    "From: a@b\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "part one\r\n"
    "two lines\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "Content-Type: multipart/alternative; boundary=outer-inner\r\n"
    "\r\n"
    "--outer-inner\r\n"
    "\r\n"
    "alt one\r\n"
    "--outer-inner\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<b>alt two</b>\r\n"
    "--outer-inner--\r\n"
    "--outer\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=x.png\r\n"
    "\r\n"
    "iVBORw0KGgo=\r\n"
    "--outer--\r\n"
    "epilogue\r\n";

TEST(mime_tree_nested_sections)
{
	struct mime_tree *t = mime_parse(nested, sizeof(nested) - 1, NULL);
	struct buf b = BUF_INIT;
	const struct mime_part *r = t->root;
	CHECK(r->kind == MIME_MULTIPART && r->nchildren == 3);
	CHECK_MEM(nested + r->preamble_off, r->preamble_len, "preamble", 8);
	CHECK_MEM(nested + r->epilogue_off, r->epilogue_len, "epilogue\r\n", 10);
	CHECK(!r->missing_close && !t->truncated);
	CHECK_STR(sect(t, "1", MIME_SECT_ALL, &b), "part one\r\ntwo lines");
	CHECK(r->child->body_lines == 2);
	CHECK_STR(sect(t, "1", MIME_SECT_MIME, &b),
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n");
	CHECK_STR(sect(t, "2.HEADER", MIME_SECT_HEADER, &b),
	    "Subject: inner\r\nContent-Type: multipart/alternative; "
	    "boundary=outer-inner\r\n\r\n");
	CHECK_STR(sect(t, "2.1", MIME_SECT_ALL, &b), "alt one");
	CHECK_STR(sect(t, "2.2", MIME_SECT_ALL, &b), "<b>alt two</b>");
	CHECK_STR(sect(t, "2.2", MIME_SECT_MIME, &b),
	    "Content-Type: text/html\r\n\r\n");
	CHECK_STR(sect(t, "2.3", MIME_SECT_ALL, &b), "(none)");
	CHECK_STR(sect(t, "1.HEADER", MIME_SECT_HEADER, &b), "(none)");
	CHECK_STR(sect(t, "3", MIME_SECT_ALL, &b), "iVBORw0KGgo=");
	CHECK_STR(sect(t, "4", MIME_SECT_ALL, &b), "(none)");
	CHECK_STR(sect(t, "", MIME_SECT_TEXT, &b), strstr(nested, "\r\n\r\n") + 4);
	const struct mime_part *p2 = r->child->next;
	CHECK(p2->kind == MIME_MESSAGE && p2->child->kind == MIME_MULTIPART);
	CHECK(p2->child->child->ct_defaulted);
	CHECK_STR(p2->child->child->ct.subtype, "plain");
	const struct mime_part *p3 = p2->next;
	CHECK(p3->cte == CTE_BASE64);
	CHECK_STR(p3->disp.type, "attachment");
	CHECK_STR(mime_param_get(&p3->disp, "filename"), "x.png");
	buf_free(&b);
	mime_tree_free(t);
}

TEST(mime_single_part_and_rfc822_rules)
{
	const char *m = "Subject: s\nContent-Type: message/rfc822\n\n"
	    "Subject: in\n\nbody\n";
	struct mime_tree *t = mime_parse(m, strlen(m), NULL);
	struct buf b = BUF_INIT;
	CHECK(t->root->kind == MIME_MESSAGE);
	CHECK_STR(sect(t, "1", MIME_SECT_ALL, &b), "Subject: in\n\nbody\n");
	CHECK_STR(sect(t, "1.HEADER", MIME_SECT_HEADER, &b), "Subject: in\n\n");
	CHECK_STR(sect(t, "1.TEXT", MIME_SECT_TEXT, &b), "body\n");
	CHECK_STR(sect(t, "1.1", MIME_SECT_ALL, &b), "body\n");
	CHECK_STR(sect(t, "1.2", MIME_SECT_ALL, &b), "(none)");
	CHECK_STR(sect(t, "1.1.1", MIME_SECT_ALL, &b), "(none)");
	CHECK(t->root->body_lines == 3);
	mime_tree_free(t);

	m = "Subject: plain\n\nhello";
	t = mime_parse(m, strlen(m), NULL);
	CHECK(t->root->kind == MIME_LEAF && t->root->ct_defaulted);
	CHECK_STR(mime_param_get(&t->root->ct, "charset"), "us-ascii");
	CHECK_STR(sect(t, "1", MIME_SECT_ALL, &b), "hello");
	CHECK_STR(sect(t, "", MIME_SECT_HEADER, &b), "Subject: plain\n\n");
	CHECK_STR(sect(t, "2", MIME_SECT_ALL, &b), "(none)");
	CHECK(t->root->body_lines == 1);
	mime_tree_free(t);
	buf_free(&b);
}

TEST(mime_section_spec_parse)
{
	unsigned nums[3];
	size_t n;
	const char *rest;
	CHECK(mime_section_nums("1.2.HEADER.FIELDS", nums, 3, &n, &rest));
	CHECK(n == 2 && nums[1] == 2);
	CHECK_STR(rest, "HEADER.FIELDS");
	CHECK(!mime_section_nums("0", nums, 3, &n, &rest));
	CHECK(!mime_section_nums("1.", nums, 3, &n, &rest));
	CHECK(!mime_section_nums("1.2.3.4", nums, 3, &n, &rest));
	CHECK(!mime_section_nums("99999999999", nums, 3, &n, &rest));
	CHECK(!mime_section_nums("1x", nums, 3, &n, &rest));
}

TEST(mime_hostile_boundaries)
{
	/* "b" is a prefix of "bb"; a missing close; no parts at all */
	const char *m = "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--bb\n\nnot a delimiter\n--b \t\n\nfirst\n--b\n\nlast, no close";
	struct mime_tree *t = mime_parse(m, strlen(m), NULL);
	struct buf b = BUF_INIT;
	CHECK(t->root->nchildren == 2 && t->root->missing_close);
	CHECK_STR(sect(t, "1", MIME_SECT_ALL, &b), "first");
	CHECK_STR(sect(t, "2", MIME_SECT_ALL, &b), "last, no close");
	CHECK_MEM(m + t->root->preamble_off, t->root->preamble_len,
	    "--bb\n\nnot a delimiter", 21);
	mime_tree_free(t);

	m = "Content-Type: multipart/mixed; boundary=zz\n\nno delimiters";
	t = mime_parse(m, strlen(m), NULL);
	CHECK(t->root->kind == MIME_LEAF && t->root->ct_defaulted);
	mime_tree_free(t);

	m = "Content-Type: multipart/mixed\n\n--\n";
	t = mime_parse(m, strlen(m), NULL);
	CHECK(t->root->kind == MIME_LEAF);
	mime_tree_free(t);

	m = "Content-Type: multipart/mixed; boundary=e\n\n--e\n--e\n--e--";
	t = mime_parse(m, strlen(m), NULL);
	CHECK(t->root->nchildren == 2);
	CHECK_STR(sect(t, "1", MIME_SECT_ALL, &b), "");
	CHECK(t->root->child->hdr_len == 0);
	mime_tree_free(t);
	buf_free(&b);
}

TEST(mime_deep_nesting_limited)
{
	struct buf m = BUF_INIT;
	for (int i = 0; i < 5000; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=%d\n\n--%d\n",
		    i, i);
	buf_addstr(&m, "\nleaf\n");
	struct mime_tree *t = mime_parse(m.data, m.len, NULL);
	CHECK(t->truncated);
	unsigned depth = 0;
	for (const struct mime_part *p = t->root; p->child; p = p->child)
		depth++;
	CHECK(depth == 64);
	mime_tree_free(t);

	buf_reset(&m);
	for (int i = 0; i < 1000; i++)
		buf_addstr(&m, "Content-Type: message/rfc822\n\n");
	t = mime_parse(m.data, m.len, NULL);
	CHECK(t->truncated && t->nparts == 65);
	mime_tree_free(t);
	buf_free(&m);
}

TEST(mime_many_parts_limited)
{
	struct buf m = BUF_INIT;
	buf_addstr(&m, "Content-Type: multipart/mixed; boundary=x\n\n");
	for (int i = 0; i < 12000; i++)
		buf_printf(&m, "--x\n\n%d\n", i);
	buf_addstr(&m, "--x--\n");
	struct mime_tree *t = mime_parse(m.data, m.len, NULL);
	CHECK(t->truncated && t->nparts == 10000);
	CHECK(t->root->nchildren == 9999);
	unsigned nums[1] = { 9999 };
	size_t off, len;
	CHECK(mime_section_range(t, nums, 1, MIME_SECT_ALL, &off, &len));
	CHECK_MEM(m.data + off, len, "9998", 4);
	mime_tree_free(t);

	struct mime_limits lim = { 8, 100000, 1024 };
	t = mime_parse(m.data, m.len, &lim);
	CHECK(!t->truncated && t->root->nchildren == 12000);
	mime_tree_free(t);
	buf_free(&m);
}

TEST(mime_nul_and_long_lines)
{
	struct buf m = BUF_INIT;
	buf_addstr(&m, "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	    "Content-Type: text/plain\n\n");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_addch(&m, i % 100 == 0 ? '\0' : '-');
	buf_addstr(&m, "\n--q--\n");
	struct mime_tree *t = mime_parse(m.data, m.len, NULL);
	CHECK(t->root->nchildren == 1);
	CHECK(t->root->child->body_len == 1024 * 1024);
	CHECK(t->root->child->body_lines == 1);
	mime_tree_free(t);
	t = mime_parse("", 0, NULL);
	CHECK(t->root->kind == MIME_LEAF && t->root->body_len == 0);
	mime_tree_free(t);
	buf_free(&m);
}

TEST(mime_digest_default)
{
	const char *m = "Content-Type: multipart/digest; boundary=d\n\n--d\n\n"
	    "Subject: x\n\nhi\n--d--\n";
	struct mime_tree *t = mime_parse(m, strlen(m), NULL);
	const struct mime_part *c = t->root->child;
	CHECK(c && c->kind == MIME_MESSAGE && c->ct_defaulted);
	CHECK(c->child->body_len == 2);
	mime_tree_free(t);
}
