// Runs the compiled test files with node's test runner. Suites:
//   unit         every dist/**/*.test.js outside test/conformance (what `npm test` runs)
//   conformance  dist/test/conformance/**/*.test.js (external corpora; never skipped)
// Extra arguments filter files by substring, e.g. `node scripts/run-tests.mjs unit merkle`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [suite = 'unit', ...filters] = process.argv.slice(2);
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...walk(path));
    } else if (name.endsWith('.test.js')) {
      out.push(path);
    }
  }
  return out;
}
const all = walk('dist').sort();
const isConformance = (f) => f.includes(join('test', 'conformance'));
const files = all
  .filter((f) => (suite === 'conformance' ? isConformance(f) : !isConformance(f)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files for suite "${suite}"`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
