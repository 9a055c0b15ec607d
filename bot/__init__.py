"""Staffroom's platform-agnostic core. Never imports slack_bolt or discord."""
