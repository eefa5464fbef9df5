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
    const start = performance.now();
    bar.start(total, 0, { rate: "0.00", detail: "" });
    return {
      update(done, detail = "") {
        const seconds = (performance.now() - start) / 1000;
        bar.update(done, { rate: (done / Math.max(seconds, 1e-9)).toFixed(2), detail });
      },
      stop: () => bar.stop(),
    };
  }
  const start = performance.now();
  let lastLine = -Infinity;
  return {
    update(done, detail = "") {
      const seconds = (performance.now() - start) / 1000;
      if (done < total && seconds - lastLine < PLAIN_INTERVAL_S && lastLine !== -Infinity) return;
      lastLine = seconds;
      const rate = done / Math.max(seconds, 1e-9);
      const eta = done > 0 ? ((total - done) / rate).toFixed(0) : "?";
      stream.write(`${label}: ${done}/${total} ${unit}, ${rate.toFixed(2)} ${unit}/s, ETA ${eta} s${detail ? ` (${detail})` : ""}\n`);
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
