import { describe, expect, it } from 'vitest';
import { storeBudget } from './store-budget';

const MB = 1024 * 1024;

describe('storeBudget', () => {
  it('admits new devices below the budget, and warns from 90 %', () => {
    expect(storeBudget({ storeBytes: 100 * MB, freeBytes: 10_000 * MB, budgetBytes: 1000 * MB })).toEqual({
      admitsNew: true,
      warns: false,
      detail: 'store 100 MB of a 1000 MB budget, 10000 MB free on its volume',
    });
    expect(storeBudget({ storeBytes: 900 * MB, freeBytes: null, budgetBytes: 1000 * MB })).toMatchObject({ admitsNew: true, warns: true });
  });

  it('refuses new devices at the budget, or when the volume has less than a tenth of it free', () => {
    expect(storeBudget({ storeBytes: 1000 * MB, freeBytes: null, budgetBytes: 1000 * MB })).toMatchObject({ admitsNew: false, warns: true });
    const full = storeBudget({ storeBytes: 10 * MB, freeBytes: 99 * MB, budgetBytes: 1000 * MB });
    expect(full).toMatchObject({ admitsNew: false, warns: true });
    expect(full.detail).toBe('new devices refused: store 10 MB of a 1000 MB budget, 99 MB free on its volume');
    expect(storeBudget({ storeBytes: 10 * MB, freeBytes: 150 * MB, budgetBytes: 1000 * MB })).toMatchObject({ admitsNew: true, warns: true });
  });
});
