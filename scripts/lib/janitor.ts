/**
 * The bench's and the fuzzer's safety net, run as a detached child (started by safety-net.ts). Its
 * parent tells it over stdin what it created (`db <admin url> <name>`, `pid <process id>`, `dir <temp
 * folder>`) and `done` once it removed them itself. If stdin closes without `done` (the parent was
 * killed outright, or hung and was killed), the janitor stops those processes (in the order told:
 * the shops before the servers they use), removes the folders and drops the databases.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';

const created: { dbs: [string, string][]; pids: number[]; dirs: string[]; done: boolean } = { dbs: [], pids: [], dirs: [], done: false };
// the terminal's Ctrl-C reaches the whole process group; it is the parent's to handle
process.on('SIGINT', () => {});

let input = '';
process.stdin.on('data', (chunk: Buffer) => {
  input += chunk.toString();
  const lines = input.split('\n');
  input = lines.pop()!;
  for (const line of lines) {
    const [what, ...rest] = line.split(' ');
    if (what === 'db') created.dbs.push([rest[0]!, rest[1]!]);
    if (what === 'pid') created.pids.push(Number(rest[0]));
    if (what === 'dir') created.dirs.push(rest.join(' '));
    if (what === 'done') created.done = true;
  }
});
process.stdin.on('end', () => void (created.done ? Promise.resolve() : cleanUp()).finally(() => process.exit(0)));

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function cleanUp() {
  const running = created.pids.filter(alive);
  for (const pid of running) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone meanwhile */ } }
  for (let i = 0; i < 100 && running.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of running.filter(alive)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ } }
  for (const dir of created.dirs) rmSync(dir, { recursive: true, force: true });
  for (const [url, name] of created.dbs) {
    const admin = new pg.Client({ connectionString: url });
    try {
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
    } catch { /* nothing more to do */ } finally {
      await admin.end().catch(() => undefined);
    }
  }
}
