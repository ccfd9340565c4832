"""Intake questions: pure rules and cleaning (``rules``), their loading (``loading``), and the models."""
from app.modules.intake.loading import load, remembered_answers
from app.modules.intake.rules import Intake, Question, Rule, State

__all__ = ["Intake", "Question", "Rule", "State", "load", "remembered_answers"]
