"""`make check`: the installed packages against known vulnerabilities, with pip-audit.

pip-audit asks PyPI's per-release JSON API (/pypi/<name>/<version>/json) about each package.
Where that API does not answer, pip-audit skips the package yet still ends with "No known
vulnerabilities found" — on the build machine the proxy answers every such request with an empty
404, so nothing at all would be audited. A skipped package is therefore audited here from PyPI's
project API (/pypi/<name>/json), which lists the known vulnerabilities of the project's newest
release: that covers a package installed at its newest release. Any other skipped package fails
the check unless it is named with --unaudited (its reason stands next to it in the Makefile).
Nothing that could not be audited is ever taken as safe.
"""

import argparse
import json
import subprocess
import sys
import urllib.request
from importlib.metadata import PackageNotFoundError, version

PROJECT_API = "https://pypi.org/pypi/{name}/json"
EDITABLE = "distribution marked as editable"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ignore-vuln", action="append", default=[], metavar="ID")
    parser.add_argument("--unaudited", action="append", default=[], metavar="NAME")
    args = parser.parse_args(argv)
    problems, fallback = [], []
    for dependency in _pip_audit(args.ignore_vuln)["dependencies"]:
        if dependency.get("skip_reason") == EDITABLE:
            continue  # our own code: bandit's part of `make check`
        if "skip_reason" in dependency:
            fallback.append(dependency["name"])
            problems += _audit_newest(dependency["name"], args)
        else:
            problems += [_describe(dependency, v) for v in dependency["vulns"]]
    if fallback:
        print(
            f"pip-audit could not reach PyPI for {len(fallback)} packages; audited them from "
            "PyPI's project API (advisories of the newest release)."
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("No known vulnerabilities in the installed packages.")
    return 1 if problems else 0


def _pip_audit(ignored: list[str]) -> dict:
    command = [sys.executable, "-m", "pip_audit", "-f", "json", "--skip-editable"]
    command += ["--progress-spinner", "off", *(f"--ignore-vuln={i}" for i in ignored)]
    # Exit status 1 only says vulnerabilities were found: the JSON report says which.
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.exit(f"pip-audit failed:\n{result.stderr}")


def _audit_newest(name: str, args) -> list[str]:
    try:
        installed = version(name)
        with urllib.request.urlopen(PROJECT_API.format(name=name), timeout=30) as answer:  # noqa: S310
            project = json.load(answer)
    except (PackageNotFoundError, OSError, ValueError) as error:
        return [f"{name}: could not be audited ({error})"]
    newest = project["info"]["version"]
    if installed != newest:
        if name in args.unaudited:
            return []
        return [
            f"{name} {installed}: not audited (PyPI lists advisories for its newest release, "
            f"{newest}, only): upgrade it, or name it with --unaudited and a reason"
        ]
    ignored = set(args.ignore_vuln)
    return [
        _describe({"name": name, "version": installed}, vuln)
        for vuln in project.get("vulnerabilities", [])
        if not ignored & {vuln["id"], *vuln.get("aliases", [])}
    ]


def _describe(dependency: dict, vuln: dict) -> str:
    fixed = ", ".join(vuln.get("fix_versions") or vuln.get("fixed_in") or []) or "no fix yet"
    return f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})"


if __name__ == "__main__":
    sys.exit(main())
