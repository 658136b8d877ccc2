"""The live sessions of this server, anonymously, for the class page (``/class``).

Each dashboard tab adds its :class:`~visualization.session.Session` here when it
opens and removes it when Solara closes the tab's kernel. A session is known only by
a running number and an animal name drawn at random ("Otter 3"): nothing a student
typed or their browser sent is kept, and nothing is written to disk; a server
restart forgets everything.

The registry is read by the class page's refresh thread while tabs open and close
on theirs, so every access holds :attr:`Registry.lock`.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any, Callable

ANIMALS = ("Otter", "Heron", "Lynx", "Badger", "Falcon", "Gecko", "Ibis", "Koala", "Lemur",
           "Marten", "Newt", "Ocelot", "Panda", "Quokka", "Raven", "Stoat", "Tapir", "Vole",
           "Walrus", "Yak", "Zebra", "Bison", "Crane", "Dingo", "Egret", "Ferret", "Gibbon",
           "Hare", "Jackal", "Kiwi", "Llama", "Moose", "Narwhal", "Okapi", "Puffin", "Robin",
           "Seal", "Toucan", "Wombat", "Fox")


@dataclass
class Entry:
    """One live session: its anonymous label, its run, and the tab's kernel context."""

    number: int
    label: str
    session: Any  # visualization.session.Session
    context: Any = None


class Registry:
    """The live sessions of this process (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self._entries: dict[int, Entry] = {}
        self._count = 0
        self._random = random.Random()  # labels need not be reproducible, only anonymous

    def add(self, session, context=None) -> Entry:
        with self.lock:
            self._count += 1
            animal = self._random.choice(ANIMALS)
            entry = Entry(self._count, f"{animal} {self._count}", session, context)
            self._entries[entry.number] = entry
            return entry

    def remove(self, entry: Entry) -> None:
        with self.lock:
            self._entries.pop(entry.number, None)

    def live(self, shown: Callable[[Any], bool] = lambda context: True) -> list[Entry]:
        """The sessions whose tab is still shown (``shown(context)``), oldest first;
        those whose kernel has closed are forgotten."""
        with self.lock:
            entries = sorted(self._entries.values(), key=lambda e: e.number)
            for e in entries:
                closed = getattr(e.context, "closed_event", None)
                if closed is not None and closed.is_set():
                    del self._entries[e.number]
        return [e for e in entries if shown(e.context)
                and not (getattr(e.context, "closed_event", None) or threading.Event()).is_set()]


#: this server's sessions
registry = Registry()
