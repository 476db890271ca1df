"""The team store (PostgreSQL) in the TUI: other consoles' changes arrive by LISTEN in a worker
thread (never on the event loop) and repaint the screen; going offline and coming back is said on
screen. Nothing here runs for the file backend."""

from __future__ import annotations

from typing import Any

from textual.app import App


def team_notice(store: Any, text: str) -> str:
    """`text` with the team store's status before it ('' for a file, or a store that is shared)."""
    status = getattr(store, "status_line", None)
    notice = status() if status else ""
    return f"{notice} · {text}" if notice and text else notice or text


def start_team_watch(app: App, store: Any) -> None:
    run_watcher = getattr(store, "run_watcher", None)
    if run_watcher is None:
        return
    from textual.worker import get_current_worker

    hint = store.local_work_hint()
    if hint:
        app.notify(hint, title="Team state", timeout=20, markup=False)

    was_online = [store.online]

    def changed() -> None:  # on the UI's thread
        if store.online != was_online[0]:
            was_online[0] = store.online
            if store.online:
                app.notify("Team store reachable again: local changes shared.", title="Team state", timeout=4)
            else:
                app.notify(store.status_line(), title="Team state", severity="warning", timeout=8, markup=False)
        reload = getattr(app.screen, "reload_state", None)
        if reload is not None:
            reload()

    def post(callback: Any) -> None:
        try:
            app.call_from_thread(callback)
        except RuntimeError:
            pass  # the app is closing

    def watch() -> None:
        worker = get_current_worker()
        run_watcher(post, changed, lambda: worker.is_cancelled)

    app.run_worker(watch, thread=True, exit_on_error=False, group="team-watch", name="team store watch")
