app_name = "export_api"
urlpatterns: list = []
