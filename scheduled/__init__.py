"""Timed work: one mechanism for everything that must happen once per due time.

The database (`due_work`) says what is due and what was done; APScheduler only wakes us.
A capability registers a handler per `kind` and plans items with `DueWorkRepository.plan`;
periodic planners (a weekly digest, a monthly pairing round) are registered with `every`
and should themselves only plan due work, so a second copy of the bot plans the same key
and nothing is sent twice.

Guarantees: a copy claims rows a few at a time before delivering, with a short lease it
renews while it works, and records each outcome straight after the delivery, so two copies
never deliver the same item, a stopped copy hands back what it had not started, and a
crashed copy's claims are delivered by another copy seconds later (one lease). Handlers
send through `Scheduler.deliveries`, which records each destination reached, so the copy
that takes over sends only to the destinations left. The one window left is a crash
between a send and its record (one short transaction): that destination is sent again.
Work overdue by more than its grace (say, after downtime) is dropped with a log line, never
sent late.
"""

from scheduled.runner import Scheduler, WorkHandler

__all__ = ["Scheduler", "WorkHandler"]
