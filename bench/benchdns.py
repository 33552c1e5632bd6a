"""A DNS server for the benchmarks (python3-dnslib, in a thread): the
sender's domain publishes SPF for 127.0.0.1 and DMARC p=none, every
other name is NXDOMAIN. mailboxd checks SPF, DKIM and DMARC on every
inbound message; with this resolver it pays for those checks as it
would behind a local caching resolver, without the Internet."""
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer

SENDER_DOMAIN = "bench-sender.test"


class _Zone(BaseResolver):
    def __init__(self):
        self.txt = {
            SENDER_DOMAIN + ".": "v=spf1 ip4:127.0.0.1 -all",
            "_dmarc." + SENDER_DOMAIN + ".": "v=DMARC1; p=none",
        }

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).lower()
        if name not in self.txt:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            reply.add_answer(RR(request.q.qname, QTYPE.TXT, ttl=300,
                                rdata=TXT(self.txt[name].encode())))
        return reply


def start(port):
    """Serves on 127.0.0.1:port (UDP) until the process ends."""
    srv = DNSServer(_Zone(), port=port, address="127.0.0.1",
                    logger=DNSLogger(logf=lambda s: None))
    srv.start_thread()
    return srv
