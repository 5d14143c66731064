"""Validators for vpcwatch's reports, run by the Rust tests with the venv's python.

    validate.py sarif FILE    SARIF 2.1.0 schema (tests/data/sarif-schema-2.1.0.json)
    validate.py json FILE     docs/schema/check-report.schema.json
    validate.py jsonl FILE    each line against the schema's `account` definition
    validate.py junit FILE    parsed by junitparser; prints what it read (counts, cases,
                              properties) as JSON
    validate.py commands FILE...  YAML files; prints every `vpcwatch ...` command line
    validate.py yaml FILE     a YAML file as JSON

Prints what it found on stdout as JSON; a file that does not validate exits 1 with the
validator's own words on stderr.
"""

from __future__ import annotations

import json
import pathlib
import shlex
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def validate_schema(schema_path: pathlib.Path, document_path: str) -> None:
    document = json.loads(pathlib.Path(document_path).read_text())
    check(json.loads(schema_path.read_text()), document, "")
    print(json.dumps({"valid": True}))


def validate_lines(schema_path: pathlib.Path, document_path: str) -> None:
    """Every line one object valid against the schema's `account` definition."""
    schema = json.loads(schema_path.read_text())
    account = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/account"}
    lines = pathlib.Path(document_path).read_text().splitlines()
    for number, line in enumerate(lines, 1):
        check(account, json.loads(line), f"line {number}: ")
    print(json.dumps({"valid": True, "lines": len(lines)}))


def check(schema: dict, document, where: str) -> None:
    import jsonschema

    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        for error in errors:
            path = "/".join(str(p) for p in error.absolute_path)
            print(f"{where}{path}: {error.message}", file=sys.stderr)
        sys.exit(1)


def junit(path: str) -> None:
    from junitparser import Error, Failure, JUnitXml, Skipped

    xml = JUnitXml.fromfile(path)
    suites = []
    for suite in xml:
        cases = []
        for case in suite:
            kinds = [type(r).__name__.lower() for r in case.result]
            messages = [r.message for r in case.result]
            cases.append({"name": case.name, "classname": case.classname,
                          "results": kinds, "messages": messages})
            assert all(isinstance(r, (Failure, Error, Skipped)) for r in case.result)
        properties = {p.name: p.value for p in suite.properties()}
        suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures,
                       "errors": suite.errors, "skipped": suite.skipped, "cases": cases,
                       "properties": properties})
    totals = {key: getattr(xml, key) for key in ("tests", "failures", "errors", "skipped")}
    print(json.dumps({"suites": suites, **totals}))


def commands(paths: list[str]) -> None:
    """Every shell command that runs vpcwatch in the YAML documents."""
    import yaml

    found = []
    for path in paths:
        for document in yaml.safe_load_all(pathlib.Path(path).read_text()):
            for text in strings(document):
                found.extend(vpcwatch_lines(text))
    print(json.dumps({"commands": found}))


SHELL_KEYS = {"run", "script", "before_script", "after_script"}


def strings(node, in_shell: bool = False):
    """The shell code of a workflow (`run:`) or a GitLab job (`script:` and friends)."""
    if isinstance(node, str):
        if in_shell:
            yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, in_shell or key in SHELL_KEYS)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value, in_shell)


def vpcwatch_lines(text: str) -> list[list[str]]:
    """Shell words of each command that starts with vpcwatch (continuations joined)."""
    joined = text.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        for part in line.replace("&&", ";").replace("||", ";").split(";"):
            try:
                words = shlex.split(part, comments=True)
            except ValueError:
                continue
            if words and pathlib.PurePosixPath(words[0]).name == "vpcwatch":
                out.append(words)
    return out


def main() -> None:
    kind, *args = sys.argv[1:]
    if kind == "sarif":
        validate_schema(ROOT / "tests/data/sarif-schema-2.1.0.json", args[0])
    elif kind == "json":
        validate_schema(ROOT / "docs/schema/check-report.schema.json", args[0])
    elif kind == "jsonl":
        validate_lines(ROOT / "docs/schema/check-report.schema.json", args[0])
    elif kind == "junit":
        junit(args[0])
    elif kind == "commands":
        commands(args)
    elif kind == "yaml":
        import yaml

        print(json.dumps(yaml.safe_load(pathlib.Path(args[0]).read_text()), default=str))
    else:
        sys.exit(f"unknown validator {kind}")


if __name__ == "__main__":
    main()
