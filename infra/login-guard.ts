import type { Db } from './db.js';

/** Failures allowed before the account starts locking; then 10 s, 20 s, 40 s … up to 15 minutes. */
const FREE_FAILURES = 3;
const FIRST_LOCK_SECONDS = 5;
const MAX_LOCK_SECONDS = 15 * 60;

/** How long the account behind `email` is still locked after failed sign-ins (0: not locked). */
export async function lockedForMs(db: Db, email: string): Promise<number> {
  const op = await db.operator.findUnique({ where: { email: email.trim().toLowerCase() }, select: { lockedUntil: true } });
  return Math.max(0, (op?.lockedUntil?.getTime() ?? 0) - Date.now());
}

/**
 * Counts a failed sign-in against the account (if there is one): past FREE_FAILURES, each failure
 * locks it twice as long as the one before, at most 15 minutes. One statement, so concurrent
 * guesses all count.
 */
export async function recordFailedLogin(db: Db, email: string): Promise<void> {
  await db.$executeRaw`
    UPDATE "operator" SET "failed_logins" = "failed_logins" + 1,
      "locked_until" = CASE WHEN "failed_logins" + 1 > ${FREE_FAILURES}
        THEN now() + LEAST(${MAX_LOCK_SECONDS}, ${FIRST_LOCK_SECONDS} * power(2, LEAST("failed_logins" + 1 - ${FREE_FAILURES}, 20))) * interval '1 second'
        ELSE "locked_until" END
    WHERE "email" = ${email.trim().toLowerCase()}`;
}

export async function clearFailedLogins(db: Db, operatorId: string): Promise<void> {
  await db.operator.updateMany({ where: { id: operatorId, failedLogins: { gt: 0 } }, data: { failedLogins: 0, lockedUntil: null } });
}
