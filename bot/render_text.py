"""Plain-text rendering of replies: the console's output and every platform's fallback."""

from __future__ import annotations

from bot.replies import Actions, Block, Button, Context, ItemList, Reply, Section, Text


def _buttons(buttons: tuple[Button, ...]) -> str:
    return "  ".join(f"[{b.label}: {button_command(b)}]" for b in buttons)


def button_command(button: Button) -> str:
    """The text command a button stands for, so terminal users can type it; a link
    button's web address."""
    if button.url:
        return button.url
    parts = [button.command]
    for key, value in button.args.items():
        shown = str(value)
        parts.append(f'{key}="{shown}"' if " " in shown else f"{key}={shown}")
    return " ".join(parts)


def _block(block: Block) -> list[str]:
    if isinstance(block, Text):
        return [block.text]
    if isinstance(block, Context):
        return [f"({block.text})"]
    if isinstance(block, Actions):
        return [_buttons(block.buttons)]
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
            lines.append("  " + _buttons(block.buttons))
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
                lines.append("    " + _buttons(item.buttons))
        return lines
    raise TypeError(f"unknown block {block!r}")


def render_text(reply: Reply) -> str:
    lines: list[str] = []
    for block in reply.blocks:
        lines.extend(_block(block))
    if reply.form is not None:
        form = reply.form
        fields = " ".join(f"{f.name}=..." for f in form.fields)
        lines.append(f"[form: {form.title}] type: {form.command} {fields}".rstrip())
    if reply.attachment is not None:
        lines.append(f"[file: {reply.attachment.filename}, {len(reply.attachment.content)} "
                     "bytes]")
    return "\n".join(lines)
