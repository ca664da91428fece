import type { ValidationReport } from './types.js';

export function reportHasErrors(r: ValidationReport): boolean {
  return r.findings.some((f) => f.severity === 'error');
}

export function reportToJson(r: ValidationReport): string {
  return `${JSON.stringify({ plugin: r.plugin, findings: r.findings, checksRun: r.checksRun }, null, 2)}\n`;
}

const clip = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
const indent = (s: string) => s.trimEnd().split('\n').map((l) => `      ${l}`).join('\n');

/** The human report: one block per finding with its evidence, then a summary line. */
export function reportToText(r: ValidationReport): string {
  const out = [`kubewire cni validate ${r.plugin}`];
  for (const f of r.findings) {
    out.push('', `${f.severity.toUpperCase()} ${f.check} [${f.spec}]`, `  ${f.message}`);
    const e = f.evidence;
    if (e.env !== undefined) out.push(`    env: ${Object.entries(e.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    if (e.input !== undefined) out.push(`    stdin:\n${indent(clip(e.input))}`);
    if (e.exitCode !== undefined) out.push(`    exit code: ${e.exitCode}`);
    if (e.stdout !== undefined && e.stdout !== '') out.push(`    stdout:\n${indent(clip(e.stdout, 800))}`);
    if (e.stderr !== undefined && e.stderr !== '') out.push(`    stderr:\n${indent(clip(e.stderr))}`);
    if (e.observed !== undefined) out.push(`    observed:\n${indent(clip(e.observed, 800))}`);
  }
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  out.push('', `${r.checksRun} checks run: ${errors} error(s), ${r.findings.length - errors} warning(s)`);
  return `${out.join('\n')}\n`;
}
