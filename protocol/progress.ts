/**
 * Progress of long work: a bar with rate and ETA on a terminal, plain periodic lines elsewhere
 * (CI logs, pipes), so a log stays readable.
 */
import cliProgress from "cli-progress";

export interface Progress {
  /** Marks `done` of `total` units finished; `detail` is a short note (the last item). */
  update(done: number, detail?: string): void;
  stop(): void;
}

/** Minimum seconds between two plain lines, except the first and the last. */
const PLAIN_INTERVAL_S = 5;

/** Seconds of measured work before a rate is shown. */
const RATE_MIN_S = 1;

/**
 * Units per second since the first update, or undefined until RATE_MIN_S have passed: the first
 * update may come microseconds after the start, or count work done before it (a resumed job, a
 * stage that reports its first step late), and its rate would read "13,247,260 examples/s".
 */
export function rateMeter(now: () => number = () => performance.now()): (done: number) => number | undefined {
  let first: { done: number; at: number } | undefined;
  return (done) => {
    const at = now();
    if (first === undefined) first = { done, at };
    const seconds = (at - first.at) / 1000;
    return seconds < RATE_MIN_S ? undefined : (done - first.done) / seconds;
  };
}

export function startProgress(label: string, total: number, unit: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} | {detail}`,
        stream,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    const rate = rateMeter();
    bar.start(total, 0, { rate: "-", detail: "" });
    return {
      update(done, detail = "") {
        bar.update(done, { rate: rate(done)?.toFixed(2) ?? "-", detail });
      },
      stop: () => bar.stop(),
    };
  }
  const start = performance.now();
  const rateOf = rateMeter();
  let lastLine = -Infinity;
  return {
    update(done, detail = "") {
      const seconds = (performance.now() - start) / 1000;
      const rate = rateOf(done);
      if (done < total && seconds - lastLine < PLAIN_INTERVAL_S && lastLine !== -Infinity) return;
      lastLine = seconds;
      const speed =
        rate === undefined ? "" : `, ${rate.toFixed(2)} ${unit}/s, ETA ${rate > 0 ? ((total - done) / rate).toFixed(0) : "?"} s`;
      stream.write(`${label}: ${done}/${total} ${unit}${speed}${detail ? ` (${detail})` : ""}\n`);
    },
    stop() {},
  };
}

/**
 * Progress of work in successive stages (training, then scoring, ...): each call names its stage,
 * and a new stage ends the previous bar and starts its own.
 */
export function startStagedProgress(stream: NodeJS.WriteStream = process.stderr) {
  let current: { stage: string; bar: Progress } | undefined;
  return {
    update(stage: string, done: number, total: number, unit: string): void {
      if (current?.stage !== stage) {
        current?.bar.stop();
        current = { stage, bar: startProgress(stage, total, unit, stream) };
      }
      current.bar.update(done);
    },
    stop(): void {
      current?.bar.stop();
      current = undefined;
    },
  };
}
