"""A small SMTP server on loopback for the tests of sending mail: it takes mail, refuses some
recipients, or drops the connection, as a real mail server can."""

import socket
import socketserver
import threading


class FakeSMTPServer:
    """Refuses the recipients in `refuse` (address -> reply, such as "550 5.1.1 unknown"),
    drops the connection at the command named by `drop_at` ("MAIL", "RCPT", "DATA"), and keeps
    each message it took in `messages` as (envelope recipients, raw text)."""

    def __init__(self):
        self.refuse: dict[str, str] = {}
        self.drop_at: str | None = None
        self.messages: list[tuple[list[str], str]] = []
        self.connections = 0
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                server.connections += 1
                self.reply("220 fake ESMTP")
                recipients: list[str] = []
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command.split(" ", 1)[0].split(":", 1)[0].upper()
                    if verb == server.drop_at:
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 fake")
                    elif verb == "MAIL":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        address = command.split("<", 1)[1].split(">", 1)[0]
                        if address in server.refuse:
                            self.reply(server.refuse[address])
                        else:
                            recipients.append(address)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        data = []
                        while (part := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(part.decode())
                        server.messages.append((recipients, "".join(data)))
                        self.reply("250 queued")
                    elif verb == "RSET":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not here")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def mailers(self) -> dict:
        """The MAILERS setting that sends to this server."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }
