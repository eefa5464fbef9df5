/**
 * onnxruntime sessions on the execution providers named in config, in order: the first provider
 * that loads runs the model and is logged. With `strict`, the first provider must load or the call
 * fails with AttributionError EP_UNAVAILABLE. The CUDA path is the real one: onnxruntime-node is
 * asked for its "cuda" provider, which loads libonnxruntime_providers_cuda.so (CUDA 12, cuDNN 9)
 * when installed; without it the session creation throws and the next provider is tried.
 * A provider that failed once is not retried in the same process (clearProviderCache resets).
 */
import * as ort from "onnxruntime-node";
import { AttributionError } from "./errors.ts";

export interface ProviderOptions {
  /** Provider names in order of preference, e.g. ["cuda", "cpu"]. */
  readonly providers: readonly string[];
  /** Fail when the first provider does not load, instead of falling back. */
  readonly strict: boolean;
  /** Intra-op threads (fixed, so results are reproducible on one machine). */
  readonly threads: number;
  /** Where fallbacks and the chosen provider are reported; default console.error. */
  readonly log?: (message: string) => void;
}

/** A session and the provider that runs it. */
export interface LoadedSession {
  readonly session: ort.InferenceSession;
  readonly provider: string;
}

const failed = new Map<string, string>();
// onnxruntime prints a failed provider load itself; the error is reported here instead.
ort.env.logLevel = "fatal";
const announced = new Set<string>();

/** Forgets which providers failed and which were announced (tests). */
export function clearProviderCache(): void {
  failed.clear();
  announced.clear();
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 300);
}

/** Creates a session for `model` on the first provider of `options.providers` that loads. */
export async function createSession(model: Uint8Array, options: ProviderOptions): Promise<LoadedSession> {
  const log = options.log ?? ((m: string) => console.error(m));
  if (options.providers.length === 0) throw new RangeError("providers must name at least one execution provider");
  const reasons: string[] = [];
  for (const [position, provider] of options.providers.entries()) {
    let reason = failed.get(provider);
    if (reason === undefined) {
      try {
        const session = await ort.InferenceSession.create(model, {
          executionProviders: [provider],
          intraOpNumThreads: options.threads,
          interOpNumThreads: 1,
          executionMode: "sequential",
          graphOptimizationLevel: "all",
          logSeverityLevel: 4,
        });
        if (!announced.has(provider)) {
          announced.add(provider);
          log(
            `attribution: execution provider ${provider}${position > 0 ? ` (fallback from ${options.providers.slice(0, position).join(", ")})` : ""}`,
          );
        }
        return { session, provider };
      } catch (error) {
        reason = firstLine(error);
        failed.set(provider, reason);
      }
    }
    if (options.strict && position === 0) {
      throw new AttributionError(
        "EP_UNAVAILABLE",
        `execution provider ${provider} is required (attribution.strict) but did not load: ${reason}; install it or set strict to false`,
      );
    }
    reasons.push(`${provider}: ${reason}`);
    if (position + 1 < options.providers.length && !announced.has(`!${provider}`)) {
      announced.add(`!${provider}`);
      log(`attribution: execution provider ${provider} unavailable (${reason}); trying ${options.providers[position + 1]}`);
    }
  }
  throw new AttributionError("EP_NONE_LOADED", `no execution provider loaded: ${reasons.join("; ")}`);
}
