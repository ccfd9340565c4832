"""A service's intake questions: which are shown and required given the answers so far, and
turning submitted form values into clean answers. Rules are always evaluated here, on the server.
Pure: ``loading`` reads the questions from the database."""
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

FIELD_PREFIX = "q_"
MAX_TEXT = {"text": 500, "textarea": 5000}
TRUE_VALUES = ("y", "yes", "true", "on", "1")


@dataclass(frozen=True)
class Question:
    parameter_id: int
    key: str
    label: str
    type: str
    help_text: str
    scope: str
    required: bool
    default: str | None
    options: tuple[tuple[str, str], ...]

    @property
    def field_name(self) -> str:
        return FIELD_PREFIX + self.key


@dataclass(frozen=True)
class Rule:
    source: str
    value: str
    action: str
    target: str


@dataclass(frozen=True)
class State:
    visible: bool
    required: bool


@dataclass
class Intake:
    """A service's questions and rules, and what a set of raw answers makes of them."""

    questions: list[Question]
    rules: list[Rule]

    def states(self, raw: dict[str, object]) -> dict[str, State]:
        """Visibility and requiredness of each question given ``raw`` answers by key.

        A question targeted by a "show" rule starts hidden. An answer to a hidden
        question counts as no answer, so rules chain: repeat until nothing changes.
        """
        shown_by_rule = {rule.target for rule in self.rules if rule.action == "show"}
        base = {q.key: State(q.key not in shown_by_rule, q.required) for q in self.questions}
        states = dict(base)
        for _ in range(len(self.rules) + 1):
            fired = [rule for rule in self.rules if states.get(rule.source, State(False, False)).visible and _holds(rule, raw.get(rule.source))]
            new = dict(base)
            for rule in fired:
                current = new.get(rule.target)
                if current is None:
                    continue
                if rule.action == "show":
                    new[rule.target] = State(True, current.required)
                elif rule.action == "hide":
                    new[rule.target] = State(False, current.required)
                else:
                    new[rule.target] = State(current.visible, True)
            if new == states:
                break
            states = new
        return {key: State(s.visible, s.visible and s.required) for key, s in states.items()}

    def raw_from_form(self, form) -> dict[str, object]:
        """Raw submitted values by question key (lists for multiselects)."""
        raw: dict[str, object] = {}
        for q in self.questions:
            if q.type == "multiselect":
                raw[q.key] = form.getlist(q.field_name)
            elif q.type == "boolean":
                raw[q.key] = "yes" if form.get(q.field_name, "").lower() in TRUE_VALUES else "no"
            else:
                raw[q.key] = form.get(q.field_name, "").strip()
        return raw

    def initial(self, remembered: dict[str, str]) -> dict[str, object]:
        """Starting values: a returning customer's remembered answers, else the question's default."""
        raw: dict[str, object] = {}
        for q in self.questions:
            stored = remembered.get(q.key, q.default)
            if q.type == "multiselect":
                raw[q.key] = json.loads(stored) if stored else []
            else:
                raw[q.key] = stored or ("no" if q.type == "boolean" else "")
        return raw

    def clean(self, raw: dict[str, object]) -> tuple[dict[str, str], dict[str, str]]:
        """(answers to store, errors by key). Hidden questions are neither required nor stored."""
        states = self.states(raw)
        answers: dict[str, str] = {}
        errors: dict[str, str] = {}
        for q in self.questions:
            if not states[q.key].visible:
                continue
            value, error = _clean_value(q, raw.get(q.key))
            if error:
                errors[q.key] = error
            elif value in ("", None, "[]") or (q.type == "boolean" and value == "no" and states[q.key].required):
                if states[q.key].required:
                    errors[q.key] = "Please answer this question."
            else:
                answers[q.key] = value
        return answers, errors

    def by_key(self) -> dict[str, Question]:
        return {q.key: q for q in self.questions}


def _holds(rule: Rule, answer) -> bool:
    if isinstance(answer, list):
        return rule.value in answer
    return answer is not None and str(answer).lower() == rule.value.lower()


def _clean_value(q: Question, value) -> tuple[str | None, str | None]:
    """A stored string for ``value``, or an error message."""
    if q.type == "multiselect":
        chosen = [v for v in (value or []) if v]
        allowed = {v for v, _ in q.options}
        if not set(chosen) <= allowed:
            return None, "Choose from the listed options."
        return (json.dumps(sorted(chosen, key=[v for v, _ in q.options].index)) if chosen else ""), None
    value = (value or "").strip() if isinstance(value, str) else ""
    if value == "":
        return "", None
    if q.type in MAX_TEXT:
        if len(value) > MAX_TEXT[q.type]:
            return None, f"Please keep this under {MAX_TEXT[q.type]} characters."
        return value, None
    if q.type == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None, "Please enter a number."
        if not number.is_finite() or abs(number) > Decimal("1e9"):
            return None, "Please enter a number."
        return str(number.normalize() if number != number.to_integral() else number.to_integral()), None
    if q.type == "select":
        if value not in {v for v, _ in q.options}:
            return None, "Choose one of the listed options."
        return value, None
    if q.type == "boolean":
        return ("yes" if value.lower() in TRUE_VALUES else "no"), None
    if q.type == "date":
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "Please enter a date as YYYY-MM-DD."
    return None, "Unsupported question."
