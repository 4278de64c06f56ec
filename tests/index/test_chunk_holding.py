"""Finding the chunk that holds a character of a document, from any other chunk of it."""

from __future__ import annotations

from qa_bot.index.chunkstore import chunk_holding
from qa_bot.schema import Chunk


def _chunks() -> list[Chunk]:
    """Three documents: 'a' with 40 chunks of 100 characters (the 21st overlaps the 20th, as
    chunks may), 'b' with one, 'c' with a gap of page clutter between its two chunks."""
    chunks: list[Chunk] = []

    def add(source: str, start: int, end: int) -> None:
        chunks.append(Chunk(len(chunks), source, start, end, "x" * (end - start), ((start, end),)))

    for i in range(40):
        add("a", i * 100 - (50 if i == 20 else 0), i * 100 + 100)
    add("b", 0, 100)
    add("c", 0, 100)
    add("c", 150, 300)
    return chunks


def test_the_chunk_holding_an_offset_is_found_forwards_backwards_and_in_place():
    chunks = _chunks()
    for near in (0, 7, 19, 39):
        for offset in (0, 1234, 1999, 2000, 3999):
            found = chunk_holding(chunks, chunks[near], offset)
            assert found is not None and found.source == "a"
            assert found.char_start <= offset < found.char_end, (near, offset)


def test_no_chunk_is_found_outside_the_document_or_in_a_gap():
    chunks = _chunks()
    assert chunk_holding(chunks, chunks[39], 4000) is None  # past the end of 'a': 'b' is not 'a'
    assert chunk_holding(chunks, chunks[40], 100) is None
    assert chunk_holding(chunks, chunks[41], 120) is None  # between the chunks of 'c'
    assert chunk_holding(chunks, chunks[41], 200) is chunks[42]
    assert chunk_holding(chunks, chunks[42], 50) is chunks[41]
