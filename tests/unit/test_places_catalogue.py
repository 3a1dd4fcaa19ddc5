"""Reading a places catalogue: good rows kept, each bad row a problem naming file, row and
field, references between the files checked."""

from onestory.places.domain.catalogue import Problem, missing_columns, read

PARTNERSHIPS = [
    {"partnership": "0", "code": "P01", "name": "Ashford Vale", "council_code": "E08990001"},
    {"partnership": "1", "code": "P02", "name": "Brindle"},
]
LOCALITIES = [
    {"locality": "0", "code": "P01L01", "name": "Dunmere", "partnership": "0"},
    {"locality": "1", "code": "P02L01", "name": "Kell", "partnership": "1"},
]
PRACTICES = [{"ods": "Q00001", "locality": "0"}, {"ods": "Q00002", "locality": "1"}]


def test_read_links_localities_and_practices_to_codes():
    c = read(
        {"partnerships.csv": PARTNERSHIPS, "localities.csv": LOCALITIES, "practices.csv": PRACTICES}
    )
    assert c.problems == []
    assert [p.code for p in c.partnerships] == ["P01", "P02"]
    assert c.partnerships[0].council_code == "E08990001"
    assert [(loc.code, loc.partnership) for loc in c.localities] == [
        ("P01L01", "P01"),
        ("P02L01", "P02"),
    ]
    assert [(p.ods, p.locality) for p in c.practices] == [
        ("Q00001", "P01L01"),
        ("Q00002", "P02L01"),
    ]


def test_read_keeps_good_rows_and_names_each_bad_one():
    c = read(
        {
            "partnerships.csv": [*PARTNERSHIPS, {"partnership": "2", "code": "", "name": "X"}],
            "localities.csv": [
                *LOCALITIES,
                {"locality": "2", "code": "P09L01", "name": "Nowhere", "partnership": "9"},
                {"locality": "3", "code": "P01L01", "name": "Again", "partnership": "0"},
            ],
            "practices.csv": [*PRACTICES, {"ods": "Q00003", "locality": "7"}, PRACTICES[0]],
        }
    )
    assert len(c.partnerships) == 2 and len(c.localities) == 2 and len(c.practices) == 2
    assert [str(p) for p in c.problems] == [
        "partnerships.csv, row 4, code: is empty",
        "localities.csv, row 4, partnership: 9 is not in partnerships.csv",
        "localities.csv, row 5, code: P01L01 is already in the file",
        "practices.csv, row 4, locality: 7 is not in localities.csv",
        "practices.csv, row 5, ods: Q00001 is already in the file",
    ]


def test_a_locality_of_a_left_out_partnership_is_left_out_too():
    c = read(
        {
            "partnerships.csv": [{"partnership": "0", "code": "P01", "name": "x" * 201}],
            "localities.csv": LOCALITIES[:1],
            "practices.csv": PRACTICES[:1],
        }
    )
    assert c.partnerships == [] and c.localities == [] and c.practices == []
    assert str(c.problems[0]) == "partnerships.csv, row 2, name: is longer than 200 characters"
    assert len(c.problems) == 3


def test_missing_columns_names_each_one():
    assert missing_columns("localities.csv", ["locality", " code "]) == [
        Problem("localities.csv", 1, "name", "this column is missing from the header"),
        Problem("localities.csv", 1, "partnership", "this column is missing from the header"),
    ]
    assert missing_columns("practices.csv", ["ods", "locality", "extra"]) == []


def test_a_problem_with_the_whole_file_names_only_the_file():
    assert (
        str(Problem("practices.csv", 0, "", "not found in /x")) == "practices.csv: not found in /x"
    )
