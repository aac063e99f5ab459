"""URL converters. ``<id:pk>`` is a database id: at most 18 digits, so a longer number in an
address is a plain 404 instead of an overflow inside the database driver."""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
