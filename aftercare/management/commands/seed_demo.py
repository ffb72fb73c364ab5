from django.core.management.base import BaseCommand

from aftercare.demo import DEMO_PASSWORD, demo_logins, seed_demo


class Command(BaseCommand):
    help = "Build (or top up) the demo district and print the demo logins. Idempotent."

    def handle(self, *args, **options):
        seed_demo(stdout=self.stdout)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for row in demo_logins():
            self.stdout.write(f"  {row['role']:<16} {row['login']:<14} {row['who']}")
