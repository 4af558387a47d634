#!/usr/bin/env python3
"""Count the test results of every .trx file under a folder.

Prints one line: "<passed> <failed> <skipped> <files>". With --failures, prints
instead each failed test's name and the first lines of its message, so that the
end of a long log says which test failed. Counts the top-level
<UnitTestResult> outcomes (the <Counters> element leaves skipped tests out):
failed covers Failed, Error, Timeout and Aborted; skipped is NotExecuted
(xunit's Skip). Used by scripts/test.sh to print its closing line.
"""
import pathlib
import sys
import xml.etree.ElementTree as ET


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def first_lines(result, count: int = 6) -> str:
    for node in result.iter():
        if local(node.tag) == "Message" and node.text:
            return "\n".join("    " + line for line in node.text.strip().splitlines()[:count])
    return "    (no message)"


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--failures"]
    list_failures = "--failures" in sys.argv[1:]
    root = pathlib.Path(args[0] if args else ".")
    passed = failed = skipped = files = 0
    for trx in sorted(root.rglob("*.trx")):
        try:
            tree = ET.parse(trx)
        except ET.ParseError as exc:
            print(f"[test] unreadable trx {trx}: {exc}", file=sys.stderr)
            failed += 1
            continue
        files += 1
        # <TestRun><Results><UnitTestResult>: data-row <InnerResults> are not counted twice.
        results = (r for rs in tree.getroot() if local(rs.tag) == "Results" for r in rs)
        for result in (r for r in results if local(r.tag) == "UnitTestResult"):
            outcome = result.get("outcome", "")
            if outcome in ("Passed", "PassedButRunAborted"):
                passed += 1
            elif outcome in ("NotExecuted", "Inconclusive", "NotRunnable"):
                skipped += 1
            else:
                failed += 1
                if list_failures:
                    print(f"[test] FAILED {result.get('testName', '?')} ({outcome})\n{first_lines(result)}")
    if not list_failures:
        print(passed, failed, skipped, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
