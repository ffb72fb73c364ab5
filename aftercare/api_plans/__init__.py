urlpatterns: list = []  # the policy and plan API lands here
