#include <stdio.h>
int main(void) { fputs("mailboxd: the server arrives with the inbound-mail work\n", stderr); return 1; }
