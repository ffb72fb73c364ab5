def nav(scope):
    return []


def landing(scope):
    return None
