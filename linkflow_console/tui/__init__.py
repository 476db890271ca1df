"""The Textual UI. Everything Textual lives under this package; the core never imports it."""
