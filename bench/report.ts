import type { LatencyStats, RequestKind } from './load.js';
import type { QStashStats } from './protocol.js';

export interface PhaseReport {
  readonly target: string;
  /** Epoch ms, to line phases up with probe lines. */
  readonly startedAt: number;
  readonly loadEndedAt: number;
  readonly rate: number;
  readonly durationS: number;
  readonly sent: number;
  readonly responses: number;
  readonly status: Record<string, number>;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly throughput: number;
  readonly ack: LatencyStats;
  readonly ackByKind: Record<RequestKind, LatencyStats>;
  /** CPU the target used while the load ran, as a share of one core. */
  readonly cpuPercentDuringLoad: number;
  /** The same for the QStash emulator and fake Slack, and for the load generator: all share the machine. */
  readonly standInsCpuPercent: number;
  readonly loadGeneratorCpuPercent: number;
  readonly replies:
    | {
        expected: number;
        delivered: number;
        endToEnd: LatencyStats;
        drainMs: number;
        missing: { command: number; click: number; withSomePost: number };
        /** Outcomes announced in the channel: the key was resumed. */
        resumed: number;
        /** Private outcomes (refusals, failures, duplicates) by how their text begins. */
        otherOutcomes: Record<string, number>;
      }
    | undefined;
  readonly exitedDuringPhase: boolean;
  /** Highest RSS sampled from the start of this phase until its replies were in. */
  readonly peakRssMb: number;
  readonly loadAverageBefore: number;
  /** Flowbot only: its work in flight, read from its /metrics during the phase, and QStash's request log. */
  readonly work?: {
    /** Calls QStash received per second, from the phase's start until its replies were in. */
    readonly qstashCallsPerS: number;
    readonly qstashCalls: number;
    /** The most changes waiting on QStash at once (requests sharing a call count each), sampled. */
    readonly peakChangesInFlight: number;
    /** The most calls to QStash in flight at once, sampled. */
    readonly peakQStashCallsInFlight: number;
    /** Requests answered "Flowbot is overloaded…" in this phase. */
    readonly overloadRefusals: number;
  };
}

export interface TargetCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly value: string;
}

