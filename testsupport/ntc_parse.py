#!/usr/bin/env python3
"""Parses RouterOS output (stdin) with one of ntc-templates' TextFSM templates, as ntc-templates'
own tests do, and compares the records with a test case's `parsed_sample` (a .yml file).

Usage: ntc_parse.py TEMPLATE_NAME EXPECTED_YML < output
Exit 0 when the records equal the expectation; 1 with both printed (JSON) when they differ;
2 when the template or the expectation cannot be read."""
import json
import os
import sys

import ntc_templates
import textfsm
import yaml


def main() -> int:
    template_name, expected_path = sys.argv[1], sys.argv[2]
    template = os.path.join(os.path.dirname(ntc_templates.__file__), "templates", template_name)
    try:
        with open(template) as t:
            fsm = textfsm.TextFSM(t)
        with open(expected_path) as e:
            expected = yaml.safe_load(e)["parsed_sample"]
    except (OSError, KeyError, textfsm.TextFSMTemplateError, yaml.YAMLError) as err:
        print(f"{template_name} / {expected_path}: {err}", file=sys.stderr)
        return 2
    data = sys.stdin.read()
    header = [h.lower() for h in fsm.header]
    got = [dict(zip(header, row)) for row in fsm.ParseText(data)]
    if got == expected:
        return 0
    print(json.dumps({"got": got, "expected": expected}, indent=1, sort_keys=True))
    return 1


if __name__ == "__main__":
    sys.exit(main())
