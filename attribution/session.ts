/**
 * Glue shared by the pipeline and the evaluation: provider options from config, training
 * options from config, and the `run` function that scores a dataset with an exported model.
 */
import type { AttributionConfig } from "../config/attribution.ts";
import { CLASSES, PIXELS, type Dataset } from "./data.ts";
import type { MlpParams, MlpShape } from "./graphs.ts";
import { exportModel, forward, loadModel, type ForwardOutputs } from "./model.ts";
import type { ProviderOptions } from "./providers.ts";
import { derive } from "./prng.ts";
import { train, type AttributionProgress, type TrainedModel, type TrainOptions } from "./train.ts";

export function providerOptions(settings: AttributionConfig, log?: (message: string) => void): ProviderOptions {
  return { providers: settings.providers, strict: settings.strict, threads: settings.threads, ...(log ? { log } : {}) };
}

export function trainOptions(settings: AttributionConfig, providers: ProviderOptions, seed = settings.seed): TrainOptions {
  return { hidden: settings.hidden, ...settings.training, seed, providers };
}

export function mlpShape(settings: AttributionConfig): MlpShape {
  return { inputs: PIXELS, hidden: settings.hidden, classes: CLASSES };
}

/** Forward pass of the exported inference model with `params` over `data`. */
export function runner(shape: MlpShape, providers: ProviderOptions, batchSize: number) {
  return async (params: MlpParams, data: Dataset): Promise<ForwardOutputs> => {
    const { session } = await loadModel(exportModel(shape, params), providers);
    try {
      return await forward(session, shape, data, batchSize);
    } finally {
      await session.release();
    }
  };
}

/** The training seed of TRAK's ensemble model m >= 1 (model 0 is trained with `seed` itself). */
export function ensembleSeed(seed: number, m: number): number {
  return Number(BigInt.asUintN(32, derive(seed, "ensemble", m)));
}

/** The main model first, then trak.models - 1 more trained with derived seeds, on demand. */
export function ensembleOf(
  model: TrainedModel,
  data: Dataset,
  settings: AttributionConfig,
  providers: ProviderOptions,
  progress?: AttributionProgress,
) {
  let models: Promise<TrainedModel[]> | undefined;
  return () => {
    models ??= (async () => {
      const all = [model];
      for (let m = 1; m < settings.trak.models; m++) {
        const seed = ensembleSeed(settings.seed, m);
        const onStep = (done: number, total: number) =>
          progress?.(`training ensemble model ${m + 1}/${settings.trak.models}`, done, total, "steps");
        all.push(await train(data, { ...trainOptions(settings, providers, seed), onStep }));
      }
      return all;
    })();
    return models;
  };
}
