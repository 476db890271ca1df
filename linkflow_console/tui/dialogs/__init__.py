"""Modal dialogs: ask, then dismiss with the answer (the screen records it)."""
