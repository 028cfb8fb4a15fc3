import pyarrow
from django.apps import AppConfig


class ExportConfig(AppConfig):
    name = "export"
    verbose_name = "Publication"

    def ready(self) -> None:
        # pyarrow's default allocator (mimalloc) keeps the pages it frees for reuse, so a build's RSS
        # creeps up with every shard written and read back (~+100 MB at a million rows, bench/README.md).
        # The system allocator hands large buffers back to the kernel when they are freed.
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
