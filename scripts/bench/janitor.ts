/**
 * The bench's safety net, run as a detached child. The bench tells it over stdin what it created
 * (`db <admin url> <name>`, `pid <temporal server pid>`, `dir <temp folder>`) and `done` once it
 * removed them itself. If stdin closes without `done` (the bench was killed: tsx sends SIGKILL to a
 * busy child that does not acknowledge Ctrl-C within 30 ms), the janitor removes them instead.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';

const created: { db?: [string, string]; pid?: number; dir?: string; done?: boolean } = {};
// the terminal's Ctrl-C reaches the whole process group; it is the bench's to handle
process.on('SIGINT', () => {});

let input = '';
process.stdin.on('data', (chunk: Buffer) => {
  input += chunk.toString();
  const lines = input.split('\n');
  input = lines.pop()!;
  for (const line of lines) {
    const [what, ...rest] = line.split(' ');
    if (what === 'db') created.db = [rest[0]!, rest[1]!];
    if (what === 'pid') created.pid = Number(rest[0]);
    if (what === 'dir') created.dir = rest.join(' ');
    if (what === 'done') created.done = true;
  }
});
process.stdin.on('end', () => void (created.done ? Promise.resolve() : cleanUp()).finally(() => process.exit(0)));

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function cleanUp() {
  if (created.pid && alive(created.pid)) {
    process.kill(created.pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(created.pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  if (created.dir) rmSync(created.dir, { recursive: true, force: true });
  if (created.db) {
    const admin = new pg.Client({ connectionString: created.db[0] });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${created.db[1].replace(/"/g, '""')}" WITH (FORCE)`);
    await admin.end();
  }
}
