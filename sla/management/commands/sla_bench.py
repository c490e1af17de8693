"""Time the service-level sweep at volume (rolled back afterwards)."""

from django.core.management.base import BaseCommand

from sla.bench import sweep_bench


class Command(BaseCommand):
    help = "Time one SLA sweep over N open tickets (default 100,000), 5 % due."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=100_000)
        parser.add_argument("--due-share", type=float, default=0.05)
        parser.add_argument("--keep", action="store_true")

    def handle(self, *args, tickets, due_share, keep, **options):
        result = sweep_bench(tickets=tickets, due_share=due_share, keep=keep)
        self.stdout.write(f"open tickets:        {result.tickets}")
        self.stdout.write(f"clocks:              {result.clocks}")
        self.stdout.write(f"due clocks:          {result.due}")
        self.stdout.write(f"load:                {result.load_seconds:.1f} s")
        self.stdout.write(
            f"sweep:               {result.sweep_seconds:.2f} s "
            f"({result.warned} warned, {result.breached} breached)"
        )
        self.stdout.write(f"second sweep:        {result.second_sweep_seconds:.3f} s")
        self.stdout.write("plan of the finding query:")
        self.stdout.write(result.plan)
        self.stdout.write(
            "sla sweep: bar met"
            if result.sweep_seconds <= 10
            else "sla sweep: bar MISSED (10 s)"
        )
