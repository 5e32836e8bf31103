"""Speaker → actor (stance.actors, GUIDELINES §2): date windows, institutions, titles, sources, tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from stance.actors import ActorsError, ActorTable, parse_table
from stance.evaluate import evaluate
from stance.extract import extract_statements
from stance.records import Article, Statement

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "data" / "extract"
SEED_SOURCE = ROOT / "data" / "corpus" / "src" / "000_a909801c9f83239d.txt"

sys.path.insert(0, str(ROOT / "data"))
from build_corpus import parse_source  # noqa: E402

HEADER = "pattern,actor,from,until,kind\n"


@pytest.fixture(scope="module")
def table() -> ActorTable:
    return ActorTable.load()


def actor(table: ActorTable, speaker: str, day: str | None = None) -> str:
    return table.resolve(speaker, day)[0]


# -- office holders with date windows -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("Interior Minister Mohammed al-Rahmoun", "2024-12-07", "syrian_government"),
        ("Interior Minister Mohammed al-Rahmoun", "2024-12-08", "syrian_government"),
        ("Syrian Prime Minister Mohammed Ghazi al-Jalali", "2024-11-30", "syrian_government"),
        ("Syrian Prime Minister Mohammed Ghazi al-Jalali", "2024-12-09", "other"),
        ("Syrian Foreign Minister Bassam Sabbagh", "2024-12-02", "syrian_government"),
        ("Syrian Foreign Minister Bassam Sabbagh", "2024-12-12", "other"),
        ("President Bashar al-Assad", "2024-12-01", "syrian_government"),
        ("Bashar al-Assad", "2024-12-16", "other"),
        ("caretaker Prime Minister Mohammed al-Bashir", "2024-12-10", "hts"),
        ("Syria's new caretaker prime minister Mohammed al-Bashir", "2024-12-11", "hts"),
        ("Defence Minister Murhaf Abu Qasra", "2024-12-22", "hts"),
        ("HTS leader Abu Mohammed al-Jolani", "2024-12-01", "hts"),
    ],
)
def test_office_holders_by_date(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


@pytest.mark.parametrize("day", ["2024-12-09", "2024-12-10", "2025-01-15"])
def test_assad_minister_is_not_government_after_the_fall(table, day):
    assert actor(table, "Interior Minister Mohammed al-Rahmoun", day) != "syrian_government"


def test_day_may_carry_a_time(table):
    assert actor(table, "Mohammed Ghazi al-Jalali", "2024-12-08T23:00:00") == "syrian_government"


# -- institutions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("the defence ministry", "2024-12-05", "syrian_government"),
        ("The Syrian army", "2024-12-05", "syrian_government"),
        ("State news agency SANA", "2024-12-05", "syrian_government"),
        ("SANA", "2024-12-12", "hts"),
        ("the military operations command", "2024-12-01", "hts"),
        ("the Kremlin", None, "russia"),
        ("Russian state news agency TASS", None, "russia"),
        ("the IRGC", None, "iran"),
        ("Iran's Revolutionary Guards", None, "iran"),
        ("the State Department", None, "us"),
        ("the Pentagon", None, "us"),
        ("OCHA", None, "un"),
        ("the WFP", None, "un"),
        ("the UN refugee agency", None, "un"),
        ("the UN Security Council", None, "un"),
        ("the Syrian Observatory for Human Rights", None, "other"),
        ("the Britain-based Observatory", None, "other"),
        ("the Kurdish-led Syrian Democratic Forces", None, "other"),
        ("Hezbollah", None, "other"),
        ("the European Union", None, "other"),
    ],
)
def test_institutions(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


# -- titles with nationality ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [
        ("Russian Foreign Minister", "russia"),
        ("Russian Foreign Minister Sergei Lavrov", "russia"),
        ("Iran's top diplomat", "iran"),
        ("Iran's top diplomat Abbas Araghchi", "iran"),
        ("the Turkish president", "turkey"),
        ("the UN envoy", "un"),
        ("UN special envoy to Syria, Geir Pedersen", "un"),
        ("the US State Department spokesman", "us"),
        ("an Israeli military spokesman", "other"),
        ("the Jordanian foreign minister", "other"),
        ("Russia's UN ambassador Vassily Nebenzia", "russia"),
    ],
)
def test_titles_with_nationality(table, speaker, expected):
    assert actor(table, speaker) == expected


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("Turkey's UN envoy", None, "turkey"),
        ("France's UN ambassador", None, "other"),
        ("Syria's UN ambassador", "2024-12-20", "other"),
    ],
)
def test_a_states_envoy_to_the_un_is_not_the_un(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


def test_unqualified_ministry_after_the_fall_is_the_caretaker_governments(table):
    assert actor(table, "the defence ministry", "2024-12-12") == "hts"


# -- unnamed sources ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("a Syrian military source", "2024-12-05", "syrian_government"),
        ("a source close to Hezbollah", None, "other"),
        ("a Turkish defence ministry source", None, "turkey"),
        ("a senior US official", None, "us"),
        ("An Iraqi security source", None, "other"),
        ("a Western diplomat", None, "other"),
        ("Hama resident Kharfan Mansour", None, "other"),
        ("witnesses", None, "other"),
    ],
)
def test_unnamed_sources(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


# -- reasons -------------------------------------------------------------------------------------------


def test_reason_names_the_entry_and_its_window(table):
    got, reason = table.resolve("Interior Minister Mohammed al-Rahmoun", "2024-12-07")
    assert got == "syrian_government"
    assert "Mohammed al-Rahmoun" in reason and "2024-12-08" in reason and "person" in reason
    entry = table.best_entry("Interior Minister Mohammed al-Rahmoun", "2024-12-07")
    assert entry.origin.startswith("actors.csv:") and entry.describe() == reason


@pytest.mark.parametrize(
    ("speaker", "pattern"),
    [
        ("the Kremlin", "Kremlin"),
        ("a source close to Hezbollah", "Hezbollah"),
        ("Iran's top diplomat", "Iran's"),
    ],
)
def test_reason_quotes_the_matching_pattern(table, speaker, pattern):
    assert f"'{pattern}'" in table.resolve(speaker)[1]


def test_no_speaker_and_no_match(table):
    assert table.resolve(None) == ("other", "no speaker")
    assert table.resolve("one woman, Rania") == ("other", "no entry matched")


# -- user tables -----------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture()
def user_table(tmp_path) -> ActorTable:
    path = _write(
        tmp_path,
        "extra_actors.csv",
        HEADER
        + "# user additions\n"
        + "Hezbollah,hezbollah,,,institution\n"
        + "Naim Qassem,hezbollah,,,person\n"
        + "Israeli,israel,,,nationality\n"
        + "Israel Katz,israel,,,person\n"
        + "IDF,israel,,,institution\n",
    )
    return ActorTable.load([path])


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [
        ("a source close to Hezbollah", "hezbollah"),
        ("Hezbollah leader Naim Qassem", "hezbollah"),
        ("an Israeli military spokesman", "israel"),
        ("Israeli Defence Minister Israel Katz", "israel"),
        ("the IDF", "israel"),
        ("the Kremlin", "russia"),  # the bundled table still applies
    ],
)
def test_user_table_adds_actors_and_takes_precedence(user_table, speaker, expected):
    got, reason = user_table.resolve(speaker)
    assert got == expected
    assert "hezbollah" in user_table.actors and "israel" in user_table.actors


def test_user_entries_keep_their_file_and_line(user_table, tmp_path):
    entry = user_table.best_entry("a source close to Hezbollah")
    assert entry.origin == f"{tmp_path / 'extra_actors.csv'}:3"


def test_user_table_wins_over_a_bundled_person(user_table):
    assert actor(user_table, "Israeli Prime Minister Benjamin Netanyahu") == "israel"


def test_user_table_can_replace_the_bundled_one(tmp_path):
    path = _write(tmp_path, "only.csv", HEADER + "Hezbollah,hezbollah,,,institution\n")
    table = ActorTable.load([path], replace=True)
    assert table.actors == ["hezbollah"]
    assert table.resolve("the Kremlin") == ("other", "no entry matched")


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("name,side\nHezbollah,hezbollah\n", 1, "header"),
        (HEADER + "Hezbollah,hezbollah,,,institution\nIDF,israel\n", 3, "columns"),
        (HEADER + "Naim Qassem,hezbollah,,,leader\n", 2, "unknown kind"),
        (HEADER + "\n# comment\nIDF,israel,08/12/2024,,institution\n", 4, "YYYY-MM-DD"),
        (HEADER + "Hezbollah,hezbollah,,,institution\n,israel,,,nationality\n", 3, "empty pattern"),
        pytest.param(
            HEADER + "IDF,israel,2024-13-01,,institution\n",
            2,
            "date",
            id="impossible-date",
        ),
    ],
)
def test_bad_user_table_names_file_and_line(tmp_path, body, line, words):
    path = _write(tmp_path, "bad.csv", body)
    with pytest.raises(ActorsError) as err:
        ActorTable.load([path])
    assert f"{path}:{line}:" in str(err.value)
    assert words in str(err.value)


def test_unreadable_user_table(tmp_path):
    missing = tmp_path / "missing.csv"
    with pytest.raises(ActorsError, match="missing.csv"):
        ActorTable.load([missing])
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"Caf\xe9,other,,,source\n")
    with pytest.raises(ActorsError, match="latin.csv"):
        ActorTable.load([latin])


def test_parse_table_reports_every_bad_row():
    with pytest.raises(ActorsError) as err:
        parse_table(HEADER + "A,x,,,nope\nB,y\nC,z,,,person\n", "mine.csv")
    lines = str(err.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("mine.csv:2: unknown kind 'nope'")
    assert lines[1] == "mine.csv:3: expected 5 columns, got 2"


# -- context: dateline and earlier mentions ---------------------------------------------------------------


def _attribute(table, text: str, day: str) -> list[Statement]:
    article = Article("ctx", text, date=day)
    return table.attribute(extract_statements(article), article)


def test_dateline_gives_the_side_of_an_unqualified_ministry(table):
    text = (
        "MOSCOW, Dec 9 (Levant Wire) - Moscow is in contact with all Syrian groups and expects them to "
        "protect its bases, the foreign ministry said on Monday."
    )
    (st,) = _attribute(table, text, "2024-12-09")
    assert st.speaker == "the foreign ministry"
    assert st.actor == "russia"
    assert st.actor_reason.startswith("dateline:") and "Moscow" in st.actor_reason


def test_dateline_of_damascus_before_the_fall(table):
    text = (
        "DAMASCUS, Dec 2 (Levant Wire) - Government forces have pushed insurgents back from the north, "
        "the defence ministry said on Monday."
    )
    (st,) = _attribute(table, text, "2024-12-02")
    assert st.actor == "syrian_government"


def test_earlier_mention_completes_a_surname(table):
    text = (
        "WASHINGTON, Dec 10 (Levant Wire) - State Department spokesman Matthew Miller told a briefing on "
        "Tuesday that the United States was watching the transition closely.\n\n"
        "Miller said the new authorities would be judged by their actions."
    )
    statements = _attribute(table, text, "2024-12-10")
    assert [s.speaker for s in statements] == ["State Department spokesman Matthew Miller", "Miller"]
    later = statements[1]
    assert later.actor == "us"
    assert later.actor_reason.startswith("earlier mention") and "Matthew Miller" in later.actor_reason


def test_statement_date_decides_the_window(table):
    before = Statement(
        "d",
        0,
        10,
        "x",
        "indirect",
        speaker="Prime Minister Mohammed Ghazi al-Jalali",
        metadata={"date": "2024-12-07"},
    )
    after = Statement(
        "d",
        0,
        10,
        "x",
        "indirect",
        speaker="Prime Minister Mohammed Ghazi al-Jalali",
        metadata={"date": "2024-12-10"},
    )
    table.attribute([before, after])
    assert (before.actor, after.actor) == ("syrian_government", "other")


def test_fixture_articles_actor_accuracy(table):
    gold_all, pred_all = [], []
    for path in sorted(FIXTURES.glob("*.txt")):
        record, gold = parse_source(path)
        article = Article(**record)
        pred = table.attribute(extract_statements(article), article)
        gold_all += gold
        pred_all += [p.to_row() for p in pred]
    result = evaluate(gold_all, pred_all)
    assert result["actor"]["accuracy"] >= 0.95


def test_seed_actor_accuracy(table):
    record, gold = parse_source(SEED_SOURCE)
    article = Article(**record)
    pred = table.attribute(extract_statements(article), article)
    result = evaluate(gold, [p.to_row() for p in pred])
    assert result["actor"]["accuracy"] >= 0.9
    by_speaker = {p.speaker: p.actor for p in pred}
    assert by_speaker["Interior Minister Mohammed al-Rahmoun"] == "syrian_government"
    assert by_speaker["Iran's top diplomat Abbas Araghchi"] == "iran"
    assert by_speaker["A source close to Hezbollah"] == "other"
    assert by_speaker["UN special envoy to Syria, Geir Pedersen"] == "un"


def test_seed_source_close_to_the_group_is_other(table):
    record, _ = parse_source(SEED_SOURCE)
    article = Article(**record)
    pred = table.attribute(extract_statements(article), article)
    group = [p for p in pred if p.speaker == "a source close to the group"]
    assert group and all(p.actor == "other" for p in group)


# -- context: the statement's own day, organs read in context ------------------------------------------


def _resolve(table, text: str, content: str, speaker: str, day: str, nth: int = 0) -> tuple[str, str]:
    """The actor of a statement given by its words and its speaker mention (the nth occurrence)."""
    start = text.index(content)
    at = -1
    for _ in range(nth + 1):
        at = text.index(speaker, at + 1)
    st = Statement(
        "ctx",
        start,
        start + len(content),
        content,
        "indirect",
        speaker=speaker,
        speaker_start=at,
        speaker_end=at + len(speaker),
        metadata={"date": day},
    )
    entry, reason = table.resolve_statement(st, Article("ctx", text, date=day))
    return (entry.actor if entry else "other"), reason


@pytest.mark.parametrize(
    ("text", "content", "speaker"),
    [
        # a date in the attribution
        (
            "DAMASCUS, Jan 20 (Wire) - In July, Assad said he would meet Erdogan only after a withdrawal.",
            "he would meet Erdogan only after a withdrawal",
            "Assad",
        ),
        (
            "BEIRUT, Jan 20 (Wire) - In a 2019 interview, Assad said the war was nearly over.",
            "the war was nearly over",
            "Assad",
        ),
        (
            "BEIRUT, Dec 20 (Wire) - On Dec. 3 the army general command said its units were holding Hama.",
            "its units were holding Hama",
            "the army general command",
        ),
        # a date earlier in the paragraph
        (
            "BEIRUT, Dec 20 (Wire) - A look back.\n\nHoms fell on December 7. The defence ministry said the "
            "withdrawal was a tactical step.",
            "the withdrawal was a tactical step",
            "The defence ministry",
        ),
        # "that evening": the date of the paragraphs before
        (
            "BEIRUT, Dec 20 (Wire) - A look back.\n\nOn December 6 rebels reached Homs.\n\nThe interior "
            "minister, Mohammed al-Rahmoun, told state television that evening that the capital was safe.",
            "the capital was safe",
            "Mohammed al-Rahmoun",
        ),
        # the Assad government spoke only while it stood
        (
            "BRUSSELS, March 17 (Wire) - Donors met on Monday. The Assad government was never invited. Its "
            "foreign ministry routinely dismissed the conferences as political.",
            "the conferences as political",
            "Its foreign ministry",
        ),
    ],
)
def test_a_statement_dated_before_the_fall_speaks_for_the_government_then(table, text, content, speaker):
    assert _resolve(table, text, content, speaker, "2025-01-20" if "Jan" in text else "2024-12-20")[0] == (
        "syrian_government"
    )


def test_a_date_inside_the_quoted_words_does_not_date_the_statement(table):
    text = (
        "MOSCOW, Dec 16 (Wire) - In a statement on Monday, Assad said he had stayed in Damascus until "
        "December 8 and left only when asked to."
    )
    actor_, _ = _resolve(table, text, "he had stayed in Damascus until December 8", "Assad", "2024-12-16")
    assert actor_ == "other"


def test_a_date_in_the_speakers_description_does_not_date_the_statement(table):
    text = "BEIRUT, Jan 5 (Wire) - A former army colonel who defected in 2012 said the old army is gone."
    speaker = "A former army colonel who defected in 2012"
    assert _resolve(table, text, "the old army is gone", speaker, "2025-01-05")[0] == "other"


def test_the_caretaker_government_never_speaks_before_the_fall(table):
    text = (
        "DAMASCUS, Jan 5 (Wire) - On Dec. 8 the caretaker government said it would protect all communities."
    )
    content = "it would protect all communities"
    assert _resolve(table, text, content, "the caretaker government", "2025-01-05")[0] == "hts"


def test_former_describes_today_not_the_day_of_an_old_statement(table):
    text = "BEIRUT, Jan 5 (Wire) - In 2019, former Foreign Minister Faisal Mekdad said the war was won."
    content = "the war was won"
    assert _resolve(table, text, content, "former Foreign Minister Faisal Mekdad", "2025-01-05")[0] == (
        "syrian_government"
    )


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("The UN envoy for Syria", "2024-12-16", "un"),
        ("The U.N. envoy for Syria", "2024-12-03", "un"),
        ("the U.S. envoy for Syria", "2024-12-16", "us"),
        ("A Western diplomat at the UN", None, "other"),
        ("Security Council diplomats", None, "other"),
    ],
)
def test_where_an_envoy_is_sent_is_not_whom_he_speaks_for(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("the Assad government", "2025-01-06", "syrian_government"),
        ("Bashar al-Assad's government", "2025-03-10", "syrian_government"),
        ("Assad's state television", "2025-03-08", "syrian_government"),
        ("Assad", "2025-01-06", "other"),
    ],
)
def test_a_name_inside_a_longer_entry_gives_way_to_it(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [
        ("Iraq, Iran and Syria", "other"),
        ("The Turkish and Russian readouts", "turkey"),
        ("Devlet Bahceli, an ally of President Recep Tayyip Erdogan", "other"),
    ],
)
def test_the_first_named_speaker_decides(table, speaker, expected):
    assert actor(table, speaker, "2024-12-06") == expected


def test_a_place_in_a_relative_clause_describes_the_speaker(table):
    assert actor(table, "Ahmad, 30, who fled Aleppo in 2016", "2024-12-01") == "other"
    assert actor(table, "Aleppo governor Hussein Diab", "2024-11-29") == "syrian_government"


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("Egypt's foreign ministry", "2024-12-10", "other"),
        ("Government spokesman Basim al-Awadi", "2024-12-04", "other"),
        ("Retired Turkish admiral Cem Gurdeniz", None, "other"),
        ("Military bloggers", None, "other"),
        ("A spokesperson for the US-led coalition", None, "us"),
        ("An IRGC-affiliated outlet", None, "iran"),
        ("A spokesman for the General Command", "2024-12-20", "hts"),
        ("the country's new leadership", "2024-12-24", "hts"),
        ("Energy Minister Alparslan Bayraktar", None, "turkey"),
        ("The office of the Hatay governor", None, "turkey"),
        ("Koussay Aldahhak", "2024-12-14", "other"),
    ],
)
def test_more_table_entries(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


@pytest.mark.parametrize(
    ("text", "content", "speaker", "day", "expected"),
    [
        # a place before it in the sentence
        (
            "ISTANBUL, Dec 6 (Wire) - Erdogan spoke on Friday.\n\nIn Damascus, the foreign ministry "
            "condemned the remarks as interference.",
            "the remarks as interference",
            "the foreign ministry",
            "2024-12-06",
            "syrian_government",
        ),
        (
            "ALEPPO, Dec 4 (Wire) - Rebels held the city.\n\nIn Baghdad, a government spokesman said Iraq "
            "would stay out.",
            "Iraq would stay out",
            "a government spokesman",
            "2024-12-04",
            "other",
        ),
        # the same organ named earlier with its country
        (
            "QAMISHLI, Dec 17 (Wire) - The SDF offered a truce.\n\nTurkey's defence ministry rejected it. A "
            "ministry official said operations would go on.",
            "operations would go on",
            "A ministry official",
            "2024-12-17",
            "turkey",
        ),
        (
            "TEHRAN, Dec 30 (Wire) - Arrests went on.\n\nThe interior ministry of the caretaker government "
            "announced raids. A ministry spokesman said more would follow.",
            "more would follow",
            "A ministry spokesman",
            "2024-12-30",
            "hts",
        ),
        # a possessive: the subject of the sentence before
        (
            "BEIRUT, Nov 30 (Wire) - Rebels took Aleppo.\n\nDamascus insists the losses are temporary. Its "
            "defence ministry says it is regrouping.",
            "it is regrouping",
            "Its defence ministry",
            "2024-11-30",
            "syrian_government",
        ),
        (
            "UNITED NATIONS, Dec 8 (Wire) - Russia has asked for an urgent meeting of the Council, its "
            "deputy ambassador said.",
            "Russia has asked for an urgent meeting of the Council",
            "its deputy ambassador",
            "2024-12-08",
            "russia",
        ),
        # "the group": the group named before
        (
            "BEIRUT, March 17 (Wire) - Clashes broke out.\n\nHezbollah denied any role. In a statement, the "
            "group said it was not a party.",
            "it was not a party",
            "the group",
            "2025-03-17",
            "other",
        ),
        # a reporter's bureau city is not whose army it is
        (
            "BEIRUT, Dec 1 (Wire) - Rebels pushed south.\n\nThe army says reinforcements reached Hama.",
            "reinforcements reached Hama",
            "The army",
            "2024-12-01",
            "syrian_government",
        ),
        (
            "GAZIANTEP, Turkey, Dec 7 (Wire) - Refugees gathered at the gate.\n\nThe interior ministry said "
            "crossings had tripled.",
            "crossings had tripled",
            "The interior ministry",
            "2024-12-07",
            "turkey",
        ),
        # a qualifier is not overridden by the dateline
        (
            "TEHRAN, Dec 14 (Wire) - Iran's leaders spoke.\n\nA spokesman for the caretaker government said "
            "Tehran should keep out.",
            "Tehran should keep out",
            "A spokesman for the caretaker government",
            "2024-12-14",
            "hts",
        ),
    ],
)
def test_an_organ_takes_its_side_from_the_context(table, text, content, speaker, day, expected):
    got, reason = _resolve(table, text, content, speaker, day)
    assert got == expected, reason


def test_a_country_named_as_a_topic_does_not_claim_an_organ(table):
    text = (
        "ANKARA, Dec 7 (Wire) - Troops crossed into Syria on Saturday.\n\nTurkish units deployed in northern "
        "Syria would stay, the defence ministry said."
    )
    content = "Turkish units deployed in northern Syria would stay"
    assert _resolve(table, text, content, "the defence ministry", "2024-12-07")[0] == "turkey"


def test_a_nationality_is_not_a_name_to_look_up(table):
    text = (
        "MOSCOW, Nov 30 (Wire) - Lavrov called his Turkish counterpart on Saturday.\n\nThe Turkish sources "
        "said a meeting was planned."
    )
    assert _resolve(table, text, "a meeting was planned", "The Turkish sources", "2024-11-30")[0] == "turkey"


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("the army general command", "2024-12-05", "syrian_government"),
        ("the army general command", "2024-12-20", "hts"),
        ("the information ministry", "2024-12-05", "syrian_government"),
        ("Russia's UN", None, "russia"),
        ("Iran's Supreme National Security Council", None, "iran"),
        ("the Supreme National Security Council", None, "iran"),
        ("the under-secretary-general for humanitarian affairs", None, "un"),
    ],
)
def test_organs_with_a_side_of_their_own(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


def test_the_syrian_army_command_is_not_the_datelines(table):
    text = (
        "MOSCOW, Dec 16 (Wire) - Assad spoke from exile.\n\nOn December 7 the presidency denied he had left. "
        "That evening the army general command said its units were holding their lines."
    )
    content = "its units were holding their lines"
    assert _resolve(table, text, content, "the army general command", "2024-12-16")[0] == "syrian_government"


def test_the_group_is_the_group_named_last(table):
    text = (
        "ALEPPO, Dec 1 (Wire) - Rebels took the city.\n\nA senior HTS official said there would be no "
        'talks.\n\n"We are here to stay," he said.\n\nThe group said bakeries would reopen within days.'
    )
    assert _resolve(table, text, "bakeries would reopen within days", "The group", "2024-12-01")[0] == "hts"


def test_a_first_name_with_abu_is_not_looked_up_alone(table):
    text = (
        "DAMASCUS, Dec 8 (Wire) - Hayat Tahrir al-Sham leader Abu Mohammed al-Jolani spoke at the mosque.\n\n"
        "Abu Hassan, a shopkeeper, said the night had been quiet."
    )
    assert _resolve(table, text, "the night had been quiet", "Abu Hassan", "2024-12-08")[0] == "other"


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("a Syrian Kurdish official", "2024-12-10", "other"),
        ("the Syrian National Coalition", "2024-12-10", "other"),
        ("the Syrian Democratic Council", "2025-03-14", "other"),
        ("the Syrian Arab Army", "2024-12-01", "syrian_government"),
        ("Israel's Arabic-language spokesman, Avichay Adraee", None, "other"),
    ],
)
def test_syrian_bodies_that_are_not_the_government(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


@pytest.mark.parametrize(
    ("text", "content", "speaker", "day", "expected"),
    [
        (
            "DOHA, Dec 15 (Wire) - Qatar will reopen its embassy in Damascus, the foreign ministry said.",
            "Qatar will reopen its embassy in Damascus",
            "the foreign ministry",
            "2024-12-15",
            "other",
        ),
        (
            "NEW YORK/WASHINGTON, Dec 1 (Wire) - Talks went on.\n\nA senior administration official said "
            "the status quo was not sustainable.",
            "the status quo was not sustainable",
            "A senior administration official",
            "2024-12-01",
            "us",
        ),
        # a dateline says where the reporter is today, not whose organ spoke in 2023
        (
            "JERUSALEM, Feb 23 (Wire) - Israel set out its terms.\n\nIn a statement in 2023, the army "
            "command said air defences had downed most missiles.",
            "air defences had downed most missiles",
            "the army command",
            "2025-02-23",
            "syrian_government",
        ),
        # "then" in a sequence is not "then-minister"
        (
            "MOSCOW, Dec 10 (Wire) - Russia spoke.\n\nThe defence ministry then reported that its aircraft "
            "had struck convoys.",
            "its aircraft had struck convoys",
            "The defence ministry",
            "2024-12-10",
            "russia",
        ),
    ],
)
def test_the_dateline(table, text, content, speaker, day, expected):
    got, reason = _resolve(table, text, content, speaker, day)
    assert got == expected, reason


@pytest.mark.parametrize(
    ("speaker", "day", "expected"),
    [
        ("The military", "2024-12-05", "syrian_government"),
        ("the Israeli military", "2024-12-05", "other"),
        ("the SDF's Deir ez-Zor Military Council", None, "other"),
        ("the then information minister Omran al-Zoubi", "2024-12-08", "syrian_government"),
    ],
)
def test_military_entries(table, speaker, day, expected):
    assert actor(table, speaker, day) == expected


def test_a_place_in_the_reported_events_is_not_the_organs(table):
    text = (
        "GENEVA, Nov 30 (Wire) - Aid stalled.\n\nConvoys stopped in northern Syria, as the world body's top "
        "official in the country appealed for safe passage."
    )
    got, reason = _resolve(table, text, "for safe passage", "the world body's top official", "2024-11-30")
    assert got != "syrian_government", reason
