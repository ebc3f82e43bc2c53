"""Parameter paths in words for charts and reports."""

from model.analysis.labels import in_words


def test_paths_read_as_words():
    assert in_words("transitions.paid_work.day_service.annual") == "chance a year of moving from paid work to day service"
    assert in_words("costs.states.day_service.weekly.complex") == "weekly cost of day service (complex needs)"
    assert in_words("transitions.day_service.community_day.annual.values.0").endswith("(first period)")
    assert in_words("policy.referral.annual") == "referral rate a year"
    assert "." not in in_words("some.unknown.path")
