/**
 * The MedRec-style rounds: for each mining mode, a fresh Hardhat node, the Registrar
 * deployed, then the registration workload (the one medchain can run today, so the ratio
 * compares like with like) and MedRec's full shape (register, add a record pointer, grant a
 * viewer) at a fixed load.
 */
import type { EvmWorkloadName, RoundRequest } from '../../generator-protocol.js';
import type { SuitePlan } from '../../plan.js';
import { Progress } from '../../progress.js';
import { type RoundResult, roundResult, runGeneratorRound } from '../../round-runner.js';
import { EVM_ADMIN_COUNT } from '../../targets/evm-target.js';
import {
  type CompiledRegistrar,
  deployRegistrar,
  EVM_CHAIN_ID,
  type Mining,
  startHardhatNode,
} from './medrec.js';

async function evmRound(params: {
  plan: SuitePlan;
  compiled: CompiledRegistrar;
  mining: Mining;
  workload: EvmWorkloadName;
}): Promise<RoundResult> {
  const node = await startHardhatNode(params.mining);
  const name = `medrec-${params.workload}-${params.mining}`;
  const progress = new Progress(name);
  // Interval mining holds a block's worth of transactions per 100 ms, so it needs more load.
  const load =
    params.mining === 'automine' ? params.plan.evmFixedLoad : params.plan.evmFixedLoad * 8;
  try {
    const registrar = await deployRegistrar(node, params.compiled);
    const request: RoundRequest = {
      name,
      target: {
        kind: 'evm',
        url: node.url,
        chainId: EVM_CHAIN_ID,
        registrar,
        workload: params.workload,
        mining: params.mining,
        seed: params.plan.seed,
        firstMember: 0,
      },
      controller: { kind: 'fixed-load', transactions: load },
      // The measured part's transactions plus the warm-up's, as medchain's rounds have.
      count: Math.ceil(
        (params.plan.warmupS + params.plan.evmS) *
          params.plan.evmTpsCeiling *
          (params.mining === 'automine' ? 0.25 : 1),
      ),
      warmupS: params.plan.warmupS,
      sendSMax: params.plan.evmS,
      drainSMax: 30,
      batchMax: Math.max(1, Math.ceil(load / EVM_ADMIN_COUNT)),
    };
    const measured = await runGeneratorRound(request, {
      serverPid: node.pid,
      onProgress: (update) => progress.update(update),
    });
    progress.end();
    const notes = [
      `Hardhat ${node.version}, ${params.mining}, solc ${params.compiled.solcVersion}`,
    ];
    return roundResult(request, measured, { system: 'medrec', workload: params.workload, notes });
  } finally {
    progress.end();
    await node.stop();
  }
}

export async function medrecRounds(
  plan: SuitePlan,
  compiled: CompiledRegistrar,
): Promise<RoundResult[]> {
  const results: RoundResult[] = [];
  const modes: Mining[] = plan.evmIntervalMining ? ['automine', 'interval'] : ['automine'];
  for (const mining of modes) {
    const workloads: EvmWorkloadName[] = plan.evmFullShape
      ? ['registration', 'records-and-permissions']
      : ['registration'];
    for (const workload of workloads) {
      results.push(await evmRound({ plan, compiled, mining, workload }));
    }
  }
  return results;
}
