"""Question analysis: abbreviations, English terms, question types, facets."""

import json

import pytest

from qa_bot.index.vocabulary import build_vocabulary
from qa_bot.question.analysis import abbreviations, analyze, question_kind
from qa_bot.question.facets import question_facets
from qa_bot.question.restore import restore_diacritics, restore_names
from qa_bot.schema import Document


def test_the_abbreviation_file_is_well_formed():
    table = abbreviations()
    assert len(table) >= 40
    for abbr, expansions in table.items():
        assert abbr.strip() == abbr and expansions and all(isinstance(e, str) and e for e in expansions)
    for abbr in ("CCHC", "TTHC", "DVC", "DVCTT", "UBND", "HĐND", "CBCCVC", "ĐVSNCL", "PAR INDEX", "SIPAS", "PCI",
                 "VPUBND"):
        assert abbr in table


@pytest.mark.parametrize(
    "question, shown, token",
    [
        ("Tỉnh có bao nhiêu TTHC mức độ 4?", ("TTHC", "thủ tục hành chính"), "thủ_tục"),
        ("Tỉnh có bao nhiêu thủ tục hành chính?", ("thủ tục hành chính", "TTHC"), "tthc"),
        ("Kết quả chỉ số PAR INDEX của tỉnh?", ("PAR INDEX", "chỉ số cải cách hành chính"), "cải_cách"),
        ("So can bo cong chuc vien chuc CBCCVC", ("CBCCVC", "cán bộ, công chức, viên chức"), "viên"),
    ],
)
def test_abbreviations_are_expanded_both_ways_and_shown(question, shown, token):
    query = analyze(question)
    assert shown in query.expansions
    assert token in query.tokens


