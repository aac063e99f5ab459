"""The ``openbuy`` console command: Django's management commands, for operators.

``openbuy serve``, ``openbuy demo``, ``openbuy audit verify``, ``openbuy migrate`` and every other
management command. A configuration error is printed as one line naming the variable.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbuy.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["openbuy", *(sys.argv[1:] if argv is None else argv)])
    except ImproperlyConfigured as exc:
        print(f"openbuy: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
