/** A one-line progress display for slow steps: a spinner with elapsed time on a terminal, plain lines otherwise. */
export function startProgress(label: string) {
  const started = Date.now();
  const tty = process.stdout.isTTY;
  let detail = '';
  let frame = 0;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
  const render = () => {
    if (tty) process.stdout.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${label} (${elapsed()}) ${detail.slice(0, Math.max(0, (process.stdout.columns ?? 100) - label.length - 16))}`);
    else process.stdout.write(`  … ${label} (${elapsed()}) ${detail}\n`);
  };
  const timer = setInterval(render, tty ? 120 : 15_000);
  if (!tty) process.stdout.write(`  … ${label}\n`);
  return {
    update(text: string) { detail = text.trim(); },
    done(message: string) {
      clearInterval(timer);
      process.stdout.write(`${tty ? '\r\x1b[2K' : ''}✔ ${message} (${elapsed()})\n`);
    },
    fail(message: string) {
      clearInterval(timer);
      process.stdout.write(`${tty ? '\r\x1b[2K' : ''}✖ ${message} (${elapsed()})\n`);
    },
  };
}
