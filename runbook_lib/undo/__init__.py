"""Undo a sealed run: plan the reverse of exactly what it changed (plan), make it and seal it as a run (apply)."""

from .apply import Undone, apply_undo, runs_of
from .plan import FolderNotVerified, UndoAction, UndoPlan, UndoRow, plan_undo

__all__ = ["FolderNotVerified", "UndoAction", "UndoPlan", "UndoRow", "Undone", "apply_undo", "plan_undo", "runs_of"]
