import { isDue, reconcileLockKey, slotStart, tenantOffsetMs } from './reconcile-schedule';

const HOUR = 3600_000;
const T0 = Date.UTC(2026, 10, 29, 0, 0, 0);

describe('reconciliation schedule', () => {
  it('spreads tenants over the interval with a stable offset', () => {
    const offsets = Array.from({ length: 200 }, (_, i) => tenantOffsetMs(`tenant-${i}`, HOUR));
    expect(offsets.every((o) => o >= 0 && o < HOUR)).toBe(true);
    expect(tenantOffsetMs('tenant-7', HOUR)).toBe(offsets[7]); // stable
    const quarters = [0, 1, 2, 3].map((q) => offsets.filter((o) => Math.floor(o / (HOUR / 4)) === q).length);
    expect(Math.min(...quarters)).toBeGreaterThan(25); // roughly even, not all at :00
  });

  it('finds the slot a moment falls in', () => {
    expect(slotStart(T0 + 10 * 60_000, HOUR, 5 * 60_000)).toBe(T0 + 5 * 60_000);
    expect(slotStart(T0 + 4 * 60_000, HOUR, 5 * 60_000)).toBe(T0 - 55 * 60_000);
  });

  it('is due once per slot, not before a full interval after the tenant was created', () => {
    const tenantId = '0c7e3d1a-4b2f-4f3e-9a7b-2d1c0b9a8f7e';
    const offset = tenantOffsetMs(tenantId, HOUR);
    const slot = T0 + 10 * HOUR + offset;
    const base = { tenantId, intervalMinutes: 60, createdAtMs: T0, lastStartedAtMs: null };
    expect(isDue({ ...base, nowMs: slot + 1000 })).toBe(true);
    expect(isDue({ ...base, nowMs: slot + 1000, lastStartedAtMs: slot + 500 })).toBe(false); // slot done
    expect(isDue({ ...base, nowMs: slot + 1000, lastStartedAtMs: slot - 1000 })).toBe(true); // previous slot
    expect(isDue({ ...base, nowMs: slot + 1000, createdAtMs: slot - 30 * 60_000 })).toBe(false); // too new
    expect(isDue({ ...base, nowMs: slot + HOUR + 1000, createdAtMs: slot - 30 * 60_000 })).toBe(true);
  });

  it('derives a distinct 64-bit lock key per tenant', () => {
    const a = reconcileLockKey('tenant-a');
    expect(a).toMatch(/^-?\d{1,19}$/);
    expect(reconcileLockKey('tenant-a')).toBe(a);
    expect(reconcileLockKey('tenant-b')).not.toBe(a);
  });
});
