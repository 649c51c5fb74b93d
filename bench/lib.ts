import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One benchmark line: the figure, its baseline from the same run, their ratio, and the target. */
export function report(name: string, value: number, unit: string, baseline: number, baselineName: string, target: string): void {
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
  const line = `${name.padEnd(40)} ${fmt(value).padStart(8)} ${unit.padEnd(9)} ${baselineName.padEnd(28)} ${fmt(baseline).padStart(8)}   ratio ${(value / baseline).toFixed(2).padStart(6)}   target ${target}`;
  process.stdout.write(`${line}\n`);
}

/** Builds the relay's bundle, as `npm run build` does, so the benchmarks run what operators run. */
export function buildRelay(): void {
  execFileSync('npm', ['run', '--silent', 'build:relay'], { cwd: ROOT, stdio: 'inherit' });
}

/** Starts a server script with plain node, the way an operator would, and answers its URL once it prints one. */
export async function spawnServer(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /running at (\S+)/.exec(out);
      if (match?.[1]) resolveUrl(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return {
    child,
    url,
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}
