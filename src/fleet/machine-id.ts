// The machine id a staged rollout is keyed on: /etc/machine-id (systemd's, also on systems without
// systemd as PID 1 where dbus or the installer wrote it), else /var/lib/dbus/machine-id.
import * as fs from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';

const SOURCES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

export function readMachineId(): string {
  for (const file of SOURCES) {
    try {
      const id = fs.readFileSync(file, 'utf8').trim();
      if (id.length > 0) return id;
    } catch (err) {
      if (!hasErrno(err, 'ENOENT', 'EACCES')) throw err;
    }
  }
  throw new ServicePackError('USAGE', 'this machine has no machine id for the staged rollout', {
    hint: `None of ${SOURCES.join(', ')} exists: pass --machine-id <id> (any stable, unique string per machine).`,
    details: { argument: '--machine-id' },
  });
}
