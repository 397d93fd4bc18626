import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const VERSION = 'v1';
const IV_BYTES = 12; // the GCM standard nonce size
const TAG_BYTES = 16;

export class CredentialsDecryptError extends Error {
  override readonly name = 'CredentialsDecryptError';
}

/**
 * Channel credentials at rest: AES-256-GCM with RELAY_SECRET_KEY, a random IV per value and the auth tag, stored
 * as `v1:<iv>:<tag>:<ciphertext>` (base64). The version prefix leaves room for key rotation.
 * Values are never logged: neither the key nor a decrypted value appears in an error or an inspect().
 */
export class CredentialsCipher {
  readonly #key: Buffer;

  constructor(base64Key: string) {
    const key = Buffer.from(base64Key, 'base64');
    if (key.length !== 32) throw new Error('RELAY_SECRET_KEY: expected base64 of 32 bytes');
    this.#key = key;
  }

  encrypt(credentials: Readonly<Record<string, string>>): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(':');
  }

  /** Throws CredentialsDecryptError for a wrong key, a tampered value or an unknown format (message names which). */
  decrypt(stored: string): Record<string, string> {
    const parts = stored.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new CredentialsDecryptError(
        `credentials: unknown format (expected ${VERSION}:<iv>:<tag>:<ciphertext>)`,
      );
    }
    const [, ivText = '', tagText = '', dataText = ''] = parts;
    const iv = Buffer.from(ivText, 'base64');
    const tag = Buffer.from(tagText, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new CredentialsDecryptError('credentials: malformed IV or auth tag');
    }
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(Buffer.from(dataText, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new CredentialsDecryptError(
        'credentials: cannot decrypt (wrong RELAY_SECRET_KEY or tampered value)',
      );
    }
    const parsed: unknown = JSON.parse(plain);
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      !Object.values(parsed).every((v) => typeof v === 'string')
    ) {
      throw new CredentialsDecryptError('credentials: decrypted value is not an object of strings');
    }
    return parsed as Record<string, string>;
  }

  [inspect.custom](): string {
    return 'CredentialsCipher { key: [redacted] }';
  }

  toJSON(): string {
    return '[CredentialsCipher]';
  }
}
