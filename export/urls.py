app_name = "export"
urlpatterns: list = []
