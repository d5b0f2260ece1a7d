"""Use cases: what one Slack request asks of the domain, one function each.

A listener in handlers/ reads the payload, calls one function here and renders
what it returns. Each function opens its own unit of work
(``services.unit_of_work()``), finds the asker by Slack id, calls the domain
(bot/ modules that take a session), and returns plain data or domain rows for
the handler to render. A "no" is a ``bot.refusal.Refusal``: it rolls the unit
of work back, and ``handlers.errors`` words it in the asker's language.
Plain Python, no Slack: tested directly against the real database.
"""
