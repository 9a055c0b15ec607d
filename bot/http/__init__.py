"""The bot's one HTTP server: health, metrics, calendar feeds, web pages and Slack's HTTP mode.

Every run mode starts it (`staffroom run`), or it runs alone (`staffroom serve`). Whoever
needs a route adds it before the server starts: capabilities through `Capability.http`,
adapters through `mount_http`, the app itself for `/healthz`.
"""

from bot.http.server import HealthCheck, HealthResult, HttpServer

__all__ = ["HealthCheck", "HealthResult", "HttpServer"]
