import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PID_FILE = 'relay.pid';

/** The pid of a live relay using this data directory, or null (no file, or a process killed without cleaning up). */
export function runningRelay(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** Marks the data directory as this process's: one relay per store. Answers the function that lets it go. */
export function claimDataDir(dataDir: string): () => void {
  const other = runningRelay(dataDir);
  if (other !== null) throw new Error(`another relay (pid ${other}) is using ${dataDir}; stop it first`);
  writeFileSync(join(dataDir, PID_FILE), String(process.pid));
  return () => rmSync(join(dataDir, PID_FILE), { force: true });
}
