"""Servers the tests start that cannot report their port themselves (an SMTP sink), each on
a port the operating system picks, reported on the first line of standard output as
`PORT 12345`. The test reads that line, so no other test can take the port between its
choice and its use (as happened when tests picked a free port, released it, and started the
server on it).

    python scripts/test_servers.py smtp MAILDIR
"""

import asyncio
import sys


def report(port: int) -> None:
    print(f"PORT {port}", flush=True)


def smtp(maildir: str) -> None:
    from aiosmtpd.handlers import Mailbox
    from aiosmtpd.smtp import SMTP

    handler = Mailbox(maildir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler), "127.0.0.1", 0)
    )
    report(server.sockets[0].getsockname()[1])
    loop.run_forever()


if __name__ == "__main__":
    if sys.argv[1:2] == ["smtp"] and len(sys.argv) == 3:
        smtp(sys.argv[2])
    else:
        sys.exit(__doc__)
