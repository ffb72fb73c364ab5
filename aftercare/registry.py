"""Where the kernel shows what the apps above it own, without importing them.

The kernel renders the navigation, each role's home page, the landing redirect after login
and the demo data; the apps that own the content fill this registry in their
``AppConfig.ready`` (plans adds the plan links, enrollment the roster and the children, and so
on). Dependencies therefore point one way: apps import the kernel, never the reverse.

* ``register_nav(order, provider)`` — ``provider(scope)`` returns navigation items
  (``{"key", "label", "url"}``) for that user; items are shown by ``order``.
* ``register_home_section(page, order, provider)`` — ``provider(request, **context)`` returns a
  ``Section`` (a template and its context) or None; ``page`` is one of ``district``,
  ``school``, ``teacher``, ``family``.
  A to-do block is ``todo_section(title, todos)``: a list of ``Todo`` (what to do, by when,
  where), the shape every role's home page shows first.
* ``register_landing(order, provider)`` — ``provider(scope)`` returns the URL a user should land
  on, or None to let the next one decide (the kernel's role homes come first).
* ``register_demo_step(order, step)`` — ``step(demo)`` adds an app's demo data to the kernel's
  ``DemoContext``; steps run by ``order`` after the kernel has built districts and schools.
* ``register_anonymiser(covers, fn)`` — an app holding a child's free text above ``safety``
  gives ``fn(*, student, names, marker) -> int`` (replace the child's text, rows stay), with
  the model labels it covers; safety's deletion runs every one (``anonymisers()``).
* ``register_flow_step(flow, provider)`` — ``provider(request, **context)`` returns the URL
  of the next step of a user's flow owned by a lower app (e.g. ``"child_bound"``: safety's
  notice and consent right after a parent binds a child), or None; ``next_step`` asks them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

HOME_PAGES = ("district", "school", "teacher", "family")


@dataclass
class Section:
    """A block of a home page: ``template`` rendered with ``context`` (plus the page's own)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 0


@dataclass
class Todo:
    """One line of a home page's to-do list: ``label`` says what (or what is awaited),
    ``detail`` when or why, ``url``/``action`` where to do it. ``state``: ``todo`` (the reader
    acts), ``wait`` (someone else acts), ``warn`` (overdue or returned), ``ok`` (done)."""

    label: str
    detail: str = ""
    url: str = ""
    action: str = ""
    state: str = "todo"
    count: int | None = None


def todo_section(
    title: str, todos: list[Todo], *, testid: str = "todos", **extra
) -> Section | None:
    """A to-do block for a home page, or None when there is nothing to show."""
    if not todos:
        return None
    return Section("home/todos.html", {"title": title, "todos": todos, "testid": testid, **extra})


_nav: list[tuple[int, Callable]] = []
_sections: dict[str, list[tuple[int, Callable]]] = {page: [] for page in HOME_PAGES}
_landings: list[tuple[int, Callable]] = []
_demo_steps: list[tuple[int, Callable]] = []


def _add(registry: list, order: int, fn: Callable) -> None:
    """Register once (``ready`` may run twice in tests), kept sorted by order."""
    if any(existing is fn for _o, existing in registry):
        return
    registry.append((order, fn))
    registry.sort(key=lambda item: item[0])


def register_nav(order: int, provider: Callable[..., Iterable[dict]]) -> None:
    _add(_nav, order, provider)


def register_home_section(page: str, order: int, provider: Callable[..., Section | None]) -> None:
    if page not in _sections:
        raise ValueError(f"unknown home page {page!r}; one of {HOME_PAGES}")
    _add(_sections[page], order, provider)


def register_landing(order: int, provider: Callable[..., str | None]) -> None:
    _add(_landings, order, provider)


def register_demo_step(order: int, step: Callable[..., None]) -> None:
    _add(_demo_steps, order, step)


def nav_items(scope) -> list[dict]:
    items: list[dict] = []
    for _order, provider in _nav:
        items.extend(provider(scope))
    return items


def home_sections(page: str, request, **context) -> list[Section]:
    sections = []
    for order, provider in _sections[page]:
        section = provider(request, **context)
        if section is not None:
            section.order = order
            sections.append(section)
    return sections


def landing_url(scope) -> str | None:
    for _order, provider in _landings:
        url = provider(scope)
        if url:
            return url
    return None


def demo_steps() -> list[Callable]:
    return [step for _order, step in _demo_steps]


_anonymisers: list[tuple[tuple[str, ...], Callable[..., int]]] = []


def register_anonymiser(covers: Iterable[str], fn: Callable[..., int]) -> None:
    _anonymisers.append((tuple(covers), fn))


def anonymisers() -> list[tuple[tuple[str, ...], Callable[..., int]]]:
    return list(_anonymisers)


_flow_steps: dict[str, list[Callable[..., str | None]]] = {}


def register_flow_step(flow: str, provider: Callable[..., str | None]) -> None:
    _flow_steps.setdefault(flow, []).append(provider)


def next_step(flow: str, request, **context) -> str | None:
    for provider in _flow_steps.get(flow, []):
        url = provider(request, **context)
        if url:
            return url
    return None
