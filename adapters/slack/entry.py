"""What members type in Slack, mapped onto the core's one grammar, and the Home tab's parts.

Both are data: a new short slash command or a new part of App Home is one line here, and
neither copies a command; each names words the core's registry already knows.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands import CommandRegistry

MAIN_COMMAND = "/staffroom"

ALIASES: dict[str, str] = {
    "/whodone": "whodone",
    "/teachmeet": "teachmeet",
    "/pins": "pins",
    "/intro": "intro",
}
"""Short slash commands and the command word each stands for."""


@dataclass(frozen=True)
class HomePart:
    heading: str
    text: str
    """Command text run as the member opening Home; the part is left out if the registry
    has no such command (a capability not installed)."""


HOME_PARTS: tuple[HomePart, ...] = (
    HomePart("Your profile", "profile"),
    HomePart("Upcoming teach-meets", "teachmeet list"),
    HomePart("How to use Staffroom", "help"),
)


def word_exists(registry: CommandRegistry, word: str) -> bool:
    """A command (or alias) is named `word`, or starts with it ("teachmeet create")."""
    return registry.get(word) is not None or any(
        name.split()[0].lower() == word
        for command in registry.commands.values() for name in (command.name, *command.aliases))


def active_aliases(registry: CommandRegistry) -> dict[str, str]:
    """The aliases whose command word exists in this build of the bot."""
    return {slash: word for slash, word in ALIASES.items() if word_exists(registry, word)}


def command_text(registry: CommandRegistry, slash: str, text: str) -> str | None:
    """The text to hand the core for a slash command, or None if it is not one of ours."""
    text = text.strip()
    if slash == MAIN_COMMAND:
        return text or "help"
    word = active_aliases(registry).get(slash)
    if word is None:
        return None
    return f"{word} {text}".strip()


def home_parts(registry: CommandRegistry) -> list[HomePart]:
    return [part for part in HOME_PARTS if registry.resolve(part.text.split()) is not None]
