"""`pathway dev` keeps its data directory its owner's alone, including what an earlier run
(or an earlier version) left readable by others, and touches nothing else in it."""

from __future__ import annotations

import stat

from pathway_cli.dev import owner_only, write_private


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_left_readable_by_others_are_made_the_owners_alone_and_nothing_else_is_touched(tmp_path):
    data = tmp_path / "data"
    (data / "mail").mkdir(parents=True, mode=0o755)
    data.chmod(0o755)
    left = [data / "api-tokens", data / "temporal.db", data / "temporal.db-wal", data / "mail" / "1.eml"]
    for path in left:
        path.write_text("x")
        path.chmod(0o644)
    notes = data / "notes.txt"
    notes.write_text("not the stack's")
    notes.chmod(0o644)

    owner_only(data)

    assert (mode(data), mode(data / "mail")) == (0o700, 0o700)
    assert [oct(mode(p)) for p in left] == [oct(0o600)] * len(left)
    assert mode(notes) == 0o644


def test_a_private_file_rewritten_over_a_loose_one_is_the_owners_alone_before_its_content_is_written(tmp_path):
    path = tmp_path / "codec-keys"
    path.write_text("old")
    path.chmod(0o644)

    write_private(path, "dev1:key\n")

    assert mode(path) == 0o600 and path.read_text() == "dev1:key\n"
