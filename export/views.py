import markdown
import nh3
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from markdown.extensions.toc import TocExtension, slugify_unicode

from .forms import StartReleaseForm
from .models import Release
from .releases import ReleaseRefused, can_start_release, next_version, start_release

CONTENT_TYPES = {
    ".parquet": "application/vnd.apache.parquet",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
}
# A published release never changes: browsers and proxies may keep its files forever.
IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def releases(request: HttpRequest) -> HttpResponse:
    managing = can_start_release(request.user)
    listed = Release.objects.select_related("previous")
    if not managing:
        listed = listed.published()
    form = StartReleaseForm(initial={"version": next_version()}) if managing else None
    return render(request, "export/list.html", {"releases": listed, "managing": managing, "form": form})


@require_safe
def detail(request: HttpRequest, version: str) -> HttpResponse:
    release = _visible_release(request, version)
    files = [file | {"url": _download_url(request, release, file["path"])} for file in release.files]
    context = {
        "release": release,
        "managing": can_start_release(request.user),
        "files": files if release.is_published else [],
        "card_html": _card_html(release) if release.is_published else "",
        "snippets": _snippets(request, release) if release.is_published else {},
    }
    return render(request, "export/detail.html", context)


@require_safe
def download(request: HttpRequest, version: str, path: str) -> FileResponse:
    release = get_object_or_404(Release.objects.published(), version=version)
    # Only the files the build recorded are served: the path is looked up, never joined blindly.
    file = release.file(path)
    if file is None:
        raise Http404
    directory = release.directory.resolve()
    full_path = (directory / file["path"]).resolve()
    if not full_path.is_relative_to(directory) or not full_path.is_file():
        raise Http404
    # FileResponse streams the file in blocks: a large shard never sits in memory.
    response = FileResponse(
        open(full_path, "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type=CONTENT_TYPES.get(full_path.suffix, "application/octet-stream"),
        as_attachment=full_path.suffix == ".parquet",
        filename=full_path.name,
    )
    response["ETag"] = f'"{file["sha256"]}"'
    response["Cache-Control"] = IMMUTABLE
    return response


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_start_release(request.user):
        raise PermissionDenied(_("Only moderators can start a release."))
    form = StartReleaseForm(request.POST or None, initial={"version": next_version()})
    if request.method == "POST" and form.is_valid():
        try:
            release = start_release(by=request.user, version=form.cleaned_data["version"])
        except ReleaseRefused as refused:
            form.add_error("version", str(refused))
        else:
            messages.success(
                request,
                _("Release %(version)s is queued; this page shows its progress.")
                % {"version": release.version},
            )
            return redirect("export:detail", version=release.version)
    return render(request, "export/start.html", {"form": form})


def _visible_release(request: HttpRequest, version: str) -> Release:
    release = get_object_or_404(Release.objects.select_related("previous", "started_by"), version=version)
    # Releases in progress or failed are the moderators' business; for others they do not exist yet.
    if not release.is_published and not can_start_release(request.user):
        raise Http404
    return release


def _download_url(request: HttpRequest, release: Release, path: str) -> str:
    return request.build_absolute_uri(reverse("export:download", args=[release.version, path]))


def _card_html(release: Release) -> str:
    """The dataset card as safe HTML: Markdown rendered, then cleaned of anything but plain markup."""
    try:
        text = (release.directory / "README.md").read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    if text.startswith("---\n"):
        # The YAML front matter is for the Hub and `datasets`, not for readers.
        text = text.split("---\n", 2)[2]
    # Headings get the ids the Hub gives them (lower case, accents kept, "## Français" → "français"), so
    # the card's in-page links such as [Français](#français) lead to the same place on both sites.
    toc = TocExtension(slugify=slugify_unicode, permalink=False)
    html = markdown.markdown(text, extensions=["tables", "fenced_code", toc])
    return nh3.clean(html, attributes=_CARD_ATTRIBUTES)


_CARD_ATTRIBUTES = nh3.ALLOWED_ATTRIBUTES | {
    heading: {"id"} for heading in ("h1", "h2", "h3", "h4", "h5", "h6")
}


def _snippets(request: HttpRequest, release: Release) -> dict[str, str]:
    urls = {
        split: [_download_url(request, release, file["path"]) for file in release.data_files(split)]
        for split in ("train", "test")
    }
    urls = {split: split_urls for split, split_urls in urls.items() if split_urls}
    if release.hub_repo:
        datasets_source = f'"{release.hub_repo}", revision="{release.version}"'
    else:
        data_files = ", ".join(f'"{split}": {_python_list(split_urls)}' for split, split_urls in urls.items())
        datasets_source = f'"parquet", data_files={{{data_files}}}'
    train_urls = urls.get("train") or next(iter(urls.values()))
    if len(train_urls) == 1:
        pandas_read = f'df = pd.read_parquet("{train_urls[0]}")'
    else:
        pandas_read = f"df = pd.concat([pd.read_parquet(url) for url in {_python_list(train_urls)}])"
    # Each snippet says what to install: `datasets` reads http:// data files through fsspec's HTTP
    # filesystem, which needs aiohttp; pandas reads Parquet with pyarrow.
    datasets_needs = "datasets" if release.hub_repo else "datasets aiohttp"
    all_urls = [url for split_urls in urls.values() for url in split_urls]
    datasets_code = (
        f"# pip install {datasets_needs}\nfrom datasets import load_dataset\n\n"
        f"dataset = load_dataset({datasets_source})"
    )
    preference_urls = {
        split: [
            _download_url(request, release, file["path"])
            for file in release.data_files(f"preferences-{split}")
        ]
        for split in ("train", "test")
    }
    preference_urls = {split: split_urls for split, split_urls in preference_urls.items() if split_urls}
    if preference_urls:
        if release.hub_repo:
            preferences_source = f'"{release.hub_repo}", "preferences", revision="{release.version}"'
        else:
            data_files = ", ".join(
                f'"{split}": {_python_list(split_urls)}' for split, split_urls in preference_urls.items()
            )
            preferences_source = f'"parquet", data_files={{{data_files}}}'
        datasets_code += f"\npreferences = load_dataset({preferences_source})"
    return {
        "datasets": datasets_code,
        "pandas": f"# pip install pandas pyarrow\nimport pandas as pd\n\n{pandas_read}",
        "curl": "curl -fL --remote-name-all " + " \\\n  ".join(all_urls),
    }


def _python_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"
