"""The recommender mix editor: who recommends, to what share of users, with what settings.

An entry of the mix is a share, or a table with the share, the policy (by default the
entry's label) and the policy's settings (:mod:`model.parameters`). The editor knows
no policy by heart: every control of an entry comes from its policy's ``settings``
table (each a :class:`model.parameters.Parameter` with kind, default, range and help),
so a policy registered later, a bandit or a learned recommender, is edited here
without a change to the dashboard.

- The multi-select lists the registered policies under their own names: picking one
  adds it with its defaults, unpicking it removes it.
- "Policy to add", "Its label" and Add put a policy in under a label of one's own
  (``ucb-a`` playing ``bandit-ucb``; a blank label makes one up, ``bandit-ucb-2``), so
  the same policy can appear twice with other settings; such an entry has its own
  Remove button.
- Each entry has its share and, when its policy declares settings, one control per
  setting: a text box for numbers (and for settings that read themselves, such as a
  bandit's ``arms``), a picker for choices, a check box for switches. A setting that
  suggests values (a learned recommender's policy ``file``: the shipped names and the
  files in ``policies/``) gets a box that lists them and takes any other text; a file
  setting also has a file picker, to upload one's own (:func:`save_upload`: kept on the
  server, read by the setting's own check, which never runs code from a file).

Values are kept as typed, so a bad one (``window = 0``, ``epsilon = 1.5``, ``abc``)
stays in the box and is named with its range in one line under the editor
(:func:`mix_problem`), while the running model goes on; nothing is lost.

The helpers below are plain functions of a mix (the draft's, which may not be
valid yet), so they are tested without a page.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import solara

from model.parameters import (
    PARAMETERS,
    Parameter,
    ParameterError,
    mix_entries,
    mix_shares,
    validate,
)
from model.policies import Policy, get_policy, policy_names
from visualization.controls import format_number, parse_number

#: the parameter the editor edits
MIX = "recommenders"
#: the style of the small grey lines under inputs (as the other controls' hints)
HINT_STYLE = {"font-size": "0.8rem", "color": "#555", "margin": "-14px 0 6px 0",
              "display": "block"}


# -- reading a draft mix ---------------------------------------------------------
@dataclass
class Entry:
    """One recommender of a draft mix, read leniently (the draft may not be valid)."""

    label: str
    policy_name: str
    share: Any
    #: the settings the draft gives (not the defaults it leaves out)
    given: dict[str, Any] = field(default_factory=dict)

    @property
    def policy(self) -> type[Policy] | None:
        """Its registered policy, or None when the name is unknown (the message says so)."""
        try:
            return get_policy(self.policy_name)
        except (KeyError, AttributeError):
            return None

    @property
    def labelled(self) -> bool:
        """Whether the entry goes by a label of its own rather than its policy's name."""
        policy = self.policy
        return policy is None or self.label.strip().lower() not in \
            [k.lower() for k in (policy.name, *policy.aliases)]

    def value(self, setting: Parameter) -> Any:
        """The setting's value in the draft, or its default."""
        return self.given.get(setting.name, setting.default)


def _complete(mix: dict[str, Any]) -> dict[str, Any]:
    """Every table with a share (the helpers read validated mixes, where each has one)."""
    return {label: ({"share": 1.0, **entry} if isinstance(entry, dict) and "share" not in entry
                    else entry) for label, entry in mix.items()}


def entries(mix: Any) -> list[Entry]:
    """The entries of a draft mix, in order (none if the draft holds no mix)."""
    if not isinstance(mix, dict):
        return []
    mix = {str(label): entry for label, entry in _complete(mix).items()}
    shares = mix_shares(mix)
    return [Entry(label, str(policy), shares[label], dict(settings))
            for label, policy, settings in mix_entries(mix)]


def _entry_value(entry: Entry) -> Any:
    """The draft form of an entry: a plain share when that says everything."""
    policy = entry.policy
    if not entry.given and not entry.labelled and policy is not None \
            and entry.label == policy.name:
        return entry.share
    return {"share": entry.share, "policy": entry.policy_name, **entry.given}


