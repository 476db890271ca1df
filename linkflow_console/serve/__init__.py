"""`linkflow-console serve`: the console in browsers behind tokens (textual-serve underneath)."""