export interface Report {
  readonly when: string;
  readonly flowbotEntry: string;
  readonly node: string;
  readonly settings: Record<string, unknown>;
  /** flowbotReadyMs is the median of flowbotReadyRunsMs (each a first start on an empty data directory). */
  /** npmStartRunsMs: the same through `npm start` in the checkout (empty when another build is measured). */
  readonly startup: {
    flowbotReadyMs: number;
    flowbotReadyRunsMs: number[];
    npmStartReadyMs: number | undefined;
    npmStartRunsMs: number[];
    bareReadyMs: number;
  };
  readonly memory: Record<'flowbot' | 'bare', { peakSampledMb: number; highWaterMb: number | undefined }>;
  /** RSS of each target once started, before any load. */
  readonly restRssMb: Record<'flowbot' | 'bare', number>;
  readonly phases: PhaseReport[];
  readonly qstash: QStashStats;
  readonly flowbotHealthyAtEnd: boolean;
  readonly checks: TargetCheck[];
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(report: Report): string {
  const rows = report.phases.map((p) => [
    p.target,
    String(p.rate),
    String(p.sent),
    String(p.responses - p.non2xx),
    String(p.non2xx),
    `${p.errors}/${p.timeouts}`,
    p.throughput.toFixed(0),
    ms(p.ack.p50),
    ms(p.ack.p99),
    ms(p.ack.max),
    `${ms(p.ackByKind.command.p99)}/${ms(p.ackByKind.click.p99)}`,
    `${p.cpuPercentDuringLoad.toFixed(0)}/${p.standInsCpuPercent.toFixed(0)}/${p.loadGeneratorCpuPercent.toFixed(0)}`,
    p.peakRssMb.toFixed(0),
    p.replies ? `${p.replies.delivered}/${p.replies.expected} (${p.replies.resumed})` : '-',
    p.replies
      ? `${ms(p.replies.endToEnd.p50)}/${ms(p.replies.endToEnd.p99)}/${ms(p.replies.endToEnd.max)}`
      : '-',
  ]);
  const rates = [...new Set(report.phases.map((p) => p.rate))];
  const ratios = rates.map((rate) => {
    const flowbot = report.phases.find((p) => p.target === 'flowbot' && p.rate === rate);
    const bare = report.phases.find((p) => p.target === 'bare-bolt' && p.rate === rate);
    const ratio = flowbot && bare && bare.ack.p99 > 0 ? (flowbot.ack.p99 / bare.ack.p99).toFixed(2) : '?';
    return `${rate}/s: ${ratio}`;
  });
  const { flowbot, bare } = report.memory;
  const work = rates.map((rate) => {
    const flowbotPhase = report.phases.find((p) => p.target === 'flowbot' && p.rate === rate);
    const barePhase = report.phases.find((p) => p.target === 'bare-bolt' && p.rate === rate);
    const w = flowbotPhase?.work;
    return [
      String(rate),
      w ? w.qstashCallsPerS.toFixed(1) : '-',
      w ? String(w.peakChangesInFlight) : '-',
      w ? String(w.peakQStashCallsInFlight) : '-',
      w ? String(w.overloadRefusals) : '-',
      flowbotPhase && barePhase
        ? `${flowbotPhase.peakRssMb.toFixed(0)} / ${barePhase.peakRssMb.toFixed(0)} (${(flowbotPhase.peakRssMb / barePhase.peakRssMb).toFixed(2)}×)`
        : '-',
    ];
  });
  const workTable = table(
    [
      'rate/s',
      'QStash calls/s',
      'peak changes in flight',
      'peak QStash calls',
      'overload refusals',
      'peak RSS Flowbot / bare (MB)',
    ],
    work,
  );
  const rest = `RSS at rest: Flowbot ${report.restRssMb.flowbot.toFixed(0)} MB, bare Bolt ${report.restRssMb.bare.toFixed(0)} MB (+${(report.restRssMb.flowbot - report.restRssMb.bare).toFixed(0)} MB)`;
  return [
    `Node ${report.node} · QStash latency ${String(report.settings.latencyMs)} ms · ${String(report.settings.durationS)} s per rate`,
    `startup to /healthz 200: Flowbot median ${report.startup.flowbotReadyMs.toFixed(0)} ms of ${report.startup.flowbotReadyRunsMs
      .map((ms) => ms.toFixed(0))
      .join(', ')} (built JS), bare Bolt ${report.startup.bareReadyMs.toFixed(0)} ms (through tsx)`,
    ...(report.startup.npmStartReadyMs !== undefined
      ? [
          `startup to /healthz 200 through \`npm start\`: median ${report.startup.npmStartReadyMs.toFixed(0)} ms of ${report.startup.npmStartRunsMs
            .map((ms) => ms.toFixed(0))
            .join(', ')}`,
        ]
      : []),
    `peak RSS: Flowbot ${flowbot.peakSampledMb.toFixed(1)} MB sampled / ${flowbot.highWaterMb?.toFixed(1) ?? '?'} MB VmHWM; bare Bolt ${bare.peakSampledMb.toFixed(1)} / ${bare.highWaterMb?.toFixed(1) ?? '?'} MB`,
    '',
    table(
      [
        'target',
        'rate/s',
        'sent',
        '2xx',
        'non2xx',
        'err/t.o.',
        'thru/s',
        'ack p50',
        'ack p99',
        'ack max',
        'p99 cmd/click',
        'cpu% tgt/stand-ins/gen',
        'RSS MB',
        'replies (resumed)',
        'e2e p50/p99/max ms',
      ],
      rows,
    ),
    '',
    `Flowbot ack p99 / bare Bolt ack p99: ${ratios.join(' · ')}`,
    rest,
    '',
    workTable,
    '',
    ...report.phases
      .filter((p) => p.replies && Object.keys(p.replies.otherOutcomes).length > 0)
      .map(
        (p) =>
          `not resumed at ${p.rate}/s: ${Object.entries(p.replies?.otherOutcomes ?? {})
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
            .map(([text, count]) => `${count}× ${JSON.stringify(text)}`)
            .join('; ')}`,
      ),
    ...report.phases
      .filter((p) => p.replies && p.replies.delivered < p.replies.expected)
      .map(
        (p) =>
          `replies missing at ${p.rate}/s: ${p.replies?.missing.command} commands, ${p.replies?.missing.click} clicks (${p.replies?.missing.withSomePost} of them got only a progress note or a refused post)`,
      ),
    `QStash requests: ${report.qstash.requests} (${Object.entries(report.qstash.byRoute)
      .map(([route, count]) => `${route} ${count}`)
      .join(', ')}); Slack Web API calls: ${
      Object.entries(report.qstash.slackCalls)
        .map(([method, count]) => `${method} ${count}`)
        .join(', ') || 'none'
    }`,
    '',
    'targets:',
    ...report.checks.map((check) => `  ${check.ok ? 'PASS' : 'MISS'}  ${check.name}: ${check.value}`),
  ].join('\n');
}
