/**
 * Rules the type checker and Biome cannot express (STYLE P1, P19): the protocol stays pure
 * and deterministic, lines fit in 100 columns, no focused tests are committed, and every
 * task marker names an issue. Runs in `npm test` over the sources in the working directory.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = process.cwd();
const LINE_COLUMNS_MAX = 100;

/**
 * Files that had long lines when this rule arrived, with how many: a ratchet, so the count
 * can only go down. Shrink an entry when you touch its file; delete it when it reaches 0.
 */
const LONG_LINES_ALLOWED: Record<string, number> = {
  'src/protocol/state/memory-tree-node-store.ts': 1,
};

function sourceFiles(directory: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) {
      out.push(...sourceFiles(path));
    } else if (/\.(ts|mts|js|mjs)$/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

function filesUnder(...folders: string[]): string[] {
  return folders.flatMap((folder) => {
    const path = join(ROOT, folder);
    try {
      return sourceFiles(path);
    } catch {
      return [];
    }
  });
}

const isTest = (path: string) => /\.test\.[mc]?[jt]s$/.test(path);
const show = (path: string, line: number) => `${relative(ROOT, path)}:${line}`;

/** Blanks out comments, keeping line numbers, so prose about Date or fetch is not flagged. */
function withoutComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;
const BANNED_IN_PROTOCOL: [RegExp, string][] = [
  [/\bDate\b/, 'Date (use the consensus time in the block header)'],
  [/\bMath\.random\b/, 'Math.random (use an injected Prng)'],
  [/\bset(?:Timeout|Interval|Immediate)\b/, 'timers (use an injected Clock)'],
  [/\bfetch\s*\(/, 'fetch( (I/O belongs to the node)'],
  [/\bprocess\./, 'process. (configuration is passed in)'],
  [/\brequire\s*\(/, 'require( (ESM imports only)'],
];

function importProblem(file: string, specifier: string): string | undefined {
  const bare = specifier.replace(/^node:/, '').split('/')[0]!;
  if (specifier.startsWith('node:') || BUILTINS.has(bare)) {
    return `imports the Node builtin "${specifier}"`;
  }
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    if (!target.startsWith(join(ROOT, 'src', 'protocol'))) {
      return `imports "${specifier}" from outside src/protocol`;
    }
  }
  return undefined;
}

function protocolProblems(file: string): string[] {
  const problems: string[] = [];
  const lines = withoutComments(readFileSync(file, 'utf8')).split('\n');
  lines.forEach((line, index) => {
    for (const match of line.matchAll(IMPORT)) {
      const problem = importProblem(file, match[1]!);
      if (problem !== undefined) {
        problems.push(`${show(file, index + 1)} ${problem}`);
      }
    }
    for (const [pattern, what] of BANNED_IN_PROTOCOL) {
      if (pattern.test(line)) {
        problems.push(`${show(file, index + 1)} uses ${what}`);
      }
    }
  });
  return problems;
}

function lineProblems(files: string[], check: (line: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const problem = check(line);
        if (problem !== undefined) {
          problems.push(`${show(file, index + 1)} ${problem}`);
        }
      });
  }
  return problems;
}

// Built from pieces so that this file does not trip its own rules.
const FOCUSED = new RegExp(
  `\\b(?:describe|it|test|suite)\\.${'only'}\\s*\\(|\\b${'only'}:\\s*true`,
);
const TASK = `${'TO'}DO`;
const TASK_MARKER = new RegExp(`\\b${TASK}\\b`);
const ISSUE_REFERENCE = /#\d+/;

describe('tidy', () => {
  it('protocol code imports no Node builtin or shell module and uses no ambient I/O', () => {
    const files = filesUnder('src/protocol').filter((file) => !isTest(file));
    assert.ok(files.length > 0, 'no protocol sources found; run from the project root');
    assert.deepEqual(files.flatMap(protocolProblems), []);
  });

  it(`lines in src/ fit in ${LINE_COLUMNS_MAX} columns`, () => {
    const problems: string[] = [];
    for (const file of filesUnder('src')) {
      const long = lineProblems([file], (line) =>
        [...line].length > LINE_COLUMNS_MAX ? `is ${[...line].length} columns` : undefined,
      );
      if (long.length > (LONG_LINES_ALLOWED[relative(ROOT, file)] ?? 0)) {
        problems.push(...long);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('no focused tests are committed', () => {
    const files = filesUnder('src', 'test', 'scripts', 'bench').filter(isTest);
    const problems = lineProblems(files, (line) =>
      FOCUSED.test(line) ? 'focuses a test (.only)' : undefined,
    );
    assert.deepEqual(problems, []);
  });

  it(`every ${TASK} references an issue (#N)`, () => {
    const files = filesUnder('src', 'test', 'scripts', 'bench');
    const problems = lineProblems(files, (line) =>
      TASK_MARKER.test(line) && !ISSUE_REFERENCE.test(line)
        ? `has a ${TASK} without #N`
        : undefined,
    );
    assert.deepEqual(problems, []);
  });
});
