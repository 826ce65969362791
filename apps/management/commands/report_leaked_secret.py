"""Report leaked client secrets found elsewhere: the road GitHub's reports take.

The secrets are read from standard input, one per line, never from the command line (which
shell history and process lists keep):

    pbpaste | python manage.py report_leaked_secret --url https://… --source pastebin
"""

import sys

from django.core.management.base import BaseCommand

from apps import services


class Command(BaseCommand):
    help = (
        "Revoke leaked client secrets read from standard input (one per line) and email their "
        "organizations' owners and admins."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="", help="Where the secrets were found.")
        parser.add_argument("--source", default="", help="What they were found in.")
        parser.add_argument(
            "--reporter",
            default="Console staff",
            help='Who reports, as the Activity and audit log name them (default "Console staff").',
        )

    def handle(self, *args, url: str, source: str, reporter: str, **options) -> None:
        tokens = [line.strip() for line in sys.stdin if line.strip()]
        if not tokens:
            self.stderr.write("No secrets on standard input: nothing to report.")
            return
        for number, token in enumerate(tokens, start=1):
            verdict = services.client_secret_leak_report(
                token=token, url=url[:2000], source=source[:100], reporter=reporter[:100]
            )
            if verdict.revoked:
                line = (
                    f"{number}: {verdict.secret.hint}… of {verdict.secret.app} revoked as leaked."
                )
            elif verdict.secret is not None:
                line = f"{number}: {verdict.secret.hint}… had already stopped working."
            else:
                line = f"{number}: not a client secret of ours."
            self.stdout.write(line)
