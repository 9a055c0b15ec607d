"""Repositories: queries and writes for one area, given a session. They never commit."""
