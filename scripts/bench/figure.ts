export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

export interface BenchContext {
  readonly quick: boolean;
  readonly report: (f: BenchFigure) => void;
  /** A line that is not a figure (why a figure was skipped, a warning): stdout in text mode, stderr under --json. */
  readonly note: (text: string) => void;
}

export function round(v: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Peak RSS so far in MiB (the kernel's high-water mark, not a sample). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
