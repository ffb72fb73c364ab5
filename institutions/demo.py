def institutions_step(demo):
    return None
