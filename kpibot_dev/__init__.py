"""Development tools that play Slack's side: the Web API stand-in, a driver that sends what Slack
would send (signed events, slash commands, clicks, modal submissions), and ``kpibot demo``.

Packaged because ``kpibot demo`` runs them, but no product module imports this package
(``./dev lint`` checks it): the bot never depends on its test double.
"""
