"""Screens: one per module, each composing widgets and asking through dialogs."""
