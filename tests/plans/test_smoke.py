from plans.checks import evaluate


def test_valid_plan_has_no_violations(setup):
    setup.make_policy()
    _plan, version = setup.make_plan()
    ev = evaluate(version)
    assert [v.message for v in ev.violations] == []
    assert ev.figures.grades[0].sessions == 99  # 104 weekdays minus 5 National Day weekdays
