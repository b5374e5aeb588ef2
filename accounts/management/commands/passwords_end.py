"""`manage.py passwords_end`: at go-live with NHS CIS2, remove every password still held, so
that none exists anywhere in the system (issue 31). Each account's history records it."""
import structlog
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from audit.services import stamp, system_user

security_log = structlog.get_logger("pathways.security")


class Command(BaseCommand):
    help = "Remove every password (run once sign-in is NHS CIS2's and PASSWORD_SIGN_IN is off)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Say how many accounts hold a password; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        if settings.PASSWORD_SIGN_IN and not dry_run:
            raise CommandError("Passwords are still on (PASSWORD_SIGN_IN): turn them off first, "
                               "or nobody could sign in.")
        holders = [user for user in User.objects.order_by("pk") if user.has_usable_password()]
        if dry_run:
            self.stdout.write(f"{len(holders)} accounts hold a password.")
            return
        actor = system_user()
        with transaction.atomic():
            for user in holders:
                user.set_unusable_password()
                stamp(user, by=actor, reason="Passwords ended: sign-in is NHS CIS2's").save()
        security_log.info("passwords_ended", accounts=len(holders))
        self.stdout.write(self.style.SUCCESS(f"Removed the password of {len(holders)} accounts."))
