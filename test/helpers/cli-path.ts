// The command users run: the bundled CLI that package.json's `bin` names (scripts/bundle-cli.mjs),
// so the CLI tests also prove the bundle works.
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../bundle/servicepack.js', import.meta.url));
