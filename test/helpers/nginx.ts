// A real nginx (Debian's nginx-light) serving a directory on 127.0.0.1 with a temp config: one process
// (master_process off, so it runs as the test's user and reads the test's 0700 temp dirs), its access
// log kept to check status codes (206 for a resumed download).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './tree.js';

export interface Nginx {
  url: string;
  accessLog(): string;
  stop(): Promise<void>;
}

const nginxBin = (): string => (process.env.PATH ?? '').split(':').concat('/usr/sbin').map((d) => join(d, 'nginx')).find((p) => {
  try {
    return readFileSync(p).length > 0;
  } catch {
    return false;
  }
}) ?? 'nginx';

export async function startNginx(root: string): Promise<Nginx> {
  const dir = tempDir('nginx');
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { application/json json; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`);
  const child: ChildProcess = spawn(nginxBin(), ['-c', conf, '-p', dir, '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  await waitForPort(port, child);
  return {
    url: `http://127.0.0.1:${port}/`,
    accessLog: () => readFileSync(join(dir, 'access.log'), 'utf8'),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nginx did not listen within 5 s');
}
