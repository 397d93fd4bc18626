import { nextVersion } from './hybrid-clock';
import { compareOdooDatetime, formatOdooDatetime, isOdooDatetime, parseOdooDatetime } from './odoo-time';

describe('Odoo datetimes', () => {
  it('parse as UTC, with or without microseconds, and format back to whole seconds', () => {
    expect(parseOdooDatetime('2025-03-01 09:51:07')).toBe(Date.UTC(2025, 2, 1, 9, 51, 7));
    expect(parseOdooDatetime('2026-11-29 03:32:33.794322')).toBe(Date.UTC(2026, 10, 29, 3, 32, 33, 794));
    expect(parseOdooDatetime('yesterday')).toBeNaN();
    expect(formatOdooDatetime(Date.UTC(2025, 2, 1, 9, 51, 7, 999))).toBe('2025-03-01 09:51:07');
    expect(isOdooDatetime('2025-03-01 09:51:07')).toBe(true);
    expect(isOdooDatetime(false)).toBe(false);
    expect(compareOdooDatetime('2025-03-01 09:51:07', '2025-03-01 09:51:08')).toBe(-1);
  });
});

describe('hybrid clock', () => {
  it('follows the wall clock in microseconds and never repeats or goes back', () => {
    const now = 1_700_000_000_000;
    expect(nextVersion(0, now)).toBe(now * 1000);
    expect(nextVersion(now * 1000, now)).toBe(now * 1000 + 1); // same millisecond
    expect(nextVersion(now * 1000 + 5, now - 10_000)).toBe(now * 1000 + 6); // clock stepped back
    expect(nextVersion(0, now + 1)).toBeGreaterThan(nextVersion(now * 1000, now) - 1);
    expect(Number.isSafeInteger(nextVersion(0, Date.UTC(2200, 0, 1)))).toBe(true);
  });
});
