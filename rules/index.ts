/**
 * Rule files loaded by every Prometheus of every stack: file name -> YAML.
 * Interim content (the meta group); the recording and SLO rules issue replaces this.
 */
import { RULE_FILES } from "../config/conventions";
import type { StackConfig } from "../config/schema";
import type { Topology } from "../render/topology";
import { toYaml } from "../render/yaml";

export function renderRuleFiles(_cfg: StackConfig, _topo: Topology): Record<string, string> {
  return {
    [RULE_FILES.meta]: toYaml(
      {
        groups: [
          {
            name: "meta",
            rules: [
              {
                alert: "Watchdog",
                expr: "vector(1)",
                labels: { severity: "info", service: "monitoring", team: "platform" },
                annotations: {
                  summary: "Alerting pipeline heartbeat; always firing.",
                  description: "Fires continuously so that a missing Watchdog means the alerting pipeline is broken.",
                },
              },
            ],
          },
        ],
      },
      "rules/index.ts",
    ),
  };
}