def test_english_questions_get_vietnamese_terms_for_bm25():
    query = analyze("How many administrative procedures reached level 4 in Ha Giang?")
    assert query.english and query.kind == "number"
    assert "thủ_tục" in query.tokens and "mức" in query.tokens
    assert "thủ tục hành chính" in query.dense_text


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Hà Giang có bao nhiêu thủ tục hành chính?", "number"),
        ("ha giang co bao nhieu thu tuc", "number"),
        ("Tỷ lệ hồ sơ giải quyết đúng hạn là bao nhiêu?", "number"),
        ("Ai là Chủ tịch UBND tỉnh?", "person"),
        ("Hội nghị diễn ra khi nào?", "date"),
        ("Văn phòng ban hành thông báo số mấy?", "code"),
        ("Which decree regulates clerical work?", "code"),
        ("Tỉnh áp dụng tiêu chuẩn ISO nào?", "entity"),
        ("Who chaired the conference?", "person"),
        ("Giám đốc Sở Nội vụ nói gì về cải cách hành chính?", "quote"),
        ("giam doc so noi vu cho biet gi ve cai cach", "quote"),
        ("What did the chairman say about digital transformation?", "quote"),
        ("What did the province achieve in 2020?", "entity"),
        # a word that names a rate says what the question is about, not what it asks
        ("Vì sao tỷ lệ hồ sơ trực tuyến ở Cà Mau vẫn còn thấp?", "reason"),
        ("vi sao ty le ho so truc tuyen o ca mau van con thap", "reason"),
        ("Giám đốc Sở nói gì về tỷ lệ hồ sơ trễ hạn?", "quote"),
        ("Tỷ lệ hồ sơ trực tuyến toàn trình năm 2023 của tỉnh?", "number"),
        ("Tỷ lệ hồ sơ đúng hạn đạt mức nào?", "number"),
        ("What is the maximum number of credits a student can register for?", "number"),
        ("Mức phạt tiền tối đa đối với hành vi này là gì?", "number"),
        ("What is the minimum score to pass a course?", "number"),
        # 'who' and 'when' that open a relative or a time clause ask nothing
        ("What action did Vinh Long take against officials who filed applications?", "entity"),
        ("What did the vice chairwoman say when concluding the conference?", "quote"),
        ("What happens to a student who breaks the law?", "entity"),
        ("By when does An Giang plan to extend its virtual assistant?", "date"),
        ("Under Article 22, who must perform civil transactions on behalf of a person who lost capacity?", "person"),
        ("Who manages the estate when the will names no administrator?", "person"),
    ],
)
def test_question_types(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize(("question", "several"), [
    ("Hà Giang thí điểm ở những huyện nào?", True),
    ("cac buoc thuc hien gom nhung gi", True),  # without diacritics
    ("Những hành động nào bị nghiêm cấm?", True),
    ("Cơ quan nào chủ trì kế hoạch?", False),
    ("Chỉ số CCHC được định nghĩa là gì?", False),
])
def test_a_question_for_several_things_wants_the_whole_enumeration(question, several):
    assert analyze(question).asks_several is several


def test_rank_and_percentage_questions_ask_for_that_value():
    assert analyze("Năm 2019 chỉ số CCHC xếp thứ mấy?").wants == "rank"
    assert analyze("What share of records were handled online?").wants == "percent"
    assert analyze("Hội nghị diễn ra vào ngày nào?").wants == "day"


def test_numbers_in_the_question_are_read_as_numbers():
    query = analyze("Tỉnh có 1,565 thủ tục mức độ 4 phải không?")
    assert "#1565" in query.tokens and "#4" in query.tokens


def test_diacritics_are_restored_from_the_corpus_vocabulary():
    vocabulary = build_vocabulary(["Hà Giang có 1.565 thủ tục hành chính đạt mức độ 4.", "Mực nước sông Đà."])
    assert restore_diacritics("ha giang co bao nhieu thu tuc muc do 4", vocabulary) == (
        "hà giang có bao nhiêu thủ tục mức độ 4"
    )


@pytest.mark.parametrize(
    "question, english",
    [
        ("How many procedures does Hà Giang have at level 4?", True),  # English keeps the names' diacritics
        ("Who signed the report of the Sở Nội vụ tỉnh Đồng Nai?", True),
        ("How many procedures does Ha Giang have at level 4?", True),
        ("Hà Giang có bao nhiêu thủ tục đạt mức độ 4?", False),
        ("Quyết định này do ai ký, vào ngày nào?", False),  # 'do', 'ai' … are no English
        ("ha giang co bao nhieu thu tuc muc do 4", False),
        ("nguoi da bi ket an thi co the duoc xoa an tich khi nao?", False),  # 'an', 'the' are Vietnamese here
        ("ai phai chiu trach nhiem do to chuc gay ra?", False),
        ("Is a fee charged to register a birth online?", True),
    ],
)
def test_english_is_told_from_vietnamese_by_its_function_words(question, english):
    assert analyze(question).english is english


def test_an_english_question_embeds_its_vietnamese_names_with_diacritics():
    vocabulary = build_vocabulary(["Hà Giang có 1.565 thủ tục. Ông Phạm Văn Thanh, Giám đốc Sở Nội vụ, cho biết."])
    english = {"the", "of", "who", "is"}
    assert restore_names("Who is The Director of Ha Giang Department?", vocabulary, english) == (
        "Who is The Director of Hà Giang Department?"
    )
    assert restore_names("What did Pham Van Thanh say?", vocabulary, english) == "What did Phạm Văn Thanh say?"
    assert restore_names("What did Decision No 12 say?", vocabulary, english) == "What did Decision No 12 say?"
    query = analyze("How many procedures does Ha Giang have?", vocabulary)
    assert query.dense_text.startswith("How many procedures does Hà Giang have?")
    assert query.matching == "How many procedures does Ha Giang have?" and query.restored is None


def test_province_facets_with_or_without_diacritics_exclude_other_provinces():
    facets = question_facets("Thanh pho Da Nang co bao nhieu thu tuc?")
    assert facets.provinces == ("Đà Nẵng",)
    ha_giang = Document("a.txt", "Hà Giang có 1.565 thủ tục. Tỉnh Hà Giang tổ chức hội nghị.", {"province": "Hà Giang"})
    assert facets.excludes(ha_giang)
    assert not question_facets("Hà Giang có bao nhiêu thủ tục?").excludes(ha_giang)


def test_a_year_after_the_document_was_written_excludes_it():
    doc = Document("a.txt", "Năm 2021 tỉnh có 1.565 thủ tục.", {"date": "2021-10-05"})
    assert question_facets("Năm 2022 tỉnh có bao nhiêu thủ tục?").excludes(doc)
    assert not question_facets("Năm 2021 tỉnh có bao nhiêu thủ tục?").excludes(doc)


@pytest.mark.parametrize("question", [
    "Luật An ninh mạng 2018 có hiệu lực thi hành từ ngày nào?",
    "Theo Bộ luật Hình sự năm 2017, cảnh cáo được áp dụng như thế nào?",
    "theo bo luat dan su 2015 hoa loi duoc hieu nhu the nao",
    "Under the Civil Code of 2015, what are fruits?",
    "Under the 2015 Civil Code, what are fruits?",
    "What does the 2017 Penal Code say about warnings?",
    "When did the 2018 Cybersecurity Law take effect?",
    "Bao nhiêu người tinh giản theo Nghị định 108/2014/NĐ-CP?",
])
def test_the_year_of_a_law_or_a_document_code_is_not_a_year_asked_about(question):
    assert question_facets(question).years == ()


def test_a_year_stays_asked_about_beside_a_law_or_after_law_at_large():
    assert question_facets("Năm 2020, theo Luật Đất đai, có bao nhiêu vụ?").years == ("2020",)
    assert question_facets("Vi phạm pháp luật năm 2020 có bao nhiêu vụ?").years == ("2020",)
    assert question_facets("Từ ngày 31/5/2021 tỉnh giảm bao nhiêu phòng?").years == ("2021",)
    assert question_facets("In 2015 the law changed how many rules?").years == ("2015",)
    assert question_facets("What was the 2023 PAR Index of Ha Giang?").years == ("2023",)


def test_glossary_and_question_words_are_valid_json_data():
    from qa_bot.datafiles import DATA

    for name in ("glossary_en.json", "question_words.json", "abbreviations.json"):
        assert json.loads((DATA / name).read_text(encoding="utf-8"))


def test_the_glossary_maps_lowercase_content_words_to_vietnamese_terms():
    import unicodedata

    from qa_bot.datafiles import read_json

    glossary = {k: v for k, v in read_json("glossary_en.json").items() if not k.startswith("_")}
    stop = set(read_json("question_words.json")["stopwords_en"])
    assert len(glossary) > 3000
    for english, terms in glossary.items():
        assert english == english.lower().strip() and english not in stop, english
        assert terms and all(t.strip() and unicodedata.is_normalized("NFC", t) for t in terms), english


def test_an_english_question_of_the_law_or_the_university_is_read_in_vietnamese():
    query = analyze("What is the maximum tuition fee a student must pay when registering for credits?")
    assert query.english and query.translated >= 0.8
    assert {"hoc", "phi", "sinh", "vien", "tin", "chi"} <= set(query.terms)


def test_an_english_question_s_vietnamese_terms_in_place_are_not_read_again_as_english():
    query = analyze("How many procedures did the Provincial People's Committee publish?")
    assert "ủy ban nhân dân" in query.aligned  # not 'ủy cấm': 'ban' is also an English word in the glossary
    assert "ban chỉ đạo" in analyze("Who heads the steering committee on administrative reform?").aligned


def test_english_words_that_name_nothing_are_no_terms_of_an_english_question():
    query = analyze("What happens if someone still can not pay the fee in Ha Giang?")
    assert {"ha", "giang", "phi"} <= set(query.terms)
    assert not {"can", "someone", "still", "not", "if", "happens"} & set(query.terms)  # 'can' folded is 'cần'


def test_the_words_that_name_nothing_are_neither_glossary_entries_nor_language_cues():
    from qa_bot.datafiles import read_json

    words = read_json("question_words.json")
    unmeant = set(words["unmeant_en"])
    assert len(unmeant) > 100 and all(w == w.lower().strip() and w.isalpha() for w in unmeant)
    assert not unmeant & set(read_json("glossary_en.json")) and not unmeant & set(words["stopwords_en"])


def test_inflected_english_words_are_read_through_the_glossary_s_base_form():
    query = analyze("Why were the commune mergers delayed in Thai Binh?")
    found = {vi for _, vi in query.expansions}
    assert {"sáp nhập", "trễ hạn"} <= found  # 'mergers' → 'merger', 'delayed' → 'delay'
    assert "thai" in query.terms  # names stay as they are



def test_a_province_renamed_in_2025_is_the_same_place_before_and_after():
    hue_2022 = Document("a.txt", "Thừa Thiên Huế có 1.200 thủ tục.",
                        {"province": "Thừa Thiên Huế", "date": "2022-05-01"})
    assert not question_facets("app hue-s o Hue co bao nhieu luot tai?").excludes(hue_2022)
    hue_2025 = Document("b.txt", "Huế có 1.300 thủ tục.", {"province": "Huế", "date": "2025-09-01"})
    assert not question_facets("Thừa Thiên Huế có bao nhiêu thủ tục?").excludes(hue_2025)
    # a province that absorbed another is not the same place as it before the merger
    ha_giang_2023 = Document("c.txt", "Hà Giang có 1.565 thủ tục.", {"province": "Hà Giang", "date": "2023-12-01"})
    assert question_facets("Tuyên Quang có bao nhiêu thủ tục?").excludes(ha_giang_2023)
    assert question_facets("Đà Nẵng có bao nhiêu thủ tục?").excludes(hue_2022)


@pytest.mark.parametrize("question, language", [
    ("Hà Giang có bao nhiêu thủ tục?", "vi"),
    ("ha giang co bao nhieu thu tuc", "vi-noaccent"),
    ("How many procedures does Ha Giang have?", "en"),
])
def test_a_question_s_language_is_read_as_the_question_sets_label_it(question, language):
    assert analyze(question).language == language
