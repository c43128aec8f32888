import type { GateReport } from "./types.js";

/** The subset of SARIF 2.1.0 the gate writes. @public */
export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: Array<{
    tool: { driver: { name: string; informationUri: string; rules: SarifRule[] } };
    results: SarifResult[];
  }>;
}

/** A SARIF rule descriptor. @public */
export interface SarifRule {
  id: string;
  shortDescription: { text: string };
  helpUri?: string;
  properties?: { "security-severity"?: string; tags?: string[] };
}

/** A SARIF result. @public */
export interface SarifResult {
  ruleId: string;
  level: "error" | "warning" | "note";
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string };
      region: { startLine: number; startColumn?: number };
    };
  }>;
}

const SECURITY_SEVERITY = { critical: "9.0", high: "7.5", medium: "5.0" } as const;

/**
 * Converts a report into SARIF for code scanning: findings and risks, each at its file and
 * line (line 1 of the set when nothing more precise is known).
 * @public
 */
export function toSarif(report: GateReport): SarifLog {
  const rules = new Map<string, SarifRule>();
  const results: SarifResult[] = [];
  const locate = (file: string, line?: number, column?: number) => [
    {
      physicalLocation: {
        artifactLocation: { uri: file },
        region: { startLine: Math.max(1, line ?? 1), ...(column ? { startColumn: column } : {}) },
      },
    },
  ];
  for (const set of report.sets) {
    for (const finding of set.findings) {
      const id = `keycard/${finding.check}${finding.rule ? `/${finding.rule}` : ""}`;
      if (!rules.has(id))
        rules.set(id, {
          id,
          shortDescription: { text: `${finding.check} ${finding.rule ?? "finding"}` },
        });
      results.push({
        ruleId: id,
        level: finding.severity === "notice" ? "note" : finding.severity,
        message: { text: finding.message },
        locations: locate(finding.file ?? set.name, finding.line, finding.column),
      });
    }
    for (const risk of set.risks) {
      const id = `keycard/risk/${risk.id}`;
      if (!rules.has(id)) {
        rules.set(id, {
          id,
          shortDescription: { text: risk.title },
          helpUri: risk.source.url,
          properties: {
            "security-severity": SECURITY_SEVERITY[risk.severity],
            tags: ["security", "iam", risk.kind],
          },
        });
      }
      results.push({
        ruleId: id,
        level: risk.severity === "medium" ? "warning" : "error",
        message: {
          text: `${risk.title}: ${risk.description} Newly allowed: ${risk.actions.join(", ")}.`,
        },
        locations: locate(risk.statement?.file ?? set.name, risk.statement?.line),
      });
    }
  }
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "keycard policy gate",
            informationUri: "https://github.com/keycard-dev/keycard",
            rules: [...rules.values()],
          },
        },
        results,
      },
    ],
  };
}
