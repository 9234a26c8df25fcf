"""Log records without the private addresses of ideas' status pages."""

import logging
import re

# The address of an idea's status page and receipt holds its token ("/bidrag/<token>/",
# "/en/contributions/<token>/"): whoever could read the log could open the sender's page, with
# the idea and the city's answer. gunicorn.conf.py writes its access log the same way.
# A path begins a line or follows a space (never inside another path, as a challenge named
# "bidrag" would have it).
PRIVATE_PATH = re.compile(r"(?:^|(?<=\s))(/(?:en/)?(?:bidrag|contributions)/)[^/\s?#]+")


class PrivatePaths(logging.Filter):
    """Writes "[token]" in place of the token of a status page's address in a record, as
    Django's own lines name the path: "Method Not Allowed (POST): /bidrag/<token>/"."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = PRIVATE_PATH.sub(r"\1[token]", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
