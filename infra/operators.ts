import { randomBytes } from 'node:crypto';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import type { Role } from '../domain/admin-schemas.js';
import { audit, SYSTEM_ACTOR } from './audit.js';
import type { Config } from './config.js';
import type { Db } from './db.js';
import { Prisma } from './db.js';

type Tx = Prisma.TransactionClient | Db;

/** The columns an operator record may show: everything but the password hash. */
export const OPERATOR_FIELDS = { id: true, email: true, name: true, role: true, disabled: true, createdAt: true } as const;
export type OperatorRecord = Prisma.OperatorGetPayload<{ select: typeof OPERATOR_FIELDS }> & { role: Role };

/** argon2id with the library's defaults (19 MiB, 2 passes, 1 lane): OWASP's recommended minimum. */
export const hashPassword = (password: string) => hash(password);

export const verifyPassword = (passwordHash: string, password: string) => verify(passwordHash, password);

let dummyHash: Promise<string> | undefined;

/** A hash of a random password: verifying against it costs what a real check costs, so timing tells nothing. */
export const decoyHash = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));

/**
 * The active operator with this email and password, or null. An unknown email still costs one argon2
 * verification, so response time does not tell which emails have accounts.
 */
export async function authenticate(db: Db, email: string, password: string): Promise<OperatorRecord | null> {
  const op = await db.operator.findUnique({ where: { email: email.toLowerCase() } });
  const ok = await verify(op?.passwordHash ?? await decoyHash(), password);
  if (!op || !ok || op.disabled) return null;
  const { passwordHash: _, updatedAt: __, ...record } = op;
  return record as OperatorRecord;
}

export interface NewOperator { email: string; name: string; role: Role; password: string }

export async function createOperator(tx: Tx, input: NewOperator): Promise<OperatorRecord> {
  const { password, ...fields } = input;
  const op = await tx.operator.create({
    data: { ...fields, email: fields.email.toLowerCase(), passwordHash: await hashPassword(password) },
    select: OPERATOR_FIELDS,
  });
  return op as OperatorRecord;
}

/**
 * True when `operatorId` is the only active owner, i.e. demoting, disabling or deleting it would lock
 * everyone out of owner tasks. Locks the owner rows, so two owners demoting each other at once cannot
 * both pass; call it inside the transaction that makes the change.
 */
export async function isLastActiveOwner(tx: Prisma.TransactionClient, operatorId: string): Promise<boolean> {
  const owners = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM operator WHERE role = 'owner' AND NOT disabled FOR UPDATE`;
  return owners.every((o) => o.id === operatorId);
}

export const DEFAULT_OWNER_EMAIL = 'admin@kami.local';

/**
 * Makes sure the panel has an owner. On a database without one it creates KAMI_ADMIN_EMAIL with
 * KAMI_ADMIN_PASSWORD, or admin@kami.local with a random password that the caller shows once
 * (production refuses to generate one). Safe to call from several processes at once.
 */
export async function ensureFirstOwner(db: Db, config: Pick<Config, 'KAMI_ADMIN_EMAIL' | 'KAMI_ADMIN_PASSWORD' | 'production'>): Promise<{ email: string; created: boolean; generatedPassword?: string }> {
  const existing = await db.operator.findFirst({ where: { role: 'owner' }, orderBy: { createdAt: 'asc' }, select: { email: true } });
  if (existing) return { email: existing.email, created: false };
  if (config.production && !config.KAMI_ADMIN_PASSWORD) {
    throw new Error('no operator panel owner exists yet: set KAMI_ADMIN_EMAIL and KAMI_ADMIN_PASSWORD (at least 10 characters) for the first start');
  }
  const email = (config.KAMI_ADMIN_EMAIL ?? DEFAULT_OWNER_EMAIL).toLowerCase();
  const generatedPassword = config.KAMI_ADMIN_PASSWORD ? undefined : randomBytes(12).toString('base64url');
  try {
    await db.$transaction(async (tx) => {
      const owner = await createOperator(tx, { email, name: 'Owner', role: 'owner', password: config.KAMI_ADMIN_PASSWORD ?? generatedPassword! });
      await audit(tx, SYSTEM_ACTOR, 'operator.bootstrap', { type: 'operator', id: owner.id }, { email, generatedPassword: Boolean(generatedPassword) });
    });
  } catch (err) {
    // another process created the first owner at the same moment: that one reports it
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return { email, created: false };
    throw err;
  }
  return { email, created: true, generatedPassword };
}

/** Where a generated first-owner password goes when stdout is not a terminal (a log, a pipe, a CI job). */
export const FIRST_OWNER_PASSWORD_FILE = 'first-owner-password.txt';

/**
 * What to tell whoever started Kami about the first owner. A generated password is shown this once,
 * and only to a terminal: when stdout is not one (its lines end up in logs), the password goes to
 * `<dataDir>/first-owner-password.txt`, created readable by this user only (mode 0600), and the notice
 * says where. Callers pass `process.stdout.isTTY` and KAMI_DATA_DIR.
 */
export function firstOwnerNotice(
  owner: { email: string; created: boolean; generatedPassword?: string },
  out: { tty: boolean; dataDir: string },
): string | null {
  if (!owner.created) return null;
  if (!owner.generatedPassword) return `✔ Created the operator panel owner ${owner.email} (password from KAMI_ADMIN_PASSWORD)`;
  const change = 'Change it after signing in (or set KAMI_ADMIN_EMAIL / KAMI_ADMIN_PASSWORD before the first start).';
  if (out.tty) {
    return [
      `✔ Created the operator panel owner. Sign in at /admin with:`,
      `    email     ${owner.email}`,
      `    password  ${owner.generatedPassword}`,
      `⚠ This password is shown only now. ${change}`,
    ].join('\n');
  }
  const file = resolve(join(out.dataDir, FIRST_OWNER_PASSWORD_FILE));
  try {
    mkdirSync(out.dataDir, { recursive: true, mode: 0o700 });
    // a file left from an earlier first start may have any mode: replace it rather than write into it
    try { unlinkSync(file); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
    // created 0600 by open(2) itself (O_CREAT|O_EXCL), so the password is never readable by others, not even briefly
    writeFileSync(file, [
      `Kami operator panel owner, created ${new Date().toISOString()}. Sign in at /admin with:`,
      `email     ${owner.email}`,
      `password  ${owner.generatedPassword}`,
      `${change} Then delete this file.`,
      '',
    ].join('\n'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new Error(`created the operator panel owner ${owner.email}, but could not write its generated password to ${file} ` +
      `(${(err as Error).message}); it was not printed because stdout is not a terminal. Delete that operator row and start again ` +
      `with ${out.dataDir} writable, or with KAMI_ADMIN_EMAIL / KAMI_ADMIN_PASSWORD set`);
  }
  return [
    `✔ Created the operator panel owner ${owner.email}. Its generated password is in ${file} (readable by this user only; not printed because stdout is not a terminal).`,
    `⚠ ${change} Then delete that file.`,
  ].join('\n');
}
