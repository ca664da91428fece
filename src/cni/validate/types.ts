/** What the validator reports: one finding per deviation, with a stable dotted check id and the evidence. */
export type FindingSeverity = 'error' | 'warning';

export interface Evidence {
  /** The request on stdin. */
  readonly input?: string;
  /** The CNI_* variables the plugin ran with. */
  readonly env?: Readonly<Record<string, string>>;
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  /** What the validator saw in the namespaces, when the finding is about kernel state. */
  readonly observed?: string;
}

export interface Finding {
  /** e.g. "add.result-matches-netns"; stable across releases. */
  readonly check: string;
  /** From the spec's own words: MUST → error, SHOULD → warning. */
  readonly severity: FindingSeverity;
  /** The spec section, e.g. "SPEC 1.0.0 §2 DEL". */
  readonly spec: string;
  readonly message: string;
  readonly evidence: Evidence;
}

export interface ValidationReport {
  readonly plugin: string;
  readonly findings: readonly Finding[];
  readonly checksRun: number;
  /** The throwaway namespaces the run used (all removed before the report is returned). */
  readonly namespaces?: readonly string[];
}

/** One plugin run and what came back. */
export interface Run {
  readonly input: string;
  readonly env: Readonly<Record<string, string>>;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed after the sandbox's time limit. */
  readonly timedOut?: boolean;
}

export function evidenceOf(r: Run, observed?: string): Evidence {
  return { input: r.input, env: r.env, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, ...(observed === undefined ? {} : { observed }) };
}

/** Collects findings and counts checks; every check calls `ran` once whatever its outcome. */
export class Findings {
  readonly list: Finding[] = [];
  checksRun = 0;

  ran(): void {
    this.checksRun++;
  }

  add(f: Finding): void {
    this.list.push(f);
  }

  /** A run killed at the time limit proves nothing about the check it served: say so instead. */
  timedOut(r: Run, spec: string): boolean {
    if (r.timedOut !== true) return false;
    this.add({ check: 'run.timeout', severity: 'error', spec, message: `the plugin did not finish ${r.env['CNI_COMMAND'] ?? ''} and was killed at the time limit`, evidence: evidenceOf(r) });
    return true;
  }
}
