app_name = "collect_api"
urlpatterns: list = []
