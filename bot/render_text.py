"""Plain-text rendering of replies: the console's output and every platform's fallback."""

from __future__ import annotations

from typing import Any

from bot.replies import Actions, Block, Button, Context, ItemList, Question, Reply, Section, Text


def _buttons(buttons: tuple[Button, ...], question: Question | None = None) -> str:
    return "  ".join(f"[{b.label}: {what_to_type(b, question)}]" for b in buttons)


def what_to_type(button: Button, question: Question | None = None) -> str:
    """What a reader without buttons types instead: the answer the reply's question
    expects ("say yes", "say 2", "say more"), else the command the button stands for;
    a link button's web address."""
    if button.url:
        return button.url
    option = question.option_for(button) if question is not None else None
    if option is not None:
        assert question is not None
        said = str(question.options.index(option) + 1) if question.numbered else (
            option.words[0] if option.words else option.label.lower())
        return f"say {said}"
    return button_command(button)


def _shown(value: Any) -> str:
    """An argument as it is typed: yes/no for switches, lists as "a, b"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def button_command(button: Button) -> str:
    """The text command a button stands for, so terminal users can type it."""
    parts = [button.command]
    for key, value in button.args.items():
        shown = _shown(value)
        parts.append(f'{key}="{shown}"' if (" " in shown or not shown) else f"{key}={shown}")
    return " ".join(parts)


def _block(block: Block, question: Question | None = None) -> list[str]:
    if isinstance(block, Text):
        return [block.text]
    if isinstance(block, Context):
        return [f"({block.text})"]
    if isinstance(block, Actions):
        return [_buttons(block.buttons, question)]
    if isinstance(block, Section):
        lines = [f"== {block.title} =="]
        if block.link:
            lines.append(block.link)
        if block.text:
            lines.append(block.text)
        lines.extend(f"  {f.label}: {f.value}" for f in block.fields)
        if block.footer:
            lines.append(f"  ({block.footer})")
        if block.buttons:
            lines.append("  " + _buttons(block.buttons, question))
        return lines
    if isinstance(block, ItemList):
        lines = [f"== {block.title} =="] if block.title else []
        if not block.items:
            lines.append(block.empty)
        for item in block.items:
            lines.append(f"- {item.title}")
            if item.text:
                lines.extend(f"    {line}" for line in item.text.splitlines())
            if item.buttons:
                lines.append("    " + _buttons(item.buttons, question))
        return lines
    raise TypeError(f"unknown block {block!r}")


def render_text(reply: Reply) -> str:
    lines: list[str] = []
    for block in reply.blocks:
        lines.extend(_block(block, reply.question))
    if reply.form is not None:
        form = reply.form
        fields = " ".join(f"{f.name}=..." for f in form.fields)
        lines.append(f"[form: {form.title}] type: {form.command} {fields}".rstrip())
    if reply.attachment is not None:
        lines.append(f"[file: {reply.attachment.filename}, {len(reply.attachment.content)} "
                     "bytes]")
    return "\n".join(lines)
