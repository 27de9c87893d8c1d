// Makes sure the OASIS STIX 2.1 validator and the `stix2` library are available, installing them
// from PyPI into a venv under .data/tools/stix when they are not; prints the venv's python.
// test/stix.test.ts calls `ensureStixTools()` on first use, as scripts/fuzz.ts does with schemathesis.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installIntoVenv } from '../lib/python-tools.js';
import { TOOLS_DIR } from '../lib/temporal-binaries.js';

// 3.3.1 ships without its JSON schemas (oasis-open/cti-stix-validator#248): keep 3.2.0.
export const STIX_PACKAGES = ['stix2-validator==3.2.0', 'stix2==3.0.1'];
const VENV = path.join(TOOLS_DIR, 'stix');
export const STIX_PYTHON = path.join(VENV, 'bin', 'python');

const run = promisify(execFile);

async function installed(): Promise<boolean> {
  try {
    const { stdout } = await run(STIX_PYTHON, ['-c', 'import importlib.metadata as m; print(m.version("stix2-validator"), m.version("stix2"))']);
    return stdout.trim() === STIX_PACKAGES.map((p) => p.split('==')[1]).join(' ');
  } catch {
    return false;
  }
}

/** The venv's python with stix2-validator and stix2 importable. */
export async function ensureStixTools(): Promise<string> {
  if (await installed()) return STIX_PYTHON;
  await installIntoVenv(VENV, STIX_PACKAGES);
  if (!(await installed())) throw new Error(`${STIX_PACKAGES.join(' ')} did not install into ${VENV}`);
  return STIX_PYTHON;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await ensureStixTools());
}
