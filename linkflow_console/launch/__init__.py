"""Launch-day mode: the launch clock, go/no-go, first-24-hours check-ins, first week, war-room log."""