def rebuild(items: list[Entry]) -> dict[str, Any]:
    return {e.label: _entry_value(e) for e in items}


def with_share(mix: dict, label: str, share: float) -> dict[str, Any]:
    items = entries(mix)
    for e in items:
        if e.label == label:
            e.share = share
    return rebuild(items)


def with_setting(mix: dict, label: str, name: str, value: Any) -> dict[str, Any]:
    """The mix with one setting of one entry changed (kept as given, valid or not)."""
    items = entries(mix)
    for e in items:
        if e.label == label:
            e.given[name] = value
    return rebuild(items)


def without(mix: dict, label: str) -> dict[str, Any]:
    return rebuild([e for e in entries(mix) if e.label != label])


def free_label(mix: dict, policy: str) -> str:
    """``policy`` if no entry is called that, else ``policy-2``, ``policy-3``, ..."""
    taken = {label.lower() for label in (mix or {})}
    if policy.lower() not in taken:
        return policy
    n = 2
    while f"{policy}-{n}".lower() in taken:
        n += 1
    return f"{policy}-{n}"


def with_added(mix: dict, label: str, policy: str) -> dict[str, Any]:
    """The mix with a new entry, whose share is what the others leave (maybe 0)."""
    items = entries(mix)
    left = max(1.0 - sum(float(e.share) for e in items if _is_number(e.share)), 0.0)
    items.append(Entry(label, policy, round(left, 6)))
    return rebuild(items)


def with_policies(mix: dict, chosen: list[str]) -> dict[str, Any]:
    """What the multi-select does: policies under their own names are those ``chosen``
    (newcomers share what the kept ones leave); labelled entries stay as they are."""
    items = entries(mix)
    kept = [e for e in items if e.labelled or e.label in chosen]
    names = {e.label for e in kept}
    new = [name for name in chosen if name not in names]
    left = max(1.0 - sum(float(e.share) for e in kept if _is_number(e.share)), 0.0)
    kept += [Entry(name, name, round(left / len(new), 6)) for name in new]
    return rebuild(kept)


def equal_shares(mix: dict) -> dict[str, Any]:
    items = entries(mix)
    if items:
        share = round(1.0 / len(items), 6)
        for e in items:
            e.share = share
        items[0].share = round(1.0 - share * (len(items) - 1), 6)
    return rebuild(items)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def mix_problem(draft: dict[str, Any]) -> str | None:
    """What is wrong with the draft's mix, in one line (naming the recommender, the
    setting and its range), or None when the mix is fine."""
    try:
        validate({MIX: draft.get(MIX)})
    except ParameterError as err:
        return str(err)
    return None


# -- files dropped on a file setting ------------------------------------------------
#: Where dropped files are kept, each in a folder of its own (the server's temp folder).
UPLOADS = Path(tempfile.gettempdir()) / "rewire-uploads"
#: The largest file a setting takes (a shipped policy file is a few kilobytes).
MAX_UPLOAD = 20 * 2**20


def save_upload(name: str, data: bytes, setting: Parameter) -> str:
    """Keep a file dropped on ``setting`` on the server; its path, the setting's new
    value. A ParameterError (one line, naming the setting) for a file too large; what is
    in it is checked by the setting itself, as for a typed path."""
    if len(data) > MAX_UPLOAD:
        raise ParameterError(setting.name, f"{setting.name}: the dropped file {name!r} is "
                             f"{len(data) / 2**20:.1f} MB; at most {MAX_UPLOAD // 2**20} MB")
    folder = UPLOADS / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / (Path(name).name or "upload")
    path.write_bytes(data)
    return str(path)


# -- settings as text ---------------------------------------------------------------
def setting_text(value: Any) -> str:
    """A setting's value in a text box: numbers as the other boxes show them, a list
    of arms as its ``+`` text."""
    if isinstance(value, (list, tuple)):
        return "+".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return format_number(value)


def setting_value(setting: Parameter, text: str) -> Any:
    """What a typed setting means: a number for numeric settings (text that is not one
    is kept, so that the message names it), the text itself otherwise."""
    if setting.kind in ("int", "float"):
        return parse_number(text, blank=text, integer=setting.kind == "int")
    return text.strip()


