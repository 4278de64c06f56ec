"""A push diffs against the keys of the folder's last push only when the collection is as that push
left it; otherwise it reads the collection's keys, and no stale row is left (real Milvus Lite, fake
embedder).
"""

import json
import shutil

import numpy as np
import pytest
from helpers import CORPUS, index_chunks, key_reads, milvus_chunks

from qa_bot.index.build import build_index
from qa_bot.index.load import load_index
from qa_bot.retrieval import milvus_push
from qa_bot.retrieval.milvus import META_KEY, MilvusTarget, collection_meta, connect
from qa_bot.retrieval.pushed_keys import FOLDER, pushed_keys

pytestmark = [pytest.mark.milvus, pytest.mark.slow]

EDITED = "003_ad61f97384d20408.txt"


class Folder:
    """A copy of the bundled corpus, its index built with the fake embedder, and a Milvus Lite target."""

    def __init__(self, root, embedder, target: MilvusTarget, name: str = "index") -> None:
        self.corpus, self.index_dir, self.embedder, self.target = root / f"{name}-corpus", root / name, embedder, target
        shutil.copytree(CORPUS, self.corpus)
        self.build()

    def build(self):
        """Build the index again (a new generation), and return it."""
        return build_index(self.corpus, self.index_dir, self.embedder)

    def edit(self, sentence: str = " Câu này được thêm vào khi sửa văn bản.") -> None:
        """Change one sentence in the middle of a document."""
        path = self.corpus / EDITED
        text = path.read_text(encoding="utf-8")
        middle = text.index(".", len(text) // 2) + 1
        path.write_text(text[:middle] + sentence + text[middle:], encoding="utf-8")

    def push(self):
        """Push the index; (report, how many times the collection's keys were read)."""
        with pytest.MonkeyPatch.context() as patch:
            reads = key_reads(patch)
            report = milvus_push.push(load_index(self.index_dir), self.target)
        return report, len(reads)

    def records(self) -> list:
        return sorted((self.index_dir / FOLDER).glob("*.npy"))


@pytest.fixture
def folder(tmp_path, fake_embedder):
    """A folder pushed once, then edited and rebuilt (not pushed yet)."""
    made = Folder(tmp_path, fake_embedder, MilvusTarget(str(tmp_path / "milvus.db")))
    assert made.push()[1] == 1  # a new collection: its (no) keys are read
    made.edit()
    made.build()
    return made


def _exact(folder: Folder) -> bool:
    """Whether the collection holds exactly the rows of the folder's index, and is synced to it."""
    index = load_index(folder.index_dir)
    meta = collection_meta(connect(folder.target), folder.target.collection)
    return milvus_chunks(folder.target) == index_chunks(index) and meta["generation"] == index.manifest.generation \
        and "pushing" not in meta


def test_a_rebuild_keeps_the_record_and_the_next_push_diffs_against_it(folder):
    assert len(folder.records()) == 1
    report, reads = folder.push()
    assert reads == 0 and report.keys_read == "" and report.deleted > 0 and 0 < report.upserted < 20
    assert _exact(folder) and len(folder.records()) == 1, "the record of the earlier push is replaced"


def test_keys_are_read_when_another_folder_pushed_in_between(folder, tmp_path, fake_embedder):
    other = Folder(tmp_path, fake_embedder, folder.target, name="other")
    (other.corpus / "extra.txt").write_text("Một văn bản chỉ có trong thư mục kia. Nó có hai câu.", encoding="utf-8")
    other.build()
    other.push()
    report, reads = folder.push()
    assert reads == 1 and report.keys_read == "another index was pushed to it since this folder's last push"
    assert _exact(folder) and report.deleted > 0, "the other folder's rows are deleted"


@pytest.mark.parametrize("damage", ["missing", "truncated", "floats", "objects"])
def test_keys_are_read_when_the_record_is_missing_or_unreadable(folder, damage):
    [record] = folder.records()
    if damage == "missing":
        record.unlink()
    elif damage == "truncated":
        record.write_bytes(record.read_bytes()[:100])
    elif damage == "floats":
        np.save(record, np.zeros(3))
    else:
        np.save(record, np.array([1, "a"], dtype=object), allow_pickle=True)
    report, reads = folder.push()
    assert reads == 1 and ("no record" in report.keys_read if damage == "missing" else "unreadable" in report.keys_read)
    assert _exact(folder) and len(folder.records()) == 1


def test_after_an_interrupted_push_keys_are_read_and_its_rows_deleted(folder, monkeypatch):
    send = milvus_push._send

    def killed(client, name, index, upsert, gone, *args):
        send(client, name, index, upsert, gone[:0], *args)  # the rows upserted, none deleted, then killed
        raise KeyboardInterrupt

    monkeypatch.setattr(milvus_push, "_send", killed)
    with pytest.raises(KeyboardInterrupt):
        milvus_push.push(load_index(folder.index_dir), folder.target)
    monkeypatch.undo()
    folder.edit(" Một câu khác được thêm vào.")  # the interrupted generation is never pushed again
    folder.build()
    report, reads = folder.push()
    assert reads == 1 and report.keys_read == "another push was under way or interrupted"
    assert _exact(folder) and folder.records() == [], "a push that found another's mark records no keys"
    report, reads = folder.push()
    assert reads == 1 and "no record" in report.keys_read and not report.sent and len(folder.records()) == 1
    assert folder.push()[1] == 0


def test_a_push_whose_mark_another_push_took_over_records_no_keys(folder, monkeypatch):
    send = milvus_push._send

    def overtaken(client, name, *args):
        send(client, name, *args)
        meta = collection_meta(client, name)
        client.alter_collection_properties(name, properties={META_KEY: json.dumps({**meta, "pushing": "other"})})

    monkeypatch.setattr(milvus_push, "_send", overtaken)
    milvus_push.push(load_index(folder.index_dir), folder.target)
    monkeypatch.undo()
    meta = collection_meta(connect(folder.target), folder.target.collection)
    assert meta["pushing"] == "other" and folder.records() == []
    report, reads = folder.push()
    assert reads == 1 and report.keys_read == "another push was under way or interrupted" and _exact(folder)


def test_keys_are_read_when_the_collection_lost_a_row(folder):
    index = load_index(folder.index_dir)
    folder.push()
    client = connect(folder.target)
    [row] = client.query(folder.target.collection, filter="id >= 0", limit=1, output_fields=["id"])
    client.delete(folder.target.collection, ids=[row["id"]])
    report, reads = folder.push()
    assert reads == 1 and report.keys_read == f"it holds {len(index.chunks) - 1} rows, the last push left " \
        f"{len(index.chunks)}"
    assert report.upserted == 1 and _exact(folder)


def test_a_record_names_the_collection_and_the_generation(folder):
    index = load_index(folder.index_dir)
    meta = collection_meta(connect(folder.target), folder.target.collection)
    keys, why = pushed_keys(folder.index_dir, folder.target, meta["generation"])
    assert why == "" and len(keys) == meta["chunks"] and keys.dtype == np.int64
    assert pushed_keys(folder.index_dir, folder.target, index.manifest.generation)[0] is None, "not pushed yet"
    elsewhere = MilvusTarget(folder.target.uri, "another")
    assert "no record" in pushed_keys(folder.index_dir, elsewhere, meta["generation"])[1]
