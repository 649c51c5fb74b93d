/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One benchmark line: the figure, its baseline from the same run, and their ratio against the target. */
export function report(name: string, value: number, unit: string, baseline: number, target: string): void {
  const ratio = value / baseline;
  process.stdout.write(`${name.padEnd(34)} ${value.toFixed(1).padStart(9)} ${unit.padEnd(6)} baseline ${baseline.toFixed(1).padStart(9)} ${unit.padEnd(6)} ratio ${ratio.toFixed(2).padStart(5)}   target ${target}\n`);
}
