// `engine serve` as a real child process on loopback, its address read from the one stdout line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export async function serve(model: string, ...args: string[]) {
  return serveWith({}, model, ...args);
}

export async function serveWith(
  env: Record<string, string>,
  model: string,
  ...args: string[]
): Promise<{
  child: ChildProcess;
  url: string;
  model: string;
  auth: boolean;
  exited: Promise<number | null>;
  stderr: () => string;
}> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'engine', 'cli.ts'),
      'serve',
      '--model',
      model,
      '--port',
      '0',
      '--threads',
      '1',
      ...args,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SWITCHYARD_API_KEY: undefined,
        XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'switchyard-cache-')),
        ...env,
      },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const address = JSON.parse(line) as { url: string; model: string; auth: boolean };
  return { child, ...address, exited, stderr: () => err };
}
