"""Terminal tables and phrases, by hand."""

from vitiscore.report.tables import counts_text


def test_counts_are_one_phrase_in_alphabetical_order_of_status():
    assert counts_text({"ok": 5, "no_face": 1}) == "1 no_face, 5 ok"
    assert counts_text({}) == ""
