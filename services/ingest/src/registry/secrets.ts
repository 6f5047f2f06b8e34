import { createHash, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * scrypt cost, stored with every hash so it can be raised later without breaking the secrets
 * already issued (a row keeps the parameters it was hashed with; rotate-secret re-hashes with
 * the current ones). N=2^15, r=8, p=1 takes 32 MiB and some 50 ms per check on one core. The
 * secrets are 32 random bytes (256 bits), so no cost setting makes guessing them feasible or not:
 * the cost only slows an offline attack on a stolen file, and a connect storm pays it once per
 * principal thanks to the verified-secret cache.
 */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** bytes of derived key */
  readonly keyLength: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1, keyLength: 32 };

/**
 * Mosquitto 2.x password-file hash `$7$<iterations>$<base64 salt>$<base64 hash>`: PBKDF2-HMAC-SHA512,
 * a 12-byte salt and a 64-byte hash, or Mosquitto drops the entry (src/security_default.c,
 * unpwd__decode_passwords, 2.0.11; `mosquitto_passwd` writes 101 iterations). The broker derives it
 * on every connect, with no cache; 1,000 iterations keep that cheap, and the 256-bit secret makes
 * the count irrelevant to guessing.
 */
export const MOSQUITTO_PBKDF2_ITERATIONS = 1_000;
const MOSQUITTO_SALT_BYTES = 12;
const MOSQUITTO_HASH_BYTES = 64;

/** 32 random bytes, base64url: 43 characters an MQTT client can send as its password. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export interface StoredSecret {
  /** `scrypt$N$r$p$<base64 salt>$<base64 hash>` */
  readonly scrypt: string;
  /** the Mosquitto 2.x `$7$` form, for export-mosquitto */
  readonly mosquitto: string;
}

function deriveScrypt(secret: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r bytes; Node's default (32 MiB) is just short of N=2^15, r=8.
    const maxmem = 256 * params.N * params.r;
    scrypt(secret, salt, params.keyLength, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$<base64 salt>$<base64 hash>` of a secret, in the thread pool; also used for staff passwords. */
export async function hashScrypt(secret: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await deriveScrypt(secret, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Both hashes of a new secret, in the thread pool. */
export async function hashSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<StoredSecret> {
  const mosquittoSalt = randomBytes(MOSQUITTO_SALT_BYTES);
  const [scryptHash, pbkdf2Key] = await Promise.all([
    hashScrypt(secret, params),
    pbkdf2Async(secret, mosquittoSalt, MOSQUITTO_PBKDF2_ITERATIONS, MOSQUITTO_HASH_BYTES, 'sha512'),
  ]);
  return {
    scrypt: scryptHash,
    mosquitto: `$7$${MOSQUITTO_PBKDF2_ITERATIONS}$${mosquittoSalt.toString('base64')}$${pbkdf2Key.toString('base64')}`,
  };
}

/** Checks a secret against a stored `scrypt$...` hash with the parameters stored in it. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const params: ScryptParams = { N: Number(n), r: Number(r), p: Number(p), keyLength: expected.length };
  const actual = await deriveScrypt(secret, Buffer.from(salt, 'base64'), params);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** What the verified-secret cache keeps: the SHA-256 of a secret that passed scrypt. */
export function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Equal-length digests compared in constant time. */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * SHA-256 of secrets that passed scrypt, each with the stored hash it passed against, so the
 * reconnects of a fleet sharing one gateway secret cost a hash, not a scrypt. A rotation changes
 * the stored hash and so retires the entry. Identical checks in flight share one scrypt: after a
 * restart the whole fleet reconnects at once, before the first check has finished.
 */
export class VerifiedSecrets {
  private readonly entries = new Map<string, { digest: Buffer; against: string }>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  /** `stillCurrent` is asked after scrypt: a revocation or rotation meanwhile voids the answer. */
  async check(id: string, secret: string, against: string, stillCurrent: () => boolean): Promise<boolean> {
    const digest = sha256(secret);
    const cached = this.entries.get(id);
    if (cached && cached.against === against) return sameDigest(cached.digest, digest);
    const key = `${id}\u0000${against}\u0000${digest.toString('hex')}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = verifySecret(secret, against).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    if (!(await pending) || !stillCurrent()) return false;
    this.entries.set(id, { digest, against });
    return true;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
