"""Undo a sealed run: plan the reverse of exactly what it changed (plan), make it and seal it as a run (apply)."""

from .apply import apply_undo
from .plan import FolderNotVerified, UndoAction, UndoPlan, UndoRow, plan_undo

__all__ = ["FolderNotVerified", "UndoAction", "UndoPlan", "UndoRow", "apply_undo", "plan_undo"]
