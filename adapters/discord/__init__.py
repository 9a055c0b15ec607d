"""The Discord adapter (discord.py). Imported only when a Discord token is configured."""
