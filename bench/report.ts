/**
 * The suite's outputs: the markdown tables and an SVG chart of throughput and p99 latency,
 * and the generated section of docs/BENCHMARKS.md (between its results markers), so the
 * published figures are always the output of one run, never edited by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { RoundResult } from './round-runner.js';
import type { SuiteResult } from './suite-result.js';

const integer = (value: number) => Math.round(value).toLocaleString('en-US');
const seconds = (value: number) => value.toFixed(value < 0.1 ? 3 : 2);

export function roundsTable(rounds: RoundResult[]): string {
  const header =
    '| Name | Succ | Fail | Send rate (TPS) | Throughput (TPS) | Max latency (s) | ' +
    'Min latency (s) | Avg latency (s) | p50 (s) | p95 (s) | p99 (s) | Server CPU (cores) | ' +
    'Server peak RSS (MiB) | Controller |';
  const rule = `|${' --- |'.repeat(14)}`;
  const rows = rounds.map((round) => {
    const cells = [
      round.name,
      integer(round.succeeded),
      integer(round.failed),
      integer(round.sendRateTps),
      integer(round.throughputTps),
      seconds(round.latency.maxS),
      seconds(round.latency.minS),
      seconds(round.latency.avgS),
      seconds(round.latency.p50S),
      seconds(round.latency.p95S),
      seconds(round.latency.p99S),
      round.server === undefined ? 'n/a' : round.server.cpuCores.toFixed(2),
      round.server === undefined ? 'n/a' : integer(round.server.rssPeakMiB),
      round.controller,
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Two bar panels, one row per round: throughput (log scale) and p99 latency. */
export function chartSvg(rounds: RoundResult[], title: string): string {
  const rowHeight = 22;
  const top = 48;
  const labelWidth = 250;
  const panelWidth = 300;
  const height = top + rounds.length * rowHeight + 30;
  const gap = 80;
  const width = labelWidth + panelWidth * 2 + gap + 60;
  const maxTps = Math.max(10, ...rounds.map((round) => round.throughputTps));
  const maxP99 = Math.max(0.01, ...rounds.map((round) => round.latency.p99S));
  const logMax = Math.log10(maxTps);
  const colors = { medchain: '#2f6fb0', medrec: '#c0504d', sqlite: '#6a9a3a' };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${labelWidth}" y="38">throughput, tx/s (log scale)</text>`,
    `<text x="${labelWidth + panelWidth + gap}" y="38">p99 submit-to-commit latency, s</text>`,
  ];
  rounds.forEach((round, row) => {
    const y = top + row * rowHeight;
    const color = colors[round.system];
    const tpsWidth =
      round.throughputTps <= 1 ? 0 : (Math.log10(round.throughputTps) / logMax) * panelWidth;
    const p99Width = (round.latency.p99S / maxP99) * panelWidth;
    parts.push(
      `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${escapeXml(round.name)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${tpsWidth.toFixed(1)}" height="15" ` +
        `fill="${color}"/>`,
      `<text x="${(labelWidth + tpsWidth + 4).toFixed(1)}" y="${y + 14}">` +
        `${integer(round.throughputTps)}</text>`,
      `<rect x="${labelWidth + panelWidth + gap}" y="${y + 3}" width="${p99Width.toFixed(1)}" ` +
        `height="15" fill="${color}" opacity="0.7"/>`,
      `<text x="${(labelWidth + panelWidth + gap + 4 + p99Width).toFixed(1)}" y="${y + 14}">` +
        `${seconds(round.latency.p99S)}</text>`,
    );
  });
  const legendY = height - 10;
  parts.push(
    `<text x="10" y="${legendY}"><tspan fill="${colors.medchain}">■ medchain</tspan>  ` +
      `<tspan fill="${colors.medrec}">■ MedRec-style on Hardhat</tspan>  ` +
      `<tspan fill="${colors.sqlite}">■ SQLite</tspan></text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

const ratioText = (value: number | undefined, digits = 1) =>
  value === undefined ? 'not measured' : `${value.toFixed(digits)}×`;

export function resultsMarkdown(result: SuiteResult, chartPath: string): string {
  const { machine } = result;
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' / ');
  const lines = [
    `Run of ${machine.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${machine.commit}\`` +
      `${machine.dirty ? ' (with uncommitted changes)' : ''}, ` +
      `${result.plan.quick ? 'quick' : 'full'} mode, ` +
      `${Math.round(result.durationS)} s.`,
    '',
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ` +
      `Node ${machine.node}, ${machine.platform}. Load average (1 / 5 / 15 min) at the start ` +
      `${load(machine.loadAverage)}, at the end ${load(result.loadAverageEnd)} (the suite's ` +
      'own last rounds included).' +
      (result.otherWorkShare === undefined
        ? ''
        : ` Other work during the run: ${(result.otherWorkShare * 100).toFixed(1)}% of the ` +
          "machine's CPU."),
    '',
    ...noiseWarning(result),
    '### Ratios',
    '',
    '| Ratio | Value | Numerator | Denominator | Target |',
    '| --- | --- | --- | --- | --- |',
    ...result.ratios.map(
      (ratio) =>
        `| ${ratio.name} | ` +
        `${ratioText(ratio.value, ratio.value !== undefined && ratio.value < 1 ? 3 : 1)} | ` +
        `${ratio.numerator} | ${ratio.denominator} | ${ratio.target ?? ''} |`,
    ),
    '',
    '### Rounds',
    '',
    roundsTable(result.rounds),
    '',
    `![throughput and p99 latency of every round](${chartPath})`,
    '',
    ...memorySection(result.rounds),
    ...healthSection(result),
    ...growthAndLimits(result),
  ];
  return lines.join('\n');
}

/**
 * Per-process resident memory of the medchain rounds: the largest single process (a
 * validator) at its peak, and how its memory moved between the second and last quarter of
 * the round. The rounds table's RSS column sums every process of the network.
 */
function memorySection(rounds: RoundResult[]): string[] {
  const sampled = rounds.filter((round) => round.memory !== undefined);
  if (sampled.length === 0) {
    return [];
  }
  const lines = [
    '### Memory per process',
    '',
    'Resident memory of every server process (the `medchain up` supervisor and each ' +
      'validator), sampled through each round. Targets: one validator under 300 MB at its ' +
      'rate; each of four validators under 512 MB at peak load and flat over ten minutes ' +
      '(`npm run bench -- --soak`).',
    '',
    '| Round | Processes | Largest process peak RSS (MiB) | Largest process RSS, last / ' +
      'second quarter | Samples | Duration (s) |',
    `|${' --- |'.repeat(6)}`,
  ];
  for (const round of sampled) {
    const memory = round.memory!;
    const growth = Number.isFinite(memory.growthRatio) ? memory.growthRatio.toFixed(2) : 'n/a';
    const duration = memory.samples.at(-1)?.atS ?? 0;
    lines.push(
      `| ${round.name} | ${memory.processes} | ${integer(memory.largestPeakMiB)} | ${growth} | ` +
        `${memory.samples.length} | ${duration.toFixed(0)} |`,
    );
  }
  const soaks = sampled.filter((round) => round.name.startsWith('medchain-soak-'));
  for (const soak of soaks) {
    lines.push('', `Largest process RSS over ${soak.name} (one line a minute):`, '');
    lines.push(
      '| Time (s) | Largest process (MiB) | All processes (MiB) | ' +
        'Committed in the minute before (tx/s) |',
      '| --- | --- | --- | --- |',
    );
    let next = 0;
    for (const sample of soak.memory!.samples) {
      if (sample.atS >= next) {
        const minute = Math.round(sample.atS / 60) - 1;
        const committed = soak.commitsPerMinute?.[minute];
        const rate = minute < 0 || committed === undefined ? '' : integer(committed / 60);
        lines.push(
          `| ${sample.atS.toFixed(0)} | ${integer(sample.largestMiB)} | ` +
            `${integer(sample.totalMiB)} | ${rate} |`,
        );
        next += 60;
      }
    }
  }
  lines.push('');
  return lines;
}

const millis = (value: number) => value.toFixed(value < 1 ? 3 : 2);
const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Vault streaming, consent decisions and FHIR reads, each against its target. */
function healthSection(result: SuiteResult): string[] {
  const { vault, consent, fhir } = result.health ?? {};
  if (vault === undefined && consent === undefined && fhir === undefined) {
    return [];
  }
  const lines = ['### Health-records targets', ''];
  if (vault !== undefined) {
    lines.push(
      `Vault: one ${vault.bytes / 1e6} MB document encrypted by the SDK (node:crypto ports) and ` +
        'streamed through the real routes to a directory vault in another process, then ' +
        'downloaded, verified and decrypted (bench/vault.bench.ts). Target: 300 MB/s, each ' +
        "process's resident memory growing by less than 100 MB.",
      '',
      '| Phase | MB/s | Seconds | Client RSS growth (MB) | Node RSS growth (MB) | ' +
        'Client CPU (s) | Node CPU (s) |',
      `|${' --- |'.repeat(7)}`,
    );
    for (const name of ['upload', 'download'] as const) {
      const phase = vault[name];
      lines.push(
        `| ${name} | ${phase.megabytesPerSecond.toFixed(0)} | ${phase.seconds.toFixed(2)} | ` +
          `${megabytes(phase.clientRssGrowthBytes)} | ${megabytes(phase.serverRssGrowthBytes)} | ` +
          `${phase.clientCpuS.toFixed(2)} | ${phase.serverCpuS.toFixed(2)} |`,
      );
    }
    lines.push('');
  }
  if (consent !== undefined) {
    lines.push(
      `Consent: ${integer(consent.patients)} patients, ${integer(consent.records)} records and ` +
        `${integer(consent.grants)} grants committed on an in-process node (populated in ` +
        `${consent.populateS.toFixed(0)} s; bench/health-reads.ts). Target: p99 under 5 ms.`,
      '',
      '| Measure | Samples | p50 (ms) | p99 (ms) | Max (ms) | Notes |',
      `|${' --- |'.repeat(6)}`,
      `| consent decision (the \`check\` query the gate runs) | ` +
        `${integer(consent.decision.count)} | ${millis(consent.decision.p50Ms)} | ` +
        `${millis(consent.decision.p99Ms)} | ${millis(consent.decision.maxMs)} | ` +
        `${integer(consent.decision.allowed)} allowed, ` +
        `${integer(consent.decision.refused)} refused |`,
      `| authorized vault read without the document (signed GET of a key wrap) | ` +
        `${integer(consent.readPath.count)} | ${millis(consent.readPath.p50Ms)} | ` +
        `${millis(consent.readPath.p99Ms)} | ${millis(consent.readPath.maxMs)} | ` +
        'signature, gate, consent, wrap read; in process |',
      '',
    );
  }
  if (fhir !== undefined) {
    lines.push(
      `FHIR: authenticated reads (${fhir.mix}) sent open-loop at a fixed rate from a separate ` +
        'process to the same node over HTTP, latency from each request’s due time. ' +
        'Target: p99 under 20 ms at 500 requests/s.',
      '',
      '| Target rate (req/s) | Achieved (req/s) | Requests | Errors | p50 (ms) | p99 (ms) | ' +
        'Max (ms) |',
      `|${' --- |'.repeat(7)}`,
      `| ${integer(fhir.targetRps)} | ${integer(fhir.achievedRps)} | ${integer(fhir.count)} | ` +
        `${integer(fhir.errors)} | ${millis(fhir.p50Ms)} | ${millis(fhir.p99Ms)} | ` +
        `${millis(fhir.maxMs)} |`,
      '',
    );
  }
  return lines;
}

/** Other work shares the two cores with the run: say so next to the numbers. */
const OTHER_WORK_SHARE_MAX = 0.05;

function noiseWarning(result: SuiteResult): string[] {
  const startLoad = result.machine.loadAverage[0];
  const other = result.otherWorkShare;
  // Without a reading of other work, the load average at the end is all there is, and it
  // counts the suite's own last rounds.
  const reasons: string[] = [];
  if (startLoad > 1) {
    reasons.push(`the 1-minute load average was ${startLoad.toFixed(2)} when it started`);
  }
  if (other !== undefined && other > OTHER_WORK_SHARE_MAX) {
    reasons.push(`other work used ${(other * 100).toFixed(1)}% of the machine's CPU during it`);
  }
  if (other === undefined && result.loadAverageEnd[0] > 1) {
    reasons.push(`the 1-minute load average was ${result.loadAverageEnd[0].toFixed(2)} at its end`);
  }
  if (reasons.length === 0) {
    return [];
  }
  return [
    `**Noisy run**: ${reasons.join(', and ')}, on ${result.machine.cores} cores, so other ` +
      'work took CPU from the processes measured. Compare ratios measured in the same run; ' +
      'do not compare these figures across runs.',
    '',
  ];
}

function growthAndLimits(result: SuiteResult): string[] {
  const lines = ['### Physical limit: Ed25519 verifications on one core', ''];
  lines.push('| Implementation | Verifications per second per core |', '| --- | --- |');
  for (const limit of result.signatureLimits) {
    lines.push(`| ${limit.implementation} | ${integer(limit.verificationsPerSecond)} |`);
  }
  lines.push('', '### Commit rate against chain length', '');
  if (result.growth.length === 0) {
    lines.push('Not measured in this run (full mode only).');
  } else {
    lines.push('| Chain length at end of segment (tx) | Height | Commit rate (tx/s) |');
    lines.push('| --- | --- | --- |');
    for (const segment of result.growth) {
      lines.push(
        `| ${integer(segment.transactionsEnd)} | ${segment.heightEnd} | ` +
          `${integer(segment.commitRateTps)} |`,
      );
    }
  }
  lines.push('', '### Pending', '', ...result.pending.map((item) => `- ${item}`));
  if (result.problems.length > 0) {
    lines.push('', '### Problems in this run', '', ...result.problems.map((item) => `- ${item}`));
  }
  return lines;
}

export const RESULTS_START = '<!-- bench:results:start -->';
export const RESULTS_END = '<!-- bench:results:end -->';

/** Replaces the generated section of docs/BENCHMARKS.md; false when the markers are missing. */
export function writeResultsIntoDocs(path: string, markdown: string): boolean {
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(RESULTS_START);
  const end = text.indexOf(RESULTS_END);
  if (start < 0 || end < start) {
    return false;
  }
  const notice = '<!-- generated by npm run bench; do not edit by hand -->';
  const generated = `${RESULTS_START}\n${notice}\n\n${markdown}\n`;
  writeFileSync(path, text.slice(0, start) + generated + text.slice(end));
  return true;
}
