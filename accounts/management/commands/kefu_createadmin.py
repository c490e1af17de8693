"""Create the first system administrator of a production install."""

import getpass
import os

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Department, User
from accounts.roles import Role


class Command(BaseCommand):
    help = "Create a system administrator (role system_admin) in department 'admin'."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            help="read the password from this environment variable instead of asking",
        )

    def handle(self, *args, username, name, email, password_env, **options):
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"user {username} already exists")
        if password_env:
            password = os.environ.get(password_env, "")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        user = User(username=username, display_name=name, email=email)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        with transaction.atomic():
            department, _ = Department.objects.get_or_create(
                code="admin", defaults={"name": "综合管理部", "sort_order": 60}
            )
            user.department = department
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=Role.SYSTEM_ADMIN.value)])
        self.stdout.write(f"System administrator {username} created.")
