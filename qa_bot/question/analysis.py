"""Understand a question: its type, its terms, abbreviations, English terms, facets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..datafiles import read_json
from ..index.vocabulary import Vocabulary
from ..text import fold, lexical_tokens, normalize, syllables
from .facets import Facets, question_facets
from .restore import restore_diacritics, restore_names

__all__ = ["Query", "abbreviation_syllables", "abbreviations", "abbreviations_in", "analyze", "kind_cues",
           "question_kind", "question_language"]



def abbreviations() -> dict[str, list[str]]:
    """Abbreviation → expansions (the package's data file)."""
    return read_json("abbreviations.json")


def abbreviations_in(text: str) -> list[tuple[str, str]]:
    """(abbreviation, expansion) for each abbreviation written in `text` as documents write
    it (case and whole word kept), in the order they first appear.

    >>> abbreviations_in("Cung cấp 20 DVC trực tuyến, giảm TTHC")
    [('DVC', 'dịch vụ công'), ('TTHC', 'thủ tục hành chính')]
    """
    found = []
    for abbr, expansions in abbreviations().items():
        match = re.search(r"(?<![^\W_])" + re.escape(abbr) + r"(?![^\W_])", text)
        if match:
            found.append((match.start(), abbr, expansions[0]))
    return [(abbr, expansion) for _, abbr, expansion in sorted(found)]


def _has_diacritics(text: str) -> bool:
    return fold(text) != text


@lru_cache(maxsize=16_384)  # the glossary's ~3,500 phrases, the question cues, the abbreviations
def _compiled(phrase: str) -> re.Pattern:
    """`phrase` as whole words, case-insensitive."""
    return re.compile(r"(?<![^\W_])" + re.escape(phrase) + r"(?![^\W_])", re.IGNORECASE)


@lru_cache(maxsize=1)
def abbreviation_syllables() -> dict[str, list[str]]:
    """Folded lowercase abbreviation → folded syllables of its first expansion."""
    return {
        fold(abbr.lower()): [fold(w.lower()) for w, _, _ in syllables(expansions[0])]
        for abbr, expansions in abbreviations().items()
    }


def question_kind(question: str) -> str:
    """number, person, date, code, quote, entity or other, from cue phrases.

    >>> question_kind("Hà Giang có bao nhiêu thủ tục?"), question_kind("who chaired it?")
    ('number', 'person')
    >>> question_kind("Vì sao tỷ lệ hồ sơ trực tuyến còn thấp?"), question_kind("Tỷ lệ hồ sơ trực tuyến đạt mức nào?")
    ('reason', 'number')
    """
    text = normalize(question).text.lower()
    accented = _has_diacritics(text)
    probe = text if accented else fold(text)
    for kind, cues in kind_cues():
        for cue in sorted(cues, key=len, reverse=True):
            pattern = _compiled(cue if accented else fold(cue))
            if any(_asks_here(cue, probe, m.start()) for m in pattern.finditer(probe)):
                return kind
    return "other"


# English question words that also open relative and time clauses ('officials who filed …',
# '… say when concluding …'): they ask only where a clause starts, after prepositions at most
# ('Who …', 'By when …', 'Under Article 22, who …').
_RELATIVE_WORDS = frozenset(("who", "whom", "whose", "when"))
_CLAUSE_START = re.compile(r"(?:^|[,;:]\s*)(?:(?:and|but|so|or|then|by|since|until|till|from|to|for|with|of|at|on|in|"
                           r"about|after|before)\s+)*$")


def _asks_here(cue: str, text: str, start: int) -> bool:
    """Whether the cue found at `start` of `text` asks (a relative word counts only at a clause's start)."""
    return cue not in _RELATIVE_WORDS or bool(_CLAUSE_START.search(text[:start]))


@lru_cache(maxsize=1)
def kind_cues() -> list[tuple[str, list[str]]]:
    """Each kind with its cues, in the order they are tried: the question words of every kind but
    the catch-all last one ('gì', 'nào'), then the topic cues ('tỷ lệ': a why question about a
    rate asks why), then the catch-all.
    """
    words = read_json("question_words.json")
    kinds = list(words["kinds"].items())
    return kinds[:-1] + list(words.get("topic_cues", {}).items()) + kinds[-1:]


_SEVERAL = re.compile(r"(?<!\w)(?:nhung|cac)\s+(?:\w+\s+){0,3}?(?:nao|gi)(?!\w)")  # 'những … nào', 'các … gì'


@dataclass(frozen=True)
class Query:
    """A question prepared for retrieval and answer extraction."""

    question: str
    matching: str  # NFC, tone marks normalised, diacritics restored when typed without
    kind: str
    tokens: list[str]  # BM25 query tokens
    terms: list[str]  # content syllables (lowercase, folded) the answer should cover
    expansions: list[tuple[str, str]] = field(default_factory=list)
    facets: Facets = field(default_factory=Facets)  # provinces and years named, as typed or as read
    numbers: list[str] = field(default_factory=list)
    before_cue: list[str] = field(default_factory=list)  # folded words just before 'bao nhiêu'
    after_cue: list[str] = field(default_factory=list)  # folded words just after it (the unit)
    wants: str = ""  # 'percent' or 'rank' when the question asks for one
    english: bool = False
    translated: float = 1.0  # share of an English question's content words the glossary put into Vietnamese
    named: str = ""  # an English question with its Vietnamese names' diacritics put back ('Hà Giang')
    in_place: str = ""  # an English question with the glossary's Vietnamese terms in place of its words

    @property
    def lexical(self) -> bool:
        """Whether BM25 can match this question: Vietnamese, or English the glossary mostly
        translated (measured: an English question whose words the glossary leaves mostly
        untranslated ranks better by the dense model alone, docs/quality.md).
        """
        return not self.english or self.translated >= 0.5

    @property
    def years(self) -> tuple[str, ...]:
        """The years the question names."""
        return self.facets.years

    @property
    def dense_text(self) -> str:
        """What the embedder reads: an English question with its names' diacritics and its
        Vietnamese terms (measured: both rank better, docs/quality.md).
        """
        question = self.named or self.matching
        if not self.english or not self.expansions:
            return question
        return f"{question} ({', '.join(dict.fromkeys(vi for _, vi in self.expansions))})"

    @property
    def aligned(self) -> str:
        """The question as a sentence is aligned with: an English one with its Vietnamese terms in place."""
        return self.in_place or self.matching

    @property
    def asks_several(self) -> bool:
        """Whether the question asks for several things (`những huyện nào`, `các bước gì`): its answer
        is a whole enumeration.
        """
        return bool(_SEVERAL.search(fold(self.matching.lower())))

    @property
    def language(self) -> str:
        """What the question is typed in (see `question_language`)."""
        return question_language(self.question, self.english)

    @property
    def restored(self) -> str | None:
        """The question with diacritics put back, when that was done."""
        return self.matching if fold(self.matching) != self.matching and not _has_diacritics(self.question) else None


def question_language(question: str, english: bool) -> str:
    """What a question is typed in, as the question sets label it: "en", "vi-noaccent" (Vietnamese
    without diacritics) or "vi".
    """
    if english:
        return "en"
    return "vi" if _has_diacritics(question) else "vi-noaccent"


def _expand_abbreviations(text: str) -> list[tuple[str, str]]:
    """(found, other form) for each abbreviation in `text`, and for each expansion of
    an abbreviation of three letters or more (shorter ones are ambiguous).
    """
    found = []
    accented = _has_diacritics(text)
    probe = text.lower() if accented else fold(text.lower())
    for abbr, expansions in abbreviations().items():
        if _compiled(abbr.lower() if accented else fold(abbr.lower())).search(probe):
            found.append((abbr, expansions[0]))
            continue
        if len(abbr) < 3:
            continue
        for expansion in expansions:
            if _compiled(expansion.lower() if accented else fold(expansion.lower())).search(probe):
                found.append((expansion, abbr))
                break
    return found


@lru_cache(maxsize=1)
def _glossary_phrases() -> list[str]:
    return sorted(read_json("glossary_en.json"), key=len, reverse=True)


_ENDINGS = (("ies", "y"), ("ied", "y"), ("ing", "e"), ("ing", ""), ("ed", "e"), ("ed", ""), ("es", ""), ("s", ""))


def _base_form(word: str, known: dict) -> str:
    """`word` as the glossary has it: 'mergers' → 'merger', 'delayed' → 'delay', 'digitising' →
    'digitise', when the glossary lacks the inflected form and has the base one.

    >>> _base_form("mergers", {"merger": []}), _base_form("delayed", {"delay": []}), _base_form("access", {"acces": []})
    ('merger', 'delay', 'access')
    """
    if word in known or word.endswith(("ss", "us", "is")):
        return word
    for ending, base in _ENDINGS:
        stem = word[:-len(ending)] + base
        if word.endswith(ending) and len(stem) >= 3 and stem in known:
            return stem
    return word


def _glossary_forms(text: str, glossary: dict) -> str:
    """`text` with each inflected word put into the form the glossary knows."""
    return re.sub(r"[a-z]+", lambda m: _base_form(m.group(0), glossary), text)


_TERM_MARK = "\ue000"  # a private-use character: stands for a Vietnamese term while the rest is read


def _translate_english(text: str) -> tuple[list[tuple[str, str]], str, str]:
    """Read an English question through the glossary, longest phrases first.

    Returns the (English phrase, Vietnamese term) pairs found, the text left once
    they are taken out, and the text with each phrase replaced in place by its
    first Vietnamese term ('how many thủ tục hành chính does ha giang have'), so
    that the words around 'how many' can be read like those around 'bao nhiêu'.
    """
    glossary = read_json("glossary_en.json")
    rest = marked = _glossary_forms(text.lower(), glossary)
    found, terms = [], []
    for phrase in _glossary_phrases():
        if phrase not in marked:
            continue  # a plain substring test first: most of the glossary is not in the question
        pattern = _compiled(phrase)
        if pattern.search(rest):
            found.extend((phrase, vi) for vi in glossary[phrase])
            rest = pattern.sub(" ", rest)
        if pattern.search(marked):  # a mark, not the term, so that no shorter phrase reads the term as English
            terms.append(glossary[phrase][0])
            marked = pattern.sub(f"{_TERM_MARK}{len(terms) - 1}{_TERM_MARK}", marked)
    in_place = re.sub(rf"{_TERM_MARK}(\d+){_TERM_MARK}", lambda m: terms[int(m.group(1))], marked)
    return found, rest, in_place


def _looks_english(text: str) -> bool:
    """Whether `text` is English: two or more English function words, and more of them than
    Vietnamese words: lowercase words with diacritics (English keeps Vietnamese names and titles
    as Vietnam writes them: 'Who signed the report of the Sở Nội vụ?') and Vietnamese function
    words ('nao', 'thi', 'bi': unaccented Vietnamese also writes 'an', 'the', 'do', 'to').

    >>> _looks_english("How many procedures does Hà Giang have?"), _looks_english("do ai ký quyết định này?")
    (True, False)
    >>> _looks_english("nguoi nao da bi ket an thi bi phat the nao?")
    False
    >>> _looks_english("What is the 'Công chức hỗ trợ lưu động' model in Quảng Trị?")
    True
    """
    words = [w for w, _, _ in syllables(_QUOTED_TERM.sub(" ", text))]  # a quoted Vietnamese term is a name
    english_words, vietnamese_words = _function_words()
    english = sum(w.lower() in english_words for w in words)
    vietnamese = sum((w.islower() and _has_diacritics(w)) or fold(w.lower()) in vietnamese_words for w in words)
    return english >= 2 and english > vietnamese


_QUOTED_TERM = re.compile(r"(?<!\w)'[^']+'(?!\w)|\"[^\"]+\"|“[^”]+”|\([^)]+\)")


@lru_cache(maxsize=1)
def _function_words() -> tuple[frozenset[str], frozenset[str]]:
    """The English function words, and the Vietnamese ones folded, less those English also writes."""
    words = read_json("question_words.json")
    english = frozenset(words["stopwords_en"])
    return english, frozenset(fold(w) for w in words["stopwords_vi"] if " " not in w) - english


def _stopwords() -> set[str]:
    words = read_json("question_words.json")
    return set(words["stopwords_vi"]) | set(words["stopwords_en"])


def _content_terms(text: str) -> list[str]:
    """Folded lowercase syllables of `text` that are not stopwords, with each
    abbreviation replaced by the syllables of its expansion.
    """
    stop = _stopwords()
    expand = abbreviation_syllables()
    terms = []
    for token, _, _ in syllables(text.lower()):
        if token not in stop:
            terms.extend(expand.get(fold(token)) or [fold(token)])
    return list(dict.fromkeys(terms))


def _translated_share(text: str, rest: str) -> float:
    """Share of the content words of an English question that the glossary translated.

    >>> round(_translated_share("how many administrative procedures", "how many  "), 2)
    1.0
    """
    stop = _function_words()[0]
    every = [w for w, _, _ in syllables(text.lower()) if w not in stop and len(w) > 1]
    left = [w for w, _, _ in syllables(rest) if w not in stop and len(w) > 1]
    return 1.0 - len(left) / len(every) if every else 0.0


def _english_terms(rest: str, translations: list[tuple[str, str]]) -> list[str]:
    """Terms of an English question: its Vietnamese translations, and the words left
    untranslated (names such as 'Ha Giang'; unknown words count against an answer) but those
    that name nothing.
    """
    first = {}
    for english, vi in translations:
        first.setdefault(english, vi)  # alternatives widen the search, not the terms to cover
    terms = _content_terms(" ".join(first.values()))
    unmeant = _unmeant_english()
    terms += [t for t in _content_terms(rest) if len(t) > 1 and t not in unmeant]
    return list(dict.fromkeys(terms))


@lru_cache(maxsize=1)
def _unmeant_english() -> frozenset[str]:
    """English words that name nothing an answer must cover ('can', 'someone', 'doesn'): left
    untranslated they would only count against every sentence, or match a Vietnamese syllable
    ('can' folded is 'cần', 'so' is 'số').
    """
    return frozenset(read_json("question_words.json")["unmeant_en"])


_PERCENT_CUES = ("tỷ lệ", "tỉ lệ", "phần trăm", "percentage", "percent", "share", "proportion", "rate")
_RANK_CUES = ("xếp thứ", "thứ mấy", "xếp hạng", "thứ hạng", "rank", "ranked", "ranking", "place")
_NUMBER_CUES = ("bao nhiêu", "mấy", "how many", "how much", "what share of", "what percentage of",
                "what proportion of", "what percent of", "tỷ lệ", "tỉ lệ")


_DAY_CUES = ("ngày nào", "ngày bao nhiêu", "hôm nào", "what date", "what day", "which day", "which date")


def _value_wanted(text: str) -> str:
    """'percent', 'rank' or 'day' when the question asks for one, else ''."""
    probe = fold(text.lower())
    if any(_compiled(fold(cue)).search(probe) for cue in _DAY_CUES):
        return "day"
    for wanted, cues in (("rank", _RANK_CUES), ("percent", _PERCENT_CUES)):
        if any(_compiled(fold(cue)).search(probe) for cue in cues):
            return wanted
    return ""


def _around_cue(text: str) -> tuple[list[str], list[str]]:
    """Folded words just before and just after the question's number cue.

    'Hà Giang có bao nhiêu thủ tục hành chính?' → (['giang', 'co'], ['thu', 'tuc', 'hanh', 'chinh']).
    """
    words = [w for w, _, _ in syllables(text.lower())]
    folded = [fold(w) for w in words]
    for cue in _NUMBER_CUES:
        cue_words = fold(cue).split()
        for i in range(len(folded) - len(cue_words) + 1):
            if folded[i:i + len(cue_words)] == cue_words:
                before = _content_terms(" ".join(words[max(0, i - 6):i]))
                after = _content_terms(" ".join(words[i + len(cue_words):i + len(cue_words) + 8]))
                return before, after
    return [], []


def analyze(question: str, vocabulary: Vocabulary | None = None) -> Query:
    """Prepare `question`: restore diacritics, expand abbreviations and English terms."""
    matching = normalize(question.strip()).text
    english = _looks_english(matching)
    if vocabulary is not None and not english and not _has_diacritics(matching):
        matching = restore_diacritics(matching, vocabulary)
    expansions = _expand_abbreviations(matching)
    cue_text = matching
    translated = 1.0
    named = ""
    if english:
        if vocabulary is not None:
            named = restore_names(matching, vocabulary, _function_words()[0])
        translations, rest, cue_text = _translate_english(matching)
        expansions += translations
        terms = _english_terms(rest, translations)
        translated = _translated_share(matching, rest)
    else:
        terms = _content_terms(matching)
    extra = " ".join(other for _, other in expansions)
    tokens = lexical_tokens(matching) + lexical_tokens(extra, segment=bool(extra))
    if english:
        stop = _function_words()[0]
        tokens = [t for t in tokens if t not in stop]
    numbers = [tok for tok, _, _ in syllables(matching) if any(ch.isdigit() for ch in tok)]
    before_cue, after_cue = _around_cue(cue_text)
    wants = _value_wanted(matching)
    kind = question_kind(matching)
    if wants in ("percent", "rank") and kind in ("entity", "other"):
        kind = "number"  # 'What was … rank', 'What share of …'
    return Query(
        question=question,
        matching=matching,
        kind=kind,
        tokens=tokens,
        terms=terms,
        expansions=expansions,
        facets=question_facets(question + " \n " + matching),
        numbers=numbers,
        before_cue=before_cue,
        after_cue=after_cue,
        wants=wants,
        english=english,
        translated=translated,
        named=named,
        in_place=cue_text if english else "",
    )
