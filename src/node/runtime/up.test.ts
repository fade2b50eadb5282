/**
 * The flags `up` starts validators with: Node.js must accept them (a validator started with
 * a flag this Node.js refuses would never come up), and an operator's own flags come last,
 * so they override the defaults.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { validatorNodeArgs } from './up.js';

describe('validator process flags', () => {
  it('are accepted by this Node.js', () => {
    const result = spawnSync(process.execPath, [...validatorNodeArgs({}), '-e', '0'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
  });

  it('bound the heap by default, and an operator can raise the bound', () => {
    const limitMiB = (args: string[]) => {
      const script =
        'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))';
      const result = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      return Number(result.stdout) / 2 ** 20;
    };
    assert.ok(limitMiB(validatorNodeArgs({})) < 512, 'a validator stays under 512 MiB of heap');
    const raised = validatorNodeArgs({ MEDCHAIN_VALIDATOR_NODE_ARGS: '--max-old-space-size=2048' });
    assert.ok(limitMiB(raised) > 2000, 'the operator’s limit wins');
  });

  it('put MEDCHAIN_VALIDATOR_NODE_ARGS after the defaults', () => {
    const defaults = validatorNodeArgs({});
    const args = validatorNodeArgs({
      MEDCHAIN_VALIDATOR_NODE_ARGS: ' --no-single-threaded-gc  --max-old-space-size=512 ',
    });
    assert.deepEqual(args, [...defaults, '--no-single-threaded-gc', '--max-old-space-size=512']);
    const result = spawnSync(process.execPath, [...args, '-p', 'process.execArgv.join(" ")'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    // Node.js reads its flags in order, so these are the order the process sees them in.
    assert.ok(result.stdout.startsWith(`${args.join(' ')} -p`), result.stdout);
  });
});
