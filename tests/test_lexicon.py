from pathlib import Path

import pytest

from audiobook.casting.lexicon import default_lexicon_path, load_lexicon
from audiobook.errors import LexiconError


def lexicon_from(tmp_path: Path, body: str):
    path = tmp_path / "lexicon.toml"
    path.write_text(body, encoding="utf-8")
    return load_lexicon([path])


def test_whole_words_and_case_rules(tmp_path):
    lex = lexicon_from(tmp_path, '[words]\nsensei = "sen-say"\n"Rin" = "Reen"\n')
    assert lex.apply("Sensei, SENSEI and sensei.") == "sen-say, sen-say and sen-say."
    assert lex.apply("Rin ran; rin and Rinne") == "Reen ran; rin and Rinne"
    assert lex.apply("senseis") == "senseis"


def test_patterns_apply_first_then_words(tmp_path):
    lex = lexicon_from(
        tmp_path,
        "[patterns]\n'(\\w)-(kun|sensei)\\b' = '\\1 \\2'\n'(\\d+)\\s*mph' = '\\1 miles per hour'\n"
        '[words]\nsensei = "sen-say"\n',
    )
    said = lex.apply("Kakashi-sensei drove at 30mph")
    assert said == "Kakashi sen-say drove at 30 miles per hour"


def test_later_files_win(tmp_path):
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text('[words]\nsensei = "one"\n', encoding="utf-8")
    second.write_text('[words]\nsensei = "two"\n', encoding="utf-8")
    assert load_lexicon([first, second]).apply("sensei") == "two"


def test_project_lexicon_loads_and_speaks_honorifics():
    lex = load_lexicon([default_lexicon_path()])
    assert lex.apply("Naruto-kun saw Kakashi-sensei, e.g. today.") == (
        "Naruto kun saw Kakashi sen-say, for example today."
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[patterns]\n"(" = "x"\n', "not a usable regular expression"),
        ('[patterns]\n"(a)" = "\\\\2"\n', "not a usable regular expression"),
        ('[words]\nx = 3\n', "'x' must be a string"),
        ('words = 3\n', "expected a table"),
        ('[sounds]\nx = "y"\n', "unknown key 'sounds'"),
    ],
)
def test_bad_lexicons_name_file_and_entry(tmp_path, body, message):
    with pytest.raises(LexiconError) as info:
        lexicon_from(tmp_path, body)
    assert message in str(info.value) and "lexicon.toml" in str(info.value)
