"""Widgets: each takes plain data in `show(...)` (attributes down) and posts messages up; none
reads the state or the clock itself."""
