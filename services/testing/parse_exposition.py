"""Parses Prometheus text exposition from stdin with prometheus_client's own parser and prints
the metric families as JSON. The Node tests use it so that /metrics is checked by a real parser,
not by regular expressions over strings."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def number(value: float):
    # JSON has no Infinity/NaN; keep them as the strings the exposition format uses.
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


def main() -> None:
    families = []
    for family in text_string_to_metric_families(sys.stdin.read()):
        families.append({
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "samples": [
                {"name": s.name, "labels": s.labels, "value": number(s.value)} for s in family.samples
            ],
        })
    json.dump(families, sys.stdout)


if __name__ == "__main__":
    main()
