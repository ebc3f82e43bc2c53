"""Parameter paths in words for charts and reports."""

from model.analysis.labels import in_words


def test_paths_read_as_words():
    assert in_words("transitions.paid_work.day_service.annual") == "chance a year of moving from paid work to day service"
    assert in_words("costs.states.day_service.weekly.complex") == "weekly cost of day service (complex needs)"
    assert in_words("transitions.day_service.community_day.annual.values.0").endswith("(first period)")
    assert in_words("policy.referral.annual") == "referral rate a year"
    assert "." not in in_words("some.unknown.path")


def test_levers_years_and_money_read_as_words():
    from model.analysis.labels import financial_year, lever_in_words, money

    assert lever_in_words("funding", {"model": "money_follows_person", "lag_months": 3}) == \
        "money follows the person (after 3 months)"
    assert lever_in_words("entry_route", "employment_first").startswith("employment first")
    assert lever_in_words("transitions.day_service.community_day") == "moves from day service to community day"
    assert "." not in lever_in_words("population.some_new_value")
    assert financial_year(1, "2020-04") == "2020-21" and financial_year(20, "2020-04") == "2039-40"
    assert money(14_834_567) == "£14.8m" and money(-342_000) == "-£342k" and money(960_000) == "£1.0m"
    for path in ("costs.day_centres.fixed_per_year", "population.moving_away_annual"):
        assert ">" not in in_words(path)


def test_a_parameter_of_one_scenario_says_whose_it_is():
    from model.analysis.labels import whose_words

    path = "transitions.day_service.community_day.annual"
    assert whose_words(path, "both") == in_words(path)
    assert whose_words(path, "baseline").endswith("community day (baseline's)")
    assert whose_words(path + ".values.0", "essex_live").endswith("(first period, essex_live's)")
