"""The review app's web pages, one module per workflow; review/urls.py maps them to URLs.

Views are thin callers: they read the request, call a service of review (or a read of Pair.objects), and
answer with a page or a redirect.
"""
