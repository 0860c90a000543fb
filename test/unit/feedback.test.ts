import { describe, expect, it } from 'vitest';
import { batchJumped, BATCH_JUMP, reportRate } from '../../domain/feedback.js';

describe('a key batch whose invalid-report rate jumped', () => {
  it('needs at least three reports', () => {
    expect(batchJumped({ reports: 2, sold: 2 }, { reports: 2, sold: 1000 })).toBe(false);
    expect(batchJumped({ reports: 3, sold: 3 }, { reports: 3, sold: 1000 })).toBe(true);
  });

  it('needs three times the rate of the rest of its product', () => {
    // rest: 10 reports on 500 keys = 2%; the batch needs 6%
    expect(batchJumped({ reports: 5, sold: 100 }, { reports: 15, sold: 600 })).toBe(false);
    expect(batchJumped({ reports: 6, sold: 100 }, { reports: 16, sold: 600 })).toBe(true);
  });

  it('compares against at least 1%, so a clean rest (or no other batch) still needs a real excess', () => {
    expect(BATCH_JUMP.baselineFloor).toBe(0.01);
    expect(batchJumped({ reports: 3, sold: 200 }, { reports: 3, sold: 200 })).toBe(false); // 1.5% < 3%
    expect(batchJumped({ reports: 3, sold: 100 }, { reports: 3, sold: 100 })).toBe(true); // 3% ≥ 3%
    expect(batchJumped({ reports: 3, sold: 0 }, { reports: 3, sold: 0 })).toBe(false);
  });

  it('rates are reports over keys sold, null before any sale', () => {
    expect(reportRate(3, 4)).toBe(0.75);
    expect(reportRate(0, 0)).toBeNull();
  });
});