def setting_hint(setting: Parameter) -> str:
    """``[1, 1000000000] · rewire requests per arm choice``: range (when it has one) and help."""
    rng = "" if hasattr(setting, "parse") else setting.range_text()
    return " · ".join(x for x in (rng if rng != "any value" else "", setting.help) if x)


def without_defaults(mix: dict[str, Any]) -> dict[str, Any]:
    """A valid mix with the settings at their defaults left out (they are filled in
    again when it is read): what a share link holds. An invalid mix is returned as is."""
    try:
        clean = validate({MIX: mix})[MIX]
    except ParameterError:
        return mix
    defaults = {}
    for label, policy, _ in mix_entries(clean):
        defaults[label] = validate({MIX: {label: {"share": 1.0, "policy": policy}}})[MIX][label]
    out = {}
    for e in entries(clean):
        base = defaults[e.label]
        e.given = {k: v for k, v in e.given.items()
                   if not (isinstance(base, dict) and base.get(k) == v)}
        out[e.label] = _entry_value(e)
    return out


# -- the component -----------------------------------------------------------------
@solara.component
def SettingControl(draft: solara.Reactive, entry: Entry, setting: Parameter):
    """One setting of one recommender, the control chosen by the setting's kind."""
    name = f"{entry.label}: {setting.name}"
    value = entry.value(setting)

    def set_value(new: Any):
        mix = draft.value.get(MIX) or {}
        draft.value = {**draft.value, MIX: with_setting(mix, entry.label, setting.name, new)}

    suggested = list(setting.suggested())
    if setting.kind == "choice":
        solara.Select(name, values=list(setting.choices),
                      value=value if value in setting.choices else None,
                      on_value=set_value, classes=["rw-setting"])
    elif suggested:  # a list to pick from, and any other text
        solara.v.Combobox(label=name, items=suggested, v_model=setting_text(value),
                          on_v_model=lambda text: set_value(setting_value(setting, text or "")),
                          class_="rw-setting rw-suggested-setting")
    elif setting.kind == "bool":
        solara.Checkbox(label=name, value=bool(value) if isinstance(value, bool) else False,
                        on_value=set_value)
    else:
        solara.InputText(name, value=setting_text(value),
                         on_value=lambda text: set_value(setting_value(setting, text or "")),
                         continuous_update=False, classes=["rw-setting"])
    hint = setting_hint(setting)
    if hint:
        solara.Text(hint, style=HINT_STYLE)
    if setting.kind == "file":
        FileUpload(entry, setting, set_value)


@solara.component
def FileUpload(entry: Entry, setting: Parameter, set_value):
    """A file picker for a file setting (click to choose, or drop a file on it): the
    file is kept on the server (:func:`save_upload`) and becomes the setting's value; a
    too-large one is one line."""
    why, set_why = solara.use_state("")

    def on_file(info: dict):
        try:
            set_value(save_upload(info["name"], info["data"], setting))
            set_why("")
        except ParameterError as err:
            set_why(str(err))

    solara.Text(f"or upload a file for {entry.label}: {setting.name}", style=HINT_STYLE)
    with solara.Div(classes=["rw-file-picker"]):
        _FilePicker(on_file=on_file)
    if why:
        solara.Error(why, dense=True, classes=["rw-mix-problem"])


@solara.component
def _FilePicker(on_file):
    """ipyvuetify's file input (the browser's file dialog, or a file dropped on it), wired
    as solara.FileDrop wires its drop zone (which takes drops only): ``on_file`` gets the
    chosen file's name and bytes, read in a thread."""
    from ipyvuetify.extra import FileInput
    from solara import hooks

    chosen, set_chosen = solara.use_state(None)
    files, set_files = solara.use_state(None)
    picker = FileInput.element(multiple=False, accept=".npz", on_file_info=set_chosen)

    def wire():
        if chosen:
            widget = solara.get_widget(picker)
            widget.version += 1  # as solara.FileDrop: its observer was cleared
            widget.reset_stats()
            set_files(widget.get_files())

    solara.use_effect(wire, [chosen])

    def read(cancel):
        if files:
            on_file({"name": files[0]["name"], "data": files[0]["file_obj"].read()})

    result = hooks.use_thread(read, [files])
    if result.error:
        raise result.error
    return picker


