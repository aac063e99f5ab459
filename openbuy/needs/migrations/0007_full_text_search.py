"""A full-text index over needs and ideas, kept in sync by the database itself.

SQLite: an FTS5 table with the porter stemmer. PostgreSQL: a table with a weighted tsvector
(title above body) and a GIN index. On both, triggers on the needs and ideas tables keep it
current on every insert, update and delete, so no write path can forget it.
"""

from django.db import migrations

# (table, kind, what is indexed as the body, the columns whose change re-indexes a row).
# Supports and status changes touch none of these columns, so they never re-index.
TEXT = [
    ("needs_need", "need", "NEW.description || ' ' || NEW.affects || ' ' || NEW.place",
     "title, description, affects, place"),
    ("needs_idea", "idea", "NEW.description", "title, description"),
]

SQLITE_UP = [
    """CREATE VIRTUAL TABLE needs_search USING fts5(
        kind UNINDEXED, object_id UNINDEXED, title, body, tokenize='porter unicode61'
    )""",
    *[
        sql
        for table, kind, body, columns in TEXT
        for sql in [
            f"""CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN
                INSERT INTO needs_search (kind, object_id, title, body)
                VALUES ('{kind}', NEW.id, NEW.title, {body});
            END""",
            f"""CREATE TRIGGER {table}_search_update AFTER UPDATE OF {columns} ON {table}
            BEGIN
                DELETE FROM needs_search WHERE kind = '{kind}' AND object_id = OLD.id;
                INSERT INTO needs_search (kind, object_id, title, body)
                VALUES ('{kind}', NEW.id, NEW.title, {body});
            END""",
            f"""CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN
                DELETE FROM needs_search WHERE kind = '{kind}' AND object_id = OLD.id;
            END""",
            f"""INSERT INTO needs_search (kind, object_id, title, body)
                SELECT '{kind}', id, title, {body.replace('NEW.', '')} FROM {table}""",
        ]
    ],
]
SQLITE_DOWN = [
    *[
        f"DROP TRIGGER IF EXISTS {table}_search_{event}"
        for table in ("needs_need", "needs_idea")
        for event in ("insert", "update", "delete")
    ],
    "DROP TABLE IF EXISTS needs_search",
]

POSTGRES_UP = [
    """CREATE TABLE needs_search (
        kind text NOT NULL,
        object_id bigint NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', title), 'A') ||
            setweight(to_tsvector('english', body), 'B')
        ) STORED,
        PRIMARY KEY (kind, object_id)
    )""",
    "CREATE INDEX needs_search_document ON needs_search USING gin (document)",
    *[
        sql
        for table, kind, body, columns in TEXT
        for sql in [
            f"""CREATE OR REPLACE FUNCTION {table}_search() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM needs_search WHERE kind = '{kind}' AND object_id = OLD.id;
                    RETURN OLD;
                END IF;
                INSERT INTO needs_search (kind, object_id, title, body)
                VALUES ('{kind}', NEW.id, NEW.title, {body})
                ON CONFLICT (kind, object_id)
                DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {table}_search AFTER INSERT OR UPDATE OF {columns}
                OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_search()""",
            f"""INSERT INTO needs_search (kind, object_id, title, body)
                SELECT '{kind}', id, title, {body.replace('NEW.', '')} FROM {table}""",
        ]
    ],
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS needs_need_search ON needs_need",
    "DROP TRIGGER IF EXISTS needs_idea_search ON needs_idea",
    "DROP FUNCTION IF EXISTS needs_need_search()",
    "DROP FUNCTION IF EXISTS needs_idea_search()",
    "DROP TABLE IF EXISTS needs_search",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("needs", "0006_ranking_rounds")]

    operations = [migrations.RunPython(forwards, backwards)]
