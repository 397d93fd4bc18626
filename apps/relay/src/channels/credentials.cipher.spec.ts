import { inspect } from 'node:util';
import { CredentialsCipher, CredentialsDecryptError } from './credentials.cipher';

const KEY = Buffer.alloc(32, 1).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 2).toString('base64');
const SECRET = { accessToken: 'shpat_very_secret', extra: 'ünïcødé' };

/** Flips one bit of one base64 part of `v1:<iv>:<tag>:<ciphertext>`. */
function tamper(stored: string, part: 1 | 2 | 3): string {
  const parts = stored.split(':');
  const bytes = Buffer.from(parts[part] ?? '', 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[part] = bytes.toString('base64');
  return parts.join(':');
}

describe('CredentialsCipher', () => {
  const cipher = new CredentialsCipher(KEY);

  it('round-trips an object of strings in the versioned format, with a fresh IV each time', () => {
    const a = cipher.encrypt(SECRET);
    const b = cipher.encrypt(SECRET);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('shpat');
    expect(Buffer.from(a.split(':')[1] ?? '', 'base64')).toHaveLength(12);
    expect(cipher.decrypt(a)).toEqual(SECRET);
    expect(cipher.decrypt(b)).toEqual(SECRET);
  });

  it.each([
    ['IV', 1],
    ['auth tag', 2],
    ['ciphertext', 3],
  ] as const)('detects a tampered %s', (_name, part) => {
    const stored = tamper(cipher.encrypt(SECRET), part);
    expect(() => cipher.decrypt(stored)).toThrow(
      new CredentialsDecryptError('credentials: cannot decrypt (wrong RELAY_SECRET_KEY or tampered value)'),
    );
  });

  it('refuses a value encrypted with another key', () => {
    const stored = new CredentialsCipher(OTHER_KEY).encrypt(SECRET);
    expect(() => cipher.decrypt(stored)).toThrow(/wrong RELAY_SECRET_KEY or tampered value/);
  });

  it('names an unknown format or a truncated IV', () => {
    expect(() => cipher.decrypt('plain-text')).toThrow(/unknown format/);
    expect(() => cipher.decrypt(cipher.encrypt(SECRET).replace(/^v1/, 'v2'))).toThrow(/unknown format/);
    const [v, , tag, data] = cipher.encrypt(SECRET).split(':');
    expect(() => cipher.decrypt([v, 'AAAA', tag, data].join(':'))).toThrow(/malformed IV or auth tag/);
  });

  it('refuses a key that is not 32 bytes, and never shows its key', () => {
    expect(() => new CredentialsCipher(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
    expect(inspect(cipher)).not.toContain(KEY);
    expect(inspect(cipher)).toContain('[redacted]');
    expect(JSON.stringify({ cipher })).not.toContain(KEY);
  });
});
