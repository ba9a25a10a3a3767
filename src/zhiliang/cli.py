"""The ``zhiliang`` console script: every operator command in one place.

``zhiliang [--data-dir DIR] COMMAND [options]``.  Zhiliang's own commands are
listed by ``zhiliang --help``; Django's management commands (``migrate``,
``createsuperuser``, ``shell`` …) stay reachable by name.  Every command
works on the database named by ``DATABASE_URL``, or on the SQLite database
in the data dir, and creates and migrates it first when it is new or behind.
"""

from __future__ import annotations

import os
import sys

# Commands that must not touch (or migrate) the database first.
NO_AUTO_MIGRATE = {
    "help", "check-uscc", "makemigrations", "migrate", "sqlmigrate", "showmigrations", "squashmigrations",
    "compilemessages", "makemessages", "collectstatic", "version", "spectacular", "check", "diffsettings",
    "test", "startapp", "startproject",
}


def _take_global_options(argv: list[str]) -> list[str]:
    """Handle ``--data-dir DIR`` wherever it stands (it must be known before Django starts)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--data-dir" and i + 1 < len(argv):
            os.environ["ZHILIANG_DATA_DIR"] = os.path.abspath(os.path.expanduser(argv[i + 1]))
            i += 2
            continue
        if arg.startswith("--data-dir="):
            os.environ["ZHILIANG_DATA_DIR"] = os.path.abspath(os.path.expanduser(arg.split("=", 1)[1]))
            i += 1
            continue
        out.append(arg)
        i += 1
    return out


def zhiliang_commands() -> dict[str, tuple[str, str]]:
    """name -> (app label, help line) of the commands in Zhiliang's own apps."""
    from django.apps import apps
    from django.core.management import get_commands, load_command_class

    found = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith("zhiliang."):
            try:
                help_text = (load_command_class(app, name).help or "").strip().splitlines()[0]
            except Exception as exc:  # a broken command still shows in the list
                help_text = f"(无法加载: {exc})"
            found[name] = (apps.get_app_config(app.rsplit(".", 1)[-1]).verbose_name, help_text)
    return found


def print_help() -> None:
    print("用法 Usage: zhiliang [--data-dir DIR] <命令 command> [选项 options]\n")
    print("质量 Zhiliang 运维命令 (operator commands):")
    for name, (_app, help_text) in zhiliang_commands().items():
        print(f"  {name:<22} {help_text}")
    print(
        "\n数据库 Database: DATABASE_URL，缺省为数据目录中的 SQLite (default: SQLite in the data dir)."
        "\n数据目录 Data dir: --data-dir 或 ZHILIANG_DATA_DIR。"
        "\nDjango 管理命令 (migrate, createsuperuser, shell, dbshell …) 同样可用：zhiliang help --all"
        "\n单个命令的帮助 Help for one command: zhiliang <命令> --help"
    )


def ensure_database(verbosity: int = 0) -> None:
    """Create and migrate the database when it is new or has unapplied migrations."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        if verbosity:
            print(f"正在初始化/迁移数据库 ({len(plan)} 个迁移)…", file=sys.stderr)
        call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    argv = _take_global_options(list(sys.argv[1:] if argv is None else argv))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiliang.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:  # a setting production refuses: say which, not a traceback
        sys.exit(f"配置错误 Configuration error: {exc}")
    from django.core.management import execute_from_command_line

    if not argv or argv[0] in {"-h", "--help"} or argv == ["help"]:
        print_help()
        return
    if argv[0] in {"--version", "version"}:
        from zhiliang import __version__

        print(__version__)
        return
    if argv == ["help", "--all"]:
        execute_from_command_line(["zhiliang", "help"])
        return
    if argv[0] not in NO_AUTO_MIGRATE and "--help" not in argv and "-h" not in argv:
        ensure_database(verbosity=1)
    execute_from_command_line(["zhiliang", *argv])


if __name__ == "__main__":
    main()
