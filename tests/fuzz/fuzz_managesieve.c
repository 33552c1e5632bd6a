/* ManageSieve: the parser and a session never crash on any input, fed
 * whole or in two pieces; every refusal names its reason. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imap/managesieve.h"

static char dir[] = "/tmp/fuzz_managesieve.XXXXXX";

static void parse(const uint8_t *data, size_t size, size_t split, bool sasl)
{
	struct msv_parser p;
	struct msv_cmd c;
	enum msv_rc rc;
	msv_parser_init(&p, 4096);
	p.sasl = sasl;
	msv_feed(&p, data, split);
	for (int round = 0; round < 2; round++) {
		while ((rc = msv_next(&p, &c)) != MSV_MORE) {
			if (rc == MSV_CMD)
				msv_cmd_free(&c);
			else if (c.bad == NULL)
				abort();
			if (rc == MSV_FATAL)
				break;
		}
		if (rc == MSV_FATAL)
			break;
		msv_feed(&p, data + split, size - split);
	}
	msv_parser_free(&p);
}

/* The scripts sessions stored go with the process. */
static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool made;
	if (!made && mkdtemp(dir) == NULL)
		abort();
	if (!made)
		atexit(cleanup);
	made = true;
	size_t split = size ? data[0] % (size + 1) : 0;
	parse(data, size, split, false);
	parse(data, size, split, true);
	struct msv_session *s = msv_session_new(dir);
	msv_session_feed(s, data, size);
	size_t n;
	msv_session_output(s, &n);
	msv_session_consume(s, n);
	msv_session_free(s);
	return 0;
}
