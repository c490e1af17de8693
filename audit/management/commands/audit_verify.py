"""Recompute the audit log's hash chain and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_chain_verify, audit_seal


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain; exit status 1 and the first broken "
        "link when a sealed row was changed, deleted or slipped in."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal-first",
            action="store_true",
            help="seal rows written since the last sealing job before checking",
        )

    def handle(self, *args, seal_first: bool = False, **options):
        if seal_first:
            audit_seal()
        report = audit_chain_verify()
        if not report.is_intact:
            raise CommandError(report.describe())
        self.stdout.write(report.describe())
