/**
 * Whether the store may take new devices. Known devices report into rows they already have; a new device adds one, and
 * anyone with the enrollment token can invent devices (about 27 a second pass admission, each up to about 40 KB with
 * its findings and alert). Past the budget, or with the volume nearly full, new devices are refused rather than let
 * the disk fill, which would refuse every report and every alert.
 */
export interface StoreUse {
  /** What the store takes now. */
  storeBytes: number;
  /** What is free on the store's volume, when the relay can see it (SQLite's data directory); null otherwise. */
  freeBytes: number | null;
  budgetBytes: number;
}

export interface BudgetState {
  /** New devices may be stored. */
  admitsNew: boolean;
  /** Close enough to a bound to tell the operator (readiness), or past it. */
  warns: boolean;
  /** What an operator reads: the use against the bounds. */
  detail: string;
}

/** Refused below this share of the budget left free on the volume: the rest of the disk keeps known devices reporting. */
export const FREE_SHARE = 0.1;
/** Warned from this share of the budget used (or twice FREE_SHARE free). */
export const WARN_SHARE = 0.9;

export function storeBudget(use: StoreUse): BudgetState {
  const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
  const overBudget = use.storeBytes >= use.budgetBytes;
  const diskLow = use.freeBytes !== null && use.freeBytes < use.budgetBytes * FREE_SHARE;
  const warns = use.storeBytes >= use.budgetBytes * WARN_SHARE || (use.freeBytes !== null && use.freeBytes < use.budgetBytes * FREE_SHARE * 2);
  const free = use.freeBytes === null ? '' : `, ${mb(use.freeBytes)} free on its volume`;
  const detail = `store ${mb(use.storeBytes)} of a ${mb(use.budgetBytes)} budget${free}`;
  if (overBudget || diskLow) return { admitsNew: false, warns: true, detail: `new devices refused: ${detail}` };
  return { admitsNew: true, warns, detail };
}