@solara.component
def EntryControls(draft: solara.Reactive, entry: Entry, removable: bool):
    """An entry's share, what its policy does, its settings and (labelled) its Remove."""
    mix = draft.value.get(MIX) or {}
    policy = entry.policy
    share = float(entry.share) if _is_number(entry.share) else 0.0

    def set_share(v: float):
        draft.value = {**draft.value, MIX: with_share(mix, entry.label, round(float(v), 6))}

    solara.SliderFloat(f"{entry.label}: {share:.2f}", value=share, min=0.0, max=1.0,
                       step=0.01, on_value=set_share, thumb_label=False)
    about = policy.metadata()["description"] if policy is not None else ""
    if entry.labelled and policy is not None:
        about = f"{policy.name}: {about}"
    solara.Text(about, style=HINT_STYLE)
    if policy is not None:
        for setting in policy.settings:
            SettingControl(draft, entry, setting)
    if removable and entry.labelled:
        solara.Button(f"Remove {entry.label}", text=True, classes=["rw-remove-recommender"],
                      on_click=lambda: draft.set({**draft.value, MIX: without(mix, entry.label)}))


@solara.component
def AddLabelled(draft: solara.Reactive):
    """Add a policy under a label of one's own (the same policy twice, say)."""
    mix = draft.value.get(MIX) or {}
    names = policy_names()
    policy, set_policy = solara.use_state(names[0])
    label, set_label = solara.use_state("")
    why, set_why = solara.use_state("")

    def add():
        chosen = label.strip() or free_label(mix, policy)
        if chosen.lower() in {k.lower() for k in mix}:
            set_why(f"{MIX}: the label {chosen!r} is in use; pick another")
            return
        set_why("")
        set_label("")
        draft.value = {**draft.value, MIX: with_added(mix, chosen, policy)}

    with solara.Row(style={"align-items": "baseline", "gap": "6px", "flex-wrap": "wrap"}):
        solara.Select("Policy to add", values=names, value=policy, on_value=set_policy,
                      classes=["rw-add-policy"])
        solara.InputText("Its label", value=label, on_value=set_label,
                         continuous_update=True, classes=["rw-add-label"])
        solara.Button("Add", on_click=add, text=True, classes=["rw-add-recommender"])
    if why:
        solara.Error(why, dense=True, classes=["rw-mix-problem"])


@solara.component
def RecommenderMix(draft: solara.Reactive):
    """Which recommenders are in use, the initial share of users of each, and their
    settings (from each policy's ``settings`` table)."""
    mix = draft.value.get(MIX)
    items = entries(mix)
    mix = rebuild(items) if items else {}
    names = policy_names()

    def choose(selected: list[str]):
        chosen = [n for n in names if n in selected]
        if chosen or any(e.labelled for e in items):
            draft.value = {**draft.value, MIX: with_policies(mix, chosen)}

    solara.SelectMultiple(PARAMETERS[MIX].label or MIX,
                          values=[e.label for e in items if not e.labelled and e.label in names],
                          all_values=names, on_value=choose)
    for entry in items:
        EntryControls(draft, entry, removable=len(items) > 1)
    AddLabelled(draft)
    total = sum(float(e.share) for e in items if _is_number(e.share))
    with solara.Row(style={"align-items": "center"}):
        solara.Text(f"Shares add up to {total:.2f}",
                    style={"color": "#B00020" if abs(total - 1) > 1e-6 else "#333"})
        if len(items) > 1:
            solara.Button("Equal shares", text=True,
                          on_click=lambda: draft.set({**draft.value, MIX: equal_shares(mix)}))
    why = mix_problem(draft.value)
    if why:
        solara.Error(why, dense=True, classes=["rw-mix-problem"])

