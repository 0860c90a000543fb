import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Starts janitor.ts as a detached child that removes what its caller made (processes, folders,
 * databases) should the caller die without doing it; `tell` it each thing as it is made, `done` once
 * the caller removed them itself.
 */
export function startJanitor() {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./janitor.ts', import.meta.url))], {
    stdio: ['pipe', 'ignore', 'inherit'], detached: true,
  });
  child.unref();
  (child.stdin as unknown as Socket).unref(); // the pipe must not keep the caller alive
  child.stdin!.on('error', () => {}); // a janitor that died early only means no safety net
  return {
    tell: (line: string) => void (child.stdin!.writableEnded || child.stdin!.write(`${line}\n`)),
    done: () => void (child.stdin!.writableEnded || child.stdin!.end('done\n')),
  };
}
