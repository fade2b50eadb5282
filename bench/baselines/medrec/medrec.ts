/**
 * The MedRec-style baseline: MedRec.sol compiled with solc-js, a Hardhat network node (the
 * EDR engine) in its own process on loopback, the Registrar deployed by the first admin
 * account, and rounds driven by the same load generator as medchain's over JSON-RPC.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';
import { createWalletClient, type Hex, http } from 'viem';
import { freePorts } from '../../../src/testing/node-process.js';
import { startChild, stopChild, waitUntil } from '../../child-processes.js';
import { repositoryRoot } from '../../medchain-network.js';
import { evmAdmins } from '../../targets/evm-target.js';
import { rpc } from '../../targets/json-rpc.js';

export const EVM_CHAIN_ID = 31337;

export interface CompiledRegistrar {
  abi: unknown[];
  bytecode: Hex;
  solcVersion: string;
}

/** Compiles MedRec.sol (the source sits next to this file; found from src or dist). */
export function compileMedRec(): CompiledRegistrar {
  const here = dirname(fileURLToPath(import.meta.url));
  const sourcePath = join(repositoryRoot(), 'bench', 'baselines', 'medrec', 'MedRec.sol');
  const input = {
    language: 'Solidity',
    sources: { 'MedRec.sol': { content: readFileSync(sourcePath, 'utf8') } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { Registrar: ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<
      string,
      Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>
    >;
  };
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`MedRec.sol (${here}): ${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  const registrar = output.contracts['MedRec.sol']!.Registrar!;
  return {
    abi: registrar.abi,
    bytecode: `0x${registrar.evm.bytecode.object}`,
    solcVersion: solc.version(),
  };
}

export interface HardhatNode {
  url: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

export type Mining = 'automine' | 'interval';

/**
 * Hardhat's own defaults except: automine (its default) or a block every 100 ms like
 * medchain's, with a gas limit high enough that gas never caps a 100 ms block; base fee 0
 * so four accounts never run out of ether.
 */
function hardhatConfig(mining: Mining): string {
  const network = {
    chainId: EVM_CHAIN_ID,
    initialBaseFeePerGas: 0,
    mining: mining === 'automine' ? { auto: true } : { auto: false, interval: 100 },
    ...(mining === 'interval' ? { blockGasLimit: 1_000_000_000 } : {}),
  };
  return `module.exports = ${JSON.stringify({ networks: { hardhat: network } })};\n`;
}

export async function startHardhatNode(mining: Mining): Promise<HardhatNode> {
  const dir = mkdtempSync(join(tmpdir(), 'medchain-bench-hardhat-'));
  const config = join(dir, 'hardhat.config.cjs');
  writeFileSync(config, hardhatConfig(mining));
  const require = createRequire(import.meta.url);
  const packagePath = require.resolve('hardhat/package.json');
  const version = (JSON.parse(readFileSync(packagePath, 'utf8')) as { version: string }).version;
  const cli = join(dirname(packagePath), 'internal', 'cli', 'cli.js');
  const port = await freePorts(1);
  const args = [cli, '--config', config, 'node', '--hostname', '127.0.0.1', '--port', String(port)];
  const started = startChild(process.execPath, args, {
    cwd: repositoryRoot(),
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', CI: 'true' },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(started.child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil('hardhat node', 60_000, async () => {
      if (started.child.exitCode !== null) {
        throw new Error(`hardhat node exited (${started.child.exitCode}): ${started.output()}`);
      }
      return rpc(url, 'eth_chainId').then(
        () => true,
        () => false,
      );
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: started.child.pid!, version, stop };
}

/** Deploys the Registrar with the four admin accounts as its organization admins. */
export async function deployRegistrar(
  node: HardhatNode,
  compiled: CompiledRegistrar,
): Promise<Hex> {
  const admins = evmAdmins();
  const wallet = createWalletClient({ account: admins[0]!, transport: http(node.url) });
  const chain = {
    id: EVM_CHAIN_ID,
    name: 'hardhat',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  };
  const hash = await wallet.deployContract({
    abi: compiled.abi,
    bytecode: compiled.bytecode,
    args: [admins.map((admin) => admin.address)],
    chain,
    gas: 5_000_000n,
  });
  let receipt: { contractAddress: Hex | null; status: string } | null = null;
  await waitUntil('registrar deployment', 30_000, async () => {
    receipt = await rpc(node.url, 'eth_getTransactionReceipt', [hash]);
    return receipt !== null;
  });
  const deployed = receipt as unknown as { contractAddress: Hex | null; status: string };
  if (deployed.status !== '0x1' || deployed.contractAddress === null) {
    throw new Error('the Registrar deployment reverted');
  }
  return deployed.contractAddress;
}
