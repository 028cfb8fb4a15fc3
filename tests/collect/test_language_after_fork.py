"""Language checks in a process forked after the language detector was built: a web server's worker, whose
master builds the detector before forking it (moisson.wsgi.prepare_to_fork). lingua's parallel calls need
the threads it started in the process that built the detector, which a fork does not copy."""

import json
import os
import sys
import time

import pytest

from collect import checks
from collect.checks import LanguageVerdict, check_pair_text, language_verdicts

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks as the web server does on Linux")

FRENCH = "Pourquoi la mer est-elle salée ? Parce que les rivières y apportent des sels minéraux."
ENGLISH = "The train to Berlin is not running today because of a strike. We apologise for the delay."


def in_a_forked_process(work, *, seconds: float = 30) -> object:
    """`work()`'s JSON result, computed in a process forked from this one; fails if it is still running
    after `seconds` (a parallel call there would wait forever)."""
    checks._language_detector()  # Built here, before the fork, as the web server's master does.
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            os.close(read)
            os.write(write, json.dumps(work()).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(child, 9)
        os.waitpid(child, 0)
        os.close(read)
        pytest.fail(f"the forked process was still judging after {seconds} s")
    with os.fdopen(read, "rb") as result:
        output = result.read()
    assert os.waitstatus_to_exitcode(status) == 0
    return json.loads(output)


def test_a_forked_process_judges_several_texts_together():
    verdicts = in_a_forked_process(lambda: language_verdicts([FRENCH, ENGLISH, FRENCH]))

    assert verdicts == [LanguageVerdict.FRENCH, LanguageVerdict.NOT_FRENCH, LanguageVerdict.FRENCH]


def test_a_forked_process_checks_a_pair_with_a_context():
    def check() -> list:
        findings = check_pair_text(
            question="Résume ce texte en une phrase simple, s'il te plaît.",
            context=ENGLISH,
            answer="Le train pour Berlin est supprimé aujourd'hui à cause d'une grève.",
            task_type="summarization",
        )
        return [[finding.code, finding.field] for finding in findings]

    assert in_a_forked_process(check) == [["language_unsure", "context"]]


def test_the_process_that_built_the_detector_judges_in_parallel():
    checks._language_detector()

    assert checks._in_parallel()
