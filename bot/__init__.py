"""kpibot's core: configuration, the app factory, the scheduler and the domain.

Domain modules take plain data and a session and import nothing from Slack.
"""

__version__ = "0.1.0"
