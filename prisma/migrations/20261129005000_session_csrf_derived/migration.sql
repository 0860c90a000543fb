-- The CSRF token is derived from the session cookie's token (infra/sessions.ts): nothing kept in clear.
ALTER TABLE "operator_session" DROP COLUMN "csrf_token";
