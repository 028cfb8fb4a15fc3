from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import VERSION_PATTERN, Release


class ReleaseFileSerializer(serializers.Serializer):
    path = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)


class ReleaseCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(read_only=True)
    splits = serializers.DictField(child=serializers.IntegerField(), source="split_counts", read_only=True)
    task_types = serializers.DictField(
        child=serializers.IntegerField(), source="task_type_counts", read_only=True
    )
    domains = serializers.DictField(child=serializers.IntegerField(), source="domain_counts", read_only=True)
    levels = serializers.DictField(child=serializers.IntegerField(), source="level_counts", read_only=True)


class ReleaseChangelogSerializer(serializers.Serializer):
    previous_version = serializers.CharField(source="previous.version", allow_null=True, read_only=True)
    added = serializers.IntegerField(source="added_count", read_only=True)
    removed = serializers.IntegerField(source="removed_count", read_only=True)
    removals_by_reason = serializers.DictField(child=serializers.IntegerField(), read_only=True)


class ReleaseSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:export_api:release-detail", lookup_field="version", read_only=True
    )
    page_url = serializers.SerializerMethodField()
    counts = ReleaseCountsSerializer(source="*", read_only=True)
    changelog = ReleaseChangelogSerializer(source="*", read_only=True)
    size = serializers.IntegerField(read_only=True)
    files = serializers.SerializerMethodField()
    phase_display = serializers.CharField(source="get_phase_display", read_only=True)
    progress_percent = serializers.IntegerField(
        read_only=True, help_text="How far the build is, 0 to 100: rows written out of rows expected."
    )

    class Meta:
        model = Release
        fields = [
            "version",
            "state",
            "url",
            "page_url",
            "created_at",
            "started_at",
            "finished_at",
            "counts",
            "changelog",
            "size",
            "files",
            "hub_repo",
            "hub_commit",
            "phase",
            "phase_display",
            "rows_written",
            "rows_expected",
            "progress_percent",
        ]
        read_only_fields = fields

    def get_page_url(self, release: Release) -> str:
        return self._absolute(reverse("export:detail", args=[release.version]))

    @extend_schema_field(ReleaseFileSerializer(many=True))
    def get_files(self, release: Release) -> list[dict]:
        # Files of a release that is not published are not served: no dead links.
        if not release.is_published:
            return []
        return [
            {
                "path": file["path"],
                "url": self._absolute(reverse("export:download", args=[release.version, file["path"]])),
                "size": file["size"],
                "sha256": file["sha256"],
            }
            for file in release.files
        ]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ReleaseStatusSerializer(ReleaseSerializer):
    """What moderators see: the error of a failed build as well."""

    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "error"]
        read_only_fields = fields


class StartReleaseSerializer(serializers.Serializer):
    version = serializers.RegexField(
        VERSION_PATTERN,
        required=False,
        help_text="The version to build, like v1.2.0; by default the next minor version.",
    )
