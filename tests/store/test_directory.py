from pathlib import Path

import pytest

from domain.plan import Recipient
from store.directory import Directory, DirectoryError

EXAMPLE = Path(__file__).parents[2] / "examples" / "directory.json"

NEUROLOGISTS_CSV = """neurologist_id,display_name,email,webhook_url,centre_id
N12,Dr A. Martin,a.martin@example.org,,C13
N30,Dr D. Petit,d.petit@example.org,https://hooks.example.org/n30,C13
"""
CENTRES_CSV = """centre_id,display_name,coordinator_email,default_queue_email,webhook_url
C13,CRC SEP Marseille,coord@example.org,queue@example.org,https://hooks.example.org/c13
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


async def test_the_example_directory_loads(pool):
    assert await Directory(pool).load(EXAMPLE) == (3, 3)


async def test_recipients_get_the_addresses_of_their_role(pool):
    directory = Directory(pool)
    await directory.load(EXAMPLE)

    addresses = await directory.addresses([
        Recipient(role="neurologist", id="N12"),
        Recipient(role="crc_coordinator", id="C13"),
        Recipient(role="default_queue", id="C13"),
        Recipient(role="neurologist", id="N14"),
    ])

    assert addresses == [
        {"role": "neurologist", "id": "N12", "address": "a.martin@example.org", "webhook_url": None,
         "display_name": "Dr A. Martin"},
        {"role": "crc_coordinator", "id": "C13", "address": "crc-coordination@example.org", "webhook_url": None,
         "display_name": "CRC SEP Marseille"},
        {"role": "default_queue", "id": "C13", "address": "crc-queue@example.org", "webhook_url": None,
         "display_name": "CRC SEP Marseille"},
        {"role": "neurologist", "id": "N14", "address": "b.durand@example.org",
         "webhook_url": "https://hooks.example.org/pathway/n14", "display_name": "Dr B. Durand"},
    ]


async def test_unknown_ids_and_roles_get_no_address(pool):
    directory = Directory(pool)
    await directory.load(EXAMPLE)

    addresses = await directory.addresses([
        Recipient(role="neurologist", id="N99"), Recipient(role="crc_coordinator", id="C99"),
        Recipient(role="pharmacist", id="N12"),
    ])

    assert [a["address"] for a in addresses] == [None, None, None]
    assert [a["display_name"] for a in addresses] == [None, None, None]
    assert await directory.addresses([]) == []


async def test_csv_files_load_by_kind_and_reloading_updates_in_place(pool, tmp_path):
    directory = Directory(pool)
    await directory.load(EXAMPLE)

    assert await directory.load(write(tmp_path, "neurologists.csv", NEUROLOGISTS_CSV)) == (2, 0)
    assert await directory.load(write(tmp_path, "centres.csv", CENTRES_CSV)) == (0, 1)

    addresses = await directory.addresses([
        Recipient(role="neurologist", id="N30"), Recipient(role="crc_coordinator", id="C13"),
        Recipient(role="neurologist", id="N12"),
    ])
    assert [(a["address"], a["webhook_url"]) for a in addresses] == [
        ("d.petit@example.org", "https://hooks.example.org/n30"),
        ("coord@example.org", "https://hooks.example.org/c13"),
        ("a.martin@example.org", None),
    ]
    assert await pool.fetchval("SELECT count(*) FROM neurologists") == 4
    assert await pool.fetchval("SELECT count(*) FROM centres") == 3


async def test_a_bad_csv_row_is_named_with_its_line_and_field_and_nothing_is_loaded(pool, tmp_path):
    bad = NEUROLOGISTS_CSV + "N31,Dr E. Roux,not-an-address,,C13\n"

    with pytest.raises(DirectoryError) as refused:
        await Directory(pool).load(write(tmp_path, "neurologists.csv", bad))

    assert "neurologists.csv, line 4 (neurologist_id 'N31'): email: 'not-an-address' is not an e-mail address" in str(
        refused.value)
    assert await pool.fetchval("SELECT count(*) FROM neurologists") == 0


async def test_a_bad_json_entry_is_named_with_its_index_and_field(pool, tmp_path):
    bad = '{"centres": [{"centre_id": "C13", "display_name": "X", "coordinator_email": "c@example.org"}],' \
          ' "neurologists": [{"neurologist_id": "N1", "display_name": "Y", "email": "y@example.org",' \
          ' "centre_id": "C13", "phone": "0600"}]}'

    with pytest.raises(DirectoryError) as refused:
        await Directory(pool).load(write(tmp_path, "directory.json", bad))

    message = str(refused.value)
    assert "centres[0] (centre_id 'C13'): default_queue_email: is required" in message
    assert "neurologists[0] (neurologist_id 'N1'): phone: is not a known field (unknown fields are refused)" in message


async def test_a_repeated_id_is_refused(pool, tmp_path):
    repeated = NEUROLOGISTS_CSV + "N12,Dr Other,other@example.org,,C13\n"

    with pytest.raises(DirectoryError, match="line 4 .*'N12' repeats line 2"):
        await Directory(pool).load(write(tmp_path, "neurologists.csv", repeated))


async def test_a_csv_of_unknown_kind_or_a_missing_file_is_refused(pool, tmp_path):
    with pytest.raises(DirectoryError, match="neurologist_id column"):
        await Directory(pool).load(write(tmp_path, "staff.csv", "name,email\nX,x@example.org\n"))
    with pytest.raises(DirectoryError, match="no such file"):
        await Directory(pool).load(tmp_path / "absent.json")
